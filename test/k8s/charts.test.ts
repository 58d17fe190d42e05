import { Yaml } from 'cdk8s';
import { readFileSync } from 'node:fs';
import { API_NAME_LABEL, HTTP_PORT } from '../../k8s/core-api-workload';
import { ValuesError, platformValuesFrom, validateValues } from '../../k8s/values';
import type { Manifest } from './manifest-policy';
import { EXAMPLE_VALUES, synthesizeApp, synthesizeManifests } from './synthesize';

const app = synthesizeApp();
const manifests = synthesizeManifests();
const ofKind = (kind: string) => manifests.filter((m) => m.kind === kind);
/* eslint-disable @typescript-eslint/no-explicit-any -- assertions reach into manifests by path */
const specOf = (m: Manifest) => m.spec as any;

describe('synthesized charts', () => {
  test('are the platform chart, then one chart per core API', () => {
    expect(app.charts.map((chart) => chart.node.id)).toEqual(['platform', 'catalog', 'orders']);
  });

  // One snapshot per chart, as the YAML that `npm run synth:k8s` writes to dist/k8s/.
  test.each(app.charts.map((chart) => [chart.node.id, chart] as const))('chart %s matches its snapshot', (_, chart) => {
    expect(Yaml.stringify(...chart.toJson())).toMatchSnapshot();
  });

  test('are the same on every synthesis (the cdk8s address-hash labels included), so the snapshots need no masking', () => {
    const first = synthesizeApp().synthYaml();
    expect(synthesizeApp().synthYaml()).toBe(first);
    expect(first).toContain('cdk8s.io/metadata.addr: catalog-Workload-Deployment-');
  });
});

