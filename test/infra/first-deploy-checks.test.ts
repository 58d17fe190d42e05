import { App, CfnParameter, CfnResource, ReferenceStrength, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { DockerImageAsset } from 'aws-cdk-lib/aws-ecr-assets';
import * as eksL1 from 'aws-cdk-lib/aws-eks';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_KUBERNETES_VERSION, SUPPORTED_KUBERNETES_VERSIONS } from '../../infra/config/kubernetes';
import { pascalCase, PROJECT } from '../../infra/config/naming';
import { ownLogGroupsForEveryFunction } from '../../infra/constructs/function-log-groups';
import { FirstDeployChecks } from '../../infra/nag/first-deploy-checks';
import { KUBERNETES_MANIFEST } from '../../infra/nag/template-queries';
import { quietly } from './quietly';
import { testApp } from './test-app';
import { readValidationReport } from './validation-report';

const CLUSTER = 'fixture-cluster';
const DIGEST = `@sha256:${'0123456789abcdef'.repeat(4)}`;
const CDK_MANAGED_LOG_GROUPS = '@aws-cdk/aws-lambda:useCdkManagedLogGroup';
/** The pack's name, which prefixes every finding id: the project's name in PascalCase. */
const PACK = pascalCase(PROJECT);


/**
 * Synthesizes the app with the platform's pack, as infra/main.ts does, and lists each finding as
 * "<finding id> <construct path>". Findings fail synthesis; the validation report still lists them.
 */
function findingsOf(app: App): string[] {
  Validations.of(app).addPlugins(new FirstDeployChecks(app));
  try {
    quietly(() => app.synth());
  } catch (error) {
    if (!existsSync(join(app.outdir, 'validation-report.json'))) throw error;
  }
  return readValidationReport(app.outdir).pluginReports
    .filter((plugin) => plugin.pluginName === PACK)
    .flatMap((plugin) => plugin.violations)
    .flatMap(({ ruleName, violatingConstructs }) => violatingConstructs.map(({ constructPath }) => `${ruleName} ${constructPath}`))
    .sort();
}

function fixture(context: Record<string, unknown> = {}) {
  const app = testApp({ context });
  return { app, stack: new Stack(app, 'Fixture') };
}

/** A manifest resource as aws-eks-v2's KubernetesManifest writes it, without a cluster: one takes seconds to synthesize. */
function manifest(stack: Stack, id: string, ...objects: object[]): CfnResource {
  return new CfnResource(stack, id, { type: KUBERNETES_MANIFEST, properties: { ClusterName: CLUSTER, Manifest: stack.toJsonString(objects) } });
}

const podTemplate = (spec: object) => ({ selector: { matchLabels: { app: 'fixture' } }, template: { metadata: { labels: { app: 'fixture' } }, spec } });
const workloads = {
  Pod: (name: string, spec: object) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec }),
  Deployment: (name: string, spec: object) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'apps' }, spec: podTemplate(spec) }),
  StatefulSet: (name: string, spec: object) => ({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name }, spec: podTemplate(spec) }),
  DaemonSet: (name: string, spec: object) => ({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name }, spec: podTemplate(spec) }),
  Job: (name: string, spec: object) => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name }, spec: { template: { spec } } }),
  CronJob: (name: string, spec: object) => ({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name },
    spec: { schedule: '0 * * * *', jobTemplate: { spec: { template: { spec } } } },
  }),
};
const runs = (name: string, image: string) => ({ containers: [{ name, image }] });

/** A directory with a Dockerfile, for DockerImageAssets: synthesis stages it but builds nothing. */
const imageDirectory = () => {
  const directory = mkdtempSync(join(tmpdir(), 'image-'));
  writeFileSync(join(directory, 'Dockerfile'), 'FROM scratch\n');
  return directory;
};

