// A namespace import, not `{ z }`: esbuild can then tree-shake zod, whose `z` object drags in all its locales.
import * as z from 'zod';
import { decodeEventKey } from './keys';

/** One object-created notification, with its key decoded. */
export interface ObjectNotification {
  readonly bucket: string;
  readonly key: string;
  /** S3's `x-amz-request-id` of the upload, to correlate our logs with S3's. */
  readonly requestId?: string;
}

/** A record that cannot be processed, with why; `index` is its position in `Records` (absent for the event). */
export interface MalformedRecord {
  readonly index?: number;
  readonly problem: string;
  /** The offending record (or event), for the log. */
  readonly record: unknown;
}

export interface ParsedS3Event {
  readonly notifications: ObjectNotification[];
  readonly malformed: MalformedRecord[];
  /** S3 sends an `s3:TestEvent` (no Records) when a notification is configured. */
  readonly isTestEvent: boolean;
}

// Only the fields the resizer uses are checked; the rest of a record is S3's business.
const recordSchema = z.object({
  s3: z.object({
    bucket: z.object({ name: z.string().min(1) }),
    object: z.object({ key: z.string().min(1) }),
  }),
  responseElements: z.object({ 'x-amz-request-id': z.string().optional() }).optional(),
});

const eventSchema = z.object({ Records: z.array(z.unknown()) });

/**
 * Splits an S3 event into the notifications to process and the records to report as malformed.
 * Never throws: one bad record must not stop the others, and a bad event is reported, not retried.
 */
export function parseS3Event(event: unknown): ParsedS3Event {
  if (isTestEvent(event)) {
    return { notifications: [], malformed: [], isTestEvent: true };
  }
  const envelope = eventSchema.safeParse(event);
  if (!envelope.success) {
    return { notifications: [], malformed: [{ problem: `not an S3 event: ${summarise(envelope.error)}`, record: event }], isTestEvent: false };
  }
  const notifications: ObjectNotification[] = [];
  const malformed: MalformedRecord[] = [];
  envelope.data.Records.forEach((raw, index) => {
    const record = recordSchema.safeParse(raw);
    if (!record.success) {
      malformed.push({ index, problem: summarise(record.error), record: raw });
      return;
    }
    const { s3, responseElements } = record.data;
    try {
      notifications.push({ bucket: s3.bucket.name, key: decodeEventKey(s3.object.key), requestId: responseElements?.['x-amz-request-id'] });
    } catch {
      malformed.push({ index, problem: 's3.object.key is not validly URL-encoded', record: raw });
    }
  });
  return { notifications, malformed, isTestEvent: false };
}

const isTestEvent = (event: unknown): boolean =>
  typeof event === 'object' && event !== null && (event as Record<string, unknown>).Event === 's3:TestEvent';

const summarise = (error: z.ZodError): string =>
  error.issues.map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`).join('; ');
