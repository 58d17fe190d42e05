import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { UPLOADS_PREFIX } from '../../functions/shared/thumbnail-contract';
import type { EnvironmentConfig } from '../config/environment-config';
import { uploadsBucketName } from '../config/naming';

export interface UploadsBucketProps {
  readonly config: EnvironmentConfig;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The uploads bucket (named by uploadsBucketName, which the cluster stack computes too) and the bucket
 * of its access logs: private, encrypted, TLS-only. Both are created in `scope` (ids `Uploads`,
 * `AccessLogs`), so their logical ids are the stack's own.
 */
export function createUploadsBucket(scope: Construct, { config, removalPolicy }: UploadsBucketProps): s3.Bucket {
  // Emptied on delete only where it is deleted (a sandbox): a retained bucket keeps its objects.
  const autoDeleteObjects = removalPolicy === RemovalPolicy.DESTROY;
  const accessLogs = new s3.Bucket(scope, 'AccessLogs', {
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    lifecycleRules: [{ expiration: Duration.days(config.logRetentionDays) }],
    removalPolicy,
    autoDeleteObjects,
  });
  Validations.of(accessLogs).acknowledge({
    id: 'AwsSolutions-S1',
    reason: 'This is the access-log bucket of the uploads bucket; logging it to itself would loop.',
  });

  return new s3.Bucket(scope, 'Uploads', {
    bucketName: uploadsBucketName(config),
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    serverAccessLogsBucket: accessLogs,
    serverAccessLogsPrefix: 'uploads-bucket/',
    lifecycleRules: [
      // Presigned uploads that never completed cost money and help nobody.
      { abortIncompleteMultipartUploadAfter: Duration.days(1) },
      // Originals are read once (to make thumbnails), then rarely: let S3 move them to cheaper tiers.
      { prefix: UPLOADS_PREFIX, transitions: [{ storageClass: s3.StorageClass.INTELLIGENT_TIERING, transitionAfter: Duration.days(30) }] },
    ],
    removalPolicy,
    autoDeleteObjects,
  });
}
