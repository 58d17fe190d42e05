import { Match, type Template } from 'aws-cdk-lib/assertions';
import { buildPlatform, platformOf } from './platform-fixture';

/** Whether a manifest's image is the service's ECR repository (a token) at the given tag. */
const runsImage = (manifest: unknown, service: string, tag: string) =>
  new RegExp(`"Ref":"${service}ImagesRepository[0-9A-F]+"},":${tag.replace(/\./g, '\\.')}\\\\"`).test(JSON.stringify(manifest));

/** The kubectl-provider resource that applies one chart, as [logicalId, resource]. */
const chartManifest = (template: Template, chart: string) => {
  const found = Object.entries(template.findResources('Custom::AWSCDK-EKS-KubernetesResource')).find(([logicalId]) => logicalId.startsWith(`ClusterChart${chart}`));
  if (!found) throw new Error(`no manifest for chart ${chart}`);
  return found;
};

describe('cluster stack', () => {
  const sandbox = platformOf('sandbox').template('cluster');
  const prod = platformOf('prod').template('cluster');

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
    const nodeGroup = buildPlatform('sandbox', {}, (config) => ({
      ...config,
      cluster: { ...config.cluster, capacity: { type: 'managed-node-group', instanceType: 't4g.medium', minSize: 2, maxSize: 4 } },
    })).template('cluster');
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

  it('logs every control-plane component to a log group with the environment retention', () => {
    sandbox.hasResourceProperties('AWS::EKS::Cluster', {
      Logging: { ClusterLogging: { EnabledTypes: ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'].map((type) => ({ Type: type })) } },
    });
    sandbox.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/aws/eks/hybrid-platform-sandbox-cluster/cluster', RetentionInDays: 7 });
  });

  it('ships a kubectl provider with the kubectl layer for the charts', () => {
    sandbox.hasResourceProperties('AWS::Lambda::LayerVersion', { Description: Match.stringLikeRegexp('kubectl') });
  });

  it('grants cluster-admin to the kubectl provider, and to the configured admin role only when one is given', () => {
    sandbox.resourceCountIs('AWS::EKS::AccessEntry', 1);
    sandbox.hasResourceProperties('AWS::EKS::AccessEntry', {
      PrincipalArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ClusterKubectlProviderHandlerServiceRole'), 'Arn'] },
    });
    const arn = 'arn:aws:iam::123456789012:role/PlatformAdmin';
    const withAdmin = buildPlatform('sandbox', { adminRoleArn: arn }).template('cluster');
    withAdmin.resourceCountIs('AWS::EKS::AccessEntry', 2);
    withAdmin.hasResourceProperties('AWS::EKS::AccessEntry', {
        PrincipalArn: arn,
        AccessPolicies: [
          {
            PolicyArn: { 'Fn::Join': ['', Match.arrayWith([':eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy'])] },
            AccessScope: { Type: 'cluster' },
          },
        ],
      });
  });

  it('gives each core service an ECR repository scanned on push, with immutable tags and a lifecycle', () => {
    sandbox.resourceCountIs('AWS::ECR::Repository', 2);
    for (const service of ['catalog', 'orders']) {
      sandbox.hasResourceProperties('AWS::ECR::Repository', {
        RepositoryName: `hybrid-platform-sandbox/${service}`,
        ImageScanningConfiguration: { ScanOnPush: true },
        ImageTagMutability: 'IMMUTABLE',
        LifecyclePolicy: { LifecyclePolicyText: Match.stringLikeRegexp('imageCountMoreThan') },
        EmptyOnDelete: true,
      });
    }
    prod.hasResource('AWS::ECR::Repository', { DeletionPolicy: 'Retain' });
  });

  it('associates each core service account in the shop namespace with its own Pod Identity role', () => {
    for (const service of ['catalog', 'orders']) {
      sandbox.hasResourceProperties('AWS::EKS::PodIdentityAssociation', {
        Namespace: 'shop',
        ServiceAccount: service,
        RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp(`^${service}PodIdentityRole`), 'Arn'] },
      });
    }
    const podRoles = sandbox.findResources('AWS::IAM::Role', {
      Properties: { AssumeRolePolicyDocument: { Statement: [{ Principal: { Service: 'pods.eks.amazonaws.com' } }] } },
    });
    expect(Object.keys(podRoles)).toHaveLength(2);
    for (const role of Object.values(podRoles)) {
      expect(role.Properties.AssumeRolePolicyDocument.Statement[0].Action).toEqual(['sts:AssumeRole', 'sts:TagSession']);
    }
  });

  it('gives each pod role exactly what its service calls: the database secret, plus uploads for catalog and events for orders', () => {
    const databaseSecret = {
      Effect: 'Allow',
      Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
      Resource: {
        'Fn::GetStackOutput': Match.objectLike({ StackName: 'hybrid-platform-sandbox-data', OutputName: Match.stringLikeRegexp('DatabaseSecretAttachment') }),
      },
    };
    const uploadsObjects = (prefix: string) => ({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::hybrid-platform-sandbox-uploads-', { Ref: 'AWS::AccountId' }, '-', { Ref: 'AWS::Region' }, `/${prefix}*`]],
    });
    const expected: Record<string, object[]> = {
      catalog: [
        databaseSecret,
        { Effect: 'Allow', Action: 's3:PutObject', Resource: uploadsObjects('uploads/') },
        { Effect: 'Allow', Action: 's3:GetObject', Resource: uploadsObjects('thumbnails/') },
      ],
      orders: [
        databaseSecret,
        { Effect: 'Allow', Action: 'events:PutEvents', Resource: { 'Fn::GetStackOutput': Match.objectLike({ StackName: 'hybrid-platform-sandbox-functions' }) } },
      ],
    };
    for (const [service, statements] of Object.entries(expected)) {
      // Statement arrays match exactly: these statements and no other.
      sandbox.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: Match.stringLikeRegexp(`^${service}PodIdentityRole`) }],
        PolicyDocument: { Statement: statements },
      });
    }
    sandbox.resourcePropertiesCountIs('AWS::IAM::Policy', { Roles: [{ Ref: Match.stringLikeRegexp('PodIdentityRole') }] }, 2);
  });

  it('opens PostgreSQL to the cluster security group only', () => {
    sandbox.resourceCountIs('AWS::EC2::SecurityGroupIngress', 1);
    sandbox.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: 'tcp',
      FromPort: 5432,
      ToPort: 5432,
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Cluster'), 'ClusterSecurityGroupId'] },
    });
  });

  it('applies the platform chart, then each core API chart, through the kubectl provider', () => {
    const manifests = sandbox.findResources('Custom::AWSCDK-EKS-KubernetesResource');
    const [platformId, platform] = chartManifest(sandbox, 'platform');
    expect(JSON.stringify(platform.Properties.Manifest)).toContain('pod-security.kubernetes.io/enforce');
    for (const service of ['catalog', 'orders']) {
      const [, manifest] = chartManifest(sandbox, service);
      expect(manifest.DependsOn).toContain(platformId);
      expect(runsImage(manifest, service, '0.1.0')).toBe(true);
    }
    expect(Object.keys(manifests)).toHaveLength(3);
  });

  it('runs the image tag given with -c imageTag', () => {
    const template = buildPlatform('sandbox', { imageTag: '2.3.4' }).template('cluster');
    const [, catalog] = chartManifest(template, 'catalog');
    expect(runsImage(catalog, 'catalog', '2.3.4')).toBe(true);
  });

  it('publishes the chart inputs as an output for cdk deploy --outputs-file', () => {
    sandbox.hasOutput('ChartInputs', { Value: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('"vpcCidr":"10.0.0.0/16"')])] } });
  });
});
