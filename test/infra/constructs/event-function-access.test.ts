import type { Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { EventFunctionGrant } from '../../../infra/config/event-functions';
import { removalPolicyOf } from '../../../infra/config/removal';
import { EventFunctionAccess } from '../../../infra/constructs/event-function-access';
import { environmentConfig, inStack } from './construct-stack';
import { onlyResource, onlyResourceId } from './template-queries';

/** A plain function to grant to: what the grants add to it is all there is on it. */
function eventFunction(stack: Stack): lambda.Function {
  return new lambda.Function(stack, 'Function', { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = () => {}') });
}

/** The access for event functions that have `grants` between them, in the `env` environment, and a function given `given` of them. */
function access({ grants, given = [], env = 'sandbox' }: { grants: readonly EventFunctionGrant[]; given?: readonly EventFunctionGrant[]; env?: string }) {
  return inStack((stack) => {
    const built = new EventFunctionAccess(stack, { grants, removalPolicy: removalPolicyOf(environmentConfig(env)) });
    const fn = eventFunction(stack);
    for (const grant of given) built.grant(fn, grant);
    return built;
  });
}

/** What the function's role may do beyond the basic execution role: its default policy's statements (the stack's one policy). */
const functionStatements = (template: Template): unknown[] => onlyResource(template, 'AWS::IAM::Policy').Properties.PolicyDocument.Statement;

/** The environment variables of the stack's one function. */
const environmentOf = (template: Template) => onlyResource(template, 'AWS::Lambda::Function').Properties.Environment?.Variables;

describe("the event functions' access to their grants' resources", () => {
  it('creates nothing when no event function has a grant', () => {
    const { template, built } = access({ grants: [] });
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', 0);
    template.resourceCountIs('AWS::SNS::Topic', 0);
    expect(built.idempotencyTable).toBeUndefined();
    expect(built.notificationTopic).toBeUndefined();
  });

  it("creates the idempotency table, and only it, for the 'idempotency-table' grant", () => {
    const { template, built, stack } = access({ grants: ['idempotency-table'] });
    expect(onlyResourceId(template, 'AWS::DynamoDB::GlobalTable')).toMatch(/^IdempotencyTable[0-9A-F]{8}$/);
    expect(stack.resolve(built.idempotencyTable?.tableName)).toEqual({ Ref: onlyResourceId(template, 'AWS::DynamoDB::GlobalTable') });
    template.resourceCountIs('AWS::SNS::Topic', 0);
    expect(built.notificationTopic).toBeUndefined();
  });

  it("creates the notification topic, and only it, for the 'publish-notifications' grant", () => {
    const { template, built, stack } = access({ grants: ['publish-notifications'] });
    expect(onlyResourceId(template, 'AWS::SNS::Topic')).toMatch(/^OrderNotifications[0-9A-F]{8}$/);
    expect(stack.resolve(built.notificationTopic?.topicArn)).toEqual({ Ref: onlyResourceId(template, 'AWS::SNS::Topic') });
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', 0);
    expect(built.idempotencyTable).toBeUndefined();
  });

  it('keys the idempotency table by id, expires its items by their expiration attribute, bills per request and keeps point-in-time backups', () => {
    const { template } = access({ grants: ['idempotency-table'] });
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
      BillingMode: 'PAY_PER_REQUEST',
      Replicas: [{ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }],
    });
  });

  it.each([
    ['sandbox', 'Delete'],
    ['prod', 'Retain'],
  ])("follows the %s environment's removal policy (%s) for the idempotency table", (env, policy) => {
    const { template } = access({ grants: ['idempotency-table'], env });
    template.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: policy, UpdateReplacePolicy: policy });
  });

  it("encrypts the notification topic with SNS's AWS-managed key and refuses publishing to it without TLS", () => {
    const { template } = access({ grants: ['publish-notifications'] });
    const topic = onlyResourceId(template, 'AWS::SNS::Topic');
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':kms:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':alias/aws/sns']] },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topic }],
      PolicyDocument: { Statement: [{ Effect: 'Deny', Action: 'sns:Publish', Principal: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } }, Resource: { Ref: topic } }] },
    });
  });

  it("gives a function with 'idempotency-table' the item reads and writes of the table, and the table's name", () => {
    const { template } = access({ grants: ['idempotency-table', 'publish-notifications'], given: ['idempotency-table'] });
    const table = onlyResourceId(template, 'AWS::DynamoDB::GlobalTable');
    expect(functionStatements(template)).toEqual([
      { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], Resource: { 'Fn::GetAtt': [table, 'Arn'] } },
    ]);
    expect(environmentOf(template)).toEqual({ IDEMPOTENCY_TABLE_NAME: { Ref: table } });
  });

  it("gives a function with 'publish-notifications' sns:Publish on the topic, and the topic's ARN", () => {
    const { template } = access({ grants: ['idempotency-table', 'publish-notifications'], given: ['publish-notifications'] });
    const topic = onlyResourceId(template, 'AWS::SNS::Topic');
    expect(functionStatements(template)).toEqual([{ Effect: 'Allow', Action: 'sns:Publish', Resource: { Ref: topic } }]);
    expect(environmentOf(template)).toEqual({ NOTIFICATION_TOPIC_ARN: { Ref: topic } });
  });

  it.each<[EventFunctionGrant, EventFunctionGrant]>([
    ['idempotency-table', 'publish-notifications'],
    ['publish-notifications', 'idempotency-table'],
  ])('refuses the %s grant when created without it, naming the grant and the remedy', (grant, other) => {
    inStack((stack) => {
      const built = new EventFunctionAccess(stack, { grants: [other], removalPolicy: removalPolicyOf(environmentConfig()) });
      expect(() => built.grant(eventFunction(stack), grant)).toThrow(
        new Error(`The ${grant} grant has no resource: create EventFunctionAccess with every grant the event functions have (grantsInUse)`),
      );
    });
  });
});