describe('chart contents', () => {
  test('the namespace enforces, audits and warns at Pod Security Standards restricted', () => {
    expect(ofKind('Namespace').map((ns) => ns.metadata)).toEqual([
      {
        name: 'shop',
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

  test('each Deployment leaves the replica count to its autoscaling/v2 HPA', () => {
    const deployments = ofKind('Deployment');
    expect(deployments.map((d) => d.metadata?.name)).toEqual(['catalog', 'orders']);
    for (const deployment of deployments) expect(specOf(deployment)).not.toHaveProperty('replicas');
    expect(ofKind('HorizontalPodAutoscaler').map((hpa) => [hpa.apiVersion, specOf(hpa).scaleTargetRef])).toEqual(
      deployments.map((d) => ['autoscaling/v2', { apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata?.name }]),
    );
  });

  test('each Deployment has a policy/v1 PodDisruptionBudget over its pods', () => {
    const budgets = ofKind('PodDisruptionBudget');
    expect(budgets.map((pdb) => pdb.apiVersion)).toEqual(['policy/v1', 'policy/v1']);
    expect(budgets.map((pdb) => specOf(pdb).selector)).toEqual(ofKind('Deployment').map((d) => specOf(d).selector));
  });

  test('each Ingress uses the alb IngressClass, which EKS Auto Mode runs', () => {
    expect(ofKind('Ingress').map((ingress) => [ingress.metadata?.name, specOf(ingress).ingressClassName])).toEqual([
      ['catalog', 'alb'],
      ['orders', 'alb'],
    ]);
    expect(ofKind('IngressClass').map((ic) => [ic.metadata?.name, specOf(ic).controller])).toEqual([['alb', 'eks.amazonaws.com/alb']]);
  });

  test('no ServiceAccount or pod mounts a Kubernetes API token', () => {
    expect(ofKind('ServiceAccount').map((sa) => [sa.metadata?.name, sa.automountServiceAccountToken])).toEqual([
      ['catalog', false],
      ['orders', false],
    ]);
    for (const deployment of ofKind('Deployment')) expect(specOf(deployment).template.spec.automountServiceAccountToken).toBe(false);
  });
});

describe('calls between core APIs', () => {
  const policy = (name: string) => specOf(ofKind('NetworkPolicy').find((np) => np.metadata?.name === name)!);
  const podsNamed = (name: string) => ({
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } },
    podSelector: { matchLabels: { [API_NAME_LABEL]: name } },
  });
  const http = [{ port: HTTP_PORT, protocol: 'TCP' }];

  test('the orders pods may open connections to the catalog pods, on the HTTP port only', () => {
    expect(policy('allow-orders-to-catalog')).toEqual({
      podSelector: { matchLabels: { [API_NAME_LABEL]: 'orders' } },
      policyTypes: ['Egress'],
      egress: [{ to: [podsNamed('catalog')], ports: http }],
    });
  });

  test('the catalog pods accept connections from the orders pods, on the HTTP port only', () => {
    expect(policy('allow-catalog-from-orders')).toEqual({
      podSelector: { matchLabels: { [API_NAME_LABEL]: 'catalog' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [podsNamed('orders')], ports: http }],
    });
  });

  test('no other policy opens traffic between pods', () => {
    const podPeers = ofKind('NetworkPolicy').filter((np) =>
      [...(specOf(np).ingress ?? []).flatMap((rule: any) => rule.from ?? []), ...(specOf(np).egress ?? []).flatMap((rule: any) => rule.to ?? [])].some(
        (peer: any) => peer.podSelector !== undefined,
      ),
    );
    expect(podPeers.map((np) => np.metadata?.name)).toEqual(['allow-orders-to-catalog', 'allow-catalog-from-orders']);
  });

  test('the orders ConfigMap sends CATALOG_URL to the catalog Service, which forwards to the HTTP port', () => {
    const catalogService = ofKind('Service').find((svc) => svc.metadata?.name === 'catalog')!;
    expect(specOf(catalogService).ports).toEqual([{ port: 80, targetPort: HTTP_PORT }]);
    const ordersConfig = ofKind('ConfigMap').find((cm) => cm.metadata?.name === 'orders-config')!;
    expect((ordersConfig.data as Record<string, string>).CATALOG_URL).toBe('http://catalog.shop.svc.cluster.local');
  });

  test('platformValuesFrom names the catalog Service in the namespace of the values it makes', () => {
    const values = platformValuesFrom({
      region: 'eu-west-1',
      vpcCidr: '10.0.0.0/16',
      databaseHost: 'db.example',
      databasePort: '5432',
      databaseName: 'platform',
      databaseSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db',
      uploadsBucket: 'uploads',
      eventBusName: 'events',
      images: { catalog: 'registry/catalog:1', orders: 'registry/orders:1' },
    });
    expect(values.services.orders.config.CATALOG_URL).toBe('http://catalog.shop.svc.cluster.local');
    expect(values.services.catalog.config).not.toHaveProperty('CATALOG_URL');
  });
});

describe('validateValues', () => {
  const example = JSON.parse(readFileSync(EXAMPLE_VALUES, 'utf8'));
  const withCatalogImage = (image: string) => ({ ...example, services: { ...example.services, catalog: { ...example.services.catalog, image } } });
  const invalid = (problem: string) => new ValuesError(`Invalid chart values in fixture:\n  - ${problem}`);
  const repository = '123456789012.dkr.ecr.us-east-1.amazonaws.com/hybrid-platform-sandbox/catalog';

  test('accepts the example values as they are', () => {
    expect(validateValues(example, 'fixture')).toEqual(example);
  });

  test('rejects an image tagged latest', () => {
    expect(() => validateValues(withCatalogImage(`${repository}:latest`), 'fixture')).toThrow(
      invalid('services.catalog.image: must not use the tag "latest": pin a version or digest'),
    );
  });

  test('rejects an untagged image', () => {
    expect(() => validateValues(withCatalogImage(repository), 'fixture')).toThrow(
      invalid('services.catalog.image: must end in a tag or digest, e.g. registry/catalog:1.0.0'),
    );
  });

  test('rejects a values file without an entry for every core service', () => {
    const onlyCatalog = { catalog: example.services.catalog };
    expect(() => validateValues({ ...example, services: onlyCatalog }, 'fixture')).toThrow(/services\.orders: /);
  });
});