describe(`${PACK}-ImagesFromAssetOrDigest`, () => {
  it('rejects every container and init container whose image is a tag, in each kind that runs pods', () => {
    const { app, stack } = fixture();
    const repository = new ecr.Repository(stack, 'NothingPushesHere');
    manifest(
      stack,
      'Workloads',
      workloads.Deployment('web', runs('web', `${repository.repositoryUri}:1.0`)),
      workloads.StatefulSet('db', runs('db', 'postgres:17')),
      workloads.DaemonSet('agent', runs('agent', 'agent:latest')),
      workloads.Job('migrate', runs('migrate', 'migrate')),
      workloads.CronJob('report', { initContainers: [{ name: 'wait', image: 'busybox:1.37' }], containers: [{ name: 'report', image: `busybox${DIGEST}` }] }),
      workloads.Pod('debug', runs('shell', 'alpine:3')),
    );
    expect(findingsOf(app)).toEqual(
      ['CronJob/report/wait', 'DaemonSet/agent/agent', 'Deployment/web/web', 'Job/migrate/migrate', 'Pod/debug/shell', 'StatefulSet/db/db'].map(
        (finding) => `${PACK}-ImagesFromAssetOrDigest[${finding}] Fixture/Workloads`,
      ),
    );
  });

  it('accepts images built from a DockerImageAsset of the app or pinned by digest', () => {
    const { app, stack } = fixture();
    const image = new DockerImageAsset(stack, 'WebImage', { directory: imageDirectory() });
    manifest(
      stack,
      'Workloads',
      workloads.Deployment('web', { initContainers: [{ name: 'migrate', image: image.imageUri }], containers: [{ name: 'web', image: image.imageUri }] }),
      workloads.CronJob('report', runs('report', `public.ecr.aws/docker/library/busybox${DIGEST}`)),
      // A token that stands for a whole JSON value, not for text inside a string.
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { ports: [{ port: new CfnParameter(stack, 'Port', { type: 'Number' }).valueAsNumber }] } },
    );
    expect(findingsOf(app)).toEqual([]);
  });
});

describe(`${PACK}-AlarmTopicKeyUsableByCloudWatch`, () => {
  const alarm = (scope: Stack, id: string) =>
    new cloudwatch.Alarm(scope, id, { metric: new cloudwatch.Metric({ namespace: 'Fixture', metricName: 'Errors' }), threshold: 1, evaluationPeriods: 1 });
  const keyForCloudWatch = (scope: Stack) => {
    const key = new kms.Key(scope, 'AlarmKey');
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    return key;
  };

  it('rejects alarm topics encrypted with the AWS-managed SNS key or with a key CloudWatch may not use', () => {
    const { app, stack } = fixture();
    const awsManaged = new sns.Topic(stack, 'AwsManagedKeyTopic', { masterKey: kms.Alias.fromAliasName(stack, 'AwsSns', 'alias/aws/sns') });
    const keyWithoutCloudWatch = new sns.Topic(stack, 'KeyWithoutCloudWatchTopic', { masterKey: new kms.Key(stack, 'AccountOnlyKey') });
    alarm(stack, 'Latency').addOkAction(new SnsAction(awsManaged));
    alarm(stack, 'Errors').addAlarmAction(new SnsAction(keyWithoutCloudWatch));
    expect(findingsOf(app)).toEqual([
      `${PACK}-AlarmTopicKeyUsableByCloudWatch Fixture/AwsManagedKeyTopic/Resource`,
      `${PACK}-AlarmTopicKeyUsableByCloudWatch Fixture/KeyWithoutCloudWatchTopic/Resource`,
    ]);
  });

  it('follows an alarm of another stack to its topic', () => {
    const { app, stack } = fixture();
    const topic = new sns.Topic(stack, 'Alarms', { masterKey: new kms.Key(stack, 'AccountOnlyKey') });
    alarm(new Stack(app, 'Monitoring'), 'Errors').addAlarmAction(new SnsAction(topic));
    expect(findingsOf(app)).toEqual([`${PACK}-AlarmTopicKeyUsableByCloudWatch Fixture/Alarms/Resource`]);
  });

  it('accepts an alarm topic with a key of the app that allows CloudWatch, an unencrypted one, and topics no alarm notifies', () => {
    const { app, stack } = fixture();
    alarm(stack, 'Errors').addAlarmAction(new SnsAction(new sns.Topic(stack, 'Alarms', { masterKey: keyForCloudWatch(stack) })));
    alarm(stack, 'Latency').addAlarmAction(new SnsAction(new sns.Topic(stack, 'Unencrypted')));
    new sns.Topic(stack, 'Events', { masterKey: kms.Alias.fromAliasName(stack, 'AwsSns', 'alias/aws/sns') });
    expect(findingsOf(app)).toEqual([]);
  });
});

