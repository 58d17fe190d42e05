import type { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance, type NagRuleResult } from 'cdk-nag';
import { at, displayed, inStack, logicalIdOf, propertiesOf } from '../template-queries';

/**
 * A Lambda function logs to the log group its LoggingConfig names, a group of its own stack with a
 * retention. Not to `/aws/lambda/<function name>` declared beside it (what
 * `@aws-cdk/aws-lambda:useCdkManagedLogGroup` does): that group refers to the function, so
 * CloudFormation creates it after the function (racing the first invocation, which creates it too)
 * and deletes it before the function (whose last invocations, e.g. kubectl deletes, create it again,
 * with no expiry, after the stack is gone).
 */
export function FunctionLogGroupWithRetention(node: CfnResource): NagRuleResult {
  if (node.cfnResourceType !== 'AWS::Lambda::Function') return NagRuleCompliance.NOT_APPLICABLE;
  const configured = at(propertiesOf(node), 'LoggingConfig', 'LogGroup');
  if (configured === undefined) return NagRuleCompliance.NON_COMPLIANT;
  // A log group is named by its LogGroupName, and its Ref is that name too.
  const logGroup = inStack(node, 'AWS::Logs::LogGroup').find((group) =>
    [displayed(propertiesOf(group).LogGroupName), displayed({ Ref: logicalIdOf(group) })].includes(displayed(configured)),
  );
  return logGroup && propertiesOf(logGroup).RetentionInDays !== undefined ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
}
