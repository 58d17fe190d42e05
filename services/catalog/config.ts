import { z } from 'zod';
import { thumbnailEnvironmentShape } from '../../functions/shared/thumbnail-contract';

/**
 * The catalog's own environment, validated with the kit's (services/kit/config.ts). The thumbnail
 * settings are the image-resizer's (same names, same defaults, same rules, from the one contract):
 * product responses link to the thumbnails the resizer writes, so both sides agree on widths and format.
 */

// The shape of an S3 bucket name (a mistyped name or an ARN fails here, at start-up, not at upload time).
const bucketName = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
// e.g. eu-west-1, us-gov-west-1, ap-southeast-4; also what the SDK accepts as a region.
const regionName = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

const seconds = (max: number) =>
  z.coerce
    .number({ error: `must be a whole number of seconds from 1 to ${max}` })
    .int(`must be a whole number of seconds from 1 to ${max}`)
    .min(1, `must be a whole number of seconds from 1 to ${max}`)
    .max(max, `must be a whole number of seconds from 1 to ${max}`);

/** SigV4 presigned URLs live at most 7 days. */
const MAX_PRESIGNED_TTL_SECONDS = 7 * 24 * 60 * 60;

export const catalogConfigShape = {
  /** The bucket uploads are presigned into (and thumbnails read from): the functions stack's uploads bucket. */
  UPLOADS_BUCKET: z
    .string({ error: 'must be set to the uploads bucket name' })
    .regex(bucketName, 'must be an S3 bucket name: 3-63 of a-z 0-9 . -, starting and ending with a letter or digit'),
  AWS_REGION: z.string({ error: 'must be set to the AWS region of the uploads bucket' }).regex(regionName, 'must be an AWS region, e.g. eu-west-1'),
  ...thumbnailEnvironmentShape({ namedInMessages: false }),
  /** How long a client has to start its upload with a presigned PUT URL. */
  UPLOAD_URL_TTL_SECONDS: seconds(MAX_PRESIGNED_TTL_SECONDS).default(300),
  /** How long the thumbnail (GET) URLs in product responses stay valid. */
  THUMBNAIL_URL_TTL_SECONDS: seconds(MAX_PRESIGNED_TTL_SECONDS).default(3600),
};

export type CatalogConfigShape = typeof catalogConfigShape;
