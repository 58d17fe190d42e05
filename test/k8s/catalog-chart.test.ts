import { PROJECT } from '../../infra/config/naming';
import { TRAFFIC_LABELS } from '../../k8s/core-api-workload';
import { findManifest, manifestsOf, synthesizeEnvironment } from './synthesize';

// What only the catalog sample's charts hold (the platform's behaviour: charts.test.ts, on a fixture).
const manifests = manifestsOf(synthesizeEnvironment('prod'));
const specOf = (kind: string, name: string) => findManifest(manifests, kind, name).spec;
const catalogConfig = findManifest(manifests, 'ConfigMap', 'catalog-config').data!;

describe('the catalog chart', () => {
  test("the catalog presigns uploads into the environment's uploads bucket", () => {
    expect(catalogConfig.UPLOADS_BUCKET).toBe(`${PROJECT}-prod-uploads-123456789012-us-east-1`);
  });

  test("the catalog keeps its products in the environment's database", () => {
    expect(catalogConfig.DATABASE_HOST).toBe(`${PROJECT}-prod-db.cluster-not-deployed.us-east-1.rds.amazonaws.com`);
    expect(specOf('Deployment', 'catalog').template.metadata.labels[TRAFFIC_LABELS.toDatabase]).toBe('true');
  });

  test('the catalog calls no other core API', () => {
    expect(Object.keys(catalogConfig).filter((key) => key.endsWith('_URL'))).toEqual([]);
  });

  test('the load balancer routes /products to the catalog', () => {
    expect(specOf('Ingress', 'catalog').rules[0].http.paths[0]).toMatchObject({ path: '/products', backend: { service: { name: 'catalog' } } });
  });
});