describe(`${PACK}-NetworkPoliciesEnforced`, () => {
  const networkPolicy = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny-ingress', namespace: 'apps' }, spec: { podSelector: {} } };
  const enforcementObjects = ({ controller = 'true', nodeClassSpec = { networkPolicy: 'DefaultAllow' } as object, nodePoolOf = 'enforcing' } = {}) => [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'amazon-vpc-cni', namespace: 'kube-system' }, data: { 'enable-network-policy-controller': controller } },
    { apiVersion: 'eks.amazonaws.com/v1', kind: 'NodeClass', metadata: { name: 'enforcing' }, spec: nodeClassSpec },
    {
      apiVersion: 'karpenter.sh/v1',
      kind: 'NodePool',
      metadata: { name: 'apps' },
      spec: { template: { spec: { nodeClassRef: { group: 'eks.amazonaws.com', kind: 'NodeClass', name: nodePoolOf } } } },
    },
  ];
  /** Enforcement, a namespace after it, and the policies after the namespace: a transitive dependency. */
  const appWithNetworkPolicy = (enforcement: Parameters<typeof enforcementObjects>[0], dependsOnEnforcement = true) => {
    const { app, stack } = fixture();
    const enforcementManifest = manifest(stack, 'Enforcement', ...enforcementObjects(enforcement));
    const namespace = manifest(stack, 'Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps' } });
    if (dependsOnEnforcement) namespace.node.addDependency(enforcementManifest);
    manifest(stack, 'Policies', networkPolicy).node.addDependency(namespace);
    return app;
  };

  it.each([
    ['the VPC CNI does not enable the network policy controller', { controller: 'false' }],
    ['the NodeClass sets no networkPolicy', { nodeClassSpec: { networkPolicyEventLogs: 'Enabled' } }],
    ['no NodePool uses the enforcing NodeClass', { nodePoolOf: 'default' }],
  ])('rejects a NetworkPolicy when %s', (_, enforcement) => {
    expect(findingsOf(appWithNetworkPolicy(enforcement))).toEqual([`${PACK}-NetworkPoliciesEnforced Fixture/Policies`]);
  });

  it('rejects a NetworkPolicy whose manifest does not depend on the enforcement', () => {
    expect(findingsOf(appWithNetworkPolicy({}, false))).toEqual([`${PACK}-NetworkPoliciesEnforced Fixture/Policies`]);
  });

  it('rejects a NetworkPolicy when the enforcement is applied to another cluster', () => {
    const app = appWithNetworkPolicy({});
    const enforcement = app.node.findChild('Fixture').node.findChild('Enforcement') as CfnResource;
    enforcement.addPropertyOverride('ClusterName', 'other-cluster');
    expect(findingsOf(app)).toEqual([`${PACK}-NetworkPoliciesEnforced Fixture/Policies`]);
  });

  it('rejects a NetworkPolicy when nothing enables enforcement', () => {
    const { app, stack } = fixture();
    manifest(stack, 'Policies', networkPolicy);
    expect(findingsOf(app)).toEqual([`${PACK}-NetworkPoliciesEnforced Fixture/Policies`]);
  });

  it('accepts a NetworkPolicy applied after the ConfigMap, NodeClass and NodePool that enforce it', () => {
    expect(findingsOf(appWithNetworkPolicy({}))).toEqual([]);
  });

  it('accepts a NetworkPolicy applied in the same manifest as its enforcement', () => {
    const { app, stack } = fixture();
    manifest(stack, 'Policies', ...enforcementObjects(), networkPolicy);
    expect(findingsOf(app)).toEqual([]);
  });

  /** Managed node groups: the VPC CNI add-on's network policy agent enforces on every node. */
  const appWithVpcCni = ({ enableNetworkPolicy = 'true', dependsOnAddon = true } = {}) => {
    const { app, stack } = fixture();
    const addon = new eksL1.CfnAddon(stack, 'VpcCni', { clusterName: CLUSTER, addonName: 'vpc-cni', configurationValues: JSON.stringify({ enableNetworkPolicy }) });
    const policies = manifest(stack, 'Policies', networkPolicy);
    if (dependsOnAddon) policies.node.addDependency(addon);
    return app;
  };

  it('accepts a NetworkPolicy applied after the VPC CNI add-on with network policy enabled', () => {
    expect(findingsOf(appWithVpcCni())).toEqual([]);
  });

  it.each([
    ['leaves network policy off', { enableNetworkPolicy: 'false' }],
    ['is not a dependency of the policies', { dependsOnAddon: false }],
  ])('rejects a NetworkPolicy when the VPC CNI add-on %s', (_, setup) => {
    expect(findingsOf(appWithVpcCni(setup))).toEqual([`${PACK}-NetworkPoliciesEnforced Fixture/Policies`]);
  });
});

