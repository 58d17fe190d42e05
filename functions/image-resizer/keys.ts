import type { ThumbnailFormat } from './config';

/** Where uploads land (the bucket notification's prefix filter) and where thumbnails are written. */
export const UPLOADS_PREFIX = 'uploads/';
export const THUMBNAILS_PREFIX = 'thumbnails/';

const EXTENSIONS: Record<ThumbnailFormat, string> = { webp: 'webp', jpeg: 'jpg', png: 'png', avif: 'avif' };
const CONTENT_TYPES: Record<ThumbnailFormat, string> = { webp: 'image/webp', jpeg: 'image/jpeg', png: 'image/png', avif: 'image/avif' };

export const contentTypeOf = (format: ThumbnailFormat): string => CONTENT_TYPES[format];

/**
 * S3 event notifications carry object keys URL-encoded the way HTML forms are: `+` for a space and
 * `%XX` for everything else. Throws URIError on a malformed escape.
 */
export function decodeEventKey(encoded: string): string {
  return decodeURIComponent(encoded.replace(/\+/g, ' '));
}

/** True for keys the resizer handles: an object (not a "folder" marker) under `uploads/`. */
export function isUploadKey(key: string): boolean {
  return key.startsWith(UPLOADS_PREFIX) && key.length > UPLOADS_PREFIX.length && !key.endsWith('/');
}

/**
 * Why a key must not be processed, or undefined when it may. A `.` or `..` path segment or a
 * backslash means something else to the file systems, URL resolvers and consoles that later handle
 * the thumbnail's key (`thumbnails/../uploads/x` is another object to them); a control character
 * (C0, DEL, C1) can rewrite a log line or a terminal. S3 stores such keys, so they do arrive.
 */
export function unsafeKeyProblem(key: string): string | undefined {
  const segment = key.split('/').find((part) => part === '.' || part === '..');
  if (segment !== undefined) return `the key has a "${segment}" path segment`;
  if (key.includes('\\')) return 'the key has a backslash';
  const control = /\p{Cc}/u.exec(key);
  if (control) return `the key has a control character (U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')})`;
  return undefined;
}

/**
 * The thumbnail's key for an upload: the same path under `thumbnails/`, the source extension replaced
 * by `-<width>.<format extension>`. Deterministic, so a redelivered event overwrites rather than adds:
 *
 *   uploads/products/p1/photo.png, 128, webp  ->  thumbnails/products/p1/photo-128.webp
 *
 * (`photo.png` and `photo.jpg` side by side therefore share thumbnails: the last one uploaded wins.)
 */
export function thumbnailKey(uploadKey: string, width: number, format: ThumbnailFormat): string {
  if (!isUploadKey(uploadKey)) {
    throw new Error(`Not an upload key: ${uploadKey}`);
  }
  const unsafe = unsafeKeyProblem(uploadKey);
  if (unsafe) {
    throw new Error(`No thumbnail key from an unsafe key: ${unsafe}`);
  }
  const relative = uploadKey.slice(UPLOADS_PREFIX.length);
  const slash = relative.lastIndexOf('/');
  const directory = relative.slice(0, slash + 1);
  const fileName = relative.slice(slash + 1);
  const dot = fileName.lastIndexOf('.');
  // A leading dot (".profile") starts the name rather than an extension.
  const stem = dot > 0 ? fileName.slice(0, dot) : fileName;
  return `${THUMBNAILS_PREFIX}${directory}${stem}-${width}.${EXTENSIONS[format]}`;
}
