import { GetObjectCommand, HeadObjectCommand, NoSuchKey, NotFound, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { sdkStreamMixin } from '@smithy/core/serde';
import type { Context, S3Event, S3EventRecord } from 'aws-lambda';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';

// ---------------------------------------------------------------- images, real bytes made by sharp

export const solidPng = (width: number, height: number): Promise<Buffer> =>
  sharp({ create: { width, height, channels: 4, background: { r: 200, g: 40, b: 40, alpha: 0.5 } } })
    .png()
    .toBuffer();

/**
 * A valid PNG of exactly `bytes` bytes: `png` with a tEXt chunk of padding before its IEND chunk (a
 * chunk is its 4-byte length, 4-byte type, data and 4-byte CRC).
 */
export function paddedPng(png: Buffer, bytes: number): Buffer {
  const iend = png.subarray(png.length - 12);
  const padding = bytes - png.length - 12;
  if (padding < 8) throw new Error(`a ${png.length}-byte PNG cannot be padded to ${bytes} bytes`);
  const typeAndData = Buffer.concat([Buffer.from('tEXt'), Buffer.from('Comment\0'), Buffer.alloc(padding - 8, 'x')]);
  const chunk = Buffer.alloc(typeAndData.length + 8);
  chunk.writeUInt32BE(typeAndData.length - 4, 0);
  typeAndData.copy(chunk, 4);
  chunk.writeUInt32BE(crc32(typeAndData), chunk.length - 4);
  return Buffer.concat([png.subarray(0, png.length - 12), chunk, iend]);
}

/** A JPEG stored sideways: 640x480 pixels with EXIF orientation 6, so it displays as 480x640. */
export const rotatedJpeg = (): Promise<Buffer> =>
  sharp(gradient(640, 480), { raw: { width: 640, height: 480, channels: 3 } })
    .jpeg()
    .withMetadata({ orientation: 6 })
    .toBuffer();

function gradient(width: number, height: number): Buffer {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      pixels.set([(x * 255) / width, (y * 255) / height, 128], (y * width + x) * 3);
    }
  }
  return pixels;
}

/** Deterministic noise compresses badly: a valid image whose file is large for its dimensions. */
export const noisePng = (width: number, height: number): Promise<Buffer> =>
  sharp(noise(width, height), { raw: { width, height, channels: 3 } }).png().toBuffer();

function noise(width: number, height: number): Buffer {
  const pixels = Buffer.alloc(width * height * 3);
  let state = 42; // xorshift32
  for (let i = 0; i < pixels.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    pixels[i] = state & 0xff;
  }
  return pixels;
}

/**
 * A decompression bomb, in miniature: a real 1x1 PNG from sharp whose IHDR is rewritten to claim
 * `width` x `height` (CRC fixed up). A few dozen bytes; decoding it would need width*height*4 bytes
 * of memory, and then fail, since its data holds a single pixel.
 */
export async function pngClaiming(width: number, height: number): Promise<Buffer> {
  const png = Buffer.from(await sharp({ create: { width: 1, height: 1, channels: 4, background: '#000' } }).png().toBuffer());
  // Signature (8), then the IHDR chunk: length (4), type (4), width (4), height (4), ..., CRC after its 13 bytes.
  expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  return png;
}

/** The first `fraction` of the bytes: a download or upload cut short. */
export const truncated = (image: Buffer, fraction = 0.5): Buffer => image.subarray(0, Math.floor(image.length * fraction));

export const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" fill="red"/></svg>');

// ---------------------------------------------------------------- keys S3 stores and the resizer refuses

/**
 * Upload keys that must never name a thumbnail: `.`/`..` path segments, backslashes and control
 * characters. S3 accepts every one of them. [what, key, the problem reported]
 */
export const UNSAFE_KEYS: readonly (readonly [string, string, string])[] = [
  ['a ".." segment out of uploads/', 'uploads/../thumbnails/x.png', 'the key has a ".." path segment'],
  ['".." segments climbing back', 'uploads/a/../../b.png', 'the key has a ".." path segment'],
  ['a key ending in ".."', 'uploads/a/..', 'the key has a ".." path segment'],
  ['a "." segment', 'uploads/./a.png', 'the key has a "." path segment'],
  ['a backslash', 'uploads/a\\b.png', 'the key has a backslash'],
  ['a Windows-style ".." escape', 'uploads/..\\..\\x.png', 'the key has a backslash'],
  ['a NUL', 'uploads/a\u0000.png', 'the key has a control character (U+0000)'],
  ['a newline forging a log line', 'uploads/a\n{"level":"INFO"}.png', 'the key has a control character (U+000A)'],
  ['an ANSI escape', 'uploads/\u001b[2Ja.png', 'the key has a control character (U+001B)'],
  ['DEL', 'uploads/a\u007f.png', 'the key has a control character (U+007F)'],
  ['a C1 control (NEL)', 'uploads/a\u0085.png', 'the key has a control character (U+0085)'],
];

// ---------------------------------------------------------------- S3 events

export const BUCKET = 'hybrid-platform-uploads';

/** Encodes a key the way S3 notifications do: form-style, `+` for spaces. */
export const encodeEventKey = (key: string): string => encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/');

