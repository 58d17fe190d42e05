import type { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance, type NagRuleResult } from 'cdk-nag';
import { asArray, at, inApp, propertiesOf, referencedBy } from '../template-queries';

const ALARM_ACTION_PROPERTIES = ['AlarmActions', 'OKActions', 'InsufficientDataActions'];
const ACTIONS_CLOUDWATCH_NEEDS = ['kms:Decrypt', 'kms:GenerateDataKey*'];

/**
 * An SNS topic that a CloudWatch alarm notifies is either unencrypted or encrypted with a KMS key of
 * this app whose key policy allows the CloudWatch service principal kms:Decrypt and
 * kms:GenerateDataKey*. An AWS-managed key (alias/aws/sns) or a key from outside the app fails.
 */
export function AlarmTopicKeyUsableByCloudWatch(node: CfnResource): NagRuleResult {
  if (node.cfnResourceType !== 'AWS::SNS::Topic') return NagRuleCompliance.NOT_APPLICABLE;
  const notifiedByAnAlarm = inApp(node, 'AWS::CloudWatch::Alarm').some((alarm) =>
    ALARM_ACTION_PROPERTIES.flatMap((property) => asArray(propertiesOf(alarm)[property])).some(
      (action) => referencedBy(alarm, action)?.resource === node,
    ),
  );
  if (!notifiedByAnAlarm) return NagRuleCompliance.NOT_APPLICABLE;
  const keyId = propertiesOf(node).KmsMasterKeyId;
  if (keyId === undefined) return NagRuleCompliance.COMPLIANT;
  const key = referencedBy(node, keyId)?.resource;
  return key?.cfnResourceType === 'AWS::KMS::Key' && allowsCloudWatch(propertiesOf(key).KeyPolicy)
    ? NagRuleCompliance.COMPLIANT
    : NagRuleCompliance.NON_COMPLIANT;
}

function allowsCloudWatch(keyPolicy: unknown): boolean {
  const allowed = asArray(at(keyPolicy, 'Statement'))
    .filter((statement) => at(statement, 'Effect') === 'Allow')
    .filter((statement) => asArray(at(statement, 'Principal', 'Service')).includes('cloudwatch.amazonaws.com'))
    .flatMap((statement) => asArray(at(statement, 'Action')));
  return ACTIONS_CLOUDWATCH_NEEDS.every((needed) => allowed.some((action) => typeof action === 'string' && covers(action, needed)));
}

/** Whether an IAM action pattern (with * wildcards, case-insensitive) covers an action. */
function covers(pattern: string, action: string): boolean {
  const regex = pattern
    .split('*')
    .map((literal) => literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${regex}$`, 'i').test(action);
}
