import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context, S3Event } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import sharp from 'sharp';
import {
  BUCKET,
  FakeBucket,
  RESIZER_TEST_ENV,
  SVG,
  UNSAFE_KEYS,
  captureConsole,
  lambdaContext,
  noisePng,
  paddedPng,
  pngClaiming,
  rotatedJpeg,
  s3Event,
  s3Record,
  solidPng,
  truncated,
  type Captured,
} from './image-resizer-fixtures';

// The handler validates its environment when imported, so it is set first and the handler imported in beforeAll.
Object.assign(process.env, {
  ...RESIZER_TEST_ENV,
  THUMBNAIL_SIZES: '128,512',
  THUMBNAIL_FORMAT: 'webp',
  MAX_INPUT_BYTES: '100000',
  MAX_INPUT_PIXELS: '1000000',
});

type Handler = (event: S3Event, context: Context) => Promise<void>;
let handler: Handler;
let tracedClients: unknown[];
beforeAll(() => {
  // Not in Lambda, the tracer is disabled and hands clients back as they are; it must still be asked.
  const capture = jest.spyOn(Tracer.prototype, 'captureAWSv3Client');
  // Required, not imported: imports are hoisted above the environment they need.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  ({ handler } = require('../../functions/image-resizer/handler') as typeof import('../../functions/image-resizer/handler'));
  tracedClients = capture.mock.calls.map(([client]) => client);
  capture.mockRestore();
});

it('traces its S3 client, created once at initialisation', () => {
  expect(tracedClients).toHaveLength(1);
  expect(tracedClients[0]).toBeInstanceOf(S3Client);
});

const s3 = mockClient(S3Client);
let bucket: FakeBucket;
let captured: Captured;
beforeEach(() => {
  s3.reset();
  bucket = new FakeBucket(s3);
  captured = captureConsole();
});
afterEach(() => jest.restoreAllMocks());

const invoke = (event: unknown) => handler(event as S3Event, lambdaContext);
const decoded = async (key: string) => {
  const object = bucket.objects.get(key);
  if (!object) throw new Error(`no object ${key}; have ${bucket.keys().join(', ')}`);
  const { format, width, height } = await sharp(object.body).metadata();
  return { format, width, height, contentType: object.contentType, metadata: object.metadata };
};
const rejections = () => captured.metrics('ImagesRejected').map(({ value, dimensions }) => ({ value, reason: dimensions.reason }));
const skips = () => captured.metrics('RecordsSkipped').map(({ value, dimensions }) => ({ value, reason: dimensions.reason }));
const logged = (message: string) => captured.logs().filter((line) => line.message === message);

