import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { DEFAULT_THUMBNAILS, THUMBNAILS_PREFIX, thumbnailEnvironment, UPLOADS_PREFIX } from '../../functions/shared/thumbnail-contract';
import { deadLetterQueue } from './dead-letter-queue';
import { PlatformFunction } from './platform-function';
import { sharpForLambda } from './sharp-bundling';
import type { UploadFunction, UploadFunctionProps } from './upload-function';

/**
 * The sample upload function (infra/config/upload-functions.ts), and everything only it needs:
 *
 *   S3 uploads/ ──ObjectCreated──> image-resizer ──> S3 thumbnails/      (failures: retries, then DLQ)
 *
 * Its dead-letter queue, role statements and bucket notification are created beside it in `scope`
 * (ids `<id>DeadLetters`, `<id>Role`...), so their logical ids are what they were when the stack made them.
 */
export class ImageResizerFunction extends PlatformFunction implements UploadFunction {
  /** Uploads it gave up on. */
  readonly deadLetters: sqs.IQueue;

  constructor(scope: Construct, id: string, props: UploadFunctionProps) {
    const { name, description, bucket, logRetention, removalPolicy } = props;
    const deadLetters = deadLetterQueue(scope, `${id}DeadLetters`, removalPolicy);
    Validations.of(deadLetters).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: "This queue is the image-resizer's on-failure destination: it is a dead-letter queue that cdk-nag cannot recognise as one.",
    });
    super(scope, id, {
      logRetention,
      removalPolicy,
      entry: `functions/${name}/handler.ts`,
      serviceName: name,
      description,
      // sharp decodes whole images in memory; 1 GB also buys proportionally more CPU.
      memorySize: 1024,
      timeout: Duration.seconds(60),
      environment: { ...thumbnailEnvironment(DEFAULT_THUMBNAILS), MAX_INPUT_BYTES: String(10 * 1024 * 1024), MAX_INPUT_PIXELS: String(40_000_000) },
      bundling: sharpForLambda(),
      // Unexpected failures (S3 errors) are retried twice, then kept in a DLQ; bad images are not retried.
      retryAttempts: 2,
      onFailure: new destinations.SqsDestination(deadLetters),
    });
    this.deadLetters = deadLetters;

    // Exactly what the handler calls: Head/GetObject on uploads, PutObject on thumbnails, and ListBucket
    // (on uploads/ only) so that a deleted upload answers 404, not 403.
    this.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects(`${UPLOADS_PREFIX}*`)] }));
    this.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [bucket.arnForObjects(`${THUMBNAILS_PREFIX}*`)] }));
    this.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${UPLOADS_PREFIX}*`] } },
      }),
    );
    for (const prefix of [UPLOADS_PREFIX, THUMBNAILS_PREFIX]) {
      Validations.of(this.role!).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(bucket.node.defaultChild as s3.CfnBucket)}.Arn>/${prefix}*]`,
        reason: `Objects are named by key prefix: ${prefix}* is the narrowest ARN that covers objects that do not exist yet.`,
      });
    }
    bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.LambdaDestination(this), { prefix: UPLOADS_PREFIX });
  }
}
