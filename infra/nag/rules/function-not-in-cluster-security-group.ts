import type { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance, type NagRuleResult } from 'cdk-nag';
import { asArray, at, propertiesOf, referencedBy } from '../template-queries';

/**
 * No Lambda function's VPC config uses the security group EKS creates for a cluster (the cluster's
 * ClusterSecurityGroupId, in the same stack or imported from another).
 */
export function FunctionNotInClusterSecurityGroup(node: CfnResource): NagRuleResult {
  if (node.cfnResourceType !== 'AWS::Lambda::Function') return NagRuleCompliance.NOT_APPLICABLE;
  const securityGroups = asArray(at(propertiesOf(node), 'VpcConfig', 'SecurityGroupIds'));
  if (securityGroups.length === 0) return NagRuleCompliance.NOT_APPLICABLE;
  const inClusterSecurityGroup = securityGroups.some((group) => {
    const reference = referencedBy(node, group);
    return reference?.resource.cfnResourceType === 'AWS::EKS::Cluster' && reference.attribute === 'ClusterSecurityGroupId';
  });
  return inClusterSecurityGroup ? NagRuleCompliance.NON_COMPLIANT : NagRuleCompliance.COMPLIANT;
}
