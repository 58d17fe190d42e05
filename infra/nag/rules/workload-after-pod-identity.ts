import type { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance, type NagRuleResult } from 'cdk-nag';
import { dependsOn, inApp, kubernetesObjectsOf, podSpecOf, propertiesOf } from '../template-queries';

/**
 * A manifest whose pods run as service account S in namespace N is applied after every Pod Identity
 * association of the app for N/S. One finding per service account it is not: `[<N>/<S>]`.
 */
export function WorkloadAfterPodIdentity(node: CfnResource): NagRuleResult {
  const serviceAccounts = new Set(
    kubernetesObjectsOf(node).flatMap((object) => {
      const serviceAccountName = podSpecOf(object)?.serviceAccountName;
      // kubectl applies an object without a namespace into `default`.
      return typeof serviceAccountName === 'string' ? [`${object.metadata?.namespace ?? 'default'}/${serviceAccountName}`] : [];
    }),
  );
  if (serviceAccounts.size === 0) return NagRuleCompliance.NOT_APPLICABLE;
  const findings = new Set(
    inApp(node, 'AWS::EKS::PodIdentityAssociation').flatMap((association) => {
      const { Namespace, ServiceAccount } = propertiesOf(association);
      const serviceAccount = `${Namespace}/${ServiceAccount}`;
      return serviceAccounts.has(serviceAccount) && !dependsOn(node, association) ? [serviceAccount] : [];
    }),
  );
  return findings.size > 0 ? [...findings] : NagRuleCompliance.COMPLIANT;
}
