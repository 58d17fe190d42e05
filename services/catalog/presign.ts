import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

/**
 * Presigned S3 URLs for the uploads bucket. Presigning is a local computation (SigV4 with the pod's
 * credentials, from Pod Identity on EKS or the usual environment variables elsewhere): no request
 * goes to S3 here. The client then uploads or downloads directly, with the pod's permission
 * (the cluster stack grants exactly s3:PutObject on uploads/* and s3:GetObject on thumbnails/*).
 */
export interface Presigner {
  /** A PUT URL for `key` that S3 accepts only with exactly this Content-Type header. */
  uploadUrl(key: string, contentType: string): Promise<string>;
  /** A GET URL for `key`. */
  downloadUrl(key: string): Promise<string>;
}

export interface PresignerOptions {
  readonly bucket: string;
  readonly region: string;
  readonly uploadTtlSeconds: number;
  readonly downloadTtlSeconds: number;
}

export function s3Presigner({ bucket, region, uploadTtlSeconds, downloadTtlSeconds }: PresignerOptions): Presigner {
  const client = new S3Client({
    region,
    // By default the SDK adds a CRC32 checksum of the (empty, at signing time) body to a presigned
    // PutObject URL (x-amz-checksum-crc32=AAAAAA==), and S3 then rejects every real upload with
    // BadDigest. Checksums only where an operation requires one (PutObject does not).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    // Likewise x-amz-checksum-mode=ENABLED on GET URLs: a browser fetching a thumbnail validates nothing.
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return {
    uploadUrl: (key, contentType) =>
      getSignedUrl(client, new PutObjectCommand({ Bucket: bucket, Key: key, ContentType: contentType }), {
        expiresIn: uploadTtlSeconds,
        // The presigner leaves Content-Type out of the signature unless told otherwise: signed, an
        // upload with any other type (say text/html) is refused by S3.
        signableHeaders: new Set(['content-type']),
      }),
    downloadUrl: (key) => getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: downloadTtlSeconds }),
  };
}
