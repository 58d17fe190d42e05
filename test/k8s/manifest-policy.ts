/**
 * Policy for every synthesized Kubernetes manifest. Each rule is a pure function from the list of
 * manifests to a list of violations ("<Kind> <namespace>/<name>: <reason>"); an empty list passes.
 */
import * as appsV1 from 'kubernetes-models/apps/v1';
import * as autoscalingV2 from 'kubernetes-models/autoscaling/v2';
import * as batchV1 from 'kubernetes-models/batch/v1';
import * as networkingV1 from 'kubernetes-models/networking.k8s.io/v1';
import * as policyV1 from 'kubernetes-models/policy/v1';
import * as rbacV1 from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import * as coreV1 from 'kubernetes-models/v1';
import { TARGET_KUBERNETES_VERSION } from '../../k8s/kubernetes-version';

// ---------------------------------------------------------------------------------------------
// Shapes (only the fields the rules read; the schema rule checks the rest)

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  spec?: unknown;
  [field: string]: unknown;
}
export type Rule = (manifests: readonly Manifest[]) => string[];

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}
interface SeccompProfile {
  type?: string;
}
interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  allowPrivilegeEscalation?: boolean;
  privileged?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
  seccompProfile?: SeccompProfile;
}
interface Container {
  name: string;
  image?: string;
  ports?: { containerPort: number; hostPort?: number }[];
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  livenessProbe?: unknown;
  readinessProbe?: unknown;
  securityContext?: SecurityContext;
}
interface PodSpec {
  containers?: Container[];
  initContainers?: Container[];
  ephemeralContainers?: Container[];
  volumes?: ({ name: string } & Record<string, unknown>)[];
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  securityContext?: Omit<SecurityContext, 'allowPrivilegeEscalation' | 'privileged' | 'capabilities'>;
}
interface PodTemplate {
  metadata?: { labels?: Record<string, string> };
  spec?: PodSpec;
}
interface WorkloadSpec {
  replicas?: number;
  template?: PodTemplate;
  jobTemplate?: { spec?: { template?: PodTemplate } };
}
interface NetworkPolicySpec {
  podSelector?: LabelSelector;
  policyTypes?: string[];
  ingress?: unknown[];
  egress?: unknown[];
}

// ---------------------------------------------------------------------------------------------
// Helpers

const CLUSTER_SCOPED_KINDS = new Set(['Namespace', 'IngressClass', 'IngressClassParams', 'ClusterRole', 'ClusterRoleBinding', 'PriorityClass', 'StorageClass']);

export function namespaceOf(manifest: Manifest): string | undefined {
  return CLUSTER_SCOPED_KINDS.has(manifest.kind) ? undefined : (manifest.metadata?.namespace ?? 'default');
}

/** "Deployment shop/alpha", or "IngressClass alb" for cluster-scoped objects. */
export function objectName(manifest: Manifest): string {
  const namespace = namespaceOf(manifest);
  return `${manifest.kind} ${namespace ? `${namespace}/` : ''}${manifest.metadata?.name ?? '<unnamed>'}`;
}

const specOf = <T>(manifest: Manifest): T => (manifest.spec ?? {}) as T;
const ofKind = (manifests: readonly Manifest[], kind: string) => manifests.filter((m) => m.kind === kind);

/** Whether a label selector selects these labels. An absent selector selects nothing; an empty one selects everything. */
export function selects(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return false;
  const matchLabels = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  const matchExpressions = (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    switch (operator) {
      case 'In':
        return key in labels && values.includes(labels[key]);
      case 'NotIn':
        return !(key in labels) || !values.includes(labels[key]);
      case 'Exists':
        return key in labels;
      case 'DoesNotExist':
        return !(key in labels);
    }
  });
  return matchLabels && matchExpressions;
}

/** A pod that a manifest creates: a Pod itself, or the pod template of a workload. */
export interface Pod {
  owner: Manifest;
  namespace: string;
  labels: Record<string, string>;
  spec: PodSpec;
}

export function podsOf(manifests: readonly Manifest[]): Pod[] {
  return manifests.flatMap((manifest): Pod[] => {
    const template = podTemplateOf(manifest);
    if (!template) return [];
    return [{ owner: manifest, namespace: namespaceOf(manifest) ?? 'default', labels: template.metadata?.labels ?? {}, spec: template.spec ?? {} }];
  });
}

