import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { en } from 'zod/locales';
import { config } from 'zod/mini';
import { orderPlacedEventSchema, type OrderPlacedEvent } from './order-events';

// Zod Mini comes without error messages: the English ones make the rejection reasons the functions log.
config(en());

export interface OrderEventBatchHandlerOptions {
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** The function's work for one valid event. Throw to have the record retried (and, after the queue's maxReceiveCount, dead-lettered). */
  readonly handle: (event: OrderPlacedEvent, record: SQSRecord) => Promise<void>;
  /** Called with each invocation's context before the batch, e.g. to bound idempotency locks by the remaining time. */
  readonly onInvocation?: (context: Context) => void;
}

/** A record that will never be valid: its reason is logged, and it fails so that it ends up in the DLQ. */
export class RejectedEventError extends Error {
  override readonly name = 'RejectedEventError';
}

/**
 * The Lambda handler of a function behind an order-event queue (infra/constructs/event-subscriber.ts):
 *
 *   event bus ──rule──> SQS (+DLQ) ──> handler(batch) ──> handle(event) per record
 *
 * The SQS message body is the EventBridge envelope. Every record is parsed and validated against the
 * schema the producer shares (./order-events.ts); a record that cannot be processed is reported in
 * batchItemFailures, alone, so SQS retries it and, after maxReceiveCount, moves it to the DLQ, while
 * the rest of the batch is deleted. A bad record is logged with the fields and problems, never the
 * values: they would be customer data. Records are processed one by one, each with its own log keys.
 */
export function orderEventBatchHandler(options: OrderEventBatchHandlerOptions): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const { logger, metrics } = options;

  const reject = (reason: string): never => {
    metrics.addMetric('EventsRejected', MetricUnit.Count, 1);
    logger.warn('Rejected the event: it is not a valid OrderPlaced event', { reason });
    throw new RejectedEventError(reason);
  };

  /** The event of one SQS message, validated. (No JSON.parse message in the reason: it quotes the input.) */
  const parseRecord = (record: SQSRecord): OrderPlacedEvent => {
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
  };

  const processRecord = async (record: SQSRecord): Promise<void> => {
    logger.appendKeys({ messageId: record.messageId });
    try {
      const event = parseRecord(record);
      logger.appendKeys({ orderId: event.detail.orderId });
      await options.handle(event, record);
    } finally {
      // messageId, orderId, whatever handle() added and correlation_id belong to this record only.
      logger.resetKeys();
    }
  };

  const processor = new BatchProcessor(EventType.SQS);
  return async (event, context) => {
    logger.addContext(context);
    options.onInvocation?.(context);
    try {
      return await processPartialResponse(event, processRecord, processor, {
        context,
        // One by one: log keys are per record, and a second delivery of an order in the same batch then
        // finds the first one done (in parallel it could find it in progress and have to be retried).
        processInParallel: false,
        // A batch of only bad records is reported record by record too, not thrown: same retries, but no
        // invocation error (the errors alarm is for the function failing, not for bad input).
        throwOnFullBatchFailure: false,
      });
    } finally {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
