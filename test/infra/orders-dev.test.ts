import { CORE_SERVICE_REGISTRY } from '../../infra/config/core-services';
import { DEV_SERVICES } from '../../scripts/dev';

// What only the orders sample gets under `npm run dev` (every service's part: service-registry.test.ts).
describe('orders under npm run dev', () => {
  const orders = DEV_SERVICES.find((service) => service.name === 'orders')!;

  it('prices orders by calling the local catalog', () => {
    expect(orders.env.CATALOG_URL).toBe(`http://127.0.0.1:${CORE_SERVICE_REGISTRY.catalog.localPort}`);
  });

  it('names a local event bus, and keeps placed orders in the outbox table, as there is no EventBridge to relay them to', () => {
    expect(orders.env).toMatchObject({ EVENT_BUS_NAME: 'local-events', OUTBOX_RELAY_ENABLED: 'false' });
  });
});