function podTemplateOf(manifest: Manifest): PodTemplate | undefined {
  switch (manifest.kind) {
    case 'Pod':
      return { metadata: manifest.metadata, spec: manifest.spec as PodSpec };
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'ReplicationController':
    case 'Job':
      return specOf<WorkloadSpec>(manifest).template;
    case 'CronJob':
      return specOf<WorkloadSpec>(manifest).jobTemplate?.spec?.template;
    default:
      return undefined;
  }
}

/** Every container of a pod, init and ephemeral ones included, each with a name for messages. */
function containersOf(spec: PodSpec): { label: string; container: Container }[] {
  return [
    ...(spec.initContainers ?? []).map((container) => ({ label: `init container "${container.name}"`, container })),
    ...(spec.containers ?? []).map((container) => ({ label: `container "${container.name}"`, container })),
    ...(spec.ephemeralContainers ?? []).map((container) => ({ label: `ephemeral container "${container.name}"`, container })),
  ];
}

/** Runs `check` on every container of the pod; `check` returns the reason a container fails, or undefined. */
function checkContainers(pod: Pod, check: (container: Container) => string | undefined): string[] {
  return containersOf(pod.spec).flatMap(({ label, container }) => {
    const reason = check(container);
    return reason ? [`${objectName(pod.owner)}: ${label} ${reason}`] : [];
  });
}

/** Runs `check` on every container of every pod. */
function eachContainer(manifests: readonly Manifest[], check: (container: Container) => string | undefined): string[] {
  return podsOf(manifests).flatMap((pod) => checkContainers(pod, check));
}

// ---------------------------------------------------------------------------------------------
// 1. Schema: every object matches its Kubernetes API schema, with no unknown fields

/**
 * The API group versions whose schemas are loaded; add one here when a chart starts to use it.
 * kubernetes-models 5 (ES modules only: test/support/esm-only-resolver.js lets Jest load it). Its schemas
 * are those of Kubernetes 1.35 (they have PodSchedulingGroup): a field added in 1.36 would be reported as unknown.
 */
const SCHEMA_MODULES: Record<string, Record<string, unknown>> = {
  v1: coreV1,
  'apps/v1': appsV1,
  'autoscaling/v2': autoscalingV2,
  'batch/v1': batchV1,
  'networking.k8s.io/v1': networkingV1,
  'policy/v1': policyV1,
  'rbac.authorization.k8s.io/v1': rbacV1,
};

/**
 * Kinds with no schema here, each with the reason it may still be applied.
 * - IngressClassParams: a CRD that EKS Auto Mode installs (eks.amazonaws.com); kubernetes-models only has built-in kinds.
 */
export const KINDS_WITHOUT_SCHEMA = new Set(['eks.amazonaws.com/v1/IngressClassParams']);

interface ModelClass {
  apiVersion: string;
  kind: string;
  prototype: { validate(): void };
}

function modelFor(apiVersion: string, kind: string): ModelClass | undefined {
  const candidate = SCHEMA_MODULES[apiVersion]?.[kind];
  if (typeof candidate !== 'function') return undefined;
  const model = candidate as unknown as ModelClass;
  return model.apiVersion === apiVersion && model.kind === kind ? model : undefined;
}

/**
 * Validates `manifest` with the kubernetes-models schema, then rejects fields the schema doesn't declare.
 *
 * kubernetes-models ships its OpenAPI schemas compiled to ajv code, without `additionalProperties: false`,
 * so `validate()` alone accepts any unknown field (a typo like `runAsNonroot` would pass, and the API
 * server would silently drop it). The compiled code reads every property that the schema declares (and
 * every key of a map such as `labels`), so the validator runs on a proxy that records each property read:
 * a property of an object it inspected but never read is a field the schema doesn't know.
 * (Fields with `x-kubernetes-preserve-unknown-fields`, which none of these charts use, would show up as unknown.)
 */