describe(`${PACK}-HpaHasMetricsSource`, () => {
  const autoscaler = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'apps' },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 3 },
  };
  const appWithAutoscaler = ({ addonName = 'metrics-server', clusterName = CLUSTER, dependsOnAddon = true } = {}) => {
    const { app, stack } = fixture();
    const addon = new eksL1.CfnAddon(stack, 'Addon', { clusterName, addonName });
    const autoscaling = manifest(stack, 'Autoscaling', autoscaler);
    if (dependsOnAddon) autoscaling.node.addDependency(addon);
    return app;
  };

  it.each([
    ['the add-on it depends on is not metrics-server', { addonName: 'eks-pod-identity-agent' }],
    ['the metrics-server add-on is for another cluster', { clusterName: 'other-cluster' }],
    ['its manifest does not depend on the metrics-server add-on', { dependsOnAddon: false }],
  ])('rejects a HorizontalPodAutoscaler when %s', (_, setup) => {
    expect(findingsOf(appWithAutoscaler(setup))).toEqual([`${PACK}-HpaHasMetricsSource Fixture/Autoscaling`]);
  });

  it('accepts a HorizontalPodAutoscaler applied after the metrics-server add-on of its cluster', () => {
    expect(findingsOf(appWithAutoscaler())).toEqual([]);
  });

  it('counts a reference to the add-on as a dependency, as CloudFormation does', () => {
    const { app, stack } = fixture();
    const addon = new eksL1.CfnAddon(stack, 'Addon', { clusterName: CLUSTER, addonName: 'metrics-server' });
    manifest(stack, 'Autoscaling', { ...autoscaler, metadata: { ...autoscaler.metadata, annotations: { 'fixture/metrics-from': addon.attrArn } } });
    expect(findingsOf(app)).toEqual([]);
  });
});

