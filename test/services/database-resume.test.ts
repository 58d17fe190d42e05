import { startService, type RunningService } from '../../services/kit';
import { ordersMigrations } from '../../services/orders/migrations';
import { ordersService } from '../../services/orders/service';
import { orderRequest, ordersEnv, startPricingCatalog, type PricingCatalog } from './orders-fixtures';
import { freshDatabase, type FreshDatabase } from './support/database';
import { acceptingEventBridge } from './support/event-bridge-mock';
import { startSlowConnectProxy, type SlowConnectProxy } from './support/slow-connect-proxy';
import { waitFor } from './support/wait-for';

/**
 * After a pause, a serverless Aurora completes a new connection only once it has resumed (about 15 s,
 * against a connect timeout of 30 s by default). Here a proxy in front of PostgreSQL holds every new
 * connection for RESUME_MS, and the services' connect timeout is scaled down with it.
 */
const RESUME_MS = 1000;

const { reset: resetEventBridge, publishedOrderIds } = acceptingEventBridge();

let database: FreshDatabase;
let proxy: SlowConnectProxy;
/** On a database of its own: only the orders' database pauses here. */
let catalog: PricingCatalog;
beforeAll(async () => {
  catalog = await startPricingCatalog();
  database = await freshDatabase();
  proxy = await startSlowConnectProxy(database.url, 0);
});
afterAll(async () => {
  await proxy?.close();
  await database?.drop();
  await catalog?.stop();
});
beforeEach(() => resetEventBridge());

const startOrders = (connectTimeoutMs: number) =>
  startService(
    ordersService,
    ordersEnv(proxy.url, catalog.url, { OUTBOX_RELAY_ENABLED: 'true', DATABASE_IDLE_TIMEOUT_MS: '100', DATABASE_CONNECT_TIMEOUT_MS: String(connectTimeoutMs) }),
  );

/** Nothing held: the database may pause; from now on, a new connection waits for it to resume. */
async function pauseOnceIdle(service: RunningService): Promise<void> {
  await waitFor('the pool to close its idle connections', () => service.pool.totalCount === 0);
  proxy.connectDelayMs = RESUME_MS;
}

const placeOrder = (service: RunningService) => service.app.inject({ method: 'POST', url: '/orders', payload: orderRequest(catalog) });

describe('with a database that has to resume first', () => {
  afterEach(() => {
    proxy.connectDelayMs = 0;
  });

  it('a service starting meanwhile waits for it, and its migrations run', async () => {
    proxy.connectDelayMs = RESUME_MS;
    const delayedBefore = proxy.delayedConnections;

    const orders = await startOrders(3 * RESUME_MS);
    try {
      expect(proxy.delayedConnections).toBeGreaterThan(delayedBefore);
      const { rows } = await orders.pool.query("SELECT id FROM schema_migrations WHERE service = 'orders' ORDER BY id");
      expect(rows.map((row) => row.id)).toEqual(ordersMigrations.map((migration) => migration.id));
    } finally {
      await orders.shutdown();
    }
  });

  it('the first request after a pause waits for it: the order is placed and published', async () => {
    const orders = await startOrders(3 * RESUME_MS);
    try {
      await pauseOnceIdle(orders);
      const delayedBefore = proxy.delayedConnections;

      const response = await placeOrder(orders);

      expect(response.statusCode).toBe(201);
      expect(proxy.delayedConnections).toBeGreaterThan(delayedBefore);
      await waitFor('the order to be published', () => publishedOrderIds().includes(response.json().id));
    } finally {
      await orders.shutdown();
    }
  });

  it('a connect timeout shorter than the resume fails the request with a 503, not the pod', async () => {
    // What the old 5 s timeout did with Aurora's 15 s resume, scaled down.
    const orders = await startOrders(Math.round(RESUME_MS / 3));
    try {
      await pauseOnceIdle(orders);

      // No connection, so nothing was written: a 503 the client may retry, not a 500 of unknown outcome.
      const refused = await placeOrder(orders);
      expect(refused.statusCode).toBe(503);
      expect(refused.headers['retry-after']).toBe('1');
      expect(refused.json().message).toMatch(/database is unavailable.*nothing was done/);
      // Still ready, so still in the load balancer; and nothing restarts it.
      expect((await orders.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);

      // Resumed: the next request goes through.
      proxy.connectDelayMs = 0;
      expect((await placeOrder(orders)).statusCode).toBe(201);
    } finally {
      await orders.shutdown();
    }
  });
});
