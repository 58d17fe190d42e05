import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadEnvironmentConfig } from '../../infra/config/load-config';
import { ASSUMPTIONS } from '../../infra/cost/assumptions';
import type { CostContext, CostItems } from '../../infra/cost/cost-line';
import { estimateCost, type CostEstimate } from '../../infra/cost/estimate';
import { auroraServerless, autoModeNodes, eksControlPlane, flowLogs, loadBalancers, natGateways, natInstances } from '../../infra/cost/infrastructure-items';
import { launchedByAutoMode, packPods, type NodeRequirement } from '../../infra/cost/node-packing';
import { INSTANCE_TYPES } from '../../infra/cost/prices';
import { currentCostSection, readmeCostSection } from '../../infra/cost/report';
import type { CfnResource, CfnTemplate } from '../../infra/cost/template-inventory';
import { cloudWatchAlarms, lambdaFunctions, perResourceItems, sqsQueues } from '../../infra/cost/usage-items';
import { awakeHoursPerWeek, workingHoursOf, type WorkingHours } from '../../infra/cost/working-hours';
import { parseCostArguments } from '../../scripts/cost-command';
import { UsageError } from '../../scripts/cli-args';
import { ENVIRONMENT_NAMES, platformOf, STACK_CONCERNS } from './platform-fixture';
import { ENVIRONMENTS } from '../../infra/config/environments';

/** What the app lists as `env`'s allowed values: the environments of infra/config/environments.ts. */
const ALLOWED_ENVIRONMENTS = Object.keys(ENVIRONMENTS).join(', ');

const ALWAYS_AWAKE: CostContext = { assumptions: ASSUMPTIONS, awakeShare: 1 };
/** Monday to Friday, 08:00 to 18:00: 50 of the week's 168 hours. */
const OFFICE_HOURS: WorkingHours = { timeZone: 'Europe/Berlin', days: ['MON', 'TUE', 'WED', 'THU', 'FRI'], awakeFrom: '08:00', awakeUntil: '18:00' };
const OFFICE_HOURS_AWAKE: CostContext = { assumptions: ASSUMPTIONS, awakeShare: 50 / 168 };

function template(resources: Record<string, CfnResource>): CfnTemplate {
  return { Resources: resources };
}

/** A kubectl-provider resource applying `objects`, as the cluster stack's template holds the charts. */
function manifest(...objects: object[]): CfnResource {
  return { Type: 'Custom::AWSCDK-EKS-KubernetesResource', Properties: { Manifest: JSON.stringify(objects) } };
}

/** Item, always on, with the sleep schedule: what the tables print. */
function figures(items: CostItems, fixture: CfnTemplate, context: CostContext = ALWAYS_AWAKE): [string, number, number][] {
  return items(fixture, context).map((line) => [line.item, line.alwaysOn, line.sleeping]);
}

const autoModeCluster: CfnResource = { Type: 'AWS::EKS::Cluster', Properties: { ComputeConfig: { Enabled: true } } };
const coreApisPool = {
  kind: 'NodePool',
  metadata: { name: 'core-apis' },
  spec: {
    template: {
      spec: {
        requirements: [
          { key: 'kubernetes.io/arch', operator: 'In', values: ['arm64'] },
          { key: 'eks.amazonaws.com/instance-category', operator: 'In', values: ['c', 'm', 'r'] },
          { key: 'eks.amazonaws.com/instance-generation', operator: 'Gt', values: ['5'] },
        ],
      },
    },
  },
};
function coreApi(name: string, requests: { cpu: string; memory: string }, minReplicas: number): object[] {
  return [
    { kind: 'Deployment', metadata: { name }, spec: { template: { spec: { nodeSelector: { 'karpenter.sh/nodepool': 'core-apis' }, containers: [{ resources: { requests } }] } } } },
    { kind: 'HorizontalPodAutoscaler', metadata: { name }, spec: { scaleTargetRef: { name }, minReplicas } },
  ];
}

