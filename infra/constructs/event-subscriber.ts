import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ORDER_EVENTS_SOURCE, type OrderEventType } from '../../functions/shared/order-events';
import { deadLetterQueue } from './dead-letter-queue';
import { PlatformFunction } from './platform-function';

export interface EventSubscriberFunctionProps {
  /** The function's folder under functions/ (its handler is `functions/<name>/handler.ts`) and its Powertools service name. */
  readonly name: string;
  readonly description: string;
  /** The bus the order events are published to. */
  readonly eventBus: events.IEventBus;
  /** The order events' detail-types it receives. */
  readonly detailTypes: readonly OrderEventType[];
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/** How long one invocation may run; the queue's visibility timeout follows from it. */
const FUNCTION_TIMEOUT = Duration.seconds(30);

/**
 * A function that reacts to order events, wired the one way the platform does it:
 *
 *   event bus ──rule (detail-types)──> SQS queue ──batches──> function     (failures: retries, then DLQ)
 *
 * The queue absorbs bursts and outages of whatever the function calls; the function reports each
 * record it could not process as a batch item failure, so only those are retried and, after five
 * receives, moved to the dead-letter queue, which also takes the events the rule could not deliver.
 * Like PlatformFunction's log group and role, the queues and the rule are created beside the
 * function (ids `<id>Queue`, `<id>DeadLetters`, `<detail-types>To<id>`), so their logical ids read as
 * the function's and stay what they were before this construct existed.
 */
export class EventSubscriberFunction extends PlatformFunction {
  readonly queue: sqs.Queue;
  readonly deadLetters: sqs.Queue;

  constructor(scope: Construct, id: string, props: EventSubscriberFunctionProps) {
    const deadLetters = deadLetterQueue(scope, `${id}DeadLetters`, props.removalPolicy);
    const queue = new sqs.Queue(scope, `${id}Queue`, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Six times the function timeout, as Lambda advises for SQS event sources.
      visibilityTimeout: Duration.seconds(FUNCTION_TIMEOUT.toSeconds() * 6),
      deadLetterQueue: { queue: deadLetters, maxReceiveCount: 5 },
      removalPolicy: props.removalPolicy,
    });
    new events.Rule(scope, `${props.detailTypes.join('')}To${id}`, {
      eventBus: props.eventBus,
      description: `${props.detailTypes.join(', ')} events to the ${props.name} queue`,
      eventPattern: { source: [ORDER_EVENTS_SOURCE], detailType: [...props.detailTypes] },
      targets: [new targets.SqsQueue(queue, { deadLetterQueue: deadLetters, retryAttempts: 10 })],
    });
    super(scope, id, {
      entry: `functions/${props.name}/handler.ts`,
      serviceName: props.name,
      description: props.description,
      timeout: FUNCTION_TIMEOUT,
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    this.queue = queue;
    this.deadLetters = deadLetters;
    this.addEventSource(new SqsEventSource(queue, { batchSize: 10, maxBatchingWindow: Duration.seconds(5), reportBatchItemFailures: true }));
  }
}
