import sharp from 'sharp';
import { decodeEventKey } from '../../functions/image-resizer/keys';
import { ImageRejected } from '../../functions/image-resizer/outcomes';
import { parseS3Event } from '../../functions/image-resizer/s3-event';
import { inspectImage, renderThumbnails } from '../../functions/image-resizer/thumbnails';
import { contentTypeOf, isUploadKey, THUMBNAIL_FORMATS, thumbnailKey, unsafeKeyProblem } from '../../functions/shared/thumbnail-contract';
import { SVG, UNSAFE_KEYS, encodeEventKey, noisePng, pngClaiming, s3Event, s3Record, solidPng, truncated } from './image-resizer-fixtures';

describe('thumbnail keys', () => {
  it.each([
    ['uploads/products/p1/photo.png', 128, 'webp', 'thumbnails/products/p1/photo-128.webp'],
    ['uploads/photo.png', 512, 'webp', 'thumbnails/photo-512.webp'],
    ['uploads/a/b/c/IMG.JPEG', 64, 'jpeg', 'thumbnails/a/b/c/IMG-64.jpg'],
    ['uploads/archive.tar.png', 128, 'png', 'thumbnails/archive.tar-128.png'],
    ['uploads/no-extension', 128, 'avif', 'thumbnails/no-extension-128.avif'],
    ['uploads/.hidden', 128, 'webp', 'thumbnails/.hidden-128.webp'],
    ['uploads/dir.with.dots/photo', 128, 'webp', 'thumbnails/dir.with.dots/photo-128.webp'],
    ['uploads/my photos/été.png', 128, 'webp', 'thumbnails/my photos/été-128.webp'],
  ] as const)('%s at %i as %s -> %s', (source, width, format, expected) => {
    expect(thumbnailKey(source, width, format)).toBe(expected);
  });

  it.each(['uploads/', 'uploads/folder/', 'thumbnails/photo-128.webp', 'Uploads/photo.png', 'photo.png', ''])('%j is not an upload', (key) => {
    expect(isUploadKey(key)).toBe(false);
    expect(() => thumbnailKey(key, 128, 'webp')).toThrow('Not an upload key');
  });

  it.each(UNSAFE_KEYS)('refuses a key with %s: %j', (_what, key, problem) => {
    expect(unsafeKeyProblem(key)).toBe(problem);
    expect(() => thumbnailKey(key, 128, 'webp')).toThrow(`No thumbnail key from an unsafe key: ${problem}`);
  });

  it.each(['uploads/..png', 'uploads/a..b.png', 'uploads/.hidden', 'uploads/.../x.png', 'uploads/dir.with.dots/photo', 'uploads/my photos/été.png', 'uploads/tab-free name.png'])(
    'accepts %j, whose dots are no path segment of their own',
    (key) => {
      expect(unsafeKeyProblem(key)).toBeUndefined();
    },
  );

  it('gives each output format its Content-Type', () => {
    expect(THUMBNAIL_FORMATS.map(contentTypeOf)).toEqual(['image/webp', 'image/jpeg', 'image/png', 'image/avif']);
  });
});

describe('S3 event keys', () => {
  it.each([
    ['uploads/my+photo.png', 'uploads/my photo.png'],
    ['uploads/a%2Bb.png', 'uploads/a+b.png'],
    ['uploads/%C3%A9t%C3%A9.png', 'uploads/été.png'],
    ['uploads/100%25.png', 'uploads/100%.png'],
    ['uploads/plain.png', 'uploads/plain.png'],
  ])('decodes %s', (encoded, key) => {
    expect(decodeEventKey(encoded)).toBe(key);
    expect(decodeEventKey(encodeEventKey(key))).toBe(key);
  });

  it('throws on a malformed escape', () => {
    expect(() => decodeEventKey('uploads/%E0%A4%A.png')).toThrow(URIError);
  });
});