describe(`${PACK}-WorkloadAfterPodIdentity`, () => {
  const podIdentity = (scope: Stack, id: string, namespace: string, serviceAccount: string) =>
    new eksL1.CfnPodIdentityAssociation(scope, id, { clusterName: CLUSTER, namespace, serviceAccount, roleArn: `arn:aws:iam::123456789012:role/${id}` });
  const ordersApi = workloads.Deployment('orders', { serviceAccountName: 'orders', containers: [{ name: 'api', image: `orders${DIGEST}` }] });
  const reports = workloads.CronJob('reports', { serviceAccountName: 'reports', containers: [{ name: 'report', image: `reports${DIGEST}` }] });

  it('rejects workloads applied without depending on the associations of their service accounts, one finding per account', () => {
    const { app, stack } = fixture();
    podIdentity(stack, 'OrdersIdentity', 'apps', 'orders');
    podIdentity(stack, 'ReportsIdentity', 'default', 'reports');
    manifest(stack, 'Workloads', ordersApi, reports);
    expect(findingsOf(app)).toEqual([
      `${PACK}-WorkloadAfterPodIdentity[apps/orders] Fixture/Workloads`,
      `${PACK}-WorkloadAfterPodIdentity[default/reports] Fixture/Workloads`,
    ]);
  });

  it('accepts workloads that depend on the associations of their service accounts, and only of theirs', () => {
    const { app, stack } = fixture();
    const orders = podIdentity(stack, 'OrdersIdentity', 'apps', 'orders');
    podIdentity(stack, 'CatalogIdentity', 'apps', 'catalog');
    manifest(stack, 'Workloads', ordersApi).node.addDependency(orders);
    expect(findingsOf(app)).toEqual([]);
  });

  it.each([
    ['rejects', 'does not depend', false, [`${PACK}-WorkloadAfterPodIdentity[apps/orders] Fixture/Workloads`]],
    ['accepts', 'depends', true, []],
  ])('%s a workload whose association is in a stack that its own stack %s on', (_verdict, _dependency, stackDependency, findings) => {
    const { app, stack } = fixture();
    const identities = new Stack(app, 'Identities');
    podIdentity(identities, 'OrdersIdentity', 'apps', 'orders');
    if (stackDependency) stack.addStackDependency(identities);
    manifest(stack, 'Workloads', ordersApi);
    expect(findingsOf(app)).toEqual(findings);
  });
});

describe(`${PACK}-FunctionLogGroupWithRetention`, () => {
  const code = lambda.Code.fromInline('exports.handler = async () => {};');
  const handler = (scope: Stack, id: string, props: Partial<lambda.FunctionProps> = {}) =>
    new lambda.Function(scope, id, { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code, ...props });
  /** A function the way CDK's singleton handlers (CustomResourceProvider) declare one: a plain CfnResource. */
  const singletonHandler = (scope: Stack, id = 'SingletonHandler', properties: Record<string, unknown> = {}) =>
    new CfnResource(scope, id, {
      type: 'AWS::Lambda::Function',
      properties: { Handler: 'index.handler', Runtime: 'nodejs22.x', Role: 'arn:aws:iam::123456789012:role/handler', Code: { ZipFile: 'x' }, ...properties },
    });

  it('rejects functions whose log group Lambda would create, or that never expires', () => {
    const { app, stack } = fixture({ [CDK_MANAGED_LOG_GROUPS]: false });
    handler(stack, 'Unlogged');
    handler(stack, 'NeverExpiring', { logGroup: new logs.LogGroup(stack, 'NeverExpiringLogs', { retention: logs.RetentionDays.INFINITE }) });
    singletonHandler(stack);
    expect(findingsOf(app)).toEqual([
      `${PACK}-FunctionLogGroupWithRetention Fixture/NeverExpiring/Resource`,
      `${PACK}-FunctionLogGroupWithRetention Fixture/SingletonHandler`,
      `${PACK}-FunctionLogGroupWithRetention Fixture/Unlogged/Resource`,
    ]);
  });

  it('rejects a group named after the function, which CloudFormation creates after it and deletes before it', () => {
    const { app, stack } = fixture({ [CDK_MANAGED_LOG_GROUPS]: true });
    handler(stack, 'CdkManaged');
    new logs.CfnLogGroup(stack, 'SingletonHandlerLogs', { logGroupName: `/aws/lambda/${singletonHandler(stack).ref}`, retentionInDays: 7 });
    expect(findingsOf(app)).toEqual([
      `${PACK}-FunctionLogGroupWithRetention Fixture/CdkManaged/Resource`,
      `${PACK}-FunctionLogGroupWithRetention Fixture/SingletonHandler`,
    ]);
  });

  it('accepts the log group a function or a plain handler names in its LoggingConfig', () => {
    const { app, stack } = fixture({ [CDK_MANAGED_LOG_GROUPS]: false });
    handler(stack, 'Configured', { logGroup: new logs.LogGroup(stack, 'ConfiguredLogs', { retention: logs.RetentionDays.ONE_WEEK }) });
    const logGroup = new logs.CfnLogGroup(stack, 'SingletonHandlerLogs', { retentionInDays: 7 });
    singletonHandler(stack, 'SingletonHandler', { LoggingConfig: { LogGroup: logGroup.ref } });
    expect(findingsOf(app)).toEqual([]);
  });

  it('accepts every function of a stack after ownLogGroupsForEveryFunction, CDK-managed groups or not', () => {
    for (const managed of [true, false]) {
      const { app, stack } = fixture({ [CDK_MANAGED_LOG_GROUPS]: managed });
      handler(stack, 'Plain');
      singletonHandler(stack);
      ownLogGroupsForEveryFunction(stack, { retention: logs.RetentionDays.ONE_WEEK, removalPolicy: RemovalPolicy.DESTROY });
      expect(findingsOf(app)).toEqual([]);
    }
  });
});

