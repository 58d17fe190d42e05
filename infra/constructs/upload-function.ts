import type { RemovalPolicy } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { PlatformFunction } from './platform-function';

/** What the functions stack gives the construct of each upload function (infra/config/upload-functions.ts). */
export interface UploadFunctionProps {
  /** The function's folder under functions/ (its handler is `functions/<name>/handler.ts`) and its Powertools service name. */
  readonly name: string;
  readonly description: string;
  /** The bucket whose uploads trigger it. */
  readonly bucket: s3.Bucket;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/** An upload function and the queue of the uploads it gave up on, which the stack alarms on. */
export interface UploadFunction extends PlatformFunction {
  readonly deadLetters: sqs.IQueue;
}

/**
 * The construct of an upload function. It creates its resources beside itself in `scope` (the
 * stack), like PlatformFunction, so their logical ids read as the function's.
 */
export type UploadFunctionConstruct = new (scope: Construct, id: string, props: UploadFunctionProps) => UploadFunction;