describe('image-resizer: thumbnails of good images', () => {
  it('writes one WebP per width under thumbnails/, keeping the aspect ratio and never enlarging', async () => {
    bucket.put('uploads/products/p1/photo.png', await solidPng(300, 200));

    await invoke(s3Event(s3Record('uploads/products/p1/photo.png')));

    expect(bucket.keys('thumbnails/')).toEqual(['thumbnails/products/p1/photo-128.webp', 'thumbnails/products/p1/photo-512.webp']);
    const sourceETag = bucket.objects.get('uploads/products/p1/photo.png')?.eTag;
    expect(await decoded('thumbnails/products/p1/photo-128.webp')).toEqual({
      format: 'webp',
      width: 128,
      height: 85,
      contentType: 'image/webp',
      metadata: { 'source-etag': sourceETag },
    });
    // 512 is wider than the source: it stays 300x200.
    expect(await decoded('thumbnails/products/p1/photo-512.webp')).toMatchObject({ format: 'webp', width: 300, height: 200 });
    expect(captured.metrics('ThumbnailsWritten')).toEqual([{ value: 2, dimensions: { service: 'image-resizer' } }]);
    expect(rejections()).toEqual([]);
  });

  it('applies the EXIF orientation of a JPEG, and strips its metadata', async () => {
    bucket.put('uploads/camera/IMG_0001.JPG', await rotatedJpeg());

    await invoke(s3Event(s3Record('uploads/camera/IMG_0001.JPG')));

    // Stored 640x480 with orientation 6: it is a 480x640 portrait.
    const thumbnail = bucket.objects.get('thumbnails/camera/IMG_0001-128.webp')?.body as Buffer;
    const metadata = await sharp(thumbnail).metadata();
    expect({ width: metadata.width, height: metadata.height, orientation: metadata.orientation, exif: metadata.exif }).toEqual({
      width: 128,
      height: 171,
      orientation: undefined,
      exif: undefined,
    });
    expect(await decoded('thumbnails/camera/IMG_0001-512.webp')).toMatchObject({ width: 480, height: 640 });
  });

  it('keeps a 1x1 image 1x1 at every width', async () => {
    bucket.put('uploads/pixel.png', await solidPng(1, 1));

    await invoke(s3Event(s3Record('uploads/pixel.png')));

    expect(await decoded('thumbnails/pixel-128.webp')).toMatchObject({ format: 'webp', width: 1, height: 1 });
    expect(await decoded('thumbnails/pixel-512.webp')).toMatchObject({ format: 'webp', width: 1, height: 1 });
  });

  it('decodes URL-encoded event keys (+ for spaces, %XX) before reading and naming', async () => {
    const key = 'uploads/my photos/été (1)+ümlaut.png';
    bucket.put(key, await solidPng(20, 10));
    const record = s3Record(key);
    expect(record.s3.object.key).toBe('uploads/my+photos/%C3%A9t%C3%A9+(1)%2B%C3%BCmlaut.png');

    await invoke(s3Event(record));

    expect(s3.commandCalls(GetObjectCommand)[0].args[0].input.Key).toBe(key);
    expect(bucket.keys('thumbnails/')).toEqual(['thumbnails/my photos/été (1)+ümlaut-128.webp', 'thumbnails/my photos/été (1)+ümlaut-512.webp']);
  });

  it('reads exactly the version it measured (GetObject If-Match the HeadObject ETag)', async () => {
    bucket.put('uploads/a.png', await solidPng(10, 10));

    await invoke(s3Event(s3Record('uploads/a.png')));

    expect(s3.commandCalls(GetObjectCommand).map((call) => call.args[0].input)).toEqual([
      { Bucket: BUCKET, Key: 'uploads/a.png', IfMatch: bucket.objects.get('uploads/a.png')?.eTag },
    ]);
  });

  it('logs with the S3 request id and the object key as correlation keys', async () => {
    bucket.put('uploads/a.png', await solidPng(10, 10));

    await invoke(s3Event(s3Record('uploads/a.png', { requestId: 'C3D13FE58DE4C810' })));

    expect(logged('Thumbnails written')).toEqual([
      expect.objectContaining({ objectKey: 'uploads/a.png', bucket: BUCKET, s3RequestId: 'C3D13FE58DE4C810', function_request_id: lambdaContext.awsRequestId }),
    ]);
    // ... with what was written.
    expect(logged('Thumbnails written')[0].thumbnails).toEqual([
      { key: 'thumbnails/a-128.webp', width: 10, height: 10 },
      { key: 'thumbnails/a-512.webp', width: 10, height: 10 },
    ]);
    // ... and drops them once the record is done.
    await invoke(s3Event({}));
    expect(logged('Malformed S3 event record skipped')[0]).not.toHaveProperty('objectKey');
  });
});

describe('image-resizer: idempotency', () => {
  it('writes the same keys with the same bytes when the same event is delivered twice, adding nothing', async () => {
    bucket.put('uploads/products/p1/photo.png', await solidPng(300, 200));
    const event = s3Event(s3Record('uploads/products/p1/photo.png'));

    await invoke(event);
    const first = new Map(bucket.keys('thumbnails/').map((key) => [key, bucket.objects.get(key)?.body]));
    await invoke(event);

    expect(bucket.keys()).toEqual(['thumbnails/products/p1/photo-128.webp', 'thumbnails/products/p1/photo-512.webp', 'uploads/products/p1/photo.png']);
    for (const [key, body] of first) expect(bucket.objects.get(key)?.body.equals(body as Buffer)).toBe(true);
    expect(s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input.Key)).toEqual([...first.keys(), ...first.keys()]);
  });
});

