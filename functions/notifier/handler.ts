import { IdempotencyAlreadyInProgressError, IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { parseTraceparent, xrayTraceId } from '../../services/kit/trace-context';
import { isObject, orderEventBatchHandler } from '../shared/order-event-batch';
import type { OrderPlacedDetail, OrderPlacedEvent } from '../shared/order-events';
import { parseNotifierEnv } from './env';
import { buildNotification } from './notification';

/**
 * Notifier: one notification per placed order.
 *
 *   event bus ──rule (OrderPlaced)──> SQS (+DLQ) ──> this function ──Publish──> SNS topic
 *
 * Parsing, validation and partial batch failures are the platform's order-event handler's
 * (functions/shared/order-event-batch.ts); what is the notifier's is notify() below.
 *
 * The channel is SNS rather than SES: SES needs a verified sender identity and, to mail arbitrary
 * customers, production access that a sandbox account does not have, whereas an SNS topic works in
 * any account, and a fork subscribes whatever it needs to it: e-mail, SMS, HTTPS, SQS or a Lambda
 * function (e.g. one that mails customers through its own provider).
 *
 * Delivery is at least once at every hop (EventBridge, SQS, the outbox relay upstream), so a
 * notification is sent at most once per orderId through Powertools idempotency, backed by DynamoDB.
 */

const env = parseNotifierEnv(process.env);

// Service name and metrics namespace come from POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE,
// which PlatformFunction sets.
const logger = new Logger();
const metrics = new Metrics();

// No Powertools Tracer: Lambda's active tracing (PlatformFunction) traces every invocation, and the
// AWS SDK sends the invocation's X-Amzn-Trace-Id with every call, so SNS and its subscribers join the
// invocation's trace. What the Tracer would add, a subsegment per SNS and DynamoDB call, costs its X-Ray
// SDK: ~120 KB, most of the bundle's budget (bench/functions.ts, test/functions/notifier-bundle.test.ts).
const sns = new SNSClient({});
const dynamodb = new DynamoDBClient({});

/**
 * How long a sent notification keeps its orderId from being notified again: 14 days, the longest an
 * SQS message can live in this pipeline (its retention is counted from the first enqueue, DLQ
 * included, and the DLQ keeps messages 14 days), so even a DLQ redrive cannot notify twice. One
 * small item per order, removed by the table's TTL afterwards, costs next to nothing.
 */
const IDEMPOTENCY_EXPIRY_SECONDS = 14 * 24 * 60 * 60;

const idempotencyConfig = new IdempotencyConfig({
  // The key is the order, not the event or the message: a re-published event has a new id.
  eventKeyJmesPath: 'orderId',
  throwOnNoIdempotencyKey: true,
  expiresAfterSeconds: IDEMPOTENCY_EXPIRY_SECONDS,
  // Runs only when a completed record is found, i.e. for a duplicate: mark the result as such.
  responseHook: (response) => ({ ...(isObject(response) ? response : {}), duplicate: true }),
});

const persistenceStore = new DynamoDBPersistenceLayer({ tableName: env.IDEMPOTENCY_TABLE_NAME, awsSdkV3Client: dynamodb });

interface NotificationResult {
  readonly messageId: string;
  /** Set (by the response hook) when the order had already been notified and nothing was sent. */
  readonly duplicate?: boolean;
}

/** What one attempt did, whatever becomes of it: Publish may succeed and recording that fail. */
interface Attempt {
  messageId?: string;
}

const notifyOnce = makeIdempotent(
  // Only the first argument (its orderId) makes the idempotency key; the attempt is passed through.
  async (order: OrderPlacedDetail, attempt: Attempt): Promise<NotificationResult> => {
    const result = await sns.send(new PublishCommand({ TopicArn: env.NOTIFICATION_TOPIC_ARN, ...buildNotification(order) }));
    attempt.messageId = result.MessageId ?? '';
    // Stored in the idempotency record as the outcome: no customer data.
    return { messageId: attempt.messageId };
  },
  {
    persistenceStore,
    config: idempotencyConfig,
    // Stable across deployments: the default prefix, the function's name, changes when CDK replaces it.
    keyPrefix: 'notifier.OrderPlaced',
  },
);

/** One valid OrderPlaced event: notify its order once, whatever the number of deliveries. */
async function notify(event: OrderPlacedEvent): Promise<void> {
  // The order's trace, as its W3C context and as the X-Ray trace id the X-Ray console finds it by.
  // Not as xray_trace_id: Powertools reserves that key for this invocation's own trace.
  const traceparent = event.detail.traceContext?.traceparent;
  const trace = parseTraceparent(traceparent);
  if (trace) logger.appendKeys({ traceparent, order_xray_trace_id: xrayTraceId(trace.traceId) });

  const attempt: Attempt = {};
  let result: NotificationResult;
  try {
    result = await notifyOnce(event.detail, attempt);
  } catch (error) {
    if (attempt.messageId !== undefined) {
      // Sent, but marking the order completed failed. Failing the record would have SQS retry it once
      // the in-progress lock has expired, and notify the customer twice: succeed and leave the lock
      // to expire instead.
      metrics.addMetric('NotificationsSent', MetricUnit.Count, 1);
      logger.error('Notified the order, but failed to record it as notified', { snsMessageId: attempt.messageId, error: error as Error });
      return;
    }
    if (error instanceof IdempotencyAlreadyInProgressError) {
      // Another delivery of the same order is being processed right now: fail this one, and its
      // retry (after the visibility timeout) will find that delivery's completed record.
      logger.warn('The order is being notified by another delivery; retrying later');
    } else {
      metrics.addMetric('NotificationsFailed', MetricUnit.Count, 1);
      logger.error('Failed to notify the order', error as Error);
    }
    throw error;
  }

  if (result.duplicate) {
    metrics.addMetric('DuplicatesSkipped', MetricUnit.Count, 1);
    logger.info('The order was already notified; skipped the duplicate', { snsMessageId: result.messageId });
  } else {
    metrics.addMetric('NotificationsSent', MetricUnit.Count, 1);
    logger.info('Notified the order', { snsMessageId: result.messageId });
  }
}

export const handler = orderEventBatchHandler({
  logger,
  metrics,
  handle: notify,
  // The in-progress lock of each order expires with this invocation's remaining time.
  onInvocation: (context) => idempotencyConfig.registerLambdaContext(context),
});