describe('the cost model, item by item', () => {
  it('bills the EKS control plane per cluster-hour, and its logs at the volume assumed for each enabled type', () => {
    const cluster = (...types: string[]) => template({ Cluster: { Type: 'AWS::EKS::Cluster', Properties: { Logging: { ClusterLogging: { EnabledTypes: types.map((Type) => ({ Type })) } } } } });
    // audit 6 GB + authenticator 0.5 GB, at 0.50 USD a GB
    expect(figures(eksControlPlane, cluster('audit', 'authenticator'))).toEqual([
      ['EKS control plane', 73, 73],
      ['control-plane logs (CloudWatch)', 3.25, 3.25],
    ]);
    expect(figures(eksControlPlane, cluster())).toEqual([['EKS control plane', 73, 73]]);
    expect(() => figures(eksControlPlane, cluster('kubelet'))).toThrow('Control-plane log type kubelet has no volume in infra/cost/assumptions.ts (controlPlaneLogGbPerMonth)');
  });

  it('packs the core API pods (requests × HPA minimum) onto the cheapest node the pool allows and Auto Mode launches, and scales nodes and fee by the awake share', () => {
    const fixture = template({ Cluster: autoModeCluster, Pool: manifest(coreApisPool), Api: manifest(...coreApi('orders', { cpu: '100m', memory: '128Mi' }, 2)) });
    // 2 pods of 100m/128Mi would fit a c6g.medium, which Auto Mode does not launch (1 vCPU): one c6g.large
    // (0.068 USD/h × 730 h = 49.64); the fee is 12% of it.
    expect(figures(autoModeNodes, fixture, OFFICE_HOURS_AWAKE)).toEqual([
      ['Auto Mode nodes (core-apis pool)', 49.64, 14.77],
      ['Auto Mode management fee', 5.96, 1.77],
    ]);
  });

  it('knows that Auto Mode launches only instance types of more than 1 vCPU, and no nano, micro or small size', () => {
    const named = (name: string) => INSTANCE_TYPES.find((type) => type.name === name)!;
    expect(launchedByAutoMode(named('t4g.medium'))).toBe(true);
    expect(launchedByAutoMode(named('c6g.large'))).toBe(true);
    // 1 vCPU
    expect(launchedByAutoMode(named('c6g.medium'))).toBe(false);
    // 2 vCPUs, but a nano (or micro, or small)
    expect(launchedByAutoMode(named('t4g.nano'))).toBe(false);
    expect(launchedByAutoMode({ ...named('t4g.medium'), name: 't4g.small' })).toBe(false);
  });

  it('bills basic Container Insights metrics per cluster, node, pod name and Service while nodes run, and leaves enhanced ones unpriced', () => {
    const containerInsights = (kubernetes?: object): CfnResource => ({
      Type: 'AWS::EKS::Addon',
      Properties: { AddonName: 'amazon-cloudwatch-observability', ConfigurationValues: JSON.stringify({ agent: { config: { logs: { metrics_collected: { prometheus: {}, ...(kubernetes && { kubernetes }) } } } } }) },
    });
    const service = { kind: 'Service', metadata: { name: 'orders' } };
    // A sleeper that scales the add-on's operator and target allocator too: asleep, no node publishes anything.
    const sleeper: CfnResource = {
      Type: 'AWS::Lambda::Function',
      Properties: { Environment: { Variables: { SYSTEM_DEPLOYMENTS: ASSUMPTIONS.addonDeployments['amazon-cloudwatch-observability'].join(',') } } },
    };
    const cluster = { Cluster: autoModeCluster, Pool: manifest(coreApisPool), Api: manifest(...coreApi('orders', { cpu: '100m', memory: '128Mi' }, 2), service), Sleeper: sleeper };
    const metricsLine = (addon: CfnResource) => autoModeNodes(template({ ...cluster, Insights: addon }), OFFICE_HOURS_AWAKE).find((line) => line.item.startsWith('Container Insights metrics'));
    // 24 + 8 × 1 node + 9 × 5 pod names (orders, the operator, its target allocator, the agent, Fluent Bit) + 6 × 1 Service = 83 metrics × 0.30
    expect(metricsLine(containerInsights({ enhanced_container_insights: false }))).toMatchObject({ item: 'Container Insights metrics (basic)', alwaysOn: 24.9, sleeping: 7.41 });
    expect(metricsLine(containerInsights({ enhanced_container_insights: true }))).toMatchObject({ item: 'Container Insights metrics (enhanced)', alwaysOn: 0, basis: expect.stringContaining('NOT estimated') });
    expect(metricsLine(containerInsights())).toBeUndefined();
  });

  it('frees the node while asleep only when the sleeper scales every add-on Deployment, and keeps one for any it leaves up', () => {
    const addon = (name: string): CfnResource => ({ Type: 'AWS::EKS::Addon', Properties: { AddonName: name } });
    const sleeper = (systemDeployments: string): CfnResource => ({ Type: 'AWS::Lambda::Function', Properties: { Environment: { Variables: { SYSTEM_DEPLOYMENTS: systemDeployments } } } });
    const cluster = { Cluster: autoModeCluster, Pool: manifest(coreApisPool), Api: manifest(...coreApi('orders', { cpu: '100m', memory: '128Mi' }, 2)), MetricsServer: addon('metrics-server') };
    // metrics-server scaled with the core APIs: nothing stays, the node goes (49.64 × 50/168).
    expect(figures(autoModeNodes, template({ ...cluster, Sleeper: sleeper('kube-system/metrics-server') }), OFFICE_HOURS_AWAKE)[0]).toEqual(['Auto Mode nodes (core-apis pool)', 49.64, 14.77]);
    // Left up, its pod keeps the cheapest node of the preferred pool all night: the whole month.
    expect(figures(autoModeNodes, template({ ...cluster, Sleeper: sleeper('') }), OFFICE_HOURS_AWAKE)).toEqual([
      ['Auto Mode nodes (core-apis pool)', 49.64, 49.64],
      ['Auto Mode management fee', 5.96, 5.96],
    ]);
  });

  it('adds nodes of a larger type when the pods do not fit one small node, with the Container Insights agents on each', () => {
    const requirements = coreApisPool.spec.template.spec.requirements as NodeRequirement[];
    const pods = Array.from({ length: 8 }, (_, index) => ({ name: `api-${index}`, cpuMillis: 900, memoryMiB: 1024 }));
    const packing = packPods(pods, INSTANCE_TYPES, requirements, ASSUMPTIONS.daemonSetsPerNode);
    // A medium node (1 vCPU) holds none next to the agents, a large one 1, a c6g.xlarge 4 (3,615m allocatable):
    // 2 of those (0.272 USD/h) are cheaper than 8 c6g.large (0.544 USD/h).
    expect({ type: packing?.instanceType.name, nodes: packing?.nodes }).toEqual({ type: 'c6g.xlarge', nodes: 2 });
  });

  it('counts one ALB per load balancer name the Ingresses share, billed per hour and per LCU', () => {
    const ingress = (name: string) => ({ kind: 'Ingress', metadata: { name, annotations: { 'alb.ingress.kubernetes.io/load-balancer-name': 'shared' } } });
    const fixture = template({ Apis: manifest(ingress('catalog'), ingress('orders')) });
    expect(figures(loadBalancers, fixture)).toEqual([
      ['Application Load Balancer', 16.43, 16.43],
      // 5,000 requests a day of 20 KB: 0.0042 GB an hour outweighs 0.058 new connections a second (0.0023 LCU).
      ['ALB capacity units', 0.02, 0.02],
    ]);
  });

  it('bills each NAT gateway per hour, the assumed GB processed, and each Elastic IP', () => {
    const fixture = template({ NatA: { Type: 'AWS::EC2::NatGateway' }, NatB: { Type: 'AWS::EC2::NatGateway' }, IpA: { Type: 'AWS::EC2::EIP' }, IpB: { Type: 'AWS::EC2::EIP' } });
    // 2 × 0.045 × 730 + 20 GB × 0.045
    expect(figures(natGateways, fixture)).toEqual([
      ['NAT gateways', 66.6, 66.6],
      ['public IPv4 addresses', 7.3, 7.3],
    ]);
  });

  it('bills a NAT instance (no source/dest check) for its hours, its root volume and its public address, and nothing per GB', () => {
    const fixture = template({
      Nat: {
        Type: 'AWS::EC2::Instance',
        Properties: {
          InstanceType: 't4g.nano',
          SourceDestCheck: false,
          BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: 8 } }],
          NetworkInterfaces: [{ AssociatePublicIpAddress: true }],
        },
      },
      Other: { Type: 'AWS::EC2::Instance', Properties: { InstanceType: 't4g.medium' } },
    });
    // 0.0042 × 730; 8 GB × 0.08; 0.005 × 730
    expect(figures(natInstances, fixture)).toEqual([
      ['NAT instances', 3.07, 3.07],
      ['NAT instance volumes (EBS gp3)', 0.64, 0.64],
      ['public IPv4 addresses', 3.65, 3.65],
    ]);
  });

  it('bills flow logs at the assumed GB ingested', () => {
    expect(figures(flowLogs, template({ FlowLog: { Type: 'AWS::EC2::FlowLog' } }))).toEqual([['VPC flow logs (CloudWatch)', 2.5, 2.5]]);
  });

  it('bills an Aurora minimum above 0 ACU all month on every instance, sleep schedule or not', () => {
    const fixture = template({
      Db: { Type: 'AWS::RDS::DBCluster', Properties: { ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 16 } } },
      Writer: { Type: 'AWS::RDS::DBInstance', Properties: { DBInstanceClass: 'db.serverless', DBClusterIdentifier: { Ref: 'Db' } } },
      Reader: { Type: 'AWS::RDS::DBInstance', Properties: { DBInstanceClass: 'db.serverless', DBClusterIdentifier: { Ref: 'Db' } } },
    });
    expect(figures(auroraServerless, fixture, OFFICE_HOURS_AWAKE)).toEqual([
      ['Aurora Serverless v2 compute', 87.6, 87.6],
      ['Aurora storage and I/O', 1.2, 1.2],
    ]);
  });

  it('bills an Aurora that pauses (0 ACU minimum) for its awake share only, at most the working hours when it sleeps', () => {
    const fixture = template({
      Db: { Type: 'AWS::RDS::DBCluster', Properties: { ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: 2 } } },
      Writer: { Type: 'AWS::RDS::DBInstance', Properties: { DBInstanceClass: 'db.serverless', DBClusterIdentifier: { Ref: 'Db' } } },
    });
    // 0.5 ACU × 73 h (10% of 730) × 0.12; working hours (29.8%) are longer than that, so it stays.
    expect(figures(auroraServerless, fixture, OFFICE_HOURS_AWAKE)).toEqual([
      ['Aurora Serverless v2 compute', 4.38, 4.38],
      ['Aurora storage and I/O', 1.2, 1.2],
    ]);
    expect(figures(auroraServerless, fixture, { assumptions: ASSUMPTIONS, awakeShare: 0.05 })[0]).toEqual(['Aurora Serverless v2 compute', 4.38, 2.19]);
  });

  it('bills the functions an SQS queue feeds per order, and the queue its idle polls and messages', () => {
    const fixture = template({
      Notifier: { Type: 'AWS::Lambda::Function', Properties: { MemorySize: 256, Architectures: ['arm64'] } },
      Queue: { Type: 'AWS::SQS::Queue' },
      Mapping: { Type: 'AWS::Lambda::EventSourceMapping', Properties: { FunctionName: { Ref: 'Notifier' } } },
    });
    expect(figures(lambdaFunctions, fixture)).toEqual([
      ['Lambda', 0.01, 0.01],
      ['function logs (CloudWatch)', 0.01, 0.01],
    ]);
    // 15 polls a minute × 43,800 minutes + 6,080 orders × 3 requests = 675,240 requests
    expect(figures(sqsQueues, fixture)).toEqual([['SQS', 0.27, 0.27]]);
  });

  it('bills alarms per metric they read, anomaly detection as 3 metrics, composite alarms per alarm', () => {
    const stat = (id: string) => ({ Id: id, MetricStat: { Metric: { Namespace: 'AWS/ApplicationELB', MetricName: id } } });
    const fixture = template({
      Plain: { Type: 'AWS::CloudWatch::Alarm', Properties: { Namespace: 'AWS/Lambda', MetricName: 'Errors' } },
      Math: { Type: 'AWS::CloudWatch::Alarm', Properties: { Metrics: [stat('a'), stat('b'), stat('c'), { Id: 'rate', Expression: 'a + b / c' }] } },
      Anomaly: { Type: 'AWS::CloudWatch::Alarm', Properties: { ThresholdMetricId: 'band', Metrics: [stat('m0'), { Id: 'band', Expression: 'ANOMALY_DETECTION_BAND(m0, 3)' }] } },
      SteadyState: { Type: 'AWS::CloudWatch::CompositeAlarm' },
    });
    // (1 + 3 + 3) × 0.10 + 0.50
    expect(figures(cloudWatchAlarms, fixture)).toEqual([['CloudWatch alarms', 1.2, 1.2]]);
  });

  it('bills KMS keys, secrets and dashboards per resource-month, budgets and experiment templates at nothing', () => {
    const fixture = template({
      KeyA: { Type: 'AWS::KMS::Key' },
      KeyB: { Type: 'AWS::KMS::Key' },
      Secret: { Type: 'AWS::SecretsManager::Secret' },
      Dashboard: { Type: 'AWS::CloudWatch::Dashboard' },
      Budget: { Type: 'AWS::Budgets::Budget' },
    });
    expect(figures(perResourceItems, fixture)).toEqual([
      ['CloudWatch dashboards', 3, 3],
      ['KMS keys', 2, 2],
      ['Secrets Manager', 0.4, 0.4],
      ['AWS Budgets', 0, 0],
    ]);
  });
});