describe(`${PACK}-FunctionNotInClusterSecurityGroup`, () => {
  /** A VPC function with a log group, so that only the security group is in question. */
  const functionIn = (scope: Stack, id: string, securityGroupId: string) => {
    const handler = new lambda.CfnFunction(scope, id, {
      code: { zipFile: 'exports.handler = async () => {};' },
      handler: 'index.handler',
      runtime: 'nodejs22.x',
      role: 'arn:aws:iam::123456789012:role/handler',
      vpcConfig: { securityGroupIds: [securityGroupId], subnetIds: ['subnet-0fixture'] },
    });
    handler.loggingConfig = { logGroup: new logs.CfnLogGroup(scope, `${id}Logs`, { retentionInDays: 7 }).ref };
    return handler;
  };
  const cluster = (scope: Stack) =>
    new eksL1.CfnCluster(scope, 'Cluster', { roleArn: 'arn:aws:iam::123456789012:role/cluster', resourcesVpcConfig: { subnetIds: ['subnet-0fixture'] } });

  it('rejects functions in the cluster security group, also when another stack reads it by a strong or weak reference', () => {
    const { app, stack } = fixture();
    const clusterSecurityGroup = cluster(stack).attrClusterSecurityGroupId;
    functionIn(stack, 'Handler', clusterSecurityGroup);
    functionIn(new Stack(app, 'Jobs'), 'Job', Stack.consumeReference(clusterSecurityGroup, ReferenceStrength.STRONG));
    functionIn(new Stack(app, 'Reports'), 'Report', Stack.consumeReference(clusterSecurityGroup, ReferenceStrength.WEAK));
    expect(findingsOf(app)).toEqual([
      `${PACK}-FunctionNotInClusterSecurityGroup Fixture/Handler`,
      `${PACK}-FunctionNotInClusterSecurityGroup Jobs/Job`,
      `${PACK}-FunctionNotInClusterSecurityGroup Reports/Report`,
    ]);
  });

  it('accepts a function in a security group of its own', () => {
    const { app, stack } = fixture();
    cluster(stack);
    const own = new ec2.CfnSecurityGroup(stack, 'HandlerSecurityGroup', { groupDescription: 'Handler', vpcId: 'vpc-0fixture' });
    functionIn(stack, 'Handler', own.attrGroupId);
    expect(findingsOf(app)).toEqual([]);
  });
});

