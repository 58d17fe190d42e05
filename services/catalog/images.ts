import { randomUUID } from 'node:crypto';
import { thumbnailKey, UPLOADS_PREFIX, type ThumbnailFormat } from '../../functions/shared/thumbnail-contract';

/** The image types a client may upload, and the extension each one's key gets. */
export const UPLOAD_CONTENT_TYPES = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp' } as const;
export type UploadContentType = keyof typeof UPLOAD_CONTENT_TYPES;

/**
 * Where a product's new image is uploaded: `uploads/products/<productId>/<random uuid>.<ext>`. Under
 * uploads/, so the bucket notification hands it to the image-resizer; a fresh name per upload, so a
 * new image never overwrites an old one that a cached URL may still point at.
 */
export function uploadKeyFor(productId: string, contentType: UploadContentType): string {
  return `${UPLOADS_PREFIX}products/${productId.toLowerCase()}/${randomUUID()}.${UPLOAD_CONTENT_TYPES[contentType]}`;
}

/**
 * The keys of the image's thumbnails, by width, named by the contract's function that the
 * image-resizer writes them with, so that the catalog links exactly the objects the resizer writes.
 * (They exist once the client has uploaded and the resizer has run; until then their URLs answer 404/403.)
 */
export function thumbnailKeysFor(imageKey: string, sizes: readonly number[], format: ThumbnailFormat): Array<[width: number, key: string]> {
  return sizes.map((width) => [width, thumbnailKey(imageKey, width, format)]);
}
