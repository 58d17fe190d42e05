import { DeleteItemCommand, DynamoDBClient, GetItemCommand, InternalServerError, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { InternalErrorException, PublishCommand, SNSClient, type PublishCommandInput } from '@aws-sdk/client-sns';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { randomUUID } from 'node:crypto';
import type { OrderPlacedDetail } from '../../functions/shared/order-events';
import { FakeIdempotencyTable, idempotencyKeyOf } from './notifier-fixtures';
import { captureOutput, eventBridgeEnvelope, lambdaContext, orderPlacedDetail, sqsRecord } from './order-event-fixtures';

const TABLE_NAME = 'notifier-idempotency';
const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:order-notifications';

const sns = mockClient(SNSClient);
const ddb = mockClient(DynamoDBClient);
let table: FakeIdempotencyTable;

let handler: typeof import('../../functions/notifier/handler').handler;

beforeAll(() => {
  Object.assign(process.env, {
    AWS_REGION: 'eu-west-1',
    IDEMPOTENCY_TABLE_NAME: TABLE_NAME,
    NOTIFICATION_TOPIC_ARN: TOPIC_ARN,
    POWERTOOLS_SERVICE_NAME: 'notifier',
    POWERTOOLS_METRICS_NAMESPACE: 'HybridPlatform',
    // Logs and EMF metrics are printed, and captured from stdout/stderr below (so the tests see them
    // and the terminal does not).
    POWERTOOLS_LOG_LEVEL: 'INFO',
  });
  delete process.env.POWERTOOLS_DEV;
  delete process.env.POWERTOOLS_METRICS_DISABLED;
  // Required, not imported: imports are hoisted above the environment they need.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  ({ handler } = require('../../functions/notifier/handler') as typeof import('../../functions/notifier/handler'));
});

// ---- what the function printed: JSON log lines and EMF metric documents
let printed: string[];
beforeEach(() => {
  printed = [];
  captureOutput(printed);
  sns.reset();
  ddb.reset();
  table = new FakeIdempotencyTable(TABLE_NAME).install(ddb);
  let published = 0;
  sns.on(PublishCommand).callsFake(async () => ({ MessageId: `sns-message-${++published}` }));
});
afterEach(() => {
  (process.stdout.write as jest.Mock).mockRestore();
  (process.stderr.write as jest.Mock).mockRestore();
});

type Printed = Record<string, unknown>;
const printedJson = (): Printed[] =>
  printed
    .join('')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Printed);
const logs = () => printedJson().filter((line) => 'level' in line);
const logsOf = (message: string) => logs().filter((line) => line.message === message);
/** The sum of a metric's values over every EMF document printed. */
const metric = (name: string) =>
  printedJson()
    .filter((line) => '_aws' in line && name in line)
    .flatMap((line) => line[name] as number | number[])
    .reduce((sum, value) => sum + value, 0);

const REJECTED = 'Rejected the event: it is not a valid OrderPlaced event';
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

const invoke = (records: SQSRecord[], context = lambdaContext()) => handler({ Records: records }, context);
const recordOf = (detail: unknown, envelopeOverrides: Record<string, unknown> = {}) => sqsRecord(JSON.stringify(eventBridgeEnvelope(detail, envelopeOverrides)));
const publishes = (): PublishCommandInput[] => sns.commandCalls(PublishCommand).map((call) => call.args[0].input);
const publishedOrderIds = () => publishes().map((input) => input.MessageAttributes?.orderId?.StringValue);
/** Another delivery's lock on an order, as Powertools stores it, held until `lockExpiresAt` (ms). */
const seedInProgressLock = (orderId: string, lockExpiresAt: number) =>
  table.items.set(idempotencyKeyOf(orderId), {
    id: { S: idempotencyKeyOf(orderId) },
    status: { S: 'INPROGRESS' },
    expiration: { N: String(Math.round(Date.now() / 1000) + 14 * 86_400) },
    in_progress_expiration: { N: String(lockExpiresAt) },
  });
const failuresOf = (response: SQSBatchResponse) => response.batchItemFailures.map((failure) => failure.itemIdentifier).sort();

