import { ApiObject, App, Yaml } from 'cdk8s';
import { addPlatformCharts } from '../../k8s/charts';
import { PlatformChart } from '../../k8s/platform-chart';
import { APP_NAMESPACE } from '../../infra/config/core-services';
import { API_NAME_LABEL, HTTP_PORT, TRAFFIC_LABELS } from '../../k8s/core-api-workload';
import { ValuesError, platformValuesFrom, validateValues } from '../../k8s/values';
import { FIXTURE_INPUTS, FIXTURE_REGISTRY, FIXTURE_REPOSITORY, fixtureValues } from './fixture-registry';
import { podsOf, selects, type Manifest } from './manifest-policy';
import { findManifest, manifestsOf, synthesizeFixture, synthesizeRegistry } from './synthesize';

// The platform's behaviour, proven on the fixture registry (fixture-registry.ts): alpha calls beta,
// beta reads both platform inputs, gamma has no database. What only the samples do: <sample>-chart.test.ts.
const app = synthesizeFixture();
const manifests = manifestsOf(app);
const ofKind = (kind: string) => manifests.filter((m) => m.kind === kind);
const named = (kind: string, name: string) => findManifest(manifests, kind, name);
/* eslint-disable @typescript-eslint/no-explicit-any -- assertions reach into manifests by path */
const specOf = (m: Manifest) => m.spec as any;
const configOf = (name: string) => named('ConfigMap', `${name}-config`).data!;

describe('synthesized charts', () => {
  test('are the platform chart, then one chart per core API, in the order of the registry', () => {
    expect(app.charts.map((chart) => chart.node.id)).toEqual(['platform', 'alpha', 'beta', 'gamma']);
  });

  // One snapshot per chart of the real registry, as the YAML that `npm run synth:k8s` writes to dist/k8s/.
  test.each(synthesizeRegistry().charts.map((chart) => [chart.node.id, chart] as const))('chart %s matches its snapshot', (_, chart) => {
    expect(Yaml.stringify(...chart.toJson())).toMatchSnapshot();
  });

  test('are the same on every synthesis (the cdk8s address-hash labels included), so the snapshots need no masking', () => {
    const first = synthesizeFixture().synthYaml();
    expect(synthesizeFixture().synthYaml()).toBe(first);
    expect(first).toContain('cdk8s.io/metadata.addr: alpha-Workload-Deployment-');
  });
});

