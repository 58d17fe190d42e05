import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { CoreApiNodeFamilies } from '../../../infra/config/environment-config';
import { SUPPORTED_KUBERNETES_VERSIONS } from '../../../infra/config/kubernetes';
import { CoreApiNodePool, type CoreApiNodePoolProps } from '../../../infra/constructs/core-api-node-pool';
import { inStack } from './construct-stack';
import { kubernetesObjectsOf, logicalIdOf, onlyResource, onlyResourceId } from './template-queries';

type PoolChoices = Partial<Pick<CoreApiNodePoolProps, 'arch' | 'families' | 'maxCpu'>>;

/**
 * The pool on an Auto Mode cluster in an imported VPC whose private subnets are `subnet-a` and
 * `subnet-b`, with the cluster's own node role, as the cluster stack makes it (Graviton, the sandbox's
 * families) unless `choices` say otherwise.
 */
function coreApiNodePool(choices: PoolChoices = {}) {
  return inStack((stack) => {
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-1', availabilityZones: ['eu-west-1a', 'eu-west-1b'], privateSubnetIds: ['subnet-a', 'subnet-b'] });
    const nodeRole = new iam.Role(stack, 'NodeRole', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    const kubernetes = SUPPORTED_KUBERNETES_VERSIONS['1.36'];
    const cluster = new eks.Cluster(stack, 'Cluster', {
      version: kubernetes.version,
      vpc,
      vpcSubnets: [{ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }],
      defaultCapacityType: eks.DefaultCapacityType.AUTOMODE,
      compute: { nodeRole },
      kubectlProviderOptions: { kubectlLayer: kubernetes.kubectlLayer(stack, 'KubectlLayer') },
    });
    const pool = new CoreApiNodePool(stack, 'CoreApiNodePool', { cluster, nodeRole, subnets: vpc.privateSubnets, arch: 'arm64', families: 'burstable', ...choices });
    return {
      pool,
      clusterId: logicalIdOf(cluster),
      nodeRoleId: logicalIdOf(nodeRole),
    };
  });
}

type ManifestObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; spec?: Record<string, unknown>; data?: unknown };

/**
 * The Kubernetes objects the pool's one manifest applies, by kind. References to CloudFormation
 * values in them read as in Fn::Sub: `${<logical id>}` or `${<logical id>.<attribute>}`.
 */
function manifestOf(template: ReturnType<typeof coreApiNodePool>['template']): Record<string, ManifestObject> {
  const objects = kubernetesObjectsOf<ManifestObject>(onlyResource(template, 'Custom::AWSCDK-EKS-KubernetesResource'));
  return Object.fromEntries(objects.map((object) => [object.kind, object]));
}

/** The NodePool's node template spec. */
const nodeTemplateOf = (objects: Record<string, ManifestObject>) => (objects.NodePool.spec as { template: { spec: Record<string, unknown> } }).template.spec;

describe('the core API node pool', () => {
  it('turns on the network policy controller cluster-wide, in the ConfigMap the VPC CNI reads', () => {
    const { ConfigMap } = manifestOf(coreApiNodePool().template);
    expect(ConfigMap).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: expect.objectContaining({ name: 'amazon-vpc-cni', namespace: 'kube-system' }),
      data: { 'enable-network-policy-controller': 'true' },
    });
  });

  it('makes a NodeClass that enforces NetworkPolicies, letting pods without a policy be reached', () => {
    const { NodeClass } = manifestOf(coreApiNodePool().template);
    expect(NodeClass).toMatchObject({ apiVersion: 'eks.amazonaws.com/v1', metadata: { name: 'core-apis' } });
    expect(NodeClass.spec).toMatchObject({ networkPolicy: 'DefaultAllow', networkPolicyEventLogs: 'Disabled' });
  });

  it("starts the NodeClass's nodes with the Auto Mode node role, in the given subnets, in the cluster security group", () => {
    const { template, built } = coreApiNodePool();
    expect(manifestOf(template).NodeClass.spec).toEqual({
      role: `\${${built.nodeRoleId}}`,
      subnetSelectorTerms: [{ id: 'subnet-a' }, { id: 'subnet-b' }],
      securityGroupSelectorTerms: [{ id: `\${${built.clusterId}.ClusterSecurityGroupId}` }],
      networkPolicy: 'DefaultAllow',
      networkPolicyEventLogs: 'Disabled',
    });
  });

  it('makes a NodePool of that NodeClass, named as the workloads select it', () => {
    const { template, built } = coreApiNodePool();
    const { NodePool } = manifestOf(template);
    expect(NodePool).toMatchObject({ apiVersion: 'karpenter.sh/v1', metadata: { name: 'core-apis' } });
    expect(nodeTemplateOf(manifestOf(template)).nodeClassRef).toEqual({ group: 'eks.amazonaws.com', kind: 'NodeClass', name: 'core-apis' });
    expect(built.pool.nodeSelector).toEqual({ 'karpenter.sh/nodepool': 'core-apis' });
  });

  it('launches on-demand nodes of the given architecture', () => {
    const requirements = nodeTemplateOf(manifestOf(coreApiNodePool({ arch: 'amd64' }).template)).requirements;
    expect(requirements).toEqual(
      expect.arrayContaining([
        { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] },
        { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
      ]),
    );
  });

  it.each<[CoreApiNodeFamilies, string[], string]>([
    ['general', ['c', 'm', 'r'], '5'],
    ['burstable', ['t'], '3'],
  ])('limits %s nodes to instance categories %j newer than generation %s, and to nothing else', (families, categories, olderGeneration) => {
    expect(nodeTemplateOf(manifestOf(coreApiNodePool({ families }).template)).requirements).toEqual([
      { key: 'kubernetes.io/arch', operator: 'In', values: ['arm64'] },
      { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
      { key: 'eks.amazonaws.com/instance-category', operator: 'In', values: categories },
      { key: 'eks.amazonaws.com/instance-generation', operator: 'Gt', values: [olderGeneration] },
    ]);
  });

  it('replaces every node within two weeks, so that nodes pick up patched AMIs', () => {
    expect(nodeTemplateOf(manifestOf(coreApiNodePool().template)).expireAfter).toBe('336h');
  });

  it('caps the pool at 16 vCPUs unless told otherwise', () => {
    expect(manifestOf(coreApiNodePool().template).NodePool.spec).toMatchObject({ limits: { cpu: '16' } });
    expect(manifestOf(coreApiNodePool({ maxCpu: 48 }).template).NodePool.spec).toMatchObject({ limits: { cpu: '48' } });
  });

  it('is preferred over the built-in pools, and consolidates empty or underused nodes after a minute', () => {
    expect(manifestOf(coreApiNodePool().template).NodePool.spec).toMatchObject({
      weight: 10,
      disruption: { consolidationPolicy: 'WhenEmptyOrUnderutilized', consolidateAfter: '1m' },
    });
  });

  it('applies the ConfigMap, the NodeClass and the NodePool, in that order, in one manifest that may overwrite what exists', () => {
    const { template, built } = coreApiNodePool();
    expect(Object.keys(manifestOf(template))).toEqual(['ConfigMap', 'NodeClass', 'NodePool']);
    template.hasResourceProperties('Custom::AWSCDK-EKS-KubernetesResource', { ClusterName: { Ref: built.clusterId }, Overwrite: true });
    expect(onlyResourceId(template, 'Custom::AWSCDK-EKS-KubernetesResource')).toBe(logicalIdOf(built.pool.enforcement));
  });
});
