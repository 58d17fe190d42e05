import type { InstanceType } from './prices';

/**
 * How many nodes of which instance type the core API pods need: the packing rule of the estimate.
 *
 * 1. Candidates: the price table's instance types that satisfy the node pool's requirements
 *    (architecture, instance category, generation, instance type; the capacity type is on-demand).
 * 2. A node offers its allocatable capacity as Karpenter computes it: vCPUs less kube-reserved (6% of
 *    the first core, 1% of the second, 0.5% of the next two, 0.25% of the rest); memory less 7.5% VM
 *    overhead, kube-reserved (255 MiB + 11 MiB per pod the node may hold) and the 100 MiB eviction
 *    threshold; pod slots up to its max pods. The DaemonSets' requests (on every node) come off that.
 * 3. Pods are placed first-fit, largest CPU request first, on as many nodes of one type as needed.
 * 4. The cheapest result wins (then fewer nodes, then the type's name): what Auto Mode's bin-packing
 *    and consolidation converge to for a steady set of pods.
 */

export interface PodRequest {
  readonly name: string;
  readonly cpuMillis: number;
  readonly memoryMiB: number;
}

/** One requirement of a Karpenter NodePool (spec.template.spec.requirements). */
export interface NodeRequirement {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Gt' | 'Lt' | 'Exists' | 'DoesNotExist';
  readonly values?: readonly string[];
}

export interface Packing {
  readonly instanceType: InstanceType;
  readonly nodes: number;
  readonly hourlyUsd: number;
}

/** The instance type's label value for each requirement key the estimate understands; other keys do not narrow the candidates. */
const LABELS: Readonly<Record<string, (type: InstanceType) => string>> = {
  'kubernetes.io/arch': (type) => type.arch,
  'eks.amazonaws.com/instance-category': (type) => type.category,
  'eks.amazonaws.com/instance-generation': (type) => String(type.generation),
  'node.kubernetes.io/instance-type': (type) => type.name,
  'karpenter.sh/capacity-type': () => 'on-demand',
};

/**
 * What EKS Auto Mode launches at all, whatever a NodePool allows: more than 1 vCPU, and no nano, micro
 * or small size (EKS user guide, "Learn about Amazon EKS Auto Mode Managed instances").
 */
export function launchedByAutoMode(type: InstanceType): boolean {
  const size = type.name.split('.')[1];
  return type.vcpu > 1 && !['nano', 'micro', 'small'].includes(size);
}

export function satisfies(type: InstanceType, requirements: readonly NodeRequirement[]): boolean {
  return requirements.every(({ key, operator, values = [] }) => {
    const label = LABELS[key];
    if (!label) return true;
    const value = label(type);
    switch (operator) {
      case 'In':
        return values.includes(value);
      case 'NotIn':
        return !values.includes(value);
      case 'Gt':
        return Number(value) > Number(values[0]);
      case 'Lt':
        return Number(value) < Number(values[0]);
      default:
        return true;
    }
  });
}

function kubeReservedCpuMillis(vcpu: number): number {
  const tiers = [
    { cores: 1, share: 0.06 },
    { cores: 1, share: 0.01 },
    { cores: 2, share: 0.005 },
    { cores: Infinity, share: 0.0025 },
  ];
  let left = vcpu;
  let reserved = 0;
  for (const tier of tiers) {
    const cores = Math.min(left, tier.cores);
    reserved += cores * 1000 * tier.share;
    left -= cores;
  }
  return reserved;
}

/** What one node of `type` offers the pods, once its DaemonSets run. */
export function allocatable(type: InstanceType, daemonSets: readonly PodRequest[]): PodRequest & { readonly pods: number } {
  const sum = (pick: (pod: PodRequest) => number) => daemonSets.reduce((total, pod) => total + pick(pod), 0);
  return {
    name: type.name,
    cpuMillis: type.vcpu * 1000 - kubeReservedCpuMillis(type.vcpu) - sum((pod) => pod.cpuMillis),
    memoryMiB: type.memoryGiB * 1024 * 0.925 - (255 + 11 * type.maxPods) - 100 - sum((pod) => pod.memoryMiB),
    pods: type.maxPods - daemonSets.length,
  };
}

/** Nodes of one type that hold every pod (first fit, largest CPU request first), or undefined when a pod fits none. */
function nodesOfType(type: InstanceType, pods: readonly PodRequest[], daemonSets: readonly PodRequest[]): number | undefined {
  const capacity = allocatable(type, daemonSets);
  const nodes: { cpuMillis: number; memoryMiB: number; pods: number }[] = [];
  const largestFirst = [...pods].sort((a, b) => b.cpuMillis - a.cpuMillis || b.memoryMiB - a.memoryMiB);
  for (const pod of largestFirst) {
    if (pod.cpuMillis > capacity.cpuMillis || pod.memoryMiB > capacity.memoryMiB || capacity.pods < 1) return undefined;
    let node = nodes.find((free) => free.cpuMillis >= pod.cpuMillis && free.memoryMiB >= pod.memoryMiB && free.pods >= 1);
    if (!node) {
      node = { ...capacity };
      nodes.push(node);
    }
    node.cpuMillis -= pod.cpuMillis;
    node.memoryMiB -= pod.memoryMiB;
    node.pods -= 1;
  }
  return nodes.length;
}

/** The cheapest packing of `pods` onto the candidates that meet `requirements`; undefined when there are no pods. */
export function packPods(
  pods: readonly PodRequest[],
  candidates: readonly InstanceType[],
  requirements: readonly NodeRequirement[],
  daemonSets: readonly PodRequest[] = [],
): Packing | undefined {
  if (pods.length === 0) return undefined;
  const packings = candidates
    .filter((type) => satisfies(type, requirements))
    .flatMap((instanceType) => {
      const nodes = nodesOfType(instanceType, pods, daemonSets);
      return nodes === undefined ? [] : [{ instanceType, nodes, hourlyUsd: nodes * instanceType.hourlyUsd }];
    })
    .sort((a, b) => a.hourlyUsd - b.hourlyUsd || a.nodes - b.nodes || a.instanceType.name.localeCompare(b.instanceType.name));
  if (packings.length === 0) {
    throw new Error(`No instance type of infra/cost/prices.ts meets the node pool's requirements and holds its pods: ${JSON.stringify(requirements)}`);
  }
  return packings[0];
}
