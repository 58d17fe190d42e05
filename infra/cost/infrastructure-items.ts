import { SLEEPER_ENV } from '../../functions/cluster-sleeper/event';
import type { ContainerInsightsLevel } from '../config/environment-config';
import type { Assumptions } from './assumptions';
import { amount, cents, counted, steady, whileAwake, type CostContext, type CostItems, type CostLine } from './cost-line';
import { launchedByAutoMode, packPods, type NodeRequirement, type Packing, type PodRequest } from './node-packing';
import { INSTANCE_TYPES, PRICES, type InstanceType } from './prices';
import { countOf, cpuMillis, kubernetesObjects, memoryMiB, referencedResource, resourcesOfType, type CfnTemplate, type KubernetesObject } from './template-inventory';

/**
 * The items that cost by the hour whether or not anything happens: the cluster and its nodes, the
 * load balancer, the NAT gateways or instances, the database, and the logs they write.
 */

const NODE_POOL_LABEL = 'karpenter.sh/nodepool';
const CONTAINER_INSIGHTS_ADDON = 'amazon-cloudwatch-observability';

export const eksControlPlane: CostItems = (template, { assumptions }) => {
  const clusters = countOf(template, 'AWS::EKS::Cluster');
  if (clusters === 0) return [];
  const lines = [steady('EKS control plane', `${counted(clusters, 'cluster')} × ${assumptions.hoursPerMonth} h`, clusters * PRICES.eksClusterHour.usd * assumptions.hoursPerMonth)];
  const loggedTypes = resourcesOfType(template, 'AWS::EKS::Cluster').flatMap((cluster) => {
    const logging = cluster.Properties?.Logging as { ClusterLogging?: { EnabledTypes?: { Type: string }[] } } | undefined;
    return (logging?.ClusterLogging?.EnabledTypes ?? []).map(({ Type }) => Type);
  });
  if (loggedTypes.length > 0) {
    const gb = loggedTypes.reduce((total, type) => {
      const typeGb = assumptions.controlPlaneLogGbPerMonth[type];
      if (typeGb === undefined) throw new Error(`Control-plane log type ${type} has no volume in infra/cost/assumptions.ts (controlPlaneLogGbPerMonth)`);
      return total + typeGb;
    }, 0);
    lines.push(steady('control-plane logs (CloudWatch)', `${amount(gb)} GB ingested (${loggedTypes.join(', ')})`, gb * PRICES.logsIngestedGb.usd));
  }
  return lines;
};

/** The pods the Deployments of the charts start at rest: requests × the HPA's minimum (else the Deployment's replicas). */
function podsByNodePool(objects: readonly KubernetesObject[]): Map<string, PodRequest[]> {
  const pools = new Map<string, PodRequest[]>();
  for (const deployment of objects.filter((object) => object.kind === 'Deployment')) {
    const name = deployment.metadata?.name ?? 'unnamed';
    const spec = deployment.spec as { replicas?: number; template: { spec: { nodeSelector?: Record<string, string>; containers: { resources?: { requests?: Record<string, string> } }[] } } };
    const autoscaler = objects.find((object) => object.kind === 'HorizontalPodAutoscaler' && (object.spec?.scaleTargetRef as { name?: string })?.name === name);
    const replicas = (autoscaler?.spec?.minReplicas as number | undefined) ?? spec.replicas ?? 1;
    const requests = spec.template.spec.containers.map((container) => container.resources?.requests ?? {});
    const pod: PodRequest = {
      name,
      cpuMillis: requests.reduce((total, request) => total + (request.cpu ? cpuMillis(request.cpu) : 0), 0),
      memoryMiB: requests.reduce((total, request) => total + (request.memory ? memoryMiB(request.memory) : 0), 0),
    };
    const pool = spec.template.spec.nodeSelector?.[NODE_POOL_LABEL] ?? 'general-purpose';
    pools.set(pool, [...(pools.get(pool) ?? []), ...Array.from({ length: replicas }, () => pod)]);
  }
  return pools;
}

