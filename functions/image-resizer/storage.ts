import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

export interface SourceObject {
  readonly size: number;
  readonly eTag: string;
}

export interface ThumbnailObject {
  readonly key: string;
  readonly body: Buffer;
  readonly contentType: string;
  /** The ETag of the upload it was made from, kept as `x-amz-meta-source-etag` for traceability. */
  readonly sourceETag: string;
}

/**
 * The S3 calls of the resizer. A missing object is `undefined` (an upload deleted before we got to
 * it is nothing to retry); every other S3 error is thrown, for Lambda to retry the event.
 */
export class ImageStore {
  constructor(private readonly s3: S3Client) {}

  /** Size and ETag of an object, without downloading it. */
  async describe(bucket: string, key: string): Promise<SourceObject | undefined> {
    try {
      const head = await this.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return { size: head.ContentLength ?? 0, eTag: head.ETag ?? '' };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /**
   * The bytes of exactly the version `describe` measured: If-Match fails the read (HTTP 412, thrown,
   * so retried) should the object have been replaced in between.
   */
  async read(bucket: string, key: string, source: SourceObject): Promise<Buffer | undefined> {
    try {
      const object = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, IfMatch: source.eTag || undefined }));
      if (!object.Body) throw new Error(`GetObject s3://${bucket}/${key} returned no body`);
      const bytes = await object.Body.transformToByteArray();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async write(bucket: string, thumbnail: ThumbnailObject): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: thumbnail.key,
        Body: thumbnail.body,
        ContentType: thumbnail.contentType,
        Metadata: { 'source-etag': thumbnail.sourceETag },
      }),
    );
  }
}

// HeadObject answers a missing key with NotFound (it has no body to say more), GetObject with NoSuchKey.
const isNotFound = (error: unknown): boolean =>
  error instanceof Error && (error.name === 'NotFound' || error.name === 'NoSuchKey');