function schemaProblems(model: ModelClass, manifest: Manifest): string[] {
  const read = new WeakMap<object, Set<PropertyKey>>();
  const proxies = new WeakMap<object, object>();
  const track = (value: unknown): unknown => {
    if (typeof value !== 'object' || value === null) return value;
    if (!proxies.has(value)) {
      const keys = new Set<PropertyKey>();
      read.set(value, keys);
      proxies.set(
        value,
        new Proxy(value, {
          get: (target, key) => (keys.add(key), track(Reflect.get(target, key))),
          has: (target, key) => (keys.add(key), Reflect.has(target, key)),
        }),
      );
    }
    return proxies.get(value);
  };

  const problems: string[] = [];
  try {
    model.prototype.validate.call(track(manifest));
  } catch (error) {
    problems.push(`does not match the ${manifest.apiVersion} ${manifest.kind} schema: ${(error as Error).message}`);
  }

  const findUnknown = (value: unknown, path: string): void => {
    if (Array.isArray(value)) {
      value.forEach((item, index) => findUnknown(item, `${path}[${index}]`));
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    const known = read.get(value);
    if (!known) return; // the validator never looked inside (it already reported why)
    for (const [key, child] of Object.entries(value)) {
      if (known.has(key)) findUnknown(child, path ? `${path}.${key}` : key);
      else problems.push(`has unknown field ${path ? `${path}.${key}` : key}`);
    }
  };
  findUnknown(manifest, '');
  return problems;
}

export const conformsToApiSchema: Rule = (manifests) =>
  manifests.flatMap((manifest) => {
    if (KINDS_WITHOUT_SCHEMA.has(`${manifest.apiVersion}/${manifest.kind}`)) return [];
    const model = modelFor(manifest.apiVersion, manifest.kind);
    const problems = model ? schemaProblems(model, manifest) : [`has no known schema for ${manifest.apiVersion} ${manifest.kind}`];
    return problems.map((problem) => `${objectName(manifest)}: ${problem}`);
  });

// ---------------------------------------------------------------------------------------------
// 2. Pod Security Standards "restricted" (https://kubernetes.io/docs/concepts/security/pod-security-standards/)

/** The pod runs as non-root: runAsNonRoot true on the pod or on every container, and false nowhere. */
export const runsAsNonRoot: Rule = (manifests) =>
  podsOf(manifests).flatMap((pod) => {
    const podLevel = pod.spec.securityContext?.runAsNonRoot;
    if (podLevel === false) return [`${objectName(pod.owner)}: pod sets securityContext.runAsNonRoot to false`];
    return checkContainers(pod, (container) => {
      const own = container.securityContext?.runAsNonRoot;
      if (own === false) return 'sets securityContext.runAsNonRoot to false';
      if (own !== true && podLevel !== true) return 'may run as root: runAsNonRoot is set neither on it nor on the pod';
      return undefined;
    });
  });

/** No pod or container runs as UID 0. */
export const runAsUserIsNotRoot: Rule = (manifests) => [
  ...podsOf(manifests).flatMap((pod) => (pod.spec.securityContext?.runAsUser === 0 ? [`${objectName(pod.owner)}: pod sets securityContext.runAsUser to 0`] : [])),
  ...eachContainer(manifests, (container) => (container.securityContext?.runAsUser === 0 ? 'sets securityContext.runAsUser to 0' : undefined)),
];

/** Every container sets allowPrivilegeEscalation: false explicitly (unset means allowed). */
export const disallowsPrivilegeEscalation: Rule = (manifests) =>
  eachContainer(manifests, (container) =>
    container.securityContext?.allowPrivilegeEscalation === false ? undefined : 'does not set securityContext.allowPrivilegeEscalation to false',
  );

/** Every container drops ALL capabilities and adds back at most NET_BIND_SERVICE. */
export const dropsAllCapabilities: Rule = (manifests) =>
  eachContainer(manifests, (container) => {
    const { add = [], drop = [] } = container.securityContext?.capabilities ?? {};
    if (!drop.includes('ALL')) return 'does not drop ALL capabilities';
    const extra = add.filter((capability) => capability !== 'NET_BIND_SERVICE');
    return extra.length > 0 ? `adds capabilities other than NET_BIND_SERVICE: ${extra.join(', ')}` : undefined;
  });

const ALLOWED_SECCOMP = ['RuntimeDefault', 'Localhost'];

/** A seccomp profile of RuntimeDefault or Localhost, on the pod or on every container; never Unconfined. */
export const usesSeccompProfile: Rule = (manifests) =>
  podsOf(manifests).flatMap((pod) => {
    const podType = pod.spec.securityContext?.seccompProfile?.type;
    if (podType !== undefined && !ALLOWED_SECCOMP.includes(podType)) {
      return [`${objectName(pod.owner)}: pod sets seccompProfile.type to ${podType} (allowed: ${ALLOWED_SECCOMP.join(', ')})`];
    }
    return checkContainers(pod, (container) => {
      const type = container.securityContext?.seccompProfile?.type;
      if (type === undefined) return podType === undefined ? 'has no seccompProfile, and neither has the pod' : undefined;
      return ALLOWED_SECCOMP.includes(type) ? undefined : `sets seccompProfile.type to ${type} (allowed: ${ALLOWED_SECCOMP.join(', ')})`;
    });
  });

export const isNotPrivileged: Rule = (manifests) =>
  eachContainer(manifests, (container) => (container.securityContext?.privileged === true ? 'is privileged' : undefined));

export const sharesNoHostNamespaces: Rule = (manifests) =>
  podsOf(manifests).flatMap((pod) =>
    (['hostNetwork', 'hostPID', 'hostIPC'] as const)
      .filter((field) => pod.spec[field] === true)
      .map((field) => `${objectName(pod.owner)}: pod sets ${field}: true`),
  );

export const mountsNoHostPath: Rule = (manifests) =>
  podsOf(manifests).flatMap((pod) =>
    (pod.spec.volumes ?? []).filter((volume) => 'hostPath' in volume).map((volume) => `${objectName(pod.owner)}: volume "${volume.name}" is a hostPath volume`),
  );

/** The volume types that `restricted` allows. */
export const ALLOWED_VOLUME_TYPES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];

