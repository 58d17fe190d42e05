import type { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance, type NagRuleResult } from 'cdk-nag';
import { at, displayed, inStack, logicalIdOf, propertiesOf } from '../template-queries';

/**
 * A Lambda function logs to a log group of its own stack that has a retention: the one its
 * LoggingConfig names, or else `/aws/lambda/<function name>` (as `@aws-cdk/aws-lambda:useCdkManagedLogGroup`
 * creates it).
 */
export function FunctionLogGroupWithRetention(node: CfnResource): NagRuleResult {
  if (node.cfnResourceType !== 'AWS::Lambda::Function') return NagRuleCompliance.NOT_APPLICABLE;
  const properties = propertiesOf(node);
  const configured = at(properties, 'LoggingConfig', 'LogGroup');
  const functionNames = [displayed({ Ref: logicalIdOf(node) }), ...(properties.FunctionName === undefined ? [] : [displayed(properties.FunctionName)])];
  const logsTo = configured === undefined ? functionNames.map((name) => `/aws/lambda/${name}`) : [displayed(configured)];
  // A log group is named by its LogGroupName, and its Ref is that name too.
  const logGroup = inStack(node, 'AWS::Logs::LogGroup').find((group) =>
    [displayed(propertiesOf(group).LogGroupName), displayed({ Ref: logicalIdOf(group) })].some((name) => logsTo.includes(name)),
  );
  return logGroup && propertiesOf(logGroup).RetentionInDays !== undefined ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
}