describe('the sleep schedule', () => {
  it('is awake days × (until − from) hours a week', () => {
    expect(awakeHoursPerWeek(OFFICE_HOURS)).toBe(50);
    expect(awakeHoursPerWeek({ ...OFFICE_HOURS, days: ['SAT'], awakeFrom: '09:30', awakeUntil: '12:00' })).toBe(2.5);
  });

  it('is read from the config when it has one, and absent otherwise', () => {
    expect(workingHoursOf({ name: 'x', workingHours: OFFICE_HOURS })).toEqual(OFFICE_HOURS);
    expect(workingHoursOf({ name: 'x' })).toBeUndefined();
    expect(() => workingHoursOf({ workingHours: { days: ['MONDAY'] } })).toThrow(/Unexpected workingHours/);
  });
});

const stacksOf = (env: (typeof ENVIRONMENT_NAMES)[number]) =>
  STACK_CONCERNS.map((concern) => ({ stackName: platformOf(env).stack(concern).stackName, template: platformOf(env).stack(concern).template as CfnTemplate }));

function shippedEstimate(env: (typeof ENVIRONMENT_NAMES)[number]): CostEstimate {
  const config = loadEnvironmentConfig((key) => (key === 'env' ? env : undefined));
  return estimateCost({ environment: env, stacks: stacksOf(env), workingHours: workingHoursOf(config) });
}