export const usesAllowedVolumeTypesOnly: Rule = (manifests) =>
  podsOf(manifests).flatMap((pod) =>
    (pod.spec.volumes ?? []).flatMap((volume) =>
      Object.keys(volume)
        .filter((type) => type !== 'name' && !ALLOWED_VOLUME_TYPES.includes(type))
        .map((type) => `${objectName(pod.owner)}: volume "${volume.name}" has type ${type}, not allowed by Pod Security Standards restricted`),
    ),
  );

export const exposesNoHostPorts: Rule = (manifests) =>
  eachContainer(manifests, (container) => {
    const hostPorts = (container.ports ?? []).map((port) => port.hostPort).filter((hostPort) => hostPort !== undefined && hostPort !== 0);
    return hostPorts.length > 0 ? `uses host ports ${hostPorts.join(', ')}` : undefined;
  });

// ---------------------------------------------------------------------------------------------
// 3. Best practices

/** Every container (init ones too) requests and limits both CPU and memory. */
export const setsResourceRequestsAndLimits: Rule = (manifests) =>
  podsOf(manifests).flatMap((pod) =>
    [...(pod.spec.initContainers ?? []), ...(pod.spec.containers ?? [])].flatMap((container) =>
      (['requests', 'limits'] as const).flatMap((kind) =>
        ['cpu', 'memory']
          .filter((resource) => container.resources?.[kind]?.[resource] === undefined)
          .map((resource) => `${objectName(pod.owner)}: container "${container.name}" has no ${resource} ${kind === 'requests' ? 'request' : 'limit'}`),
      ),
    ),
  );

/** Kinds whose pods serve for as long as they run; Jobs run to completion and need no probes. */
const LONG_RUNNING_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController']);

export const hasLivenessAndReadinessProbes: Rule = (manifests) =>
  podsOf(manifests)
    .filter((pod) => LONG_RUNNING_KINDS.has(pod.owner.kind))
    .flatMap((pod) =>
      (pod.spec.containers ?? []).flatMap((container) =>
        (['livenessProbe', 'readinessProbe'] as const)
          .filter((probe) => container[probe] === undefined)
          .map((probe) => `${objectName(pod.owner)}: container "${container.name}" has no ${probe}`),
      ),
    );

const SCALABLE_KINDS = new Set(['Deployment', 'StatefulSet', 'ReplicaSet']);

function isAutoscaled(manifests: readonly Manifest[], workload: Manifest): boolean {
  return ofKind(manifests, 'HorizontalPodAutoscaler').some((hpa) => {
    const target = specOf<{ scaleTargetRef?: { kind?: string; name?: string } }>(hpa).scaleTargetRef;
    return namespaceOf(hpa) === namespaceOf(workload) && target?.kind === workload.kind && target?.name === workload.metadata?.name;
  });
}

/** A workload with more than one pod (by replicas, or because an HPA scales it) has a PodDisruptionBudget selecting its pods. */
export const replicatedWorkloadsHaveDisruptionBudget: Rule = (manifests) =>
  podsOf(manifests)
    .filter((pod) => SCALABLE_KINDS.has(pod.owner.kind))
    .filter((pod) => (specOf<WorkloadSpec>(pod.owner).replicas ?? 1) > 1 || isAutoscaled(manifests, pod.owner))
    .filter(
      (pod) =>
        !ofKind(manifests, 'PodDisruptionBudget').some(
          (pdb) => namespaceOf(pdb) === pod.namespace && selects(specOf<{ selector?: LabelSelector }>(pdb).selector, pod.labels),
        ),
    )
    .map((pod) => `${objectName(pod.owner)}: is replicated but no PodDisruptionBudget selects its pods`);