function requirementsOf(objects: readonly KubernetesObject[], pool: string): NodeRequirement[] {
  const nodePool = objects.find((object) => object.kind === 'NodePool' && object.metadata?.name === pool);
  // Auto Mode's built-in general-purpose pool: C, M and R families, generation 5 and later.
  const builtIn: NodeRequirement[] = [
    { key: 'eks.amazonaws.com/instance-category', operator: 'In', values: ['c', 'm', 'r'] },
    { key: 'eks.amazonaws.com/instance-generation', operator: 'Gt', values: ['4'] },
  ];
  return (nodePool?.spec?.template as { spec?: { requirements?: NodeRequirement[] } } | undefined)?.spec?.requirements ?? builtIn;
}

function addonNames(template: CfnTemplate): string[] {
  return resourcesOfType(template, 'AWS::EKS::Addon').map((addon) => String(addon.Properties?.AddonName));
}

/** The pool a pod without a node selector lands on: the NodePool of the highest weight, else Auto Mode's own. */
function preferredPool(objects: readonly KubernetesObject[]): string {
  const pools = objects.filter((object) => object.kind === 'NodePool').sort((a, b) => Number(b.spec?.weight ?? 0) - Number(a.spec?.weight ?? 0));
  return pools[0]?.metadata?.name ?? 'general-purpose';
}

/** The Deployments the template's add-ons run, as `<namespace>/<name>`. */
function addonDeploymentsOf(template: CfnTemplate, assumptions: Assumptions): string[] {
  return addonNames(template).flatMap((name) => assumptions.addonDeployments[name] ?? []);
}

