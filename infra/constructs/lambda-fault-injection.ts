import { Aws, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';

export interface LambdaFaultInjectionProps {
  /** The function whose invocations AWS FIS may fail or delay. */
  readonly target: lambda.Function;
  /**
   * The configuration bucket's name without the account and region that make it unique, e.g.
   * `hybrid-platform-sandbox-fis`. A plain name, not a reference, lets the experiment roles of other
   * stacks be granted its folder without a cross-stack export (as the pods' grants name the uploads bucket).
   */
  readonly bucketNamePrefix: string;
  /** What `cdk destroy` does with the configuration bucket (emptied first when it is deleted). */
  readonly removalPolicy: RemovalPolicy;
}

/** The folder of the configuration bucket that FIS writes fault configurations to and the extension polls. */
const CONFIGURATION_PREFIX = 'FisConfigs/';

/**
 * How long an invocation waits for the extension's first read of the configuration (FIS actions
 * reference, with preventExecution): a new execution environment then applies a running
 * experiment's fault instead of running the handler before it knows of it.
 */
const POLL_MAX_WAIT = Duration.seconds(2);

/**
 * Makes a function a target of the AWS FIS Lambda actions (aws:lambda:invocation-error,
 * invocation-add-delay): the FIS extension as a layer that wraps the runtime, a bucket through which
 * FIS hands the running experiment's faults to the extension, and the two environment variables
 * that connect them (FIS user guide, "Use the AWS FIS aws:lambda:function actions").
 *
 * The layer's ARN differs by region and architecture; AWS publishes it as an SSM public parameter,
 * which CloudFormation resolves in the region of each deploy (no lookup at synth time, no
 * hard-coded account of AWS's), and which follows the extension's 1.x releases. While no experiment
 * runs, the extension only polls the bucket (every 60 s per execution environment) and the function
 * behaves as before.
 */
export class LambdaFaultInjection extends Construct {
  /** The FIS extension reads fault configurations under `CONFIGURATION_PREFIX` of this bucket. */
  readonly configurationBucket: s3.Bucket;
  /** The function, as an experiment's `aws:lambda:function` target names it. */
  readonly targetArn: string;
  private readonly bucketName: (account: string, region: string) => string;

  constructor(scope: Construct, id: string, props: LambdaFaultInjectionProps) {
    super(scope, id);
    const { target } = props;
    this.targetArn = target.functionArn;
    this.bucketName = (account, region) => `${props.bucketNamePrefix}-${account}-${region}`;

    this.configurationBucket = new s3.Bucket(this, 'Configurations', {
      bucketName: this.bucketName(Aws.ACCOUNT_ID, Aws.REGION),
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
    Validations.of(this.configurationBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'Holds only short-lived FIS fault configurations polled every minute; access logs of those polls would be noise and, delivered late, block deleting the access-log bucket.',
    });

    const layerArn = ssm.StringParameter.valueForStringParameter(this, `/aws/service/fis/lambda-extension/AWS-FIS-extension-${target.architecture.name}/1.x.x`);
    target.addLayers(lambda.LayerVersion.fromLayerVersionArn(this, 'Extension', layerArn));
    target.addEnvironment('AWS_FIS_CONFIGURATION_LOCATION', `arn:${Aws.PARTITION}:s3:::${this.bucketName(Aws.ACCOUNT_ID, Aws.REGION)}/${CONFIGURATION_PREFIX}`);
    target.addEnvironment('AWS_LAMBDA_EXEC_WRAPPER', '/opt/aws-fis/bootstrap');
    target.addEnvironment('AWS_FIS_POLL_MAX_WAIT_MILLISECONDS', String(POLL_MAX_WAIT.toMilliseconds()));

    // The extension runs with the function's role: it lists and reads the configuration folder, nothing else.
    target.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [this.configurationBucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${CONFIGURATION_PREFIX}*`] } },
      }),
    );
    target.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [this.configurationObjects()] }));
    Validations.of(target.role!).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${this.nagConfigurationObjects()}]`,
      reason: 'FIS names each fault configuration after the experiment that writes it: the folder is the narrowest ARN that covers them.',
    });
  }

  /**
   * Lets an FIS experiment role inject faults into the target: write and delete configurations in the
   * folder, and read the function's configuration (where FIS finds the folder).
   */
  grantInjection(role: iam.IRole): void {
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:DeleteObject'], resources: [this.configurationObjects()] }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['lambda:GetFunction'], resources: [this.targetArn] }));
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${this.nagConfigurationObjects()}]`,
      reason: 'FIS writes one fault configuration per experiment, named when it starts: the folder is the narrowest ARN that covers them.',
    });
  }

  /** The folder's objects, in whichever stack the grant is made. */
  private configurationObjects(): string {
    return `arn:${Aws.PARTITION}:s3:::${this.bucketName(Aws.ACCOUNT_ID, Aws.REGION)}/${CONFIGURATION_PREFIX}*`;
  }

  /** The same ARN as cdk-nag prints it, with the pseudo parameters in angle brackets. */
  private nagConfigurationObjects(): string {
    return `arn:<AWS::Partition>:s3:::${this.bucketName('<AWS::AccountId>', '<AWS::Region>')}/${CONFIGURATION_PREFIX}*`;
  }
}
