import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context } from 'aws-lambda';
import type { MalformedRecord } from './s3-event';
import type { RejectionReason, SkipReason, UploadOutcome } from './outcomes';

// Service name and namespace come from POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE.
export const logger = new Logger();
export const metrics = new Metrics();
export const tracer = new Tracer();

/**
 * Metrics, all in the function's namespace with the `service` dimension:
 *   ThumbnailsWritten                    thumbnails put to S3
 *   ImagesRejected   {reason}            uploads refused for good (RejectionReason)
 *   RecordsSkipped   {reason}            records that were no work for the resizer (SkipReason)
 * `reason` takes a handful of fixed values: never a key, a bucket or an error message.
 */
export function reportOutcome(outcome: UploadOutcome): void {
  switch (outcome.status) {
    case 'written':
      logger.info('Thumbnails written', { thumbnails: outcome.thumbnails });
      metrics.addMetric('ThumbnailsWritten', MetricUnit.Count, outcome.thumbnails.length);
      return;
    case 'rejected':
      logger.warn('Upload rejected', { reason: outcome.reason, detail: outcome.detail });
      countWithReason('ImagesRejected', outcome.reason);
      return;
    case 'skipped':
      logger.warn('Record skipped', { reason: outcome.reason, detail: outcome.detail });
      countWithReason('RecordsSkipped', outcome.reason);
  }
}

export function reportMalformed(malformed: MalformedRecord): void {
  logger.error('Malformed S3 event record skipped', { reason: 'malformed-record', ...malformed });
  countWithReason('RecordsSkipped', 'malformed-record');
}

/** Published at once in a blob of its own, so that its dimension does not attach to the other metrics. */
function countWithReason(name: 'ImagesRejected' | 'RecordsSkipped', reason: RejectionReason | SkipReason): void {
  const single = metrics.singleMetric();
  single.addDimension('reason', reason);
  single.addMetric(name, MetricUnit.Count, 1);
}

/**
 * Wraps a handler with what Powertools' middleware would do: Lambda context in the logs, a cold-start
 * metric, a `## handler` trace subsegment (annotated with cold start and service, the error recorded)
 * and the stored metrics flushed however the handler ends.
 */
export function instrumented<E, R>(handler: (event: E, context: Context) => Promise<R>): (event: E, context: Context) => Promise<R> {
  return async (event, context) => {
    logger.addContext(context);
    logger.logEventIfEnabled(event);
    metrics.captureColdStartMetric(context.functionName);
    const segment = tracer.isTracingEnabled() ? tracer.getSegment() : undefined;
    const subsegment = segment?.addNewSubsegment(`## ${process.env._HANDLER ?? 'handler'}`);
    if (subsegment) tracer.setSegment(subsegment);
    tracer.annotateColdStart();
    tracer.addServiceNameAnnotation();
    try {
      return await handler(event, context);
    } catch (error) {
      tracer.addErrorAsMetadata(error as Error);
      throw error;
    } finally {
      subsegment?.close();
      if (segment) tracer.setSegment(segment);
      // Without this check Powertools warns about an empty flush when every record was rejected.
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}