describe('image-resizer: bad input is rejected, logged and counted, never thrown', () => {
  it.each([
    ['plain text', 'unsupported-format', () => Promise.resolve(Buffer.from('this is not an image, it is a README'))],
    ['an empty object', 'unsupported-format', () => Promise.resolve(Buffer.alloc(0))],
    ['an SVG (not an accepted input format)', 'unsupported-format', () => Promise.resolve(SVG)],
    ['a truncated PNG', 'corrupt', async () => truncated(await noisePng(100, 100))],
    ['a truncated JPEG', 'corrupt', async () => truncated(await rotatedJpeg())],
    ['a PNG whose header is cut', 'unsupported-format', async () => truncated(await solidPng(10, 10), 0.2)],
  ])('%s: %s', async (_name, reason, bytes) => {
    bucket.put('uploads/bad.png', await bytes());

    await expect(invoke(s3Event(s3Record('uploads/bad.png')))).resolves.toBeUndefined();

    expect(bucket.keys('thumbnails/')).toEqual([]);
    expect(rejections()).toEqual([{ value: 1, reason }]);
    expect(logged('Upload rejected')).toEqual([expect.objectContaining({ reason, objectKey: 'uploads/bad.png', level: 'WARN' })]);
    expect(captured.metrics('ThumbnailsWritten')).toEqual([]);
  });

  it.each(UNSAFE_KEYS)('a key with %s (%j): unsafe-key, before any S3 call, and nothing written', async (_what, key, problem) => {
    bucket.put(key, await solidPng(300, 200)); // a good image: only its key is wrong

    await expect(invoke(s3Event(s3Record(key)))).resolves.toBeUndefined();

    expect(s3.calls()).toHaveLength(0);
    expect(bucket.keys()).toEqual([key]);
    expect(rejections()).toEqual([{ value: 1, reason: 'unsafe-key' }]);
    expect(logged('Upload rejected')).toEqual([expect.objectContaining({ reason: 'unsafe-key', detail: problem, objectKey: key, level: 'WARN' })]);
    expect(captured.metrics('ThumbnailsWritten')).toEqual([]);
  });

  it('rejects the unsafe keys of a batch and still makes the thumbnails of the safe ones', async () => {
    bucket.put('uploads/good.png', await solidPng(300, 200));

    await invoke(s3Event(...UNSAFE_KEYS.map(([, key]) => s3Record(key)), s3Record('uploads/good.png')));

    expect(bucket.keys('thumbnails/')).toEqual(['thumbnails/good-128.webp', 'thumbnails/good-512.webp']);
    expect(rejections()).toEqual(UNSAFE_KEYS.map(() => ({ value: 1, reason: 'unsafe-key' })));
  });

  it('rejects an object over MAX_INPUT_BYTES from its HeadObject size, without downloading it', async () => {
    const big = await noisePng(200, 200); // a valid image, just too heavy
    expect(big.length).toBeGreaterThan(100_000);
    bucket.put('uploads/big.png', big);

    await invoke(s3Event(s3Record('uploads/big.png')));

    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
    expect(rejections()).toEqual([{ value: 1, reason: 'too-large' }]);
    expect(logged('Upload rejected')[0].detail).toBe(`${big.length} bytes, over the limit of 100000`);
  });

  it('makes the thumbnails of an image exactly MAX_INPUT_BYTES in size, and rejects one a byte over', async () => {
    const image = await solidPng(300, 200);
    bucket.put('uploads/at-limit.png', paddedPng(image, 100_000));
    bucket.put('uploads/over-limit.png', paddedPng(image, 100_001));

    await invoke(s3Event(s3Record('uploads/at-limit.png'), s3Record('uploads/over-limit.png')));

    expect(bucket.keys('thumbnails/')).toEqual(['thumbnails/at-limit-128.webp', 'thumbnails/at-limit-512.webp']);
    expect(rejections()).toEqual([{ value: 1, reason: 'too-large' }]);
    expect(logged('Upload rejected')[0].detail).toBe('100001 bytes, over the limit of 100000');
  });

  it('rejects a decompression bomb (a tiny PNG claiming 50000x50000) from its header, without decoding it', async () => {
    const bomb = await pngClaiming(50_000, 50_000);
    expect(bomb.length).toBeLessThan(100);
    bucket.put('uploads/bomb.png', bomb);
    const started = process.hrtime.bigint();

    await invoke(s3Event(s3Record('uploads/bomb.png')));

    // Decoding would have failed as 'corrupt' (the data holds one pixel) after trying to allocate 10 GB.
    expect(rejections()).toEqual([{ value: 1, reason: 'too-many-pixels' }]);
    expect(logged('Upload rejected')[0].detail).toBe('50000x50000 is 2500000000 pixels, over the limit of 1000000');
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(1000);
    expect(bucket.keys('thumbnails/')).toEqual([]);
  });

  it('rejects a genuine image with one pixel too many for MAX_INPUT_PIXELS', async () => {
    bucket.put('uploads/wide.png', await solidPng(1001, 999)); // 999999 pixels: fine
    bucket.put('uploads/wider.png', await solidPng(1001, 1000)); // 1001000 pixels: one row over

    await invoke(s3Event(s3Record('uploads/wide.png'), s3Record('uploads/wider.png')));

    expect(bucket.keys('thumbnails/')).toEqual(['thumbnails/wide-128.webp', 'thumbnails/wide-512.webp']);
    expect(rejections()).toEqual([{ value: 1, reason: 'too-many-pixels' }]);
  });
});

