import { Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { FaultConfigurationsBucket } from './fault-configurations-bucket';

export interface LambdaFaultInjectionProps {
  /** The function whose invocations AWS FIS may fail or delay. */
  readonly target: lambda.Function;
  /** The function's name in its registry: its fault configurations go to `FisConfigs/<name>/`. */
  readonly name: string;
  /** The environment's bucket of fault configurations, which every target shares. */
  readonly configurations: FaultConfigurationsBucket;
}

/** A target's folder name: a function's registry name, nothing an IAM ARN would read as a wildcard or a deeper path. */
const FOLDER_NAME = /^[a-z0-9-]+$/;

/**
 * How long an invocation waits for the extension's first read of the configuration (FIS actions
 * reference, with preventExecution): a new execution environment then applies a running
 * experiment's fault instead of running the handler before it knows of it.
 */
const POLL_MAX_WAIT = Duration.seconds(2);

/**
 * Makes a function a target of the AWS FIS Lambda actions (aws:lambda:invocation-error,
 * invocation-add-delay): the FIS extension as a layer that wraps the runtime, a folder of the
 * environment's configurations bucket through which FIS hands the running experiment's faults to the
 * extension, and the environment variables that connect them (FIS user guide, "Use the AWS FIS
 * aws:lambda:function actions"). FIS finds the folder in the function's configuration.
 *
 * The layer's ARN differs by region and architecture; AWS publishes it as an SSM public parameter,
 * which CloudFormation resolves in the region of each deploy (no lookup at synth time, no
 * hard-coded account of AWS's), and which follows the extension's 1.x releases. While no experiment
 * runs, the extension only polls its folder (every 60 s per execution environment) and the function
 * behaves as before.
 */
export class LambdaFaultInjection extends Construct {
  /** The function, as an experiment's `aws:lambda:function` target names it. */
  readonly targetArn: string;
  /** Where the FIS extension reads this function's fault configurations, and FIS writes them: `FisConfigs/<name>/`. */
  readonly folder: string;
  private readonly configurations: FaultConfigurationsBucket;

  constructor(scope: Construct, id: string, props: LambdaFaultInjectionProps) {
    super(scope, id);
    const { target, configurations } = props;
    this.targetArn = target.functionArn;
    // The name becomes part of the grants' ARNs: a `*` or a `/` in it would widen them.
    if (!FOLDER_NAME.test(props.name)) throw new Error(`LambdaFaultInjection ${this.node.path}: the name "${props.name}" names a folder in the grants; use a-z, 0-9 and hyphens only.`);
    this.folder = `FisConfigs/${props.name}/`;
    this.configurations = configurations;

    const layerArn = ssm.StringParameter.valueForStringParameter(this, `/aws/service/fis/lambda-extension/AWS-FIS-extension-${target.architecture.name}/1.x.x`);
    target.addLayers(lambda.LayerVersion.fromLayerVersionArn(this, 'Extension', layerArn));
    target.addEnvironment('AWS_FIS_CONFIGURATION_LOCATION', configurations.arnOf(this.folder));
    target.addEnvironment('AWS_LAMBDA_EXEC_WRAPPER', '/opt/aws-fis/bootstrap');
    target.addEnvironment('AWS_FIS_POLL_MAX_WAIT_MILLISECONDS', String(POLL_MAX_WAIT.toMilliseconds()));

    // The extension runs with the function's role: it lists and reads its own folder, nothing else.
    target.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [configurations.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${this.folder}*`] } },
      }),
    );
    target.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [configurations.arnOf(`${this.folder}*`)] }));
    Validations.of(target.role!).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${configurations.nagArnOf(`${this.folder}*`)}]`,
      reason: "FIS chooses the object names of the fault configurations it writes for each experiment: the function's folder is the narrowest ARN that covers them, as the FIS user guide grants it.",
    });
  }

  /**
   * Lets an FIS experiment role inject faults into the target: write and delete configurations in its
   * folder, and read the function's configuration (where FIS finds the folder).
   */
  grantInjection(role: iam.IRole): void {
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:DeleteObject'], resources: [this.configurations.arnOf(`${this.folder}*`)] }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['lambda:GetFunction'], resources: [this.targetArn] }));
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${this.configurations.nagArnOf(`${this.folder}*`)}]`,
      reason: "FIS chooses the object names of the fault configurations it writes when an experiment starts: the target's folder is the narrowest ARN that covers them, as the FIS user guide grants it.",
    });
  }
}
