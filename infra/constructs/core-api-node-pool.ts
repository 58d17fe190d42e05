import * as eks from 'aws-cdk-lib/aws-eks-v2';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { CoreApiNodeFamilies } from '../config/environment-config';

export interface CoreApiNodePoolProps {
  /** An EKS Auto Mode cluster. */
  readonly cluster: eks.Cluster;
  /** The Auto Mode node role (the cluster's compute config role: EKS already gave it an access entry). */
  readonly nodeRole: iam.IRole;
  /** Where the nodes run: the cluster's private subnets. */
  readonly subnets: ec2.ISubnet[];
  /** Node architecture, matching the images' platform (see CORE_API_PLATFORM). */
  readonly arch: 'arm64' | 'amd64';
  /** The instance families the pool may launch (CORE_API_NODE_FAMILIES: general or burstable). */
  readonly families: CoreApiNodeFamilies;
  /** Ceiling of the pool's vCPUs, a bound on its cost. @default 16 */
  readonly maxCpu?: number;
}

/** The name of the NodeClass and the NodePool. */
const POOL_NAME = 'core-apis';

/**
 * The instance families of each choice, as Auto Mode's requirement labels name them: C, M and R of
 * generation 6 and later, or T of generation 4 and later (with an arm64 architecture: T4g).
 */
const FAMILY_REQUIREMENTS: Readonly<Record<CoreApiNodeFamilies, readonly { key: string; operator: string; values: string[] }[]>> = {
  general: [
    { key: 'eks.amazonaws.com/instance-category', operator: 'In', values: ['c', 'm', 'r'] },
    { key: 'eks.amazonaws.com/instance-generation', operator: 'Gt', values: ['5'] },
  ],
  burstable: [
    { key: 'eks.amazonaws.com/instance-category', operator: 'In', values: ['t'] },
    { key: 'eks.amazonaws.com/instance-generation', operator: 'Gt', values: ['3'] },
  ],
};

/**
 * Where the core APIs run on EKS Auto Mode: nodes that enforce NetworkPolicies.
 *
 * Auto Mode accepts NetworkPolicies but enforces them only when (1) the network policy controller is
 * turned on cluster-wide (the `kube-system/amazon-vpc-cni` ConfigMap) and (2) the node comes from a
 * NodeClass with `networkPolicy` set; the built-in pools' NodeClass has it off and cannot be changed
 * (EKS user guide, "Use network policies with EKS Auto Mode"). So this applies the ConfigMap, a
 * NodeClass with network policy on, and a NodePool of Graviton on-demand nodes of the chosen families from it; the core API
 * workloads select the pool with `nodeSelector`. The NodeClass uses the built-in pools' node role
 * (which EKS gave an access entry when it created the cluster) and the cluster security group, like
 * the built-in NodeClass.
 */
export class CoreApiNodePool extends Construct {
  /** Apply NetworkPolicies and workloads after this: the controller is on and the pool exists. */
  readonly enforcement: eks.KubernetesManifest;
  /** What a pod spec selects to land on this pool. */
  readonly nodeSelector: Record<string, string> = { 'karpenter.sh/nodepool': POOL_NAME };

  constructor(scope: Construct, id: string, props: CoreApiNodePoolProps) {
    super(scope, id);
    const { cluster } = props;

    const networkPolicyController = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'amazon-vpc-cni', namespace: 'kube-system' },
      data: { 'enable-network-policy-controller': 'true' },
    };
    const nodeClass = {
      apiVersion: 'eks.amazonaws.com/v1',
      kind: 'NodeClass',
      metadata: { name: POOL_NAME },
      spec: {
        role: props.nodeRole.roleName,
        subnetSelectorTerms: props.subnets.map((subnet) => ({ id: subnet.subnetId })),
        securityGroupSelectorTerms: [{ id: cluster.clusterSecurityGroupId }],
        // Pods with no policy stay reachable (the `shop` namespace denies by default itself).
        networkPolicy: 'DefaultAllow',
        networkPolicyEventLogs: 'Disabled',
      },
    };
    const nodePool = {
      apiVersion: 'karpenter.sh/v1',
      kind: 'NodePool',
      metadata: { name: POOL_NAME },
      spec: {
        template: {
          spec: {
            nodeClassRef: { group: 'eks.amazonaws.com', kind: 'NodeClass', name: POOL_NAME },
            requirements: [
              { key: 'kubernetes.io/arch', operator: 'In', values: [props.arch] },
              { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
              ...FAMILY_REQUIREMENTS[props.families],
            ],
            // Nodes are replaced at least every two weeks, picking up patched Auto Mode AMIs.
            expireAfter: '336h',
          },
        },
        limits: { cpu: String(props.maxCpu ?? 16) },
        // Preferred over the built-in general-purpose pool for any pod that fits (metrics-server, say):
        // one Graviton node rather than one node per pool in an idle sandbox.
        weight: 10,
        // Empty or underused nodes are removed: an idle sandbox shrinks to what its pods request.
        disruption: { consolidationPolicy: 'WhenEmptyOrUnderutilized', consolidateAfter: '1m' },
      },
    };

    this.enforcement = new eks.KubernetesManifest(this, 'Manifest', {
      cluster,
      manifest: [networkPolicyController, nodeClass, nodePool],
      // `kubectl apply`, not `create`: the ConfigMap may exist already (made by hand, following the guide).
      overwrite: true,
    });
  }
}
