import { amount, cents, counted, steady, whileAwake, type CostItems, type CostLine } from './cost-line';
import { packPods, type NodeRequirement, type PodRequest } from './node-packing';
import { INSTANCE_TYPES, PRICES } from './prices';
import { countOf, cpuMillis, kubernetesObjects, memoryMiB, referencedResource, resourcesOfType, type CfnTemplate, type KubernetesObject } from './template-inventory';

/**
 * The items that cost by the hour whether or not anything happens: the cluster and its nodes, the
 * load balancer, the NAT gateways, the database, and the logs they write.
 */

const NODE_POOL_LABEL = 'karpenter.sh/nodepool';
const CONTAINER_INSIGHTS_ADDON = 'amazon-cloudwatch-observability';

export const eksControlPlane: CostItems = (template, { assumptions }) => {
  const clusters = countOf(template, 'AWS::EKS::Cluster');
  if (clusters === 0) return [];
  const lines = [steady('EKS control plane', `${counted(clusters, 'cluster')} × ${assumptions.hoursPerMonth} h`, clusters * PRICES.eksClusterHour.usd * assumptions.hoursPerMonth)];
  const loggedClusters = resourcesOfType(template, 'AWS::EKS::Cluster').filter((cluster) => {
    const logging = cluster.Properties?.Logging as { ClusterLogging?: { EnabledTypes?: unknown[] } } | undefined;
    return (logging?.ClusterLogging?.EnabledTypes ?? []).length > 0;
  }).length;
  if (loggedClusters > 0) {
    const gb = loggedClusters * assumptions.controlPlaneLogGbPerMonth;
    lines.push(steady('control-plane logs (CloudWatch)', `${amount(gb)} GB ingested`, gb * PRICES.logsIngestedGb.usd));
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

function hasAddon(template: CfnTemplate, name: string): boolean {
  return resourcesOfType(template, 'AWS::EKS::Addon').some((addon) => addon.Properties?.AddonName === name);
}

/** Auto Mode nodes for the core API pods, the management fee on them, and the Container Insights logs of each node. */
export const autoModeNodes: CostItems = (template, context) => {
  const { assumptions } = context;
  const autoMode = resourcesOfType(template, 'AWS::EKS::Cluster').some((cluster) => (cluster.Properties?.ComputeConfig as { Enabled?: boolean } | undefined)?.Enabled);
  if (!autoMode) return [];
  const objects = kubernetesObjects(template);
  const containerInsights = hasAddon(template, CONTAINER_INSIGHTS_ADDON);
  const daemonSets = containerInsights ? assumptions.daemonSetsPerNode : [];
  const lines: CostLine[] = [];
  for (const [pool, pods] of podsByNodePool(objects)) {
    const packing = packPods(pods, INSTANCE_TYPES, requirementsOf(objects, pool), daemonSets);
    if (!packing) continue;
    const podCpu = pods.reduce((total, pod) => total + pod.cpuMillis, 0);
    const podMemory = pods.reduce((total, pod) => total + pod.memoryMiB, 0);
    const monthly = packing.hourlyUsd * assumptions.hoursPerMonth;
    const nodes = `${packing.nodes} × ${packing.instanceType.name}`;
    lines.push(
      whileAwake(`Auto Mode nodes (${pool} pool)`, `${nodes} × ${assumptions.hoursPerMonth} h for ${pods.length} pods, ${podCpu}m/${amount(podMemory)}Mi requested`, monthly, context),
      whileAwake('Auto Mode management fee', `${amount(PRICES.autoModeFeeShare.usd * 100)}% of ${nodes}`, monthly * PRICES.autoModeFeeShare.usd, context),
    );
    if (containerInsights) {
      const gb = packing.nodes * assumptions.containerInsightsGbPerNodeMonth;
      lines.push(whileAwake('Container Insights logs (CloudWatch)', `${amount(gb)} GB ingested from ${counted(packing.nodes, 'node')}`, gb * PRICES.logsIngestedGb.usd, context));
    }
  }
  return lines;
};

/** Managed node groups run their minimum size all month: the pods scaling to zero does not remove nodes. */
export const managedNodeGroups: CostItems = (template, { assumptions }) =>
  resourcesOfType(template, 'AWS::EKS::Nodegroup').map((group) => {
    const minSize = (group.Properties?.ScalingConfig as { MinSize?: number } | undefined)?.MinSize ?? 1;
    const typeName = (group.Properties?.InstanceTypes as string[] | undefined)?.[0] ?? 't3.medium';
    const type = INSTANCE_TYPES.find((candidate) => candidate.name === typeName);
    if (!type) throw new Error(`Instance type ${typeName} of a managed node group has no price in infra/cost/prices.ts (INSTANCE_TYPES)`);
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
  return [
    steady('Application Load Balancer', `${counted(balancers.size, 'ALB')} × ${assumptions.hoursPerMonth} h ${routes}`, hours * PRICES.albHour.usd),
    steady('ALB capacity units', `${amount(assumptions.albLcus)} LCU × ${amount(hours)} h`, assumptions.albLcus * hours * PRICES.albLcuHour.usd),
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
