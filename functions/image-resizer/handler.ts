import { S3Client } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { loadConfig } from './config';
import { instrumented, logger, reportMalformed, reportOutcome, tracer } from './observability';
import { processUpload } from './process-upload';
import { parseS3Event } from './s3-event';
import { ImageStore } from './storage';

/**
 * image-resizer: S3 ObjectCreated notifications for `uploads/` in, thumbnails under `thumbnails/` out.
 *
 * What throws, and so is retried by Lambda (twice) and then sent to the on-failure destination:
 * S3 errors only. Everything that a retry cannot change is logged, counted and dropped: bad images
 * and unsafe keys (ImagesRejected), records that are malformed, outside `uploads/` or whose object
 * is gone (RecordsSkipped). Each record is processed on its own; an S3 failure of one does not stop the
 * others, and is thrown after all of them have been tried (a retry redoes the whole event, which is
 * harmless: the output keys and bytes are the same).
 */

// Validated at initialisation: a misconfigured function fails its first invocation, loudly.
const config = loadConfig(process.env);
const store = new ImageStore(tracer.captureAWSv3Client(new S3Client({})));

const CORRELATION_KEYS = ['bucket', 'objectKey', 's3RequestId'];

export const handler = instrumented(async (event: S3Event): Promise<void> => {
  const { notifications, malformed, isTestEvent } = parseS3Event(event);
  if (isTestEvent) {
    logger.info('S3 test event ignored');
    return;
  }
  malformed.forEach(reportMalformed);

  const failures: unknown[] = [];
  for (const notification of notifications) {
    logger.appendKeys({ bucket: notification.bucket, objectKey: notification.key, s3RequestId: notification.requestId });
    try {
      reportOutcome(await processUpload(notification, store, config));
    } catch (error) {
      logger.error('Upload failed; the event will be retried', { error });
      failures.push(error);
    } finally {
      logger.removeKeys(CORRELATION_KEYS);
    }
  }
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) throw new AggregateError(failures, `${failures.length} uploads of the event failed`);
});
