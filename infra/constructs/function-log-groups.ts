import { CfnResource, Stack, type RemovalPolicy } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';

export interface FunctionLogGroupsProps {
  readonly retention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * Gives every Lambda function of `stack` that names no log group one that the stack owns, with the
 * environment's retention and removal policy: call it once the stack is complete.
 *
 * Our own functions (PlatformFunction) bring theirs. The handlers that aws-cdk-lib adds by itself
 * (the default security group's restriction, S3 auto-delete, bucket notifications, the kubectl
 * provider) would otherwise log to `/aws/lambda/<name>`, which Lambda creates on first use with no
 * expiry and which outlives `cdk destroy`. The group is named in the function's
 * `LoggingConfig.LogGroup`, so CloudFormation creates it before the function and deletes it after:
 * the first invocation cannot race it, and the last ones (kubectl deletes during `cdk destroy`)
 * still write to it. (cdk.json turns `@aws-cdk/aws-lambda:useCdkManagedLogGroup` off: its
 * `/aws/lambda/<name>` groups are created after their function and deleted before it.)
 */
export function ownLogGroupsForEveryFunction(stack: Stack, props: FunctionLogGroupsProps): void {
  const functions = stack.node
    .findAll()
    .filter((c): c is CfnResource => CfnResource.isCfnResource(c) && c.cfnResourceType === 'AWS::Lambda::Function');
  for (const fn of functions) {
    if (hasOwnLogGroup(fn)) continue;
    const logGroup = new logs.LogGroup(logGroupScope(fn), `${fn.node.id}Logs`, { retention: props.retention, removalPolicy: props.removalPolicy });
    fn.addPropertyOverride('LoggingConfig.LogGroup', logGroup.logGroupName);
  }
}

/** Whether the function already names its log group (PlatformFunction does). */
function hasOwnLogGroup(fn: CfnResource): boolean {
  // The other AWS::Lambda::Function resources are CDK's custom-resource provider handlers: plain
  // CfnResources, with no loggingConfig at all.
  const config = Stack.of(fn).resolve((fn as lambda.CfnFunction).loggingConfig) as { LogGroup?: unknown; logGroup?: unknown } | undefined;
  return Boolean(config?.LogGroup ?? config?.logGroup);
}

/** Beside the function's own construct, so the group's path names the function it serves. */
function logGroupScope(fn: CfnResource): IConstruct {
  return fn.node.scope ?? Stack.of(fn);
}
