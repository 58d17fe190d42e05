import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { IdempotencyAlreadyInProgressError, IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { en } from 'zod/locales';
import { config } from 'zod/mini';
import { parseTraceparent, xrayTraceId } from '../../services/kit/trace-context';
import { orderPlacedEventSchema, type OrderPlacedDetail, type OrderPlacedEvent } from '../shared/order-events';
import { parseNotifierEnv } from './env';
import { buildNotification } from './notification';

/**
 * Notifier: one notification per placed order.
 *
 *   event bus ──rule (OrderPlaced)──> SQS (+DLQ) ──> this function ──Publish──> SNS topic
 *
 * The SQS message body is the EventBridge event envelope. Every record is parsed and validated
 * against the schema the producer shares (functions/shared/order-events.ts); a record that cannot be
 * processed is reported in batchItemFailures, alone, so SQS retries it and, after the queue's
 * maxReceiveCount, moves it to the DLQ, while the rest of the batch is deleted.
 *
 * The channel is SNS rather than SES: SES needs a verified sender identity and, to mail arbitrary
 * customers, production access that a sandbox account does not have, whereas an SNS topic works in
 * any account, and a fork subscribes whatever it needs to it: e-mail, SMS, HTTPS, SQS or a Lambda
 * function (e.g. one that mails customers through its own provider).
 *
 * Delivery is at least once at every hop (EventBridge, SQS, the outbox relay upstream), so a
 * notification is sent at most once per orderId through Powertools idempotency, backed by DynamoDB.
 */

// Zod Mini comes without error messages: the English ones make the rejection reasons the notifier logs.
config(en());

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

/** A record that will never be valid: its reason is logged, and it fails so that it ends up in the DLQ. */
class RejectedEventError extends Error {
  override readonly name = 'RejectedEventError';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function reject(reason: string): never {
  metrics.addMetric('EventsRejected', MetricUnit.Count, 1);
  logger.warn('Rejected the event: it is not a valid OrderPlaced event', { reason });
  throw new RejectedEventError(reason);
}

/**
 * The event of one SQS message, validated. Reasons name the fields and the problem, never the values:
 * they would be customer data. (Hence also no JSON.parse message, which quotes the input.)
 */
function parseRecord(record: SQSRecord): OrderPlacedEvent {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch {
    return reject('the message body is not valid JSON');
  }
  if (isObject(body) && typeof body.id === 'string') logger.setCorrelationId(body.id);

  const parsed = orderPlacedEventSchema.safeParse(body);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(event)'}: ${issue.message}`);
    return reject(problems.join('; '));
  }
  return parsed.data;
}

async function processRecord(record: SQSRecord): Promise<void> {
  logger.appendKeys({ messageId: record.messageId });
  try {
    const event = parseRecord(record);
    const { orderId } = event.detail;
    logger.appendKeys({ orderId });
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
  } finally {
    // messageId, orderId, the trace keys and correlation_id belong to this record only.
    logger.resetKeys();
  }
}

const processor = new BatchProcessor(EventType.SQS);

export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  logger.addContext(context);
  // The in-progress lock of each order expires with this invocation's remaining time.
  idempotencyConfig.registerLambdaContext(context);
  try {
    return await processPartialResponse(event, processRecord, processor, {
      context,
      // One by one: log keys are per record, and a second delivery of an order in the same batch then
      // finds the first one completed (in parallel it would find it in progress and have to be retried).
      processInParallel: false,
      // A batch of only bad records is reported record by record too, not thrown: same retries, but no
      // invocation error (the errors alarm is for the function failing, not for bad input).
      throwOnFullBatchFailure: false,
    });
  } finally {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
};