/** The HPA owns the replica count: a replica count in the workload would reset it on every apply. */
export const autoscaledWorkloadsLeaveReplicasUnset: Rule = (manifests) =>
  manifests
    .filter((manifest) => SCALABLE_KINDS.has(manifest.kind) && isAutoscaled(manifests, manifest))
    .filter((manifest) => specOf<WorkloadSpec>(manifest).replicas !== undefined)
    .map((manifest) => `${objectName(manifest)}: sets spec.replicas although a HorizontalPodAutoscaler scales it`);

function isDefaultDeny(policy: Manifest): boolean {
  const { podSelector, policyTypes = [], ingress = [], egress = [] } = specOf<NetworkPolicySpec>(policy);
  const selectsAll = podSelector !== undefined && Object.keys(podSelector.matchLabels ?? {}).length === 0 && (podSelector.matchExpressions ?? []).length === 0;
  return selectsAll && policyTypes.includes('Ingress') && policyTypes.includes('Egress') && ingress.length === 0 && egress.length === 0;
}

/** Every namespace that is declared or runs pods has a NetworkPolicy that denies all ingress and egress. */
export const namespacesDenyTrafficByDefault: Rule = (manifests) => {
  const namespaces = new Set([...ofKind(manifests, 'Namespace').map((ns) => ns.metadata?.name ?? ''), ...podsOf(manifests).map((pod) => pod.namespace)]);
  return [...namespaces]
    .filter((namespace) => !ofKind(manifests, 'NetworkPolicy').some((policy) => namespaceOf(policy) === namespace && isDefaultDeny(policy)))
    .map((namespace) => `Namespace ${namespace}: no default-deny NetworkPolicy (podSelector {}, policyTypes Ingress and Egress, no rules)`);
};

export const podsAreSelectedByNetworkPolicy: Rule = (manifests) =>
  podsOf(manifests)
    .filter(
      (pod) =>
        !ofKind(manifests, 'NetworkPolicy').some(
          (policy) => namespaceOf(policy) === pod.namespace && selects(specOf<NetworkPolicySpec>(policy).podSelector, pod.labels),
        ),
    )
    .map((pod) => `${objectName(pod.owner)}: no NetworkPolicy in namespace ${pod.namespace} selects its pods`);

/** Why an image reference is not pinned, or undefined when it names a tag (not latest) or a digest. */
export function imageProblem(image: string | undefined): string | undefined {
  if (!image) return 'has no image';
  const [repositoryAndTag, digest] = image.split('@');
  const lastSegment = repositoryAndTag.slice(repositoryAndTag.lastIndexOf('/') + 1); // a registry port is before the last "/"
  const tag = lastSegment.includes(':') ? lastSegment.slice(lastSegment.indexOf(':') + 1) : undefined;
  if (tag === 'latest') return `uses the tag "latest": ${image}`;
  if (tag === undefined && digest === undefined) return `is untagged (so "latest"): ${image}`;
  return undefined;
}

export const imagesArePinned: Rule = (manifests) => eachContainer(manifests, (container) => imageProblem(container.image));

