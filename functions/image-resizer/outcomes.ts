/**
 * What can become of an S3 record. Reasons are metric dimensions, so each set is small and fixed:
 * add a reason here, never a free-form string.
 */

/** The upload is refused for good: retrying cannot change the answer. */
export const REJECTION_REASONS = ['unsafe-key', 'unsupported-format', 'too-large', 'too-many-pixels', 'corrupt'] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

/** The record is not work for the resizer. */
export const SKIP_REASONS = ['malformed-record', 'not-an-upload', 'object-gone'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export interface WrittenThumbnail {
  readonly key: string;
  readonly width: number;
  readonly height: number;
}

export type UploadOutcome =
  | { readonly status: 'written'; readonly thumbnails: readonly WrittenThumbnail[] }
  | { readonly status: 'rejected'; readonly reason: RejectionReason; readonly detail: string }
  | { readonly status: 'skipped'; readonly reason: SkipReason; readonly detail: string };

/**
 * An image that will never make a thumbnail, whatever the number of retries: reported and dropped,
 * never thrown out of the handler (which would only make Lambda retry it, then dead-letter it).
 */
export class ImageRejected extends Error {
  override readonly name = 'ImageRejected';

  constructor(
    readonly reason: RejectionReason,
    message: string,
  ) {
    super(message);
  }
}