describe('the estimate of the shipped environments (a change of resources or prices changes these on purpose)', () => {
  // Pinned in __snapshots__/cost.test.ts.snap (sandbox 146.12 / 126.13, prod 365.16 / 365.16 USD as shipped):
  // a fork that adds or removes services updates them on purpose with `npx jest -u test/infra/cost.test.ts`.
  it.each(ENVIRONMENT_NAMES)('puts %s at the monthly figures pinned in the snapshot, always on and with its sleep schedule', (env) => {
    const estimate = shippedEstimate(env);
    expect({ alwaysOn: estimate.alwaysOn, sleeping: estimate.sleeping }).toMatchSnapshot();
  });

  it('lets the sandbox nodes go while asleep: the sleeper scales every add-on Deployment the cluster runs', () => {
    const estimate = estimateCost({ environment: 'sandbox', stacks: stacksOf('sandbox'), workingHours: OFFICE_HOURS });
    const cluster = estimate.stacks.find((stack) => stack.stackName.endsWith('-cluster'))!;
    const nodes = cluster.lines.find((line) => line.item.startsWith('Auto Mode nodes'))!;
    // Awake 50 of 168 hours: the t4g.medium's 24.53 a month shrinks to its awake share.
    expect(nodes).toMatchObject({ alwaysOn: 24.53, sleeping: 7.3 });
    expect(nodes.basis).not.toContain('asleep');
  });

  it('is what the README shows under "What it costs"', () => {
    const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
    const expected = readmeCostSection(ENVIRONMENT_NAMES.map(shippedEstimate));
    // On failure: regenerate with `npm run cost -- --write-readme` and commit the README.
    expect({ regenerateWith: 'npm run cost -- --write-readme', section: currentCostSection(readme) }).toEqual({ regenerateWith: 'npm run cost -- --write-readme', section: expected });
  });
});

describe('npm run cost arguments', () => {
  it('rejects an unknown --env, naming the allowed values', () => {
    expect(() => parseCostArguments(['--env', 'no-such-env'])).toThrow(new UsageError(`Unknown environment "no-such-env" for --env. Allowed values: ${ALLOWED_ENVIRONMENTS}.`, ''));
  });

  it('takes the environment and the output format', () => {
    expect(parseCostArguments(['--env', 'prod', '--json'])).toEqual({ env: 'prod', json: true, writeReadme: false, context: {} });
    expect(parseCostArguments([])).toEqual({ env: 'sandbox', json: false, writeReadme: false, context: {} });
  });

  it('takes context overrides as cdk does, to price a lever, but not for the README, nor the environment through -c', () => {
    expect(parseCostArguments(['-c', 'coreApiNodes=general', '-c', 'containerInsights=basic'])).toMatchObject({ context: { coreApiNodes: 'general', containerInsights: 'basic' } });
    expect(() => parseCostArguments(['--write-readme', '-c', 'coreApiNodes=general'])).toThrow('--write-readme takes no -c: the README shows the environments as shipped');
    expect(() => parseCostArguments(['-c', 'env=prod'])).toThrow('choose the environment with --env, not -c env=');
  });
});
