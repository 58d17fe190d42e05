import { contentTypeOf, isUploadKey, thumbnailKey, unsafeKeyProblem } from '../shared/thumbnail-contract';
import type { ResizerConfig } from './config';
import { ImageRejected, type UploadOutcome } from './outcomes';
import type { ObjectNotification } from './s3-event';
import type { ImageStore } from './storage';
import { inspectImage, renderThumbnails, type Thumbnail } from './thumbnails';

/**
 * Makes the thumbnails of one uploaded object, checking the cheapest things first: the key (safe, and
 * under uploads/), then the size (HeadObject, before any download), then the header (before any
 * decoding), then the pixels.
 *
 * Idempotent without bookkeeping: keys are derived from the upload's key and the bytes from its
 * content, so a redelivered event rewrites the same objects with the same bytes.
 *
 * Returns what happened to an upload that is rejected or skipped; throws only for infrastructure
 * failures (S3 errors), which a retry may cure.
 */
export async function processUpload(
  { bucket, key }: ObjectNotification,
  store: ImageStore,
  config: ResizerConfig,
): Promise<UploadOutcome> {
  const unsafe = unsafeKeyProblem(key);
  if (unsafe) {
    // Refused before any S3 call, so no thumbnail key is ever derived from it.
    return { status: 'rejected', reason: 'unsafe-key', detail: unsafe };
  }
  if (!isUploadKey(key)) {
    return { status: 'skipped', reason: 'not-an-upload', detail: `key is not an object under uploads/` };
  }
  const source = await store.describe(bucket, key);
  if (!source) {
    return { status: 'skipped', reason: 'object-gone', detail: 'the object no longer exists' };
  }
  if (source.size > config.maxInputBytes) {
    return { status: 'rejected', reason: 'too-large', detail: `${source.size} bytes, over the limit of ${config.maxInputBytes}` };
  }
  const input = await store.read(bucket, key, source);
  if (!input) {
    return { status: 'skipped', reason: 'object-gone', detail: 'the object was deleted while being read' };
  }

  let thumbnails: Thumbnail[];
  try {
    await inspectImage(input, config.maxInputPixels);
    thumbnails = await renderThumbnails(input, config);
  } catch (error) {
    if (error instanceof ImageRejected) {
      return { status: 'rejected', reason: error.reason, detail: error.message };
    }
    throw error;
  }

  const written = thumbnails.map((thumbnail) => ({
    key: thumbnailKey(key, thumbnail.requestedWidth, thumbnail.format),
    width: thumbnail.width,
    height: thumbnail.height,
    body: thumbnail.body,
  }));
  await Promise.all(
    written.map(({ key: outputKey, body }) =>
      store.write(bucket, { key: outputKey, body, contentType: contentTypeOf(config.format), sourceETag: source.eTag }),
    ),
  );
  return { status: 'written', thumbnails: written.map(({ key: outputKey, width, height }) => ({ key: outputKey, width, height })) };
}