/** The add-ons' Deployments that stay up while the core APIs sleep: those the sleeper (its SYSTEM_DEPLOYMENTS) does not scale to 0. */
function upWhileAsleep(template: CfnTemplate, assumptions: Assumptions): string[] {
  const slept = new Set(
    resourcesOfType(template, 'AWS::Lambda::Function').flatMap((fn) => {
      const variables = (fn.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
      return String(variables[SLEEPER_ENV.systemDeployments] ?? '').split(',').filter(Boolean);
    }),
  );
  return addonDeploymentsOf(template, assumptions).filter((deployment) => !slept.has(deployment));
}

/**
 * The line's sleeping figure: awake, the packing; asleep, the node the remaining Deployments keep
 * (`asleep`, none when nothing stays up).
 */
function sleepingWith(line: CostLine, awakeUsd: number, asleepUsd: number, context: CostContext): CostLine {
  return { ...line, sleeping: cents(awakeUsd * context.awakeShare + asleepUsd * (1 - context.awakeShare)) };
}

/** What Auto Mode launches of the price table: the packing's candidates on an Auto Mode cluster. */
const AUTO_MODE_INSTANCE_TYPES = INSTANCE_TYPES.filter(launchedByAutoMode);

/** The Container Insights add-on's level, read from its configuration (infra/constructs/container-insights.ts). */
function containerInsightsLevel(template: CfnTemplate): ContainerInsightsLevel | undefined {
  const addon = resourcesOfType(template, 'AWS::EKS::Addon').find((candidate) => candidate.Properties?.AddonName === CONTAINER_INSIGHTS_ADDON);
  if (!addon) return undefined;
  const values = addon.Properties?.ConfigurationValues;
  const configuration = (typeof values === 'string' ? JSON.parse(values) : {}) as {
    agent?: { config?: { logs?: { metrics_collected?: { kubernetes?: { enhanced_container_insights?: boolean } } } } };
  };
  // Without its own agent config the add-on's default collects enhanced Container Insights.
  if (!configuration.agent?.config) return 'enhanced';
  const kubernetes = configuration.agent.config.logs?.metrics_collected?.kubernetes;
  if (!kubernetes) return 'off';
  return kubernetes.enhanced_container_insights ? 'enhanced' : 'basic';
}

/**
 * Auto Mode nodes for the core API pods, the management fee on them, the Container Insights logs of
 * each node, and the Container Insights metrics of the cluster. While the core APIs sleep, an add-on
 * Deployment left up keeps one node of the preferred pool (the cheapest its requirements allow) with
 * its DaemonSets; nothing left up, no node.
 */
export const autoModeNodes: CostItems = (template, context) => {
  const { assumptions } = context;
  const autoMode = resourcesOfType(template, 'AWS::EKS::Cluster').some((cluster) => (cluster.Properties?.ComputeConfig as { Enabled?: boolean } | undefined)?.Enabled);
  if (!autoMode) return [];
  const objects = kubernetesObjects(template);
  const containerInsights = containerInsightsLevel(template);
  const daemonSets = containerInsights ? assumptions.daemonSetsPerNode : [];
  const staying = upWhileAsleep(template, assumptions);
  const lines: CostLine[] = [];
  let awakeNodes = 0;
  let asleepNodes = 0;
  for (const [pool, pods] of podsByNodePool(objects)) {
    const packing = packPods(pods, AUTO_MODE_INSTANCE_TYPES, requirementsOf(objects, pool), daemonSets);
    if (!packing) continue;
    // The Deployments left up are a few small pods: what counts is that one node stays.
    const asleep: Packing | undefined =
      context.awakeShare < 1 && pool === preferredPool(objects) && staying.length > 0
        ? packPods(staying.map((name) => ({ name, cpuMillis: 0, memoryMiB: 0 })), AUTO_MODE_INSTANCE_TYPES, requirementsOf(objects, pool), daemonSets)
        : undefined;
    awakeNodes += packing.nodes;
    asleepNodes += asleep?.nodes ?? 0;
    const podCpu = pods.reduce((total, pod) => total + pod.cpuMillis, 0);
    const podMemory = pods.reduce((total, pod) => total + pod.memoryMiB, 0);
    const hours = assumptions.hoursPerMonth;
    const monthly = packing.hourlyUsd * hours;
    const asleepMonthly = (asleep?.hourlyUsd ?? 0) * hours;
    const nodes = `${packing.nodes} × ${packing.instanceType.name}`;
    const whileAsleep = asleep ? `; asleep ${asleep.nodes} × ${asleep.instanceType.name} for ${counted(staying.length, 'add-on Deployment')}` : '';
    const fee = PRICES.autoModeFeeShare.usd;
    lines.push(
      sleepingWith(whileAwake(`Auto Mode nodes (${pool} pool)`, `${nodes} × ${hours} h for ${pods.length} pods, ${podCpu}m/${amount(podMemory)}Mi requested${whileAsleep}`, monthly, context), monthly, asleepMonthly, context),
      sleepingWith(whileAwake('Auto Mode management fee', `${amount(fee * 100)}% of ${nodes}`, monthly * fee, context), monthly * fee, asleepMonthly * fee, context),
    );
    if (containerInsights) {
      const gb = packing.nodes * assumptions.containerInsightsGbPerNodeMonth;
      const logUsd = (nodeCount: number) => nodeCount * assumptions.containerInsightsGbPerNodeMonth * PRICES.logsIngestedGb.usd;
      lines.push(
        sleepingWith(whileAwake('Container Insights logs (CloudWatch)', `${amount(gb)} GB ingested from ${counted(packing.nodes, 'node')}`, logUsd(packing.nodes), context), logUsd(packing.nodes), logUsd(asleep?.nodes ?? 0), context),
      );
    }
  }
  if (containerInsights === 'basic') lines.push(basicContainerInsightsMetrics(template, objects, { awakeNodes, asleepNodes, staying }, context));
  if (containerInsights === 'enhanced') lines.push(steady('Container Insights metrics (enhanced)', 'billed per observation: NOT estimated here (no confirmed price; see the CloudWatch pricing page)', 0));
  return lines;
};

/**
 * Basic Container Insights: custom metrics per cluster, node, pod name and Service, billed by the hour
 * they are published, so only while nodes run.
 */
function basicContainerInsightsMetrics(
  template: CfnTemplate,
  objects: readonly KubernetesObject[],
  nodes: { awakeNodes: number; asleepNodes: number; staying: readonly string[] },
  context: CostContext,
): CostLine {
  const { perCluster, perNode, perPod, perService } = context.assumptions.containerInsightsMetrics;
  const addonPods = addonDeploymentsOf(template, context.assumptions).length;
  const pods = objects.filter((object) => object.kind === 'Deployment').length + addonPods + context.assumptions.daemonSetsPerNode.length;
  const services = objects.filter((object) => object.kind === 'Service').length;
  const metrics = (nodeCount: number, podCount: number) => (nodeCount === 0 ? 0 : perCluster + perNode * nodeCount + perPod * podCount + perService * services);
  const awakeMetrics = metrics(nodes.awakeNodes, pods);
  const awakeUsd = awakeMetrics * PRICES.customMetricMonth.usd;
  const asleepUsd = metrics(nodes.asleepNodes, nodes.staying.length + context.assumptions.daemonSetsPerNode.length) * PRICES.customMetricMonth.usd;
  const basis = `${awakeMetrics} custom metrics: 1 cluster, ${counted(nodes.awakeNodes, 'node')}, ${counted(pods, 'pod name')}, ${counted(services, 'Service')}`;
  return sleepingWith(whileAwake('Container Insights metrics (basic)', basis, awakeUsd, context), awakeUsd, asleepUsd, context);
}

/** The price-table entry of an instance type the template names; `what` says where it was found. */
function instanceTypeOf(typeName: string, what: string): InstanceType {
  const type = INSTANCE_TYPES.find((candidate) => candidate.name === typeName);
  if (!type) throw new Error(`Instance type ${typeName} of ${what} has no price in infra/cost/prices.ts (INSTANCE_TYPES)`);
  return type;
}

/** Managed node groups run their minimum size all month: the pods scaling to zero does not remove nodes. */
export const managedNodeGroups: CostItems = (template, { assumptions }) =>
  resourcesOfType(template, 'AWS::EKS::Nodegroup').map((group) => {
    const minSize = (group.Properties?.ScalingConfig as { MinSize?: number } | undefined)?.MinSize ?? 1;
    const typeName = (group.Properties?.InstanceTypes as string[] | undefined)?.[0] ?? 't3.medium';
    const type = instanceTypeOf(typeName, 'a managed node group');
    return steady('managed node group', `${minSize} × ${typeName} × ${assumptions.hoursPerMonth} h`, minSize * type.hourlyUsd * assumptions.hoursPerMonth);
  });

/** One ALB per load balancer the Ingresses name (a shared group or name), else one per Ingress. */
export const loadBalancers: CostItems = (template, { assumptions }) => {
  const ingresses = kubernetesObjects(template).filter((object) => object.kind === 'Ingress');
  const balancers = new Set(
    ingresses.map((ingress) => {
      const annotations = ingress.metadata?.annotations ?? {};
      return annotations['alb.ingress.kubernetes.io/load-balancer-name'] ?? annotations['alb.ingress.kubernetes.io/group.name'] ?? ingress.metadata?.name;
    }),
  );
  if (balancers.size === 0) return [];
  const hours = balancers.size * assumptions.hoursPerMonth;
  const routes = `for ${counted(ingresses.length, 'Ingress', 'Ingresses')}`;
  // An LCU-hour is billed on the largest of its dimensions: 25 new connections a second or 1 GB processed an hour (the rules fit the free 10).
  const newConnectionsPerSecond = assumptions.apiRequestsPerDay / (24 * 3600);
  const gbPerHour = (assumptions.apiRequestsPerDay * assumptions.apiKbPerRequest) / 1e6 / 24;
  const lcus = Math.max(newConnectionsPerSecond / 25, gbPerHour);
  return [
    steady('Application Load Balancer', `${counted(balancers.size, 'ALB')} × ${assumptions.hoursPerMonth} h ${routes}`, hours * PRICES.albHour.usd),
    steady('ALB capacity units', `${lcus.toLocaleString('en-US', { maximumSignificantDigits: 2 })} LCU × ${amount(hours)} h`, lcus * hours * PRICES.albLcuHour.usd),
  ];
};

export const natGateways: CostItems = (template, { assumptions }) => {
  const gateways = countOf(template, 'AWS::EC2::NatGateway');
  if (gateways === 0) return [];
  const addresses = countOf(template, 'AWS::EC2::EIP');
  const hourly = gateways * PRICES.natGatewayHour.usd * assumptions.hoursPerMonth;
  const lines = [
    steady('NAT gateways', `${counted(gateways, 'gateway')} × ${assumptions.hoursPerMonth} h + ${amount(assumptions.natGbPerMonth)} GB`, hourly + assumptions.natGbPerMonth * PRICES.natGatewayGb.usd),
  ];
  if (addresses > 0) {
    lines.push(steady('public IPv4 addresses', `${counted(addresses, 'Elastic IP')} × ${assumptions.hoursPerMonth} h`, addresses * PRICES.publicIpv4Hour.usd * assumptions.hoursPerMonth));
  }
  return lines;
};

/**
 * NAT instances (an EC2 instance that forwards what is not its own: no source/dest check): its hours,
 * its root volume, and its public IPv4 address. No per-GB charge, unlike a NAT gateway.
 */
export const natInstances: CostItems = (template, { assumptions }) => {
  const instances = resourcesOfType(template, 'AWS::EC2::Instance').filter((instance) => instance.Properties?.SourceDestCheck === false);
  if (instances.length === 0) return [];
  const hours = assumptions.hoursPerMonth;
  const types = instances.map((instance) => instanceTypeOf(String(instance.Properties?.InstanceType), 'a NAT instance'));
  const volumeGb = instances
    .flatMap((instance) => (instance.Properties?.BlockDeviceMappings as { Ebs?: { VolumeSize?: number } }[] | undefined) ?? [])
    .reduce((total, mapping) => total + (mapping.Ebs?.VolumeSize ?? 0), 0);
  const addresses = instances.filter((instance) => (instance.Properties?.NetworkInterfaces as { AssociatePublicIpAddress?: boolean }[] | undefined)?.some((nic) => nic.AssociatePublicIpAddress)).length;
  const names = [...new Set(types.map((type) => type.name))].join(', ');
  const lines = [
    steady('NAT instances', `${counted(instances.length, 'instance')} (${names}) × ${hours} h, no charge per GB`, types.reduce((total, type) => total + type.hourlyUsd, 0) * hours),
  ];
  if (volumeGb > 0) lines.push(steady('NAT instance volumes (EBS gp3)', `${amount(volumeGb)} GB`, volumeGb * PRICES.ebsGp3GbMonth.usd));
  if (addresses > 0) lines.push(steady('public IPv4 addresses', `${counted(addresses, 'NAT instance address', 'NAT instance addresses')} × ${hours} h`, addresses * PRICES.publicIpv4Hour.usd * hours));
  return lines;
};

export const flowLogs: CostItems = (template, { assumptions }) => {
  const logs = countOf(template, 'AWS::EC2::FlowLog');
  if (logs === 0) return [];
  const gb = logs * assumptions.flowLogGbPerMonth;
  return [steady('VPC flow logs (CloudWatch)', `${counted(logs, 'flow log')}, ${amount(gb)} GB ingested`, gb * PRICES.logsIngestedGb.usd)];
};

/**
 * Aurora Serverless v2: a cluster whose minimum is 0 ACU pauses when idle and is billed for the
 * assumed awake share (less, when it sleeps longer); any other minimum is billed all month on every
 * instance, sleep schedule or not.
 */
export const auroraServerless: CostItems = (template, context) => {
  const { assumptions } = context;
  const hours = assumptions.hoursPerMonth;
  return resourcesOfType(template, 'AWS::RDS::DBCluster').flatMap((cluster) => {
    const scaling = cluster.Properties?.ServerlessV2ScalingConfiguration as { MinCapacity: number; MaxCapacity: number } | undefined;
    if (!scaling) return [];
    const instances = resourcesOfType(template, 'AWS::RDS::DBInstance').filter(
      (instance) => instance.Properties?.DBInstanceClass === 'db.serverless' && referencedResource(template, instance.Properties?.DBClusterIdentifier) === cluster,
    ).length;
    const storage = assumptions.auroraStorageGb * PRICES.auroraStorageGbMonth.usd + assumptions.auroraIoMillionsPerMonth * PRICES.auroraIoMillion.usd;
    const storageLine = steady('Aurora storage and I/O', `${amount(assumptions.auroraStorageGb)} GB + ${amount(assumptions.auroraIoMillionsPerMonth)} million I/O`, storage);
    const instanceCount = counted(instances, 'instance');
    if (scaling.MinCapacity > 0) {
      const acuHours = scaling.MinCapacity * instances * hours;
      return [steady('Aurora Serverless v2 compute', `${instanceCount} × ${scaling.MinCapacity} ACU minimum × ${hours} h (cannot pause)`, acuHours * PRICES.auroraAcuHour.usd), storageLine];
    }
    const awake = assumptions.auroraAwakeShare;
    const acuHours = assumptions.auroraAwakeAcu * instances * hours;
    return [
      {
        ...whileAwake('Aurora Serverless v2 compute', `${instanceCount} × ${assumptions.auroraAwakeAcu} ACU × ${amount(awake * hours)} h awake (pauses at 0 ACU)`, acuHours * awake * PRICES.auroraAcuHour.usd, context),
        // Asleep, it is awake at most while the environment is: the traffic comes in working hours.
        sleeping: cents(acuHours * Math.min(awake, context.awakeShare) * PRICES.auroraAcuHour.usd),
      },
      storageLine,
    ];
  });
};
