import { Match, type Template } from 'aws-cdk-lib/assertions';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORE_SERVICES, coreService } from '../../infra/config/core-services';
import { PROJECT } from '../../infra/config/naming';
import { buildPlatform, platformOf } from './platform-fixture';
import { DATABASE_SECRET_STATEMENT, expectPodRoleStatements, GRANT_STATEMENTS, logicalIdOf } from './support/pod-roles';

/** The Kubernetes objects a kubectl-provider resource applies; CloudFormation values become "<cfn>". */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- template resources and Kubernetes objects of any kind
const objectsOf = (resource: { [key: string]: any }): any[] => {
  const manifest = resource.Properties.Manifest as string | { 'Fn::Join': [string, unknown[]] };
  const text = typeof manifest === 'string' ? manifest : manifest['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : '<cfn>')).join('');
  return JSON.parse(text);
};

/**
 * The cluster stack for whatever the core services' registry holds (it reads CORE_SERVICES itself):
 * each sample's own grants are tested with it (e.g. catalog-pod-role.test.ts).
 */

/** The kubectl-provider resource that applies one chart (`platform`, or a core API's), as [logicalId, resource]. */
const chartManifest = (template: Template, chart: string) => {
  const found = Object.entries(template.findResources('Custom::AWSCDK-EKS-KubernetesResource')).find(([logicalId]) =>
    new RegExp(`^ClusterChart${logicalIdOf(chart)}[0-9A-F]{8}$`).test(logicalId),
  );
  if (!found) throw new Error(`no manifest for chart ${chart}`);
  return found;
};

/** The Deployment or Ingress a core API's chart applies. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kubernetes objects of any kind
const objectOf = (template: Template, service: string, kind: 'Deployment' | 'Ingress'): any => objectsOf(chartManifest(template, service)[1]).find((object) => object.kind === kind);

describe('cluster stack', () => {
  const sandbox = platformOf('sandbox').template('cluster');
  const prod = platformOf('prod').template('cluster');
  const adminRoleArn = 'arn:aws:iam::123456789012:role/PlatformAdmin';
  const certificateArn = 'arn:aws:acm:eu-west-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab';
  /**
   * The sandbox with every option the shipped environments leave out: on a managed node group
   * instead of Auto Mode, with -c adminRoleArn and with -c apiCertificateArn. One platform, built on
   * first use, for the tests of those options: each reads only what its option changes (node groups
   * and their add-ons; one more access entry; the certificate on the ingress and the URL), and none of
   * the options touches what another adds.
   */
  let withOptionsTemplate: Template | undefined;
  const withOptions = () =>
    (withOptionsTemplate ??= buildPlatform('sandbox', { adminRoleArn, apiCertificateArn: certificateArn }, (config) => ({
      ...config,
      cluster: { ...config.cluster, capacity: { type: 'managed-node-group', instanceType: 't4g.medium', minSize: 2, maxSize: 4 } },
    })).template('cluster'));

  it('runs the configured Kubernetes version in EKS Auto Mode', () => {
    for (const template of [sandbox, prod]) {
      template.hasResourceProperties('AWS::EKS::Cluster', {
        Version: '1.36',
        ComputeConfig: { Enabled: true, NodePools: ['system', 'general-purpose'] },
      });
    }
    sandbox.resourceCountIs('AWS::EKS::Nodegroup', 0);
  });

  it('offers a managed node group instead of Auto Mode, with the Pod Identity agent', () => {
    const nodeGroup = withOptions();
    nodeGroup.hasResourceProperties('AWS::EKS::Nodegroup', { InstanceTypes: ['t4g.medium'], ScalingConfig: { MinSize: 2, MaxSize: 4 } });
    nodeGroup.hasResourceProperties('AWS::EKS::Addon', { AddonName: 'eks-pod-identity-agent' });
    expect(JSON.stringify(nodeGroup.findResources('AWS::EKS::Cluster'))).not.toContain('"ComputeConfig":{"Enabled":true');
  });

  it('encrypts Kubernetes secrets with a rotating KMS key', () => {
    sandbox.hasResourceProperties('AWS::EKS::Cluster', {
      EncryptionConfig: [{ Resources: ['secrets'], Provider: { KeyArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SecretsKey'), 'Arn'] } } }],
    });
    sandbox.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('writes the control-plane logs the environment names to a log group with its retention: every type in prod, the authenticator in the sandbox', () => {
    prod.hasResourceProperties('AWS::EKS::Cluster', {
      Logging: { ClusterLogging: { EnabledTypes: ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'].map((type) => ({ Type: type })) } },
    });
    prod.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: `/aws/eks/${PROJECT}-prod-cluster/cluster`, RetentionInDays: 90 });
    sandbox.hasResourceProperties('AWS::EKS::Cluster', { Logging: { ClusterLogging: { EnabledTypes: [{ Type: 'authenticator' }] } } });
    sandbox.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: `/aws/eks/${PROJECT}-sandbox-cluster/cluster`, RetentionInDays: 7 });
  });

  it('ships a kubectl provider with the kubectl layer for the charts', () => {
    sandbox.hasResourceProperties('AWS::Lambda::LayerVersion', { Description: Match.stringLikeRegexp('kubectl') });
  });

  it('grants cluster-admin to the kubectl provider and to an admin role the account can assume, plus the configured role when one is given', () => {
    // Besides the sleep schedule's entry, which has no access policy (sleep-schedule.test.ts).
    const adminEntries = (template: Template) => Object.values(template.findResources('AWS::EKS::AccessEntry')).filter((entry) => entry.Properties.AccessPolicies);
    expect(adminEntries(sandbox)).toHaveLength(2);
    sandbox.hasResourceProperties('AWS::EKS::AccessEntry', {
      PrincipalArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ClusterKubectlProviderHandlerServiceRole'), 'Arn'] },
    });
    const clusterAdmin = {
      PolicyArn: { 'Fn::Join': ['', Match.arrayWith([':eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy'])] },
      AccessScope: { Type: 'cluster' },
    };
    sandbox.hasResourceProperties('AWS::EKS::AccessEntry', {
      PrincipalArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ClusterAdminRole'), 'Arn'] },
      AccessPolicies: [clusterAdmin],
    });
    const [, adminRole] = Object.entries(sandbox.findResources('AWS::IAM::Role')).find(([id]) => id.startsWith('ClusterAdminRole'))!;
    expect(adminRole.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']] } } },
    ]);
    const withAdmin = withOptions();
    expect(adminEntries(withAdmin)).toHaveLength(3);
    withAdmin.hasResourceProperties('AWS::EKS::AccessEntry', { PrincipalArn: adminRoleArn, AccessPolicies: [clusterAdmin] });
  });

  it('prints the exact kubectl configuration command, with the admin role', () => {
    const command = JSON.stringify(sandbox.findOutputs('KubectlCommand'));
    expect(command).toContain('aws eks update-kubeconfig --name ');
    expect(command).toMatch(/--role-arn ",\{"Fn::GetAtt":\["ClusterAdminRole[0-9A-F]+","Arn"\]\}/);
  });

  it('runs the images that cdk deploy builds from services/Dockerfile for arm64, and creates no repository nobody pushes to', () => {
    const cluster = platformOf('sandbox').stack('cluster');
    sandbox.resourceCountIs('AWS::ECR::Repository', 0);
    const assets = JSON.parse(readFileSync(join(cluster.assembly.directory, `${cluster.stackName}.assets.json`), 'utf8'));
    for (const service of CORE_SERVICES) {
      const deployment = objectOf(sandbox, service, 'Deployment');
      // The bootstrap's container-assets repository (a CloudFormation value), at the hash of one of the stack's image assets.
      const { image } = deployment.spec.template.spec.containers[0];
      expect(image).toMatch(/<cfn>:[0-9a-f]{64}$/);
      expect(JSON.stringify(chartManifest(sandbox, service)[1].Properties.Manifest)).toContain('cdk-hnb659fds-container-assets-');
      expect(assets.dockerImages[image.slice(-64)]?.source).toEqual({
        directory: expect.stringMatching(/^asset\./),
        dockerFile: 'services/Dockerfile',
        dockerBuildArgs: { SERVICE: service },
        platform: 'linux/arm64',
      });
    }
  });

  it('associates each core service account in the shop namespace with its own Pod Identity role', () => {
    for (const service of CORE_SERVICES) {
      sandbox.hasResourceProperties('AWS::EKS::PodIdentityAssociation', {
        Namespace: 'shop',
        ServiceAccount: service,
        RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp(`^${logicalIdOf(service)}PodIdentityRole`), 'Arn'] },
      });
    }
    const podRoles = sandbox.findResources('AWS::IAM::Role', {
      // The core services' roles; Container Insights' agent has one of its own (observability-stack.test.ts).
      Properties: { Description: Match.stringLikeRegexp('^Pod Identity for shop/'), AssumeRolePolicyDocument: { Statement: [{ Principal: { Service: 'pods.eks.amazonaws.com' } }] } },
    });
    expect(Object.keys(podRoles)).toHaveLength(CORE_SERVICES.length);
    for (const role of Object.values(podRoles)) {
      expect(role.Properties.AssumeRolePolicyDocument.Statement[0].Action).toEqual(['sts:AssumeRole', 'sts:TagSession']);
    }
  });

  it("gives each pod role exactly what its registry entry asks for: the database secret with usesDatabase, and each grant's statements", () => {
    const expected = CORE_SERVICES.map((service) => {
      const { usesDatabase, grants = [] } = coreService(service);
      return { service, statements: [...(usesDatabase ? [DATABASE_SECRET_STATEMENT] : []), ...grants.flatMap((grant) => GRANT_STATEMENTS[grant])] };
    });
    // Statement arrays match exactly: these statements and no other. A role with none has no policy.
    const withPolicy = expected.filter(({ statements }) => statements.length > 0);
    for (const { service, statements } of withPolicy) expectPodRoleStatements(sandbox, service, statements);
    sandbox.resourcePropertiesCountIs('AWS::IAM::Policy', { Roles: [{ Ref: Match.stringLikeRegexp('PodIdentityRole') }] }, withPolicy.length);
  });

  it('opens PostgreSQL to the cluster security group, and the API endpoint to the kubectl provider, and nothing else', () => {
    sandbox.resourceCountIs('AWS::EC2::SecurityGroupIngress', 2);
    sandbox.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: 'tcp',
      FromPort: 5432,
      ToPort: 5432,
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Cluster'), 'ClusterSecurityGroupId'] },
    });
    sandbox.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: 'tcp',
      FromPort: 443,
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ControlPlaneSecurityGroup'), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^KubectlProviderSecurityGroup'), 'GroupId'] },
    });
  });

  it('keeps the kubectl provider functions out of the EKS-owned security group, in one of its own', () => {
    const inVpc = Object.values(sandbox.findResources('AWS::Lambda::Function')).filter((fn) => fn.Properties.VpcConfig);
    expect(inVpc.length).toBeGreaterThan(0);
    for (const fn of inVpc) {
      expect(JSON.stringify(fn.Properties.VpcConfig.SecurityGroupIds)).toMatch(/^\[\{"Fn::GetAtt":\["KubectlProviderSecurityGroup[0-9A-F]+","GroupId"\]\}\]$/);
    }
  });

  it('applies the platform chart, then each core API chart, through the kubectl provider', () => {
    const manifests = sandbox.findResources('Custom::AWSCDK-EKS-KubernetesResource');
    const [platformId, platform] = chartManifest(sandbox, 'platform');
    expect(JSON.stringify(platform.Properties.Manifest)).toContain('pod-security.kubernetes.io/enforce');
    for (const service of CORE_SERVICES) {
      const [, manifest] = chartManifest(sandbox, service);
      expect(manifest.DependsOn).toContain(platformId);
    }
    // The platform chart, one per core API, the node pool that enforces NetworkPolicies, and the sleep schedule's RBAC.
    expect(Object.keys(manifests)).toHaveLength(1 + CORE_SERVICES.length + 1 + 1);
  });

  it('turns the network policy controller on and runs the core APIs on Graviton nodes whose NodeClass enforces NetworkPolicies, before any policy is applied', () => {
    const [poolId, pool] = Object.entries(sandbox.findResources('Custom::AWSCDK-EKS-KubernetesResource')).find(([id]) => id.startsWith('CoreApiNodePool'))!;
    const [controller, nodeClass, nodePool] = objectsOf(pool);
    expect(controller).toMatchObject({ kind: 'ConfigMap', metadata: { name: 'amazon-vpc-cni', namespace: 'kube-system' }, data: { 'enable-network-policy-controller': 'true' } });
    expect(nodeClass).toMatchObject({ apiVersion: 'eks.amazonaws.com/v1', kind: 'NodeClass', spec: { networkPolicy: 'DefaultAllow', role: '<cfn>' } });
    expect(nodePool).toMatchObject({ apiVersion: 'karpenter.sh/v1', kind: 'NodePool', metadata: { name: 'core-apis' } });
    expect(nodePool.spec.template.spec.nodeClassRef).toEqual({ group: 'eks.amazonaws.com', kind: 'NodeClass', name: nodeClass.metadata.name });
    expect(nodePool.spec.template.spec.requirements).toContainEqual({ key: 'kubernetes.io/arch', operator: 'In', values: ['arm64'] });
    // Preferred over the built-in general-purpose pool, so an idle sandbox runs one node.
    expect(nodePool.spec.weight).toBeGreaterThan(0);
    for (const chart of ['platform', ...CORE_SERVICES]) {
      expect(chartManifest(sandbox, chart)[1].DependsOn).toContain(poolId);
    }
    for (const service of CORE_SERVICES) {
      expect(objectOf(sandbox, service, 'Deployment').spec.template.spec.nodeSelector).toEqual({ 'karpenter.sh/nodepool': 'core-apis' });
    }
  });

  it('draws the core API nodes from the families the environment chooses: T4g in the sandbox, C, M and R of generation 6 on in prod', () => {
    const requirementsOf = (template: Template) => {
      const [, pool] = Object.entries(template.findResources('Custom::AWSCDK-EKS-KubernetesResource')).find(([id]) => id.startsWith('CoreApiNodePool'))!;
      const families = objectsOf(pool)[2].spec.template.spec.requirements as { key: string }[];
      return families.filter(({ key }) => key.startsWith('eks.amazonaws.com/instance-'));
    };
    expect(requirementsOf(sandbox)).toEqual([
      { key: 'eks.amazonaws.com/instance-category', operator: 'In', values: ['t'] },
      { key: 'eks.amazonaws.com/instance-generation', operator: 'Gt', values: ['3'] },
    ]);
    expect(requirementsOf(prod)).toEqual([
      { key: 'eks.amazonaws.com/instance-category', operator: 'In', values: ['c', 'm', 'r'] },
      { key: 'eks.amazonaws.com/instance-generation', operator: 'Gt', values: ['5'] },
    ]);
  });

  it('enforces NetworkPolicies on managed node groups through the VPC CNI add-on, without a node pool', () => {
    const nodeGroup = withOptions();
    const [cniId] = Object.entries(nodeGroup.findResources('AWS::EKS::Addon', { Properties: { AddonName: 'vpc-cni' } }))[0];
    nodeGroup.hasResourceProperties('AWS::EKS::Addon', { AddonName: 'vpc-cni', ConfigurationValues: '{"enableNetworkPolicy":"true"}' });
    expect(chartManifest(nodeGroup, 'platform')[1].DependsOn).toContain(cniId);
    const kinds = Object.values(nodeGroup.findResources('Custom::AWSCDK-EKS-KubernetesResource')).flatMap((resource) => objectsOf(resource).map((object) => object.kind));
    expect(kinds).not.toContain('NodePool');
    for (const service of CORE_SERVICES) expect(objectOf(nodeGroup, service, 'Deployment').spec.template.spec.nodeSelector).toBeUndefined();
  });

  it('takes the node role out of the instance profiles EKS made, after the cluster is deleted and before the role is, in a sandbox only', () => {
    const [releaseId, release] = Object.entries(sandbox.findResources('Custom::ReleaseNodeRole'))[0];
    const [nodeRoleId] = Object.keys(sandbox.findResources('AWS::IAM::Role')).filter((id) => id.startsWith('NodeRole'));
    expect(release.Properties.RoleName).toEqual({ Ref: nodeRoleId });
    expect(Object.values(sandbox.findResources('AWS::EKS::Cluster'))[0].DependsOn).toContain(releaseId);
    prod.resourceCountIs('Custom::ReleaseNodeRole', 0);
    // A retained prod cluster keeps running on its node role.
    expect(Object.entries(prod.findResources('AWS::IAM::Role')).find(([id]) => id.startsWith('NodeRole'))![1].DeletionPolicy).toBe('Retain');
  });

  it('serves the HPAs metrics with the metrics-server add-on, installed before the core APIs and after their node pool', () => {
    const [addonId, addon] = Object.entries(sandbox.findResources('AWS::EKS::Addon', { Properties: { AddonName: 'metrics-server' } }))[0];
    expect(addon.DependsOn).toEqual([expect.stringMatching(/^CoreApiNodePoolManifest/)]);
    for (const service of CORE_SERVICES) {
      expect(chartManifest(sandbox, service)[1].DependsOn).toContain(addonId);
    }
  });

  it("applies each core API after its Pod Identity association, so no pod starts without AWS credentials", () => {
    for (const service of CORE_SERVICES) {
      const [associationId] = Object.keys(sandbox.findResources('AWS::EKS::PodIdentityAssociation', { Properties: { ServiceAccount: service } }));
      expect(chartManifest(sandbox, service)[1].DependsOn).toContain(associationId);
    }
  });

  it("publishes the API's URL, read from a core API's Ingress status once the shared load balancer exists: plain HTTP by default", () => {
    const [valueId, value] = Object.entries(sandbox.findResources('Custom::AWSCDK-EKS-KubernetesObjectValue'))[0];
    expect(value.Properties).toMatchObject({ ObjectType: 'ingress', ObjectNamespace: 'shop', JsonPath: '.status.loadBalancer.ingress[0].hostname', TimeoutSeconds: 600 });
    const service = value.Properties.ObjectName;
    expect(CORE_SERVICES).toContain(service);
    expect(value.DependsOn).toContain(chartManifest(sandbox, service)[0]);
    sandbox.hasOutput('ApiUrl', { Value: { 'Fn::Join': ['', ['http://', { 'Fn::GetAtt': [valueId, 'Value'] }]] } });
    for (const name of CORE_SERVICES) expect(objectOf(sandbox, name, 'Ingress').metadata.annotations['alb.ingress.kubernetes.io/listen-ports']).toBeUndefined();
  });

  it('serves HTTPS with the certificate given with -c apiCertificateArn, and redirects HTTP to it', () => {
    const https = withOptions();
    const ingressClassParams = objectsOf(chartManifest(https, 'platform')[1]).find((object) => object.kind === 'IngressClassParams');
    expect(ingressClassParams.spec.certificateARNs).toEqual([certificateArn]);
    for (const service of CORE_SERVICES) {
      expect(objectOf(https, service, 'Ingress').metadata.annotations).toMatchObject({
        'alb.ingress.kubernetes.io/listen-ports': '[{"HTTP": 80}, {"HTTPS": 443}]',
        'alb.ingress.kubernetes.io/ssl-redirect': '443',
      });
    }
    expect(JSON.stringify(https.findOutputs('ApiUrl'))).toContain('https://');
  });

  it('publishes the chart inputs as an output for cdk deploy --outputs-file', () => {
    sandbox.hasOutput('ChartInputs', { Value: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('"vpcCidr":"10.0.0.0/16"')])] } });
  });
});