export function s3Record(key: string, overrides: { bucket?: string; requestId?: string; size?: number } = {}): S3EventRecord {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'eu-west-1',
    eventTime: '2026-01-01T00:00:00.000Z',
    eventName: 'ObjectCreated:Put',
    userIdentity: { principalId: 'AWS:AIDAEXAMPLE' },
    requestParameters: { sourceIPAddress: '203.0.113.10' },
    responseElements: { 'x-amz-request-id': overrides.requestId ?? `REQ-${key.length}`, 'x-amz-id-2': 'id2' },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'uploads',
      bucket: { name: overrides.bucket ?? BUCKET, ownerIdentity: { principalId: 'OWNER' }, arn: `arn:aws:s3:::${overrides.bucket ?? BUCKET}` },
      object: { key: encodeEventKey(key), size: overrides.size ?? 1, eTag: 'etag', sequencer: '00' },
    },
  };
}

export const s3Event = (...records: unknown[]): S3Event => ({ Records: records as S3EventRecord[] });

/**
 * The environment both resizer test files give the handler before importing it (it validates its
 * environment when imported): Logger and Metrics write to the global console, which the tests
 * capture, metrics enabled.
 */
export const RESIZER_TEST_ENV = {
  AWS_REGION: 'eu-west-1',
  POWERTOOLS_SERVICE_NAME: 'image-resizer',
  POWERTOOLS_METRICS_NAMESPACE: 'HybridPlatform',
  POWERTOOLS_DEV: 'true',
  POWERTOOLS_METRICS_DISABLED: 'false',
  POWERTOOLS_LOG_LEVEL: 'INFO',
};

export const lambdaContext = {
  functionName: 'image-resizer',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:image-resizer',
  memoryLimitInMB: '1024',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
} as Context;

// ---------------------------------------------------------------- an in-memory bucket behind the mocked S3 client

export interface StoredObject {
  readonly body: Buffer;
  readonly eTag: string;
  readonly contentType?: string;
  readonly metadata?: Record<string, string>;
}

/**
 * The S3 API as the resizer uses it (HeadObject, GetObject with If-Match, PutObject), answered from
 * a Map, with S3's error shapes. The SDK is mocked at the client boundary only.
 */
export class FakeBucket {
  readonly objects = new Map<string, StoredObject>();
  /** Keys deleted right after HeadObject answers for them: an upload deleted between being measured and being read. */
  private readonly deletedAfterHead = new Set<string>();

  constructor(
    s3: AwsClientStub<S3Client>,
    readonly name = BUCKET,
  ) {
    s3.on(HeadObjectCommand).callsFake(({ Bucket, Key }) => {
      const object = this.lookup(Bucket, Key, () => new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }));
      if (this.deletedAfterHead.has(Key)) this.objects.delete(Key);
      return { ContentLength: object.body.length, ETag: object.eTag, ContentType: object.contentType };
    });
    s3.on(GetObjectCommand).callsFake(({ Bucket, Key, IfMatch }) => {
      const object = this.lookup(Bucket, Key, () => new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } }));
      if (IfMatch !== undefined && IfMatch !== object.eTag) {
        throw new S3ServiceException({ name: 'PreconditionFailed', $fault: 'client', message: 'At least one of the pre-conditions you specified did not hold', $metadata: { httpStatusCode: 412 } });
      }
      return { Body: sdkStreamMixin(Readable.from([object.body])), ContentLength: object.body.length, ETag: object.eTag };
    });
    s3.on(PutObjectCommand).callsFake(({ Bucket, Key, Body, ContentType, Metadata }) => {
      expect(Bucket).toBe(this.name);
      expect(Buffer.isBuffer(Body)).toBe(true);
      this.put(Key, Body as Buffer, ContentType, Metadata);
      return { ETag: this.objects.get(Key)?.eTag };
    });
  }

  /** Deletes `key` as soon as HeadObject has answered for it, so that the GetObject after it finds nothing. */
  deleteAfterHead(key: string): void {
    this.deletedAfterHead.add(key);
  }

  put(key: string, body: Buffer, contentType?: string, metadata?: Record<string, string>): void {
    this.objects.set(key, { body, eTag: `"${createHash('md5').update(body).digest('hex')}"`, contentType, metadata });
  }

  keys(prefix = ''): string[] {
    return [...this.objects.keys()].filter((key) => key.startsWith(prefix)).sort();
  }

  private lookup(bucket: string, key: string, notFound: () => Error): StoredObject {
    const object = bucket === this.name ? this.objects.get(key) : undefined;
    if (!object) throw notFound();
    return object;
  }
}

// ---------------------------------------------------------------- what Powertools wrote (POWERTOOLS_DEV: to the global console)

export interface Captured {
  /** Log lines (Powertools Logger JSON). */
  logs(): Record<string, unknown>[];
  /** Each EMF blob holding that metric: its Sum (as CloudWatch would add up the values) and its dimensions. */
  metrics(name: string): { value: number; dimensions: Record<string, unknown> }[];
}

export function captureConsole(): Captured {
  const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((method) => jest.spyOn(console, method).mockImplementation(() => {}));
  const lines = () =>
    spies.flatMap((spy) => spy.mock.calls.map(([first]) => (typeof first === 'string' && first.startsWith('{') ? (JSON.parse(first) as Record<string, unknown>) : { raw: first })));
  return {
    logs: () => lines().filter((line) => !('_aws' in line)),
    metrics: (name) =>
      lines()
        .filter((line) => '_aws' in line && name in line)
        .map((line) => {
          const emf = line as { _aws: { CloudWatchMetrics: { Dimensions: string[][] }[] } } & Record<string, unknown>;
          const dimensionNames = emf._aws.CloudWatchMetrics[0].Dimensions[0];
          const values = ([] as unknown[]).concat(emf[name]).map(Number);
          return { value: values.reduce((sum, value) => sum + value, 0), dimensions: Object.fromEntries(dimensionNames.map((dimension) => [dimension, emf[dimension]])) };
        }),
  };
}
