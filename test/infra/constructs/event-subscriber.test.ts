import type { Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import { join } from 'node:path';
import { removalPolicyOf } from '../../../infra/config/removal';
import { EventSubscriberFunction } from '../../../infra/constructs/event-subscriber';
import type { OrderEventType } from '../../../functions/shared/order-events';
import { environmentConfig, inStack } from './construct-stack';
import { onlyResource, onlyResourceId } from './template-queries';

/**
 * The notifier as the functions stack makes it in `env`, subscribed to `detailTypes`. Asset metadata
 * on, as the CDK CLI sets it: it names the folder the function's code is bundled from.
 */
function notifier({ env = 'sandbox', detailTypes = ['OrderPlaced'] }: { env?: string; detailTypes?: readonly string[] } = {}) {
  const config = environmentConfig(env);
  return inStack(
    (stack) =>
      new EventSubscriberFunction(stack, 'Notifier', {
        name: 'notifier',
        description: 'Sends one notification per OrderPlaced event',
        eventBus: new events.EventBus(stack, 'EventBus'),
        // A fork may publish more event types than ORDER_EVENT_TYPES lists today.
        detailTypes: detailTypes as readonly OrderEventType[],
        logRetention: config.logRetentionDays,
        removalPolicy: removalPolicyOf(config),
      }),
    { 'aws:cdk:enable-asset-metadata': true },
  );
}

/** The queue the function reads from, not its dead-letter queue (the one with a redrive policy). */
function queueId(template: Template): string {
  return Object.keys(template.findResources('AWS::SQS::Queue', { Properties: { RedrivePolicy: {} } }))[0];
}

/** The dead-letter queue, the one without a redrive policy. */
function deadLettersId(template: Template): string {
  const queues = Object.keys(template.findResources('AWS::SQS::Queue'));
  expect(queues).toHaveLength(2);
  return queues.filter((id) => id !== queueId(template))[0];
}

const arnOf = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });

describe('a function subscribed to order events', () => {
  it('receives the order events of its detail-types from the bus it is given, and no others', () => {
    const { template } = notifier();
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: onlyResourceId(template, 'AWS::Events::EventBus') },
      EventPattern: { source: ['hybrid-platform.orders'], 'detail-type': ['OrderPlaced'] },
    });
  });

  it('routes all of several detail-types with one rule, named and described after them', () => {
    const { template } = notifier({ detailTypes: ['OrderPlaced', 'OrderShipped'] });
    const ruleId = onlyResourceId(template, 'AWS::Events::Rule');
    expect(ruleId).toMatch(/^OrderPlacedOrderShippedToNotifier[0-9A-F]{8}$/);
    expect(template.findResources('AWS::Events::Rule')[ruleId].Properties).toMatchObject({
      Description: 'OrderPlaced, OrderShipped events to the notifier queue',
      EventPattern: { source: ['hybrid-platform.orders'], 'detail-type': ['OrderPlaced', 'OrderShipped'] },
    });
  });

  it('has the rule deliver to its queue, retrying 10 times before it puts the event in the dead-letter queue', () => {
    const { template } = notifier();
    template.hasResourceProperties('AWS::Events::Rule', {
      Description: 'OrderPlaced events to the notifier queue',
      Targets: [{ Arn: arnOf(queueId(template)), DeadLetterConfig: { Arn: arnOf(deadLettersId(template)) }, RetryPolicy: { MaximumRetryAttempts: 10 } }],
    });
  });

  it('creates its queue, dead-letter queue and rule beside itself, named after it, so their logical ids read as its own', () => {
    const { built, stack } = notifier();
    expect(built.queue.node.path).toBe('Subject/NotifierQueue');
    expect(built.deadLetters.node.path).toBe('Subject/NotifierDeadLetters');
    expect(stack.node.tryFindChild('OrderPlacedToNotifier')).toBeInstanceOf(events.Rule);
  });

  it('encrypts its queue with an SQS-managed key and refuses it to requests without TLS', () => {
    const { template } = notifier();
    const queue = queueId(template);
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, RedrivePolicy: { deadLetterTargetArn: arnOf(deadLettersId(template)) } });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queue }],
      PolicyDocument: {
        Statement: [
          { Effect: 'Deny', Action: 'sqs:*', Principal: { AWS: '*' }, Condition: { Bool: { 'aws:SecureTransport': 'false' } }, Resource: arnOf(queue) },
          { Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' } },
        ],
      },
    });
  });

  it('hides a message being processed for six times the 30 s function timeout, as Lambda advises for SQS sources', () => {
    const { template } = notifier();
    template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 30 });
    expect(template.findResources('AWS::SQS::Queue')[queueId(template)].Properties.VisibilityTimeout).toBe(180);
  });

  it('moves a message to its dead-letter queue after five receives', () => {
    const { template } = notifier();
    expect(template.findResources('AWS::SQS::Queue')[queueId(template)].Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: arnOf(deadLettersId(template)),
      maxReceiveCount: 5,
    });
  });

  it('exposes its queue and its dead-letter queue', () => {
    const { template, built, stack } = notifier();
    expect(stack.resolve(built.queue.queueArn)).toEqual(arnOf(queueId(template)));
    expect(stack.resolve(built.deadLetters.queueArn)).toEqual(arnOf(deadLettersId(template)));
  });

  it('gets its queue in batches of up to 10 messages, waiting up to 5 s to fill one, and reports the records it failed one by one', () => {
    const { template } = notifier();
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: arnOf(queueId(template)),
      FunctionName: { Ref: onlyResourceId(template, 'AWS::Lambda::Function') },
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('runs the handler in functions/<name>/, with <name> as its Powertools service name and the description it is given', () => {
    const { template } = notifier();
    const fn = onlyResource(template, 'AWS::Lambda::Function');
    expect(fn.Metadata['aws:asset:path']).toBe(join(__dirname, '../../../functions/notifier'));
    expect(fn.Properties.Description).toBe('Sends one notification per OrderPlaced event');
    expect(fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME).toBe('notifier');
  });

  it.each([
    ['sandbox', 'Delete', 7],
    ['prod', 'Retain', 90],
  ])("follows the %s environment's removal policy (%s) for its queues and log group, and keeps logs %i days", (env, policy, days) => {
    const { template } = notifier({ env });
    const removal = { DeletionPolicy: policy, UpdateReplacePolicy: policy };
    for (const id of [queueId(template), deadLettersId(template)]) expect(template.findResources('AWS::SQS::Queue')[id]).toMatchObject(removal);
    template.hasResource('AWS::Logs::LogGroup', { ...removal, Properties: { RetentionInDays: days } });
  });
});
