import { Duration, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { join } from 'node:path';
import { pascalCase, PROJECT } from '../config/naming';
import { bundledCode, FUNCTION_BUNDLING } from './function-bundling';

const REPO_ROOT = join(__dirname, '../..');

export interface PlatformFunctionProps extends Omit<lambda.FunctionOptions, 'architecture' | 'logGroup'> {
  /** The handler module, relative to the repository root, e.g. `functions/notifier/handler.ts`; it exports `handler`. */
  readonly entry: string;
  /** What this function adds to the house bundling options (FUNCTION_BUNDLING). */
  readonly bundling?: BundlingOptions;
  /** Powertools service name: tags logs, metrics and traces. */
  readonly serviceName: string;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/** The CloudWatch namespace of every function's Powertools metrics: the project's, e.g. `HybridPlatform`. */
export const METRICS_NAMESPACE = pascalCase(PROJECT);

/**
 * The house defaults for every Lambda function, carried once: the newest Node.js runtime on arm64
 * (Graviton: ~20% cheaper per GB-second), X-Ray tracing, JSON logs into a log group with the
 * environment's retention, a role that may write to that log group and nothing else until granted
 * more, and a minified esbuild bundle that leaves the AWS SDK v3 to the runtime.
 */
export class PlatformFunction extends lambda.Function {
  constructor(scope: Construct, id: string, props: PlatformFunctionProps) {
    const { serviceName, logRetention, removalPolicy, entry, bundling, environment, ...rest } = props;
    // Created first and passed in, so the function never writes to a never-expiring log group.
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, { retention: logRetention, removalPolicy });
    // Our own role instead of AWSLambdaBasicExecutionRole, which may write to every log group.
    const role = new iam.Role(scope, `${id}Role`, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Active tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which have no resource-level permissions.',
    });
    super(scope, id, {
      runtime: lambda.Runtime.NODEJS_24_X,
      role,
      architecture: lambda.Architecture.ARM_64,
      tracing: lambda.Tracing.ACTIVE,
      loggingFormat: lambda.LoggingFormat.JSON,
      logGroup,
      memorySize: 256,
      timeout: Duration.seconds(30),
      ...rest,
      environment: {
        POWERTOOLS_SERVICE_NAME: serviceName,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        NODE_OPTIONS: '--enable-source-maps',
        ...environment,
      },
      // The options are shared with bench/functions.ts and the notifier's bundle-size test.
      code: bundledCode(join(REPO_ROOT, entry), { ...FUNCTION_BUNDLING, ...bundling }),
      handler: 'index.handler',
    });
  }
}