/** API versions that Kubernetes stopped serving (https://kubernetes.io/docs/reference/using-api/deprecation-guide/). */
export const REMOVED_APIS: readonly { apiVersion: string; kinds: readonly string[]; removedIn: string }[] = [
  { apiVersion: 'extensions/v1beta1', kinds: ['Deployment', 'DaemonSet', 'ReplicaSet', 'NetworkPolicy', 'PodSecurityPolicy'], removedIn: '1.16' },
  { apiVersion: 'apps/v1beta1', kinds: ['Deployment', 'StatefulSet', 'ReplicaSet'], removedIn: '1.16' },
  { apiVersion: 'apps/v1beta2', kinds: ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'], removedIn: '1.16' },
  { apiVersion: 'extensions/v1beta1', kinds: ['Ingress'], removedIn: '1.22' },
  { apiVersion: 'networking.k8s.io/v1beta1', kinds: ['Ingress', 'IngressClass'], removedIn: '1.22' },
  { apiVersion: 'rbac.authorization.k8s.io/v1beta1', kinds: ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'], removedIn: '1.22' },
  { apiVersion: 'apiextensions.k8s.io/v1beta1', kinds: ['CustomResourceDefinition'], removedIn: '1.22' },
  { apiVersion: 'admissionregistration.k8s.io/v1beta1', kinds: ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'], removedIn: '1.22' },
  { apiVersion: 'scheduling.k8s.io/v1beta1', kinds: ['PriorityClass'], removedIn: '1.22' },
  { apiVersion: 'storage.k8s.io/v1beta1', kinds: ['CSIDriver', 'CSINode', 'StorageClass', 'VolumeAttachment'], removedIn: '1.22' },
  { apiVersion: 'batch/v1beta1', kinds: ['CronJob'], removedIn: '1.25' },
  { apiVersion: 'policy/v1beta1', kinds: ['PodDisruptionBudget', 'PodSecurityPolicy'], removedIn: '1.25' },
  { apiVersion: 'autoscaling/v2beta1', kinds: ['HorizontalPodAutoscaler'], removedIn: '1.25' },
  { apiVersion: 'discovery.k8s.io/v1beta1', kinds: ['EndpointSlice'], removedIn: '1.25' },
  { apiVersion: 'events.k8s.io/v1beta1', kinds: ['Event'], removedIn: '1.25' },
  { apiVersion: 'node.k8s.io/v1beta1', kinds: ['RuntimeClass'], removedIn: '1.25' },
  { apiVersion: 'autoscaling/v2beta2', kinds: ['HorizontalPodAutoscaler'], removedIn: '1.26' },
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta1', kinds: ['FlowSchema', 'PriorityLevelConfiguration'], removedIn: '1.26' },
  { apiVersion: 'storage.k8s.io/v1beta1', kinds: ['CSIStorageCapacity'], removedIn: '1.27' },
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta2', kinds: ['FlowSchema', 'PriorityLevelConfiguration'], removedIn: '1.29' },
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta3', kinds: ['FlowSchema', 'PriorityLevelConfiguration'], removedIn: '1.32' },
];

/** Compares "1.22" with "1.9" as versions, not strings. */
export function compareVersions(a: string, b: string): number {
  const [aMajor, aMinor] = a.split('.').map(Number);
  const [bMajor, bMinor] = b.split('.').map(Number);
  return aMajor - bMajor || aMinor - bMinor;
}

/** No object uses an API version that the target cluster version no longer serves. */
export const usesServedApiVersions =
  (clusterVersion: string): Rule =>
  (manifests) =>
    manifests.flatMap((manifest) => {
      const removed = REMOVED_APIS.find((api) => api.apiVersion === manifest.apiVersion && api.kinds.includes(manifest.kind));
      return removed && compareVersions(clusterVersion, removed.removedIn) >= 0
        ? [`${objectName(manifest)}: ${manifest.apiVersion} ${manifest.kind} was removed in Kubernetes ${removed.removedIn} (cluster: ${clusterVersion})`]
        : [];
    });

// ---------------------------------------------------------------------------------------------

/** Every rule, by what it demands. */
export const RULES: Record<string, Rule> = {
  'every object matches its Kubernetes API schema, with no unknown fields': conformsToApiSchema,
  'pods run as non-root': runsAsNonRoot,
  'no pod or container runs as UID 0': runAsUserIsNotRoot,
  'containers disallow privilege escalation': disallowsPrivilegeEscalation,
  'containers drop ALL capabilities and add at most NET_BIND_SERVICE': dropsAllCapabilities,
  'pods use a RuntimeDefault or Localhost seccomp profile': usesSeccompProfile,
  'no container is privileged': isNotPrivileged,
  'pods share no host namespace': sharesNoHostNamespaces,
  'pods mount no hostPath volume': mountsNoHostPath,
  'pods use only the volume types restricted allows': usesAllowedVolumeTypesOnly,
  'containers expose no host port': exposesNoHostPorts,
  'containers request and limit CPU and memory': setsResourceRequestsAndLimits,
  'serving containers have liveness and readiness probes': hasLivenessAndReadinessProbes,
  'replicated workloads have a PodDisruptionBudget': replicatedWorkloadsHaveDisruptionBudget,
  'autoscaled workloads leave spec.replicas unset': autoscaledWorkloadsLeaveReplicasUnset,
  'namespaces deny all traffic by default': namespacesDenyTrafficByDefault,
  'every pod is selected by a NetworkPolicy': podsAreSelectedByNetworkPolicy,
  'images are pinned to a tag other than latest, or a digest': imagesArePinned,
  [`no API version is removed in Kubernetes ${TARGET_KUBERNETES_VERSION}`]: usesServedApiVersions(TARGET_KUBERNETES_VERSION),
};