describe('parsing S3 events', () => {
  it('takes the bucket, the decoded key and the request id of each record', () => {
    expect(parseS3Event(s3Event(s3Record('uploads/a b.png', { requestId: 'REQ1' }), s3Record('uploads/c.png', { bucket: 'other' })))).toEqual({
      notifications: [
        { bucket: 'hybrid-platform-uploads', key: 'uploads/a b.png', requestId: 'REQ1' },
        { bucket: 'other', key: 'uploads/c.png', requestId: 'REQ-13' },
      ],
      malformed: [],
      isTestEvent: false,
    });
  });

  it.each([
    ['no s3', { eventName: 'ObjectCreated:Put' }, 's3: Invalid input'],
    ['no bucket name', { s3: { bucket: {}, object: { key: 'uploads/a.png' } } }, 's3.bucket.name'],
    ['an empty key', { s3: { bucket: { name: 'b' }, object: { key: '' } } }, 's3.object.key'],
    ['a numeric key', { s3: { bucket: { name: 'b' }, object: { key: 42 } } }, 's3.object.key'],
    ['a string record', 'uploads/a.png', 'Invalid input'],
  ])('reports a record with %s, and keeps the others', (_name, record, problem) => {
    const parsed = parseS3Event(s3Event(s3Record('uploads/ok.png'), record));
    expect(parsed.notifications.map(({ key }) => key)).toEqual(['uploads/ok.png']);
    expect(parsed.malformed).toEqual([{ index: 1, problem: expect.stringContaining(problem), record }]);
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a string', 's3:ObjectCreated'],
    ['an object without Records', { Event: 's3:ObjectCreated:Put' }],
    ['Records that are not a list', { Records: { 0: {} } }],
  ])('reports an event that is %s as one malformed event, without throwing', (_name, event) => {
    expect(parseS3Event(event)).toEqual({ notifications: [], malformed: [{ problem: expect.stringMatching(/^not an S3 event: /), record: event }], isTestEvent: false });
  });

  it("recognises S3's test event, sent when a notification is configured, as nothing to do", () => {
    expect(parseS3Event({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'hybrid-platform-uploads' })).toEqual({ notifications: [], malformed: [], isTestEvent: true });
  });

  it('reports a key that is not validly URL-encoded, and keeps the others', () => {
    // As S3 would never send it: an escape cut short (s3Record encodes the key it is given).
    const bad = s3Record('uploads/x.png') as unknown as { s3: { object: { key: string } } };
    bad.s3.object.key = 'uploads/%E0%A4%A.png';
    const parsed = parseS3Event(s3Event(bad, s3Record('uploads/ok.png')));
    expect(parsed.notifications.map(({ key }) => key)).toEqual(['uploads/ok.png']);
    expect(parsed.malformed).toEqual([{ index: 0, problem: 's3.object.key is not validly URL-encoded', record: bad }]);
  });

  it('tolerates a record without responseElements (no request id)', () => {
    const record = s3Record('uploads/a.png') as unknown as Record<string, unknown>;
    delete record.responseElements;
    expect(parseS3Event(s3Event(record)).notifications).toEqual([{ bucket: 'hybrid-platform-uploads', key: 'uploads/a.png', requestId: undefined }]);
  });
});