describe('chart contents', () => {
  test('the namespace enforces, audits and warns at Pod Security Standards restricted', () => {
    expect(ofKind('Namespace').map((ns) => ns.metadata)).toEqual([
      {
        name: APP_NAMESPACE,
        labels: {
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'latest',
          'pod-security.kubernetes.io/audit': 'restricted',
          'pod-security.kubernetes.io/audit-version': 'latest',
          'pod-security.kubernetes.io/warn': 'restricted',
          'pod-security.kubernetes.io/warn-version': 'latest',
        },
      },
    ]);
  });

  test('each core API has a Deployment of its image in the namespace, configured by its ConfigMap', () => {
    expect(ofKind('Deployment').map((d) => [d.metadata?.namespace, d.metadata?.name])).toEqual(Object.keys(FIXTURE_REGISTRY).map((name) => [APP_NAMESPACE, name]));
    for (const [name, image] of Object.entries(FIXTURE_INPUTS.images)) {
      const [container] = specOf(named('Deployment', name)).template.spec.containers;
      expect(container).toMatchObject({ name, image, ports: [{ containerPort: HTTP_PORT }], envFrom: [{ configMapRef: { name: `${name}-config` } }] });
    }
  });

  test('each Deployment runs its container non-root, read-only, unprivileged, with no capabilities and the runtime seccomp profile', () => {
    for (const deployment of ofKind('Deployment')) {
      const { securityContext, containers } = specOf(deployment).template.spec;
      expect(securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, fsGroup: 10001 });
      expect(containers[0].securityContext).toEqual({
        runAsNonRoot: true,
        runAsUser: 10001,
        runAsGroup: 10001,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        privileged: false,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
    }
  });

  test('each Deployment probes its container, bounds its resources, and spreads its pods over zones', () => {
    for (const deployment of ofKind('Deployment')) {
      const { containers, topologySpreadConstraints } = specOf(deployment).template.spec;
      expect(containers[0].startupProbe.httpGet.path).toBe('/healthz');
      expect(containers[0].livenessProbe.httpGet.path).toBe('/healthz');
      expect(containers[0].readinessProbe.httpGet.path).toBe('/readyz');
      expect(containers[0].resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
      expect(topologySpreadConstraints).toEqual([expect.objectContaining({ topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway' })]);
    }
  });

  test('each Deployment leaves the replica count to its autoscaling/v2 HPA', () => {
    const deployments = ofKind('Deployment');
    for (const deployment of deployments) expect(specOf(deployment)).not.toHaveProperty('replicas');
    expect(ofKind('HorizontalPodAutoscaler').map((hpa) => [hpa.apiVersion, specOf(hpa).scaleTargetRef])).toEqual(
      deployments.map((d) => ['autoscaling/v2', { apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata?.name }]),
    );
  });

  test('each Deployment has a policy/v1 PodDisruptionBudget over its pods', () => {
    const budgets = ofKind('PodDisruptionBudget');
    expect(budgets.map((pdb) => pdb.apiVersion)).toEqual(ofKind('Deployment').map(() => 'policy/v1'));
    expect(budgets.map((pdb) => specOf(pdb).selector)).toEqual(ofKind('Deployment').map((d) => specOf(d).selector));
  });

  test("the load balancer routes each core API's publicPath, as a prefix, to its Service", () => {
    expect(ofKind('Ingress').map((ingress) => [ingress.metadata?.name, specOf(ingress).rules])).toEqual(
      Object.entries(FIXTURE_REGISTRY).map(([name, { publicPath }]) => [
        name,
        [{ http: { paths: [{ path: publicPath, pathType: 'Prefix', backend: { service: { name, port: { number: 80 } } } }] } }],
      ]),
    );
  });

  test('each Ingress uses the alb IngressClass, which EKS Auto Mode runs', () => {
    expect(ofKind('Ingress').map((ingress) => specOf(ingress).ingressClassName)).toEqual(['alb', 'alb', 'alb']);
    expect(ofKind('IngressClass').map((ic) => [ic.metadata?.name, specOf(ic).controller])).toEqual([['alb', 'eks.amazonaws.com/alb']]);
  });

  test('no ServiceAccount or pod mounts a Kubernetes API token', () => {
    expect(ofKind('ServiceAccount').map((sa) => [sa.metadata?.name, sa.automountServiceAccountToken])).toEqual([
      ['alpha', false],
      ['beta', false],
      ['gamma', false],
    ]);
    for (const deployment of ofKind('Deployment')) expect(specOf(deployment).template.spec.automountServiceAccountToken).toBe(false);
  });
});

describe('the database', () => {
  test('only the pods of core APIs that use the database may open connections to it, in the VPC on the PostgreSQL port', () => {
    const policy = named('NetworkPolicy', 'allow-database');
    expect(specOf(policy).egress).toEqual([{ to: [{ ipBlock: { cidr: FIXTURE_INPUTS.vpcCidr } }], ports: [{ port: 5432, protocol: 'TCP' }] }]);
    const selected = podsOf(manifests).filter((pod) => selects(specOf(policy).podSelector, pod.labels));
    expect(selected.map((pod) => pod.owner.metadata?.name)).toEqual(['alpha', 'beta']);
    expect(podsOf(manifests).map((pod) => pod.labels[TRAFFIC_LABELS.toDatabase])).toEqual(['true', 'true', 'false']);
  });

  test('the ConfigMaps of those core APIs, and only theirs, name the database and its secret', () => {
    const database = {
      DATABASE_HOST: FIXTURE_INPUTS.databaseHost,
      DATABASE_PORT: FIXTURE_INPUTS.databasePort,
      DATABASE_NAME: FIXTURE_INPUTS.databaseName,
      DATABASE_SECRET_ARN: FIXTURE_INPUTS.databaseSecretArn,
    };
    expect(configOf('alpha')).toMatchObject(database);
    expect(configOf('beta')).toMatchObject(database);
    expect(Object.keys(configOf('gamma')).filter((key) => key.startsWith('DATABASE_'))).toEqual([]);
  });
});

describe('platform inputs', () => {
  test('each core API gets the platform inputs it reads, under the variable names of its entry, and its region and name', () => {
    expect(configOf('beta')).toMatchObject({ EVENT_BUS_NAME: 'fixture-events', UPLOADS_BUCKET: 'fixture-uploads', AWS_REGION: 'eu-west-1', SERVICE_NAME: 'beta' });
    expect(configOf('gamma')).toEqual({ AWS_REGION: 'eu-west-1', SERVICE_NAME: 'gamma' });
  });

  test('a core API gets none of the platform inputs it does not read', () => {
    expect(configOf('alpha')).not.toHaveProperty('EVENT_BUS_NAME');
    expect(configOf('alpha')).not.toHaveProperty('UPLOADS_BUCKET');
  });
});

describe('calls between core APIs', () => {
  const policy = (name: string) => specOf(named('NetworkPolicy', name));
  const podsNamed = (name: string) => ({
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': APP_NAMESPACE } },
    podSelector: { matchLabels: { [API_NAME_LABEL]: name } },
  });
  const http = [{ port: HTTP_PORT, protocol: 'TCP' }];

  test("the caller's pods may open connections to the called API's pods, on the HTTP port only", () => {
    expect(policy('allow-alpha-to-beta')).toEqual({
      podSelector: { matchLabels: { [API_NAME_LABEL]: 'alpha' } },
      policyTypes: ['Egress'],
      egress: [{ to: [podsNamed('beta')], ports: http }],
    });
  });

  test("the called API's pods accept connections from the caller's pods, on the HTTP port only", () => {
    expect(policy('allow-beta-from-alpha')).toEqual({
      podSelector: { matchLabels: { [API_NAME_LABEL]: 'beta' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [podsNamed('alpha')], ports: http }],
    });
  });

  test('no other policy opens traffic between pods', () => {
    const podPeers = ofKind('NetworkPolicy').filter((np) =>
      [...(specOf(np).ingress ?? []).flatMap((rule: any) => rule.from ?? []), ...(specOf(np).egress ?? []).flatMap((rule: any) => rule.to ?? [])].some(
        (peer: any) => peer.podSelector !== undefined,
      ),
    );
    expect(podPeers.map((np) => np.metadata?.name)).toEqual(['allow-alpha-to-beta', 'allow-beta-from-alpha']);
  });

  test("the caller's ConfigMap sends <NAME>_URL to the called API's Service, which forwards to the HTTP port", () => {
    expect(specOf(named('Service', 'beta')).ports).toEqual([{ port: 80, targetPort: HTTP_PORT }]);
    expect(configOf('alpha').BETA_URL).toBe(`http://beta.${APP_NAMESPACE}.svc.cluster.local`);
  });

  test('platformValuesFrom gives the URL of a called API to its callers only', () => {
    const { services } = platformValuesFrom(FIXTURE_INPUTS, FIXTURE_REGISTRY);
    const urls = (config: Record<string, string>) => Object.keys(config).filter((key) => key.endsWith('_URL'));
    expect([urls(services.alpha.config), urls(services.beta.config), urls(services.gamma.config)]).toEqual([['BETA_URL'], [], []]);
  });
});

describe('validateValues', () => {
  const values = JSON.parse(JSON.stringify(fixtureValues()));
  const withAlphaImage = (image: string) => ({ ...values, services: { ...values.services, alpha: { ...values.services.alpha, image } } });
  const validate = (candidate: unknown) => () => validateValues(candidate, 'fixture', FIXTURE_REGISTRY);
  const invalid = (problem: string) => new ValuesError(`Invalid chart values in fixture:\n  - ${problem}`);
  const repository = `${FIXTURE_REPOSITORY}/alpha`;

  test('accepts the values platformValuesFrom makes', () => {
    expect(validate(values)()).toEqual(values);
  });

  test('rejects an image tagged latest', () => {
    expect(validate(withAlphaImage(`${repository}:latest`))).toThrow(invalid('services.alpha.image: must not use the tag "latest": pin a version or digest'));
  });

  test('rejects an untagged image', () => {
    expect(validate(withAlphaImage(repository))).toThrow(invalid('services.alpha.image: must end in a tag or digest, e.g. registry/my-api:1.0.0'));
  });

  test.each([
    ['a digest', `${repository}@sha256:${'0a'.repeat(32)}`],
    ['a tag of 128 characters', `${repository}:v${'1'.repeat(127)}`],
  ])('accepts an image pinned by %s', (_what, image) => {
    expect(validate(withAlphaImage(image))().services.alpha.image).toBe(image);
  });

  test.each([
    ['a digest cut short', `${repository}@sha256:0a0b`],
    ['a digest that is not hexadecimal', `${repository}@sha256:${'zz'.repeat(32)}`],
    ['a tag of 129 characters', `${repository}:v${'1'.repeat(128)}`],
    ['a tag starting with a hyphen', `${repository}:-1.0.0`],
    ['a space before it', ` ${repository}:1.0.0`],
    ['a space after it', `${repository}:1.0.0 `],
  ])('rejects an image with %s', (_what, image) => {
    expect(validate(withAlphaImage(image))).toThrow(invalid('services.alpha.image: must end in a tag or digest, e.g. registry/my-api:1.0.0'));
  });

  test.each(['log_level', 'LOG-LEVEL', '1LEVEL', 'lOG_LEVEL'])('rejects the config key %j: config keys are environment variable names', (key) => {
    const config = { ...values.services.alpha.config, [key]: 'debug' };
    expect(validate({ ...values, services: { ...values.services, alpha: { ...values.services.alpha, config } } })).toThrow(
      invalid(`services.alpha.config.${key}: config keys are environment variable names`),
    );
  });

  test('rejects a certificate that is not an ARN', () => {
    expect(validate({ ...values, certificateArn: '0f0e0d0c-0b0a-0908-0706-050403020100' })).toThrow(invalid('certificateArn: must be an ACM certificate ARN'));
  });

  test.each(['a', 'shop-sandbox', 'x'.repeat(32), 'Shop-2'])('accepts the load balancer name %j', (loadBalancerName) => {
    expect(validate({ ...values, loadBalancerName })().loadBalancerName).toBe(loadBalancerName);
  });

  test.each(['internal-shop', '-shop', 'shop-', 'shop_sandbox', 'x'.repeat(33), ''])('rejects the load balancer name %j', (loadBalancerName) => {
    expect(validate({ ...values, loadBalancerName })).toThrow(invalid('loadBalancerName: must be 1 to 32 letters, digits and inner hyphens, not starting with "internal-"'));
  });

  test('throws a ValuesError, named so in stack traces', () => {
    expect(validate({})).toThrow(expect.objectContaining({ name: 'ValuesError' }));
  });

  test('rejects values without an entry for every core API of the registry', () => {
    const withoutBeta = Object.fromEntries(Object.entries(values.services).filter(([name]) => name !== 'beta'));
    expect(validate({ ...values, services: withoutBeta })).toThrow(/services\.beta: /);
  });

  test('rejects an entry for a service the registry does not have', () => {
    expect(validate({ ...values, services: { ...values.services, delta: values.services.gamma } })).toThrow(/services: Unrecognized key: "delta"/);
  });
});

describe('the charts with the optional values: a certificate, a load balancer name and a node selector', () => {
  const certificateArn = 'arn:aws:acm:us-east-1:123456789012:certificate/0f0e0d0c-0b0a-0908-0706-050403020100';
  const options = { certificateArn, loadBalancerName: 'shop-sandbox', nodeSelector: { 'karpenter.sh/nodepool': 'core-apis' } };
  let withOptions: Manifest[];
  beforeAll(() => {
    withOptions = manifestsOf(synthesizeFixture(new App(), { ...fixtureValues(), ...options }));
  });
  const optionsOf = (all: readonly Manifest[]) => ({
    ingressAnnotations: all.filter((m) => m.kind === 'Ingress').map((ingress) => (ingress.metadata as { annotations?: Record<string, string> }).annotations),
    nodeSelectors: all.filter((m) => m.kind === 'Deployment').map((deployment) => specOf(deployment).template.spec.nodeSelector),
    certificates: specOf(findManifest(all, 'IngressClassParams', 'alb')).certificateARNs,
  });

  test('serve HTTPS on the ALB, redirecting HTTP to it, under the given name, and run the core APIs on the given nodes', () => {
    const annotations = {
      'alb.ingress.kubernetes.io/target-type': 'ip',
      'alb.ingress.kubernetes.io/healthcheck-path': '/readyz',
      'alb.ingress.kubernetes.io/load-balancer-name': 'shop-sandbox',
      'alb.ingress.kubernetes.io/listen-ports': '[{"HTTP": 80}, {"HTTPS": 443}]',
      'alb.ingress.kubernetes.io/ssl-redirect': '443',
    };
    expect(optionsOf(withOptions)).toEqual({ ingressAnnotations: [annotations, annotations, annotations], nodeSelectors: Array(3).fill(options.nodeSelector), certificates: [certificateArn] });
  });

  test('without them: plain HTTP, a name of the controller, and any node', () => {
    const annotations = { 'alb.ingress.kubernetes.io/target-type': 'ip', 'alb.ingress.kubernetes.io/healthcheck-path': '/readyz' };
    expect(optionsOf(manifests)).toEqual({ ingressAnnotations: [annotations, annotations, annotations], nodeSelectors: [undefined, undefined, undefined], certificates: undefined });
  });
});

describe('addPlatformCharts', () => {
  test('returns every chart, the platform chart first (it creates the namespace), then the core APIs in registry order', () => {
    const charts = addPlatformCharts(new App(), fixtureValues(), FIXTURE_REGISTRY);
    expect(charts.all.map((chart) => chart.node.id)).toEqual(['platform', 'alpha', 'beta', 'gamma']);
    expect(charts.all).toEqual([charts.platform, charts.services.alpha, charts.services.beta, charts.services.gamma]);
  });

  test('names an object a fork adds without a name after its chart and id, with no hash suffix', () => {
    const charts = addPlatformCharts(new App(), fixtureValues(), FIXTURE_REGISTRY);
    for (const chart of charts.all) new ApiObject(chart, 'Extra', { apiVersion: 'v1', kind: 'ConfigMap' });
    expect(charts.all.map((chart) => (chart.toJson().at(-1) as Manifest).metadata?.name)).toEqual(['platform-extra', 'alpha-extra', 'beta-extra', 'gamma-extra']);
  });

  test('puts the labels given to the platform chart on its objects', () => {
    const chart = new PlatformChart(new App(), 'platform', { namespace: APP_NAMESPACE, vpcCidr: '10.0.0.0/16', labels: { 'app.kubernetes.io/part-of': 'shop' } });
    expect((chart.toJson() as Manifest[]).map((m) => (m.metadata as { labels?: Record<string, string> }).labels?.['app.kubernetes.io/part-of'])).not.toContain(undefined);
  });

  test('refuses a registry with a broken entry, naming the file to fix and the problem', () => {
    const broken = { ...FIXTURE_REGISTRY, alpha: { ...FIXTURE_REGISTRY.alpha, calls: ['omega'] } } as unknown as typeof FIXTURE_REGISTRY;
    expect(() => addPlatformCharts(new App(), fixtureValues(), broken)).toThrow(/^infra\/config\/core-services\.ts has invalid entries:\n {2}- .*omega/);
  });
});
