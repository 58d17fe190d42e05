import { Aws, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/environment-config';
import { faultConfigurationsBucketName } from '../config/naming';

export interface FaultConfigurationsBucketProps {
  /** The environment, whose name the bucket carries (faultConfigurationsBucketName). */
  readonly config: Pick<EnvironmentConfig, 'name'>;
  /** What `cdk destroy` does with the bucket (emptied first when it is deleted). */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The bucket through which AWS FIS hands a running experiment's faults to the FIS extension of the
 * Lambda functions it targets (FIS user guide, "Use the AWS FIS aws:lambda:function actions": one
 * bucket may serve many experiments and functions). One per environment, whatever the number of
 * targets: a bucket name has room for no function name (faultConfigurationsBucketName), so each
 * target gets a folder of its own instead (LambdaFaultInjection).
 *
 * Named plainly, not by reference, so that the experiment roles of another stack (the chaos stack)
 * are granted their folder without a cross-stack export.
 */
export class FaultConfigurationsBucket extends Construct {
  readonly bucket: s3.Bucket;
  /** The bucket's name, the deploy's account and region as tokens, and as cdk-nag prints it. */
  private readonly names: { readonly plain: string; readonly inNagFindings: string };

  constructor(scope: Construct, id: string, props: FaultConfigurationsBucketProps) {
    super(scope, id);
    this.names = { plain: faultConfigurationsBucketName(props.config), inNagFindings: faultConfigurationsBucketName(props.config, '<AWS::AccountId>', '<AWS::Region>') };
    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: this.names.plain,
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // No server access logs: the extension reads this bucket every 60 s per warm environment, and logs
      // delivered late would refill the access-log bucket after `cdk destroy` emptied it (DELETE_FAILED).
      // FIS deletes a configuration when its experiment ends; one that an interrupted experiment left
      // behind serves nobody the next day.
      lifecycleRules: [{ expiration: Duration.days(1) }],
      removalPolicy: props.removalPolicy,
      autoDeleteObjects: props.removalPolicy === RemovalPolicy.DESTROY,
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'Holds only short-lived FIS fault configurations polled every minute; access logs of those polls would be noise and, delivered late, block deleting the access-log bucket.',
    });
  }

  /** `arn:<partition>:s3:::<bucket>/<path>` by the bucket's plain name, valid in whichever stack uses it. */
  arnOf(path: string): string {
    return `arn:${Aws.PARTITION}:s3:::${this.names.plain}/${path}`;
  }

  /** The same ARN as cdk-nag prints it in a finding's id, with the pseudo parameters in angle brackets. */
  nagArnOf(path: string): string {
    return `arn:<AWS::Partition>:s3:::${this.names.inNagFindings}/${path}`;
  }
}
