import type { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance, type NagRuleResult } from 'cdk-nag';
import { at, dependsOn, inStack, KUBERNETES_MANIFEST, kubernetesObjectsOf, propertiesOf, sameCluster, type KubernetesObject } from '../template-queries';

const ENFORCING_MODES = ['DefaultAllow', 'DefaultDeny'];

/**
 * A manifest with a NetworkPolicy is applied after (or together with) manifests of the same stack and
 * cluster that turn enforcement on in EKS Auto Mode: the `kube-system/amazon-vpc-cni` ConfigMap with
 * `enable-network-policy-controller: "true"`, a NodeClass with `spec.networkPolicy`, and a NodePool
 * of that NodeClass. (Objects of one manifest are applied by one kubectl apply: they count as applied
 * together, as the controller enforces policies that already exist when it starts.) On nodes that are
 * not Auto Mode's (managed node groups), the `vpc-cni` add-on with `enableNetworkPolicy` enforces them.
 */
export function NetworkPoliciesEnforced(node: CfnResource): NagRuleResult {
  if (!kubernetesObjectsOf(node).some((object) => object.kind === 'NetworkPolicy')) return NagRuleCompliance.NOT_APPLICABLE;
  if (afterVpcCniWithNetworkPolicy(node)) return NagRuleCompliance.COMPLIANT;
  const appliedBefore = inStack(node, KUBERNETES_MANIFEST)
    .filter((manifest) => sameCluster(manifest, node) && (manifest === node || dependsOn(node, manifest)))
    .flatMap(kubernetesObjectsOf);
  const enforcingNodeClasses = appliedBefore.filter(isEnforcingNodeClass).map((nodeClass) => nodeClass.metadata?.name);
  const nodePoolOfThem = appliedBefore.some(
    (object) =>
      object.apiVersion === 'karpenter.sh/v1' &&
      object.kind === 'NodePool' &&
      enforcingNodeClasses.includes(at(object, 'spec', 'template', 'spec', 'nodeClassRef', 'name') as string),
  );
  return appliedBefore.some(enablesController) && nodePoolOfThem ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
}

function enablesController(object: KubernetesObject): boolean {
  return (
    object.apiVersion === 'v1' &&
    object.kind === 'ConfigMap' &&
    object.metadata?.namespace === 'kube-system' &&
    object.metadata?.name === 'amazon-vpc-cni' &&
    at(object, 'data', 'enable-network-policy-controller') === 'true'
  );
}

function isEnforcingNodeClass(object: KubernetesObject): boolean {
  return object.apiVersion === 'eks.amazonaws.com/v1' && object.kind === 'NodeClass' && ENFORCING_MODES.includes(at(object, 'spec', 'networkPolicy') as string);
}

function afterVpcCniWithNetworkPolicy(node: CfnResource): boolean {
  return inStack(node, 'AWS::EKS::Addon').some((addon) => {
    const { AddonName, ConfigurationValues } = propertiesOf(addon);
    const enabled = typeof ConfigurationValues === 'string' && at(JSON.parse(ConfigurationValues), 'enableNetworkPolicy') === 'true';
    return AddonName === 'vpc-cni' && enabled && sameCluster(addon, node) && dependsOn(node, addon);
  });
}
