import { TARGET_KUBERNETES_VERSION } from '../../k8s/kubernetes-version';
import {
  RULES,
  autoscaledWorkloadsLeaveReplicasUnset,
  conformsToApiSchema,
  disallowsPrivilegeEscalation,
  dropsAllCapabilities,
  exposesNoHostPorts,
  hasLivenessAndReadinessProbes,
  imagesArePinned,
  isNotPrivileged,
  mountsNoHostPath,
  namespacesDenyTrafficByDefault,
  podsAreSelectedByNetworkPolicy,
  podsOf,
  replicatedWorkloadsHaveDisruptionBudget,
  runAsUserIsNotRoot,
  runsAsNonRoot,
  setsResourceRequestsAndLimits,
  sharesNoHostNamespaces,
  usesAllowedVolumeTypesOnly,
  usesSeccompProfile,
  usesServedApiVersions,
  type Manifest,
} from './manifest-policy';
import { manifestsOf, synthesizeFixture, synthesizeRegistry } from './synthesize';

// Each rule is proven on the charts of the fixture registry (fixture-registry.ts), one object broken
// at a time; the real registry's charts must comply too.
const manifests = manifestsOf(synthesizeFixture());

/* eslint-disable @typescript-eslint/no-explicit-any -- fixtures reach into manifests by path */

/** A deep copy of the real manifests with one object changed by `mutate`. */
function breakOne(kind: string, name: string, mutate: (manifest: any) => void): Manifest[] {
  const copy = structuredClone(manifests);
  const target = copy.find((m) => m.kind === kind && m.metadata?.name === name);
  if (!target) throw new Error(`no ${kind} ${name} in the synthesized manifests`);
  mutate(target);
  return copy;
}

/** The alpha Deployment's pod spec and its one container, the usual target of a fixture. */
const alphaPod = (mutate: (pod: any, container: any) => void) =>
  breakOne('Deployment', 'alpha', (d) => mutate(d.spec.template.spec, d.spec.template.spec.containers[0]));

describe('the synthesized manifests', () => {
  test('include the objects the rules are about (so no rule passes for want of input)', () => {
    expect(podsOf(manifests).map((pod) => `${pod.owner.kind} ${pod.namespace}/${pod.owner.metadata?.name}`)).toEqual([
      'Deployment shop/alpha',
      'Deployment shop/beta',
      'Deployment shop/gamma',
    ]);
    for (const kind of ['Namespace', 'NetworkPolicy', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'IngressClassParams']) {
      expect(manifests.some((m) => m.kind === kind)).toBe(true);
    }
  });

  test.each(Object.entries(RULES))('comply: %s', (_, rule) => {
    expect(rule(manifests)).toEqual([]);
  });

  const registryManifests = manifestsOf(synthesizeRegistry());
  test.each(Object.entries(RULES))("comply with the registry's core APIs too: %s", (_, rule) => {
    expect(rule(registryManifests)).toEqual([]);
  });
});

