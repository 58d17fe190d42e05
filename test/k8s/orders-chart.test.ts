import { PROJECT } from '../../infra/config/naming';
import { API_NAME_LABEL } from '../../k8s/core-api-workload';
import { findManifest, manifestsOf, synthesizeEnvironment } from './synthesize';

// What only the orders sample's charts hold (the platform's behaviour: charts.test.ts, on a fixture).
const manifests = manifestsOf(synthesizeEnvironment('prod'));
const specOf = (kind: string, name: string) => findManifest(manifests, kind, name).spec;
const ordersConfig = findManifest(manifests, 'ConfigMap', 'orders-config').data!;

describe('the orders chart', () => {
  test('orders reaches the catalog at its Service in the shop namespace, to price orders', () => {
    expect(ordersConfig.CATALOG_URL).toBe('http://catalog.shop.svc.cluster.local');
  });

  test('the orders pods may call the catalog pods, and the catalog pods accept them', () => {
    expect(specOf('NetworkPolicy', 'allow-orders-to-catalog').podSelector).toEqual({ matchLabels: { [API_NAME_LABEL]: 'orders' } });
    expect(specOf('NetworkPolicy', 'allow-catalog-from-orders').podSelector).toEqual({ matchLabels: { [API_NAME_LABEL]: 'catalog' } });
  });

  test("orders publishes to the environment's event bus, and keeps its outbox relay on (only npm run dev turns it off)", () => {
    expect(ordersConfig.EVENT_BUS_NAME).toBe(`${PROJECT}-prod-events`);
    expect(ordersConfig).not.toHaveProperty('OUTBOX_RELAY_ENABLED');
  });

  test('the load balancer routes /orders to orders', () => {
    expect(specOf('Ingress', 'orders').rules[0].http.paths[0]).toMatchObject({ path: '/orders', backend: { service: { name: 'orders' } } });
  });
});
