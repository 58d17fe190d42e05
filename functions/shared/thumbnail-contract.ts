// A namespace import, not `{ z }`: esbuild can then tree-shake zod, whose `z` object drags in all its
// locales. Classic zod, not zod/mini: both importers build classic schemas around these (the resizer's
// own config, the services' kit), and the resizer bundles classic zod already.
import * as z from 'zod';

/**
 * What the image-resizer (functions/image-resizer) and the catalog (services/catalog) must agree on:
 * the resizer writes thumbnails, the catalog links to them by key without ever listing the bucket.
 * The settings, their environment variables and the key naming live here, in one place, and the
 * functions stack sets the resizer's environment from the same values.
 */

/** Where uploads land (the bucket notification's prefix filter) and where thumbnails are written. */
export const UPLOADS_PREFIX = 'uploads/';
export const THUMBNAILS_PREFIX = 'thumbnails/';

/** The output formats the resizer can write. */
export const THUMBNAIL_FORMATS = ['webp', 'jpeg', 'png', 'avif'] as const;
export type ThumbnailFormat = (typeof THUMBNAIL_FORMATS)[number];

/** Each format's file extension (in the thumbnail's key) and Content-Type (on the object). */
const FILE_TYPES: Record<ThumbnailFormat, { readonly extension: string; readonly contentType: string }> = {
  webp: { extension: 'webp', contentType: 'image/webp' },
  jpeg: { extension: 'jpg', contentType: 'image/jpeg' },
  png: { extension: 'png', contentType: 'image/png' },
  avif: { extension: 'avif', contentType: 'image/avif' },
};

export const contentTypeOf = (format: ThumbnailFormat): string => FILE_TYPES[format].contentType;

/** Thumbnail widths are bounded: a "thumbnail" wider than this is a misconfiguration, not a use case. */
export const MAX_THUMBNAIL_WIDTH = 4096;

export interface ThumbnailSettings {
  /** Target widths in pixels, distinct, in the order given. */
  readonly sizes: readonly number[];
  readonly format: ThumbnailFormat;
}

/** What both sides use when THUMBNAIL_SIZES or THUMBNAIL_FORMAT is unset. */
export const DEFAULT_THUMBNAILS: ThumbnailSettings = { sizes: [128, 512], format: 'webp' };

/** The environment that configures `settings`: the inverse of {@link thumbnailEnvironmentShape}. */
export function thumbnailEnvironment(settings: ThumbnailSettings): { THUMBNAIL_SIZES: string; THUMBNAIL_FORMAT: ThumbnailFormat } {
  return { THUMBNAIL_SIZES: settings.sizes.join(','), THUMBNAIL_FORMAT: settings.format };
}

/**
 * The zod shape of THUMBNAIL_SIZES (e.g. "128,512") and THUMBNAIL_FORMAT, each defaulting to
 * {@link DEFAULT_THUMBNAILS}, for a config schema to spread in. The rules are the same on both sides;
 * only the messages' subject differs: the resizer's name the variable (`THUMBNAIL_SIZES must ...`),
 * while the services' kit puts the name in front of each message itself (`THUMBNAIL_SIZES: must ...`).
 */
export function thumbnailEnvironmentShape({ namedInMessages }: { readonly namedInMessages: boolean }) {
  const rule = (variable: string, text: string) => (namedInMessages ? `${variable} ${text}` : text);
  return {
    THUMBNAIL_SIZES: z
      .string()
      .transform((raw) => raw.split(',').map((part) => part.trim()))
      .refine(
        (parts) => parts.every((part) => /^\d+$/.test(part) && Number(part) >= 1 && Number(part) <= MAX_THUMBNAIL_WIDTH),
        rule('THUMBNAIL_SIZES', `must be a comma-separated list of widths, each an integer from 1 to ${MAX_THUMBNAIL_WIDTH} (e.g. "128,512")`),
      )
      .transform((parts) => parts.map(Number))
      .refine((sizes) => new Set(sizes).size === sizes.length, rule('THUMBNAIL_SIZES', 'must not repeat a width'))
      .default(() => [...DEFAULT_THUMBNAILS.sizes]),
    THUMBNAIL_FORMAT: z
      .enum(THUMBNAIL_FORMATS, { error: rule('THUMBNAIL_FORMAT', `must be one of ${THUMBNAIL_FORMATS.join(', ')}`) })
      .default(DEFAULT_THUMBNAILS.format),
  };
}

/**
 * True for keys the resizer handles: an object under `uploads/`, not a "folder" marker. The prefix
 * ends in a slash, so `uploads/` itself is a folder marker too.
 */
export function isUploadKey(key: string): boolean {
  return key.startsWith(UPLOADS_PREFIX) && !key.endsWith('/');
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
  return `${THUMBNAILS_PREFIX}${directory}${stem}-${width}.${FILE_TYPES[format].extension}`;
}