describe('the pack, over what aws-eks-v2 synthesizes,', () => {
  const kubernetes = SUPPORTED_KUBERNETES_VERSIONS[DEFAULT_KUBERNETES_VERSION];
  const appWithCluster = (firstDeployReady: boolean) => {
    const { app, stack } = fixture();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const cluster = new eks.Cluster(stack, 'Cluster', {
      version: kubernetes.version,
      vpc,
      kubectlProviderOptions: {
        kubectlLayer: kubernetes.kubectlLayer(stack, 'KubectlLayer'),
        securityGroups: firstDeployReady ? [new ec2.SecurityGroup(stack, 'KubectlSecurityGroup', { vpc })] : undefined,
      },
    });
    const image = firstDeployReady ? new DockerImageAsset(stack, 'WebImage', { directory: imageDirectory() }).imageUri : 'nginx:1.27';
    cluster.addManifest('Web', workloads.Deployment('web', runs('web', image)));
    ownLogGroupsForEveryFunction(stack, { retention: logs.RetentionDays.ONE_WEEK, removalPolicy: RemovalPolicy.DESTROY });
    return app;
  };

  it("rejects a tagged image in a cluster manifest and the kubectl provider's default security group", () => {
    expect(findingsOf(appWithCluster(false))).toEqual([
      `${PACK}-FunctionNotInClusterSecurityGroup Fixture/Cluster/KubectlProvider/Handler/Resource`,
      `${PACK}-FunctionNotInClusterSecurityGroup Fixture/Cluster/KubectlProvider/Provider/framework-onEvent/Resource`,
      `${PACK}-ImagesFromAssetOrDigest[Deployment/web/web] Fixture/Cluster/manifest-Web/Resource/Default`,
    ]);
  });

  it('accepts an image asset in a cluster manifest and a kubectl provider in its own security group', () => {
    expect(findingsOf(appWithCluster(true))).toEqual([]);
  });
});

describe('acknowledgements', () => {
  const twoTaggedContainers = () => {
    const { app, stack } = fixture();
    const web = manifest(stack, 'Web', workloads.Deployment('web', { containers: [{ name: 'web', image: 'web:1' }, { name: 'proxy', image: 'envoy:1' }] }));
    return { app, web };
  };
  const unloggedFunctionInClusterSecurityGroup = () => {
    const { app, stack } = fixture({ [CDK_MANAGED_LOG_GROUPS]: false });
    const cluster = new eksL1.CfnCluster(stack, 'Cluster', { roleArn: 'arn:aws:iam::123456789012:role/cluster', resourcesVpcConfig: { subnetIds: ['subnet-0fixture'] } });
    const handler = new lambda.CfnFunction(stack, 'Handler', {
      code: { zipFile: 'exports.handler = async () => {};' },
      role: 'arn:aws:iam::123456789012:role/handler',
      vpcConfig: { securityGroupIds: [cluster.attrClusterSecurityGroupId], subnetIds: ['subnet-0fixture'] },
    });
    return { app, handler };
  };

  it('hide the one finding of a container they name, not the finding of another container', () => {
    expect(findingsOf(twoTaggedContainers().app)).toHaveLength(2);
    const { app, web } = twoTaggedContainers();
    Validations.of(web).acknowledge({ id: `${PACK}-ImagesFromAssetOrDigest[Deployment/web/proxy]`, reason: 'Fixture: the proxy image is mirrored elsewhere.' });
    expect(findingsOf(app)).toEqual([`${PACK}-ImagesFromAssetOrDigest[Deployment/web/web] Fixture/Web`]);
  });

  it("hide one rule's finding on a resource, not another rule's", () => {
    expect(findingsOf(unloggedFunctionInClusterSecurityGroup().app)).toHaveLength(2);
    const { app, handler } = unloggedFunctionInClusterSecurityGroup();
    Validations.of(handler).acknowledge({ id: `${PACK}-FunctionLogGroupWithRetention`, reason: 'Fixture: logs are not kept for this function.' });
    expect(findingsOf(app)).toEqual([`${PACK}-FunctionNotInClusterSecurityGroup Fixture/Handler`]);
  });

  it('are the only way past a finding: an unacknowledged one fails synthesis', () => {
    const { app } = twoTaggedContainers();
    Validations.of(app).addPlugins(new FirstDeployChecks(app));
    expect(() => quietly(() => app.synth())).toThrow(`${PACK}-ImagesFromAssetOrDigest[Deployment/web/proxy]`);
  });
});