describe('image-resizer: records that are no work for it are skipped, logged and counted', () => {
  it.each([
    ['an event without Records', {}, 'Records: Invalid input'],
    ['Records that is not an array', { Records: 'nope' }, 'Records: Invalid input'],
    ['a null event', null, 'Invalid input'],
  ])('%s', async (_name, event, problem) => {
    await expect(invoke(event)).resolves.toBeUndefined();

    const [line, ...others] = logged('Malformed S3 event record skipped');
    expect(others).toEqual([]);
    expect(line).toMatchObject({ level: 'ERROR', reason: 'malformed-record', problem: expect.stringContaining(problem) });
    expect(line.record ?? null).toEqual(event); // the logger leaves out a null
    expect(skips()).toEqual([{ value: 1, reason: 'malformed-record' }]);
    expect(s3.calls()).toHaveLength(0);
  });

  it('ignores the s3:TestEvent S3 sends when the notification is configured', async () => {
    await invoke({ Service: 'Amazon S3', Event: 's3:TestEvent', Time: '2026-01-01T00:00:00.000Z', Bucket: BUCKET, RequestId: 'R', HostId: 'H' });

    expect(logged('S3 test event ignored')).toHaveLength(1);
    expect(skips()).toEqual([]);
    expect(s3.calls()).toHaveLength(0);
  });

  it('skips keys outside uploads/ (and folder markers) without touching S3', async () => {
    await invoke(s3Event(s3Record('thumbnails/photo-128.webp'), s3Record('other/photo.png'), s3Record('uploads/'), s3Record('uploads/folder/')));

    expect(s3.calls()).toHaveLength(0);
    expect(skips()).toEqual(Array(4).fill({ value: 1, reason: 'not-an-upload' }));
    expect(logged('Record skipped').map((line) => line.objectKey)).toEqual(['thumbnails/photo-128.webp', 'other/photo.png', 'uploads/', 'uploads/folder/']);
    expect(logged('Record skipped')[0]).toMatchObject({ level: 'WARN', reason: 'not-an-upload', detail: 'key is not an object under uploads/' });
  });

  it('skips an upload deleted before it was read', async () => {
    await invoke(s3Event(s3Record('uploads/gone.png')));

    expect(skips()).toEqual([{ value: 1, reason: 'object-gone' }]);
    expect(logged('Record skipped')[0]).toMatchObject({ reason: 'object-gone', detail: 'the object no longer exists' });
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
  });

  it('skips an upload deleted between being measured and being read, rather than failing the event', async () => {
    bucket.put('uploads/going.png', await solidPng(300, 200));
    bucket.deleteAfterHead('uploads/going.png');

    await invoke(s3Event(s3Record('uploads/going.png')));

    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(1);
    expect(skips()).toEqual([{ value: 1, reason: 'object-gone' }]);
    expect(logged('Record skipped')[0]).toMatchObject({ reason: 'object-gone', detail: 'the object was deleted while being read' });
    expect(bucket.keys('thumbnails/')).toEqual([]);
  });

  it('processes the good records of a batch once, and reports each bad one', async () => {
    bucket.put('uploads/good-1.png', await solidPng(300, 200));
    bucket.put('uploads/good-2.jpg', await rotatedJpeg());
    bucket.put('uploads/text.png', Buffer.from('not an image'));
    bucket.put('uploads/cut.png', truncated(await noisePng(100, 100)));
    bucket.put('uploads/bomb.png', await pngClaiming(50_000, 50_000));
    const withoutKey = s3Record('uploads/x.png') as unknown as { s3: { object: Record<string, unknown> } };
    delete withoutKey.s3.object.key;
    const badEncoding = s3Record('uploads/y.png');
    badEncoding.s3.object.key = 'uploads/%E0%A4%A.png';

    await expect(
      invoke(
        s3Event(
          s3Record('uploads/good-1.png'),
          withoutKey,
          s3Record('uploads/text.png'),
          { eventName: 'ObjectCreated:Put' },
          s3Record('uploads/cut.png'),
          badEncoding,
          s3Record('elsewhere/z.png'),
          s3Record('uploads/bomb.png'),
          s3Record('uploads/good-2.jpg'),
        ),
      ),
    ).resolves.toBeUndefined();

    expect(s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input.Key)).toEqual([
      'thumbnails/good-1-128.webp',
      'thumbnails/good-1-512.webp',
      'thumbnails/good-2-128.webp',
      'thumbnails/good-2-512.webp',
    ]);
    expect(captured.metrics('ThumbnailsWritten')).toEqual([{ value: 4, dimensions: { service: 'image-resizer' } }]);
    expect(rejections().map(({ reason }) => reason)).toEqual(['unsupported-format', 'corrupt', 'too-many-pixels']);
    expect(skips().map(({ reason }) => reason)).toEqual(['malformed-record', 'malformed-record', 'malformed-record', 'not-an-upload']);
    expect(logged('Malformed S3 event record skipped').map(({ index, problem }) => ({ index, problem }))).toEqual([
      { index: 1, problem: expect.stringContaining('s3.object.key') },
      { index: 3, problem: expect.stringContaining('s3') },
      { index: 5, problem: 's3.object.key is not validly URL-encoded' },
    ]);
  });
});