describe('thumbnails', () => {
  const limits = { sizes: [16, 64], maxInputPixels: 1_000_000 };

  it.each(THUMBNAIL_FORMATS)('renders %s thumbnails that decode as that format', async (format) => {
    const thumbnails = await renderThumbnails(await solidPng(100, 50), { ...limits, format });

    expect(thumbnails.map(({ requestedWidth, width, height }) => ({ requestedWidth, width, height }))).toEqual([
      { requestedWidth: 16, width: 16, height: 8 },
      { requestedWidth: 64, width: 64, height: 32 },
    ]);
    for (const thumbnail of thumbnails) {
      const metadata = await sharp(thumbnail.body).metadata();
      // sharp names AVIF files after their container, HEIF.
      expect(metadata.format).toBe(format === 'avif' ? 'heif' : format);
      expect(metadata).toMatchObject({ width: thumbnail.width, height: thumbnail.height });
    }
  });

  it('puts transparent areas on white, not black, in a JPEG', async () => {
    const transparent = await sharp({ create: { width: 8, height: 8, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toBuffer();
    const [thumbnail] = await renderThumbnails(transparent, { ...limits, sizes: [8], format: 'jpeg' });
    const { data } = await sharp(thumbnail.body).raw().toBuffer({ resolveWithObject: true });
    expect([...data.subarray(0, 3)]).toEqual([255, 255, 255]);
  });

  it('reads the header of an image without decoding it', async () => {
    await expect(inspectImage(await solidPng(30, 20), 600)).resolves.toEqual({ format: 'png', width: 30, height: 20 });
    await expect(inspectImage(await solidPng(30, 20), 599)).rejects.toMatchObject({ reason: 'too-many-pixels' });
  });

  it('has the decoder enforce the pixel limit too, should the header check be bypassed', async () => {
    // 4 million pixels: over the limit given, under the one sharp has of its own.
    const rendering = renderThumbnails(await pngClaiming(2000, 2000), { ...limits, format: 'webp' });
    await expect(rendering).rejects.toBeInstanceOf(ImageRejected);
    await expect(rendering).rejects.toMatchObject({ reason: 'too-many-pixels', message: expect.stringContaining('decoder refused the image') });
  });

  it.each(['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif'] as const)('accepts %s input', async (format) => {
    const image = await sharp(await solidPng(4, 3)).toFormat(format).toBuffer();
    await expect(inspectImage(image, 100)).resolves.toMatchObject({ width: 4, height: 3 });
  });

  it("turns libvips' operation cache off: every upload is a different image, so it would only hold memory", () => {
    expect(sharp.cache()).toMatchObject({ memory: { max: 0 }, files: { max: 0 }, items: { max: 0 } });
  });

  it('keeps transparency in the formats that have it', async () => {
    const transparent = await sharp({ create: { width: 8, height: 8, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toBuffer();
    const [thumbnail] = await renderThumbnails(transparent, { ...limits, sizes: [8], format: 'png' });
    const { data, info } = await sharp(thumbnail.body).raw().toBuffer({ resolveWithObject: true });
    expect(info.channels).toBe(4);
    expect(data[3]).toBe(0);
  });

  it('refuses a cut-short image as corrupt, with what the decoder said', async () => {
    const whole = await noisePng(64, 64);
    const rendering = renderThumbnails(truncated(whole), { ...limits, format: 'webp' });
    await expect(rendering).rejects.toMatchObject({ reason: 'corrupt', message: expect.stringMatching(/^could not decode the image: .+/) });
  });

  it('refuses bytes that are not an image, with what sharp said', async () => {
    await expect(inspectImage(Buffer.from('a text file, not an image'), 1_000_000)).rejects.toMatchObject({
      reason: 'unsupported-format',
      message: expect.stringMatching(/^not a readable image: .+/),
    });
  });

  it.each([
    [0, 10],
    [10, 0],
  ])('refuses a header that claims %ix%i pixels as unreadable', async (width, height) => {
    await expect(inspectImage(await pngClaiming(width, height), 1_000_000)).rejects.toMatchObject({ reason: 'unsupported-format', message: expect.stringContaining('not a readable image') });
  });

  it('names its rejections ImageRejected, as stack traces and logs print them', () => {
    expect(String(new ImageRejected('corrupt', 'could not decode the image'))).toBe('ImageRejected: could not decode the image');
  });

  it('refuses an SVG, which sharp could render, as a format outside its list', async () => {
    expect((await sharp(SVG).metadata()).format).toBe('svg');
    await expect(inspectImage(SVG, 1_000_000)).rejects.toMatchObject({ reason: 'unsupported-format', message: 'unsupported image format svg' });
  });
});
