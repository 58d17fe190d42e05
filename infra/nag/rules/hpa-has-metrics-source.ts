import type { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance, type NagRuleResult } from 'cdk-nag';
import { dependsOn, inStack, kubernetesObjectsOf, propertiesOf, sameCluster } from '../template-queries';

/**
 * A manifest with a HorizontalPodAutoscaler is applied after the `metrics-server` EKS add-on of the
 * same cluster, created in the same stack.
 */
export function HpaHasMetricsSource(node: CfnResource): NagRuleResult {
  if (!kubernetesObjectsOf(node).some((object) => object.kind === 'HorizontalPodAutoscaler')) return NagRuleCompliance.NOT_APPLICABLE;
  const metricsServer = inStack(node, 'AWS::EKS::Addon').filter(
    (addon) => propertiesOf(addon).AddonName === 'metrics-server' && sameCluster(addon, node),
  );
  return metricsServer.some((addon) => dependsOn(node, addon)) ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
}