describe('notifier handler', () => {
  it('publishes one notification for an OrderPlaced event, to the topic of the environment', async () => {
    const detail = orderPlacedDetail({ orderId: '8f14e45f-ceea-4e7a-9d3b-2a1c7e9b0c11', totalCents: 2999, currency: 'EUR' });
    const response = await invoke([recordOf(detail)]);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(publishes()).toEqual([
      {
        TopicArn: TOPIC_ARN,
        Subject: 'Order 8f14e45f-ceea-4e7a-9d3b-2a1c7e9b0c11 placed',
        Message: [
          'Order 8f14e45f-ceea-4e7a-9d3b-2a1c7e9b0c11 was placed on 2025-11-21T10:15:30.000Z.',
          'Items: 3 (2 products)',
          'Total: €29.99',
        ].join('\n'),
        MessageAttributes: {
          eventType: { DataType: 'String', StringValue: 'OrderPlaced' },
          orderId: { DataType: 'String', StringValue: '8f14e45f-ceea-4e7a-9d3b-2a1c7e9b0c11' },
          customerEmail: { DataType: 'String', StringValue: 'ada.lovelace@example.com' },
        },
      },
    ]);
    expect(metric('NotificationsSent')).toBe(1);
    expect(metric('EventsRejected')).toBe(0);
  });

  it('records the order as notified in the idempotency table, keyed by orderId, with a 14-day expiry and an in-progress lock bounded by the invocation', async () => {
    const detail = orderPlacedDetail();
    const before = Date.now();
    await invoke([recordOf(detail)], lambdaContext(12_345));

    const [lock] = ddb.commandCalls(PutItemCommand).map((call) => call.args[0].input);
    expect(lock.TableName).toBe(TABLE_NAME);
    expect(lock.Item?.id).toEqual({ S: idempotencyKeyOf(detail.orderId) });
    expect(lock.Item?.status).toEqual({ S: 'INPROGRESS' });
    const lockExpiry = Number(lock.Item?.in_progress_expiration?.N);
    expect(lockExpiry).toBeGreaterThanOrEqual(before + 12_345);
    expect(lockExpiry).toBeLessThanOrEqual(Date.now() + 12_345);

    const record = table.items.get(idempotencyKeyOf(detail.orderId));
    expect(record?.status).toEqual({ S: 'COMPLETED' });
    // The stored outcome is the SNS message id: no customer data in the table.
    expect(record?.data).toEqual({ M: { messageId: { S: 'sns-message-1' } } });
    const expiresInSeconds = Number(record?.expiration?.N) - Date.now() / 1000;
    expect(expiresInSeconds).toBeGreaterThan(14 * 86_400 - 60);
    expect(expiresInSeconds).toBeLessThanOrEqual(14 * 86_400 + 1);
  });

  it('logs with the EventBridge event id as correlation id, the orderId and the SQS message id, and never the customer e-mail', async () => {
    const detail = orderPlacedDetail({ customerEmail: 'grace.hopper@example.org' });
    const envelope = eventBridgeEnvelope(detail);
    const record = sqsRecord(JSON.stringify(envelope));
    await invoke([record]);

    expect(logsOf('Notified the order')).toEqual([
      expect.objectContaining({
        level: 'INFO',
        service: 'notifier',
        correlation_id: envelope.id,
        orderId: detail.orderId,
        messageId: record.messageId,
        snsMessageId: 'sns-message-1',
      }),
    ]);
    expect(printed.join('')).not.toContain('grace.hopper');
  });

  it("passes the order's trace context on as the traceparent message attribute, and logs it with the order's X-Ray trace id", async () => {
    const detail = orderPlacedDetail({ traceContext: { traceparent: TRACEPARENT } });
    await invoke([recordOf(detail)]);

    expect(publishes()[0].MessageAttributes?.traceparent).toEqual({ DataType: 'String', StringValue: TRACEPARENT });
    expect(logsOf('Notified the order')).toEqual([
      expect.objectContaining({ orderId: detail.orderId, traceparent: TRACEPARENT, order_xray_trace_id: '1-4bf92f35-77b34da6a3ce929d0e0e4736' }),
    ]);
  });

  it('notifies an order whose event has no trace context, without trace keys or attribute', async () => {
    await invoke([recordOf(orderPlacedDetail())]);

    expect(publishes()[0].MessageAttributes).not.toHaveProperty('traceparent');
    expect(logsOf('Notified the order')[0]).not.toHaveProperty('traceparent');
  });

  it('does not carry one record’s keys into the logs of the next', async () => {
    const good = recordOf(orderPlacedDetail({ traceContext: { traceparent: TRACEPARENT } }));
    const bad = sqsRecord('not json');
    await invoke([good, bad]);

    const [rejected] = logsOf(REJECTED);
    expect(rejected.messageId).toBe(bad.messageId);
    expect(rejected).not.toHaveProperty('orderId');
    expect(rejected).not.toHaveProperty('correlation_id');
    expect(rejected).not.toHaveProperty('traceparent');
  });

  describe('duplicates', () => {
    it('does not notify again when the order is delivered again later (new message, new event id, same orderId)', async () => {
      const detail = orderPlacedDetail();
      const first = await invoke([recordOf(detail)]);
      const second = await invoke([recordOf(detail)]);

      expect(first).toEqual({ batchItemFailures: [] });
      expect(second).toEqual({ batchItemFailures: [] });
      expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
      // The second delivery asked for the lock on the same key, and DynamoDB refused it, returning the
      // completed record with the refusal: nothing else was read, nothing was written.
      expect(table.refusedPuts).toEqual([{ key: idempotencyKeyOf(detail.orderId), returnedItem: true }]);
      expect(ddb.commandCalls(GetItemCommand)).toHaveLength(0);
      expect(ddb.commandCalls(UpdateItemCommand)).toHaveLength(1);
      expect(logsOf('The order was already notified; skipped the duplicate')).toEqual([
        expect.objectContaining({ orderId: detail.orderId, snsMessageId: 'sns-message-1' }),
      ]);
      expect(metric('NotificationsSent')).toBe(1);
      expect(metric('DuplicatesSkipped')).toBe(1);
    });

    it('does not notify again when SQS redelivers the very same message', async () => {
      const record = recordOf(orderPlacedDetail());
      await invoke([record]);
      const again = await invoke([record]);

      expect(again).toEqual({ batchItemFailures: [] });
      expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    });

    it('notifies once when two deliveries of an order arrive in the same batch', async () => {
      const detail = orderPlacedDetail();
      const response = await invoke([recordOf(detail), recordOf(detail), recordOf(orderPlacedDetail())]);

      expect(response).toEqual({ batchItemFailures: [] });
      expect(publishedOrderIds().filter((id) => id === detail.orderId)).toHaveLength(1);
      expect(sns.commandCalls(PublishCommand)).toHaveLength(2);
    });

    it('fails (to retry later) a delivery whose order another delivery is notifying right now', async () => {
      const detail = orderPlacedDetail();
      seedInProgressLock(detail.orderId, Date.now() + 20_000);
      const concurrent = recordOf(detail);
      const other = recordOf(orderPlacedDetail());

      const response = await invoke([concurrent, other]);

      expect(failuresOf(response)).toEqual([concurrent.messageId]);
      expect(publishedOrderIds()).toEqual([JSON.parse(other.body).detail.orderId]);
      expect(logsOf('The order is being notified by another delivery; retrying later')).toHaveLength(1);
    });

    it('takes over an order whose previous attempt died holding the lock', async () => {
      const detail = orderPlacedDetail();
      seedInProgressLock(detail.orderId, Date.now() - 1_000);

      const response = await invoke([recordOf(detail)]);

      expect(response).toEqual({ batchItemFailures: [] });
      expect(publishedOrderIds()).toEqual([detail.orderId]);
      expect(table.items.get(idempotencyKeyOf(detail.orderId))?.status).toEqual({ S: 'COMPLETED' });
    });
  });

  describe('bad input', () => {
    const valid = () => orderPlacedDetail();
    const without = (key: keyof OrderPlacedDetail) => {
      const detail: Partial<OrderPlacedDetail> = valid();
      delete detail[key];
      return detail;
    };
    const envelopeBody = (detail: unknown, overrides: Record<string, unknown> = {}) => JSON.stringify(eventBridgeEnvelope(detail, overrides));

    const corpus: [name: string, body: string, reason: RegExp][] = [
      ['malformed JSON', '{"id": "0d3b", "detail": {', /^the message body is not valid JSON$/],
      ['an empty body', '', /^the message body is not valid JSON$/],
      ['JSON that is not an object', '[1, 2]', /^\(event\): Invalid input: expected object, received array$/],
      ['JSON null', 'null', /^\(event\): Invalid input: expected object, received null$/],
      ['no detail', JSON.stringify({ ...eventBridgeEnvelope(undefined), detail: undefined }), /^detail: Invalid input: expected object/],
      ['no event id', envelopeBody(valid(), { id: undefined }), /^id: Invalid input: expected string/],
      ['no orderId', envelopeBody(without('orderId')), /^detail\.orderId: /],
      ['no customer e-mail', envelopeBody(without('customerEmail')), /^detail\.customerEmail: /],
      ['no items', envelopeBody(without('items')), /^detail\.items: /],
      ['no total', envelopeBody(without('totalCents')), /^detail\.totalCents: /],
      ['an orderId that is not a UUID', envelopeBody({ ...valid(), orderId: 'order-42' }), /^detail\.orderId: Invalid UUID$/],
      ['an invalid customer e-mail', envelopeBody({ ...valid(), customerEmail: 'ada-at-example' }), /^detail\.customerEmail: Invalid email address$/],
      ['a quantity that is a string', envelopeBody({ ...valid(), items: [{ productId: randomUUID(), quantity: '2', unitPriceCents: 1 }] }), /^detail\.items\.0\.quantity: Invalid input: expected number, received string$/],
      ['a productId that is no product id', envelopeBody({ ...valid(), items: [{ productId: 'sku-1', quantity: 2, unitPriceCents: 1 }] }), /^detail\.items\.0\.productId: must be a product id \(a UUID\)$/],
      ['a fractional total', envelopeBody({ ...valid(), totalCents: 29.99 }), /^detail\.totalCents: Invalid input: expected int, received number$/],
      ['a negative total', envelopeBody({ ...valid(), totalCents: -1 }), /^detail\.totalCents: Too small/],
      ['an unsupported currency', envelopeBody({ ...valid(), currency: 'JPY' }), /^detail\.currency: Invalid option/],
      ['a placedAt that is not an ISO date-time', envelopeBody({ ...valid(), placedAt: 'yesterday' }), /^detail\.placedAt: Invalid ISO datetime$/],
      ['empty items', envelopeBody({ ...valid(), items: [] }), /^detail\.items: Too small/],
      ['an unknown detail field', envelopeBody({ ...valid(), couponCode: 'X' }), /^detail: Unrecognized key: "couponCode"$/],
      ['the wrong detail-type', envelopeBody(valid(), { 'detail-type': 'OrderShipped' }), /^detail-type: Invalid input: expected "OrderPlaced"$/],
      ['the wrong source', envelopeBody(valid(), { source: 'hybrid-platform.payments' }), /^source: Invalid input: expected "hybrid-platform\.orders"$/],
      ['a trace context that is no traceparent', envelopeBody({ ...valid(), traceContext: { traceparent: 'Root=1-5759e988-bd862e3fe1be46a994272793' } }), /^detail\.traceContext\.traceparent: must be a W3C traceparent/],
      ['an unknown trace context field', envelopeBody({ ...valid(), traceContext: { traceparent: TRACEPARENT, baggage: 'x' } }), /^detail\.traceContext: Unrecognized key: "baggage"$/],
    ];

    it.each(corpus)('fails only the record with %s, with the reason logged, and notifies the others once', async (_name, body, reason) => {
      const before = recordOf(orderPlacedDetail());
      const bad = sqsRecord(body);
      const after = recordOf(orderPlacedDetail());

      const response = await invoke([before, bad, after]);

      expect(failuresOf(response)).toEqual([bad.messageId]);
      expect(publishedOrderIds()).toEqual([before, after].map((record) => JSON.parse(record.body).detail.orderId));
      // Rejected before the idempotency table is touched.
      expect(ddb.commandCalls(PutItemCommand)).toHaveLength(2);
      const rejected = logsOf(REJECTED);
      expect(rejected).toEqual([expect.objectContaining({ level: 'WARN', messageId: bad.messageId, reason: expect.stringMatching(reason) })]);
      expect(metric('EventsRejected')).toBe(1);
      expect(metric('NotificationsSent')).toBe(2);
    });

    it('names every problem of an event, and no values (they may be customer data)', async () => {
      const bad = sqsRecord(
        envelopeBody({ ...valid(), customerEmail: 'ada-at-example', currency: 'JPY' }, { source: 'somewhere.else' }),
      );
      await invoke([bad]);

      const [{ reason }] = logsOf(REJECTED);
      expect(String(reason).split('; ')).toEqual([
        'source: Invalid input: expected "hybrid-platform.orders"',
        'detail.customerEmail: Invalid email address',
        'detail.currency: Invalid option: expected one of "USD"|"EUR"|"GBP"',
      ]);
      expect(printed.join('')).not.toContain('ada-at-example');
    });

    it('uses the event id of a rejected event as correlation id, when it has one', async () => {
      const envelope = eventBridgeEnvelope(valid(), { source: 'hybrid-platform.payments' });
      await invoke([sqsRecord(JSON.stringify(envelope))]);

      expect(logsOf(REJECTED)).toEqual([expect.objectContaining({ correlation_id: envelope.id })]);
    });

    it('reports exactly the bad records of a mixed batch, and notifies each good order exactly once', async () => {
      const good = Array.from({ length: 5 }, () => recordOf(orderPlacedDetail()));
      const bad = [
        sqsRecord('{'),
        recordOf(without('customerEmail')),
        recordOf(valid(), { 'detail-type': 'OrderCancelled' }),
        recordOf({ ...valid(), items: [] }),
        recordOf({ ...valid(), totalCents: '29.99' }),
      ];
      const batch = [good[0], bad[0], good[1], bad[1], bad[2], good[2], good[3], bad[3], bad[4], good[4]];

      const response = await invoke(batch);

      expect(failuresOf(response)).toEqual(bad.map((record) => record.messageId).sort());
      const goodOrderIds = good.map((record) => JSON.parse(record.body).detail.orderId as string);
      expect(publishedOrderIds().sort()).toEqual([...goodOrderIds].sort());
      expect(metric('EventsRejected')).toBe(5);
      expect(metric('NotificationsSent')).toBe(5);
    });

    it('reports a batch of only bad records record by record, without failing the invocation', async () => {
      const bad = [sqsRecord('nope'), recordOf(valid(), { source: 'elsewhere' })];

      const response = await invoke(bad);

      expect(failuresOf(response)).toEqual(bad.map((record) => record.messageId).sort());
      expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
    });
  });

  describe('AWS failures', () => {
    it('fails only the record whose Publish failed, releases its lock, and notifies it on the retry', async () => {
      const unlucky = orderPlacedDetail();
      let published = 0;
      sns.on(PublishCommand).callsFake(async (input: PublishCommandInput) => {
        if (input.MessageAttributes?.orderId?.StringValue === unlucky.orderId && published === 1) {
          throw new InternalErrorException({ message: 'Internal error', $metadata: { httpStatusCode: 500 } });
        }
        return { MessageId: `sns-message-${++published}` };
      });
      const records = [recordOf(orderPlacedDetail()), recordOf(unlucky), recordOf(orderPlacedDetail())];

      const response = await invoke(records);

      expect(failuresOf(response)).toEqual([records[1].messageId]);
      expect(metric('NotificationsSent')).toBe(2);
      expect(metric('NotificationsFailed')).toBe(1);
      expect(logsOf('Failed to notify the order')).toEqual([
        expect.objectContaining({ level: 'ERROR', orderId: unlucky.orderId, error: expect.objectContaining({ name: 'InternalErrorException' }) }),
      ]);
      // The failed attempt deleted its in-progress record: the retry is not mistaken for a duplicate.
      expect(ddb.commandCalls(DeleteItemCommand)).toHaveLength(1);
      expect(table.items.has(idempotencyKeyOf(unlucky.orderId))).toBe(false);

      const retry = await invoke([records[1]]);

      expect(retry).toEqual({ batchItemFailures: [] });
      expect(publishedOrderIds().filter((id) => id === unlucky.orderId)).toHaveLength(2); // the failed call and the retry
      expect(table.items.get(idempotencyKeyOf(unlucky.orderId))?.status).toEqual({ S: 'COMPLETED' });
    });

    it('does not notify an order it cannot lock (DynamoDB failing), and fails only that record', async () => {
      const unlucky = orderPlacedDetail();
      ddb.on(PutItemCommand, { Item: { id: { S: idempotencyKeyOf(unlucky.orderId) } } }).rejects(
        new InternalServerError({ message: 'Internal server error', $metadata: { httpStatusCode: 500 } }),
      );
      const records = [recordOf(unlucky), recordOf(orderPlacedDetail())];

      const response = await invoke(records);

      expect(failuresOf(response)).toEqual([records[0].messageId]);
      expect(publishedOrderIds()).toEqual([JSON.parse(records[1].body).detail.orderId]);
    });

    it('does not fail (and notify twice on the retry) an order it notified but could not record as notified', async () => {
      const detail = orderPlacedDetail();
      ddb.on(UpdateItemCommand).rejects(new InternalServerError({ message: 'Internal server error', $metadata: { httpStatusCode: 500 } }));

      const response = await invoke([recordOf(detail)]);

      expect(response).toEqual({ batchItemFailures: [] });
      expect(publishedOrderIds()).toEqual([detail.orderId]);
      expect(metric('NotificationsSent')).toBe(1);
      expect(logsOf('Notified the order, but failed to record it as notified')).toEqual([
        expect.objectContaining({ level: 'ERROR', orderId: detail.orderId, snsMessageId: 'sns-message-1' }),
      ]);
    });
  });

  it('returns no failures for an empty batch, and prints no metrics warning', async () => {
    await expect(invoke([])).resolves.toEqual({ batchItemFailures: [] });
    expect(printed).toEqual([]);
  });

  it('identifies records by SQS messageId', async () => {
    const messageId = randomUUID();
    const response = await invoke([sqsRecord('{', messageId)]);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: messageId }]);
  });
});