describe('each rule reports a manifest broken in one place', () => {
  test('an object with a field of the wrong type, an unknown field, or a kind with no schema fails the API schema', () => {
    const wrongType = breakOne('Deployment', 'alpha', (d) => (d.spec.replicas = 'two'));
    expect(conformsToApiSchema(wrongType)).toEqual([
      'Deployment shop/alpha: does not match the apps/v1 Deployment schema: data/spec/replicas must be integer',
    ]);
    // kubernetes-models' validate() alone accepts both of these unknown fields.
    const typo = alphaPod((_, container) => (container.securityContext.runAsNonroot = true));
    expect(conformsToApiSchema(typo)).toEqual(['Deployment shop/alpha: has unknown field spec.template.spec.containers[0].securityContext.runAsNonroot']);
    const atTopLevel = breakOne('Service', 'alpha', (s) => (s.specs = {}));
    expect(conformsToApiSchema(atTopLevel)).toEqual(['Service shop/alpha: has unknown field specs']);
    const noSchema = breakOne('Ingress', 'alpha', (i) => (i.apiVersion = 'extensions/v1beta1'));
    expect(conformsToApiSchema(noSchema)).toEqual(['Ingress shop/alpha: has no known schema for extensions/v1beta1 Ingress']);
    const notAllowListed = breakOne('IngressClassParams', 'alb', (p) => (p.apiVersion = 'eks.amazonaws.com/v2'));
    expect(conformsToApiSchema(notAllowListed)).toEqual(['IngressClassParams alb: has no known schema for eks.amazonaws.com/v2 IngressClassParams']);
  });

  test('a container that may run as root is reported', () => {
    const broken = alphaPod((_, container) => (container.securityContext.runAsNonRoot = false));
    expect(runsAsNonRoot(broken)).toEqual(['Deployment shop/alpha: container "alpha" sets securityContext.runAsNonRoot to false']);
    const unset = alphaPod((pod, container) => {
      delete pod.securityContext.runAsNonRoot;
      delete container.securityContext.runAsNonRoot;
    });
    expect(runsAsNonRoot(unset)).toEqual(['Deployment shop/alpha: container "alpha" may run as root: runAsNonRoot is set neither on it nor on the pod']);
  });

  test('a container that runs as UID 0 is reported', () => {
    const broken = alphaPod((_, container) => (container.securityContext.runAsUser = 0));
    expect(runAsUserIsNotRoot(broken)).toEqual(['Deployment shop/alpha: container "alpha" sets securityContext.runAsUser to 0']);
  });

  test('a container that does not disallow privilege escalation is reported', () => {
    const broken = alphaPod((_, container) => delete container.securityContext.allowPrivilegeEscalation);
    expect(disallowsPrivilegeEscalation(broken)).toEqual([
      'Deployment shop/alpha: container "alpha" does not set securityContext.allowPrivilegeEscalation to false',
    ]);
  });

  test('a container that keeps or adds capabilities is reported, and NET_BIND_SERVICE alone is allowed', () => {
    const keeps = alphaPod((_, container) => (container.securityContext.capabilities.drop = ['NET_RAW']));
    expect(dropsAllCapabilities(keeps)).toEqual(['Deployment shop/alpha: container "alpha" does not drop ALL capabilities']);
    const adds = alphaPod((_, container) => (container.securityContext.capabilities.add = ['NET_BIND_SERVICE', 'SYS_ADMIN']));
    expect(dropsAllCapabilities(adds)).toEqual(['Deployment shop/alpha: container "alpha" adds capabilities other than NET_BIND_SERVICE: SYS_ADMIN']);
    const bindsLowPorts = alphaPod((_, container) => (container.securityContext.capabilities.add = ['NET_BIND_SERVICE']));
    expect(dropsAllCapabilities(bindsLowPorts)).toEqual([]);
  });

  test('a container with no seccomp profile, or an Unconfined one, is reported', () => {
    const unconfined = alphaPod((_, container) => (container.securityContext.seccompProfile.type = 'Unconfined'));
    expect(usesSeccompProfile(unconfined)).toEqual([
      'Deployment shop/alpha: container "alpha" sets seccompProfile.type to Unconfined (allowed: RuntimeDefault, Localhost)',
    ]);
    const missing = alphaPod((_, container) => delete container.securityContext.seccompProfile);
    expect(usesSeccompProfile(missing)).toEqual(['Deployment shop/alpha: container "alpha" has no seccompProfile, and neither has the pod']);
  });

  test('a privileged container is reported', () => {
    const broken = alphaPod((_, container) => (container.securityContext.privileged = true));
    expect(isNotPrivileged(broken)).toEqual(['Deployment shop/alpha: container "alpha" is privileged']);
  });

  test('a pod that shares a host namespace is reported', () => {
    const broken = alphaPod((pod) => (pod.hostPID = true));
    expect(sharesNoHostNamespaces(broken)).toEqual(['Deployment shop/alpha: pod sets hostPID: true']);
  });

  test('a pod with a hostPath volume is reported', () => {
    const broken = alphaPod((pod) => pod.volumes.push({ name: 'docker', hostPath: { path: '/var/run/docker.sock' } }));
    expect(mountsNoHostPath(broken)).toEqual(['Deployment shop/alpha: volume "docker" is a hostPath volume']);
  });

  test('a pod with a volume type that restricted does not allow is reported', () => {
    const broken = alphaPod((pod) => pod.volumes.push({ name: 'shared', nfs: { server: 'nfs.example', path: '/export' } }));
    expect(usesAllowedVolumeTypesOnly(broken)).toEqual([
      'Deployment shop/alpha: volume "shared" has type nfs, not allowed by Pod Security Standards restricted',
    ]);
  });

  test('a container that binds a host port is reported', () => {
    const broken = alphaPod((_, container) => (container.ports[0].hostPort = 8080));
    expect(exposesNoHostPorts(broken)).toEqual(['Deployment shop/alpha: container "alpha" uses host ports 8080']);
  });

  test('a container without a memory limit is reported', () => {
    const broken = alphaPod((_, container) => delete container.resources.limits.memory);
    expect(setsResourceRequestsAndLimits(broken)).toEqual(['Deployment shop/alpha: container "alpha" has no memory limit']);
  });

  test('a container without a readiness probe is reported', () => {
    const broken = alphaPod((_, container) => delete container.readinessProbe);
    expect(hasLivenessAndReadinessProbes(broken)).toEqual(['Deployment shop/alpha: container "alpha" has no readinessProbe']);
  });

  test('a replicated Deployment that no PodDisruptionBudget selects is reported', () => {
    const without = (kind: string, from = manifests) => from.filter((m) => !(m.kind === kind && m.metadata?.name === 'alpha'));
    const expected = ['Deployment shop/alpha: is replicated but no PodDisruptionBudget selects its pods'];
    // Replicated because an HPA scales it:
    expect(replicatedWorkloadsHaveDisruptionBudget(without('PodDisruptionBudget'))).toEqual(expected);
    const elsewhere = breakOne('PodDisruptionBudget', 'alpha', (pdb) => (pdb.spec.selector = { matchLabels: { 'app.kubernetes.io/name': 'other' } }));
    expect(replicatedWorkloadsHaveDisruptionBudget(elsewhere)).toEqual(expected);
    const noSelector = breakOne('PodDisruptionBudget', 'alpha', (pdb) => delete pdb.spec.selector); // policy/v1: selects no pods
    expect(replicatedWorkloadsHaveDisruptionBudget(noSelector)).toEqual(expected);
    // Replicated by spec.replicas, with no HPA; a single replica needs no budget.
    const unscaled = without('PodDisruptionBudget', without('HorizontalPodAutoscaler'));
    expect(replicatedWorkloadsHaveDisruptionBudget(unscaled)).toEqual([]);
    const threeReplicas = structuredClone(unscaled);
    (threeReplicas.find((m) => m.kind === 'Deployment' && m.metadata?.name === 'alpha') as any).spec.replicas = 3;
    expect(replicatedWorkloadsHaveDisruptionBudget(threeReplicas)).toEqual(expected);
  });

  test('a Deployment that sets replicas although an HPA scales it is reported', () => {
    const broken = breakOne('Deployment', 'alpha', (d) => (d.spec.replicas = 2));
    expect(autoscaledWorkloadsLeaveReplicasUnset(broken)).toEqual(['Deployment shop/alpha: sets spec.replicas although a HorizontalPodAutoscaler scales it']);
  });

  test('a namespace whose deny-all policy leaves egress open is reported', () => {
    const broken = breakOne('NetworkPolicy', 'default-deny', (np) => (np.spec.policyTypes = ['Ingress']));
    expect(namespacesDenyTrafficByDefault(broken)).toEqual([
      'Namespace shop: no default-deny NetworkPolicy (podSelector {}, policyTypes Ingress and Egress, no rules)',
    ]);
  });

  test('a pod that no NetworkPolicy selects is reported', () => {
    const broken = manifests.filter((m) => m.kind !== 'NetworkPolicy');
    expect(podsAreSelectedByNetworkPolicy(broken)).toEqual([
      'Deployment shop/alpha: no NetworkPolicy in namespace shop selects its pods',
      'Deployment shop/beta: no NetworkPolicy in namespace shop selects its pods',
      'Deployment shop/gamma: no NetworkPolicy in namespace shop selects its pods',
    ]);
    const otherNamespace = breakOne('Deployment', 'alpha', (d) => (d.metadata.namespace = 'elsewhere'));
    expect(podsAreSelectedByNetworkPolicy(otherNamespace)).toEqual(['Deployment elsewhere/alpha: no NetworkPolicy in namespace elsewhere selects its pods']);
  });

  test('an image tagged latest, or untagged, is reported, and a digest is accepted', () => {
    const repository = '123456789012.dkr.ecr.us-east-1.amazonaws.com/hybrid-platform-sandbox/alpha';
    const withImage = (image: string) => alphaPod((_, container) => (container.image = image));
    expect(imagesArePinned(withImage(`${repository}:latest`))).toEqual([`Deployment shop/alpha: container "alpha" uses the tag "latest": ${repository}:latest`]);
    expect(imagesArePinned(withImage(repository))).toEqual([`Deployment shop/alpha: container "alpha" is untagged (so "latest"): ${repository}`]);
    expect(imagesArePinned(withImage('registry.local:5000/alpha'))).toEqual([
      'Deployment shop/alpha: container "alpha" is untagged (so "latest"): registry.local:5000/alpha',
    ]);
    expect(imagesArePinned(withImage(`${repository}@sha256:${'a'.repeat(64)}`))).toEqual([]);
  });

  test('an API version removed at or before the target Kubernetes version is reported', () => {
    const broken = breakOne('HorizontalPodAutoscaler', 'alpha', (hpa) => (hpa.apiVersion = 'autoscaling/v2beta2'));
    const removed = 'HorizontalPodAutoscaler shop/alpha: autoscaling/v2beta2 HorizontalPodAutoscaler was removed in Kubernetes 1.26';
    expect(usesServedApiVersions(TARGET_KUBERNETES_VERSION)(broken)).toEqual([`${removed} (cluster: ${TARGET_KUBERNETES_VERSION})`]);
    expect(usesServedApiVersions('1.26')(broken)).toEqual([`${removed} (cluster: 1.26)`]);
    expect(usesServedApiVersions('1.25')(broken)).toEqual([]); // still served
    const oldBudget = breakOne('PodDisruptionBudget', 'beta', (pdb) => (pdb.apiVersion = 'policy/v1beta1'));
    expect(usesServedApiVersions('1.9')(oldBudget)).toEqual([]); // "1.9" < "1.25" as versions, not as strings
    expect(usesServedApiVersions(TARGET_KUBERNETES_VERSION)(oldBudget)).toEqual([
      `PodDisruptionBudget shop/beta: policy/v1beta1 PodDisruptionBudget was removed in Kubernetes 1.25 (cluster: ${TARGET_KUBERNETES_VERSION})`,
    ]);
  });
});
