import { CfnResource, Stack, type RemovalPolicy } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';

export interface FunctionLogGroupsProps {
  readonly retention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * Gives every Lambda function of `stack` a log group that the stack owns, with the environment's
 * retention and removal policy: call it once the stack is complete.
 *
 * Our own functions (PlatformFunction) bring theirs. The handlers that aws-cdk-lib adds by itself
 * (the default security group's restriction, S3 auto-delete, bucket notifications, the kubectl
 * provider) would otherwise log to `/aws/lambda/<name>`, which Lambda creates on first use with no
 * expiry and which outlives `cdk destroy`; the kubectl provider's CDK-managed groups keep logs for
 * two years. Functions without a group get one through `LoggingConfig.LogGroup` (created before the
 * function, so the first invocation cannot race it); CDK-managed groups get our retention.
 */
export function ownLogGroupsForEveryFunction(stack: Stack, props: FunctionLogGroupsProps): void {
  const constructs = stack.node.findAll();
  const functions = constructs.filter((c): c is CfnResource => CfnResource.isCfnResource(c) && c.cfnResourceType === 'AWS::Lambda::Function');
  const logGroups = constructs.filter((c): c is logs.CfnLogGroup => c instanceof logs.CfnLogGroup);

  for (const fn of functions) {
    if (hasOwnLogGroup(fn)) continue;
    const managed = logGroups.find((group) => isDefaultLogGroupOf(group, fn));
    if (managed) {
      managed.retentionInDays = props.retention;
      managed.applyRemovalPolicy(props.removalPolicy);
      continue;
    }
    const logGroup = new logs.LogGroup(logGroupScope(fn), `${fn.node.id}Logs`, { retention: props.retention, removalPolicy: props.removalPolicy });
    fn.addPropertyOverride('LoggingConfig.LogGroup', logGroup.logGroupName);
  }
}

/** Whether the function already names its log group (PlatformFunction does). */
function hasOwnLogGroup(fn: CfnResource): boolean {
  // The other AWS::Lambda::Function resources are CDK's custom-resource provider handlers, plain
  // CfnResources that never set LoggingConfig.
  if (!(fn instanceof lambda.CfnFunction)) return false;
  const config = Stack.of(fn).resolve(fn.loggingConfig) as { LogGroup?: unknown; logGroup?: unknown } | undefined;
  return Boolean(config?.LogGroup ?? config?.logGroup);
}

/** A group named `/aws/lambda/<the function's name>`: where Lambda writes by default. */
function isDefaultLogGroupOf(group: logs.CfnLogGroup, fn: CfnResource): boolean {
  const stack = Stack.of(fn);
  const name = JSON.stringify(stack.resolve(group.logGroupName));
  return name === JSON.stringify({ 'Fn::Join': ['', ['/aws/lambda/', { Ref: stack.resolve(fn.logicalId) }]] });
}

/** Beside the function's own construct, so the group's path names the function it serves. */
function logGroupScope(fn: CfnResource): IConstruct {
  return fn.node.scope ?? Stack.of(fn);
}