describe('image-resizer: S3 failures are thrown, for Lambda to retry and then dead-letter', () => {
  const throttled = () =>
    new S3ServiceException({ name: 'SlowDown', $fault: 'server', message: 'Please reduce your request rate.', $metadata: { httpStatusCode: 503 } });

  it.each([
    ['HeadObject', HeadObjectCommand],
    ['GetObject', GetObjectCommand],
    ['PutObject', PutObjectCommand],
  ] as const)('%s failing fails the invocation', async (_name, command) => {
    bucket.put('uploads/a.png', await solidPng(10, 10));
    s3.on(command).rejects(throttled());

    await expect(invoke(s3Event(s3Record('uploads/a.png')))).rejects.toThrow('Please reduce your request rate.');

    expect(logged('Upload failed; the event will be retried')).toEqual([expect.objectContaining({ level: 'ERROR', objectKey: 'uploads/a.png' })]);
    expect(rejections()).toEqual([]);
  });

  it('still processes the other records of the event before throwing', async () => {
    bucket.put('uploads/a.png', await solidPng(10, 10));
    bucket.put('uploads/b.png', await solidPng(10, 10));
    s3.on(GetObjectCommand, { Key: 'uploads/a.png' }).rejects(throttled());

    await expect(invoke(s3Event(s3Record('uploads/a.png'), s3Record('uploads/b.png')))).rejects.toThrow('Please reduce your request rate.');

    expect(bucket.keys('thumbnails/')).toEqual(['thumbnails/b-128.webp', 'thumbnails/b-512.webp']);
    expect(captured.metrics('ThumbnailsWritten')).toEqual([{ value: 2, dimensions: { service: 'image-resizer' } }]);
  });

  it('throws an AggregateError of all the failures when several records fail', async () => {
    s3.on(HeadObjectCommand).rejects(throttled());

    const error = await invoke(s3Event(s3Record('uploads/a.png'), s3Record('uploads/b.png'))).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(AggregateError);
    expect((error as AggregateError).errors).toHaveLength(2);
  });

  it('retries (throws) when the object changed between HeadObject and GetObject', async () => {
    bucket.put('uploads/a.png', await solidPng(10, 10));
    s3.on(HeadObjectCommand).resolves({ ContentLength: 100, ETag: '"stale"' });

    await expect(invoke(s3Event(s3Record('uploads/a.png')))).rejects.toThrow('pre-conditions');
  });
});
