import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { createHash } from 'node:crypto';

export type Item = Record<string, AttributeValue>;

/** The only condition the fake evaluates: Powertools' (2.x) "the key is free" condition on PutItem. */
const LOCK_CONDITION =
  'attribute_not_exists(#id) OR #expiry < :now OR (#status = :inprogress AND attribute_exists(#in_progress_expiry) AND #in_progress_expiry < :now_in_millis)';

/**
 * An in-memory DynamoDB table behind the mocked DynamoDBClient, doing what DynamoDB does for the
 * four calls of the idempotency persistence layer: a conditional PutItem that fails with
 * ConditionalCheckFailedException, carrying the existing item when asked with
 * ReturnValuesOnConditionCheckFailure: ALL_OLD; an UpdateItem (SET only) that upserts; GetItem; DeleteItem.
 * Anything it does not understand throws, so a change of the library's requests shows up as a failure.
 */
export class FakeIdempotencyTable {
  readonly items = new Map<string, Item>();
  /** The PutItem calls DynamoDB refused, with whether the existing item came along. */
  readonly refusedPuts: { key: string; returnedItem: boolean }[] = [];

  constructor(
    private readonly tableName: string,
    private readonly keyAttr = 'id',
  ) {}

  install(ddb: AwsClientStub<DynamoDBClient>): this {
    ddb.on(PutItemCommand).callsFake(async (input) => {
      this.checkTable(input.TableName);
      if (input.ConditionExpression !== LOCK_CONDITION) throw new Error(`fake table: unsupported condition ${input.ConditionExpression}`);
      const names = input.ExpressionAttributeNames ?? {};
      const values = input.ExpressionAttributeValues ?? {};
      const key = this.keyOf(input.Item);
      const existing = this.items.get(key);
      if (existing) {
        const num = (value: AttributeValue | undefined) => (value?.N === undefined ? undefined : Number(value.N));
        const now = num(values[':now'])!;
        const nowMillis = num(values[':now_in_millis'])!;
        const expiry = num(existing[names['#expiry']]);
        const lockExpiry = num(existing[names['#in_progress_expiry']]);
        const expired = expiry !== undefined && expiry < now;
        const lockExpired = existing[names['#status']]?.S === values[':inprogress'].S && lockExpiry !== undefined && lockExpiry < nowMillis;
        if (!expired && !lockExpired) {
          const returnItem = input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD';
          this.refusedPuts.push({ key, returnedItem: returnItem });
          throw new ConditionalCheckFailedException({
            message: 'The conditional request failed',
            $metadata: { httpStatusCode: 400 },
            ...(returnItem ? { Item: structuredClone(existing) } : {}),
          });
        }
      }
      this.items.set(key, structuredClone(input.Item!));
      return {};
    });
    ddb.on(UpdateItemCommand).callsFake(async (input) => {
      this.checkTable(input.TableName);
      const assignments = /^SET (.+)$/.exec(input.UpdateExpression ?? '');
      if (!assignments || input.ConditionExpression) throw new Error(`fake table: unsupported update ${input.UpdateExpression}`);
      const key = this.keyOf(input.Key);
      const item: Item = this.items.get(key) ?? structuredClone(input.Key!);
      for (const assignment of assignments[1].split(', ')) {
        const [name, value] = assignment.split(' = ');
        item[input.ExpressionAttributeNames![name]] = structuredClone(input.ExpressionAttributeValues![value]);
      }
      this.items.set(key, item);
      return {};
    });
    ddb.on(GetItemCommand).callsFake(async (input) => {
      this.checkTable(input.TableName);
      const item = this.items.get(this.keyOf(input.Key));
      return item ? { Item: structuredClone(item) } : {};
    });
    ddb.on(DeleteItemCommand).callsFake(async (input) => {
      this.checkTable(input.TableName);
      this.items.delete(this.keyOf(input.Key));
      return {};
    });
    return this;
  }

  private checkTable(tableName: string | undefined) {
    if (tableName !== this.tableName) throw new Error(`fake table: no table ${tableName}`);
  }

  private keyOf(item: Item | undefined): string {
    const key = item?.[this.keyAttr]?.S;
    if (key === undefined) throw new Error(`fake table: no string key ${this.keyAttr}`);
    return key;
  }
}

/**
 * The idempotency key of an order, as Powertools makes it:
 * `<keyPrefix>#<base64 MD5 of the JSON of the eventKeyJmesPath selection>`, here the orderId.
 */
export const idempotencyKeyOf = (orderId: string) => `notifier.OrderPlaced#${createHash('md5').update(JSON.stringify(orderId)).digest('base64')}`;
