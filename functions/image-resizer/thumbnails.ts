import sharp from 'sharp';
import type { ThumbnailFormat } from '../shared/thumbnail-contract';
import type { ResizerConfig } from './config';
import { ImageRejected } from './outcomes';

// libvips caches operations for reuse; every upload is a different image, so the cache only costs memory.
sharp.cache(false);

/**
 * Input formats accepted (sharp's `metadata().format` names). Deliberately not SVG (an XML document
 * rendered by librsvg: untrusted markup for no thumbnail benefit) nor the exotic loaders. `heif` is
 * AVIF only: the prebuilt libvips decodes AV1 but not HEVC (HEIC).
 */
const ACCEPTED_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff', 'heif']);

export interface ImageHeader {
  readonly format: string;
  readonly width: number;
  readonly height: number;
}

export interface Thumbnail {
  /** The width asked for (it names the key); the image is narrower when the source was. */
  readonly requestedWidth: number;
  readonly width: number;
  readonly height: number;
  readonly format: ThumbnailFormat;
  readonly body: Buffer;
}

/**
 * Reads the image's header only (no pixel is decoded) and refuses what the resizer will not decode:
 * unreadable headers (sharp refuses one that claims no width or height itself), unknown or
 * unsupported formats, and images with more than `maxInputPixels` pixels (decompression bombs: a
 * few KB of PNG can claim 50000x50000).
 */
export async function inspectImage(input: Buffer, maxInputPixels: number): Promise<ImageHeader> {
  let metadata: sharp.Metadata;
  try {
    // No pixel limit here: it only reads the header, and we want the dimensions to report them.
    metadata = await sharp(input, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw new ImageRejected('unsupported-format', `not a readable image: ${messageOf(error)}`);
  }
  const { format, width, height, compression } = metadata;
  if (!ACCEPTED_FORMATS.has(format) || (format === 'heif' && compression !== 'av1')) {
    throw new ImageRejected('unsupported-format', `unsupported image format ${format}${format === 'heif' ? ` (${compression})` : ''}`);
  }
  if (width * height > maxInputPixels) {
    throw new ImageRejected('too-many-pixels', `${width}x${height} is ${width * height} pixels, over the limit of ${maxInputPixels}`);
  }
  return { format, width, height };
}

/**
 * One thumbnail per configured width: EXIF orientation applied, aspect ratio kept, never enlarged,
 * metadata (EXIF, GPS) stripped. All are rendered before any is returned, so a corrupt image yields
 * no thumbnail at all rather than some. Same input and config, same bytes.
 */
export async function renderThumbnails(input: Buffer, config: Pick<ResizerConfig, 'sizes' | 'format' | 'maxInputPixels'>): Promise<Thumbnail[]> {
  const thumbnails: Thumbnail[] = [];
  for (const requestedWidth of config.sizes) {
    // The pixel limit again, as a defence should a header understate what the decoder then finds.
    // failOn 'error': truncated or invalid pixel data is refused; mere warnings are tolerated.
    let pipeline = sharp(input, { limitInputPixels: config.maxInputPixels, failOn: 'error' })
      .autoOrient()
      .resize({ width: requestedWidth, withoutEnlargement: true });
    if (config.format === 'jpeg') {
      // JPEG has no alpha channel: transparent areas become white rather than black.
      pipeline = pipeline.flatten({ background: '#ffffff' });
    }
    try {
      const { data, info } = await pipeline.toFormat(config.format).toBuffer({ resolveWithObject: true });
      thumbnails.push({ requestedWidth, width: info.width, height: info.height, format: config.format, body: data });
    } catch (error) {
      const message = messageOf(error);
      throw /pixel limit/i.test(message)
        ? new ImageRejected('too-many-pixels', `decoder refused the image: ${message}`)
        : new ImageRejected('corrupt', `could not decode the image: ${message}`);
    }
  }
  return thumbnails;
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
