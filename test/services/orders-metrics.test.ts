import { EventBridgeClient, PutEventsCommand, type PutEventsCommandInput } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { startService, type RunningService } from '../../services/kit';
import { CIRCUIT_BREAKER_STATE, KIT_METRICS, UPSTREAM_FAILURE_REASONS, type UpstreamFailureReason } from '../../services/kit/business-metrics';
import { ORDERS_METRICS } from '../../services/orders/business-metrics';
import { ordersService } from '../../services/orders/service';
import { ordersEnv, startPricingCatalog, type PricingCatalog } from './orders-fixtures';
import { freshDatabase, type FreshDatabase } from './support/database';
import { startHttpFaultProxy, unreachableUrl, type HttpFaultProxy } from './support/http-fault-proxy';
import { scrape } from './support/prometheus-text';
import { waitFor } from './support/wait-for';

/**
 * The orders service's business metrics (services/orders/business-metrics.ts and the kit's circuit breaker), each seen to move when
 * what it counts happens: a real catalog behind a proxy that fails on demand, real PostgreSQL, and
 * /metrics scraped over HTTP. Only EventBridge is mocked, at the SDK client.
 */

const eventBridge = mockClient(EventBridgeClient);
const acceptAll = () =>
  eventBridge.on(PutEventsCommand).callsFake(async (input: PutEventsCommandInput) => ({ FailedEntryCount: 0, Entries: input.Entries!.map(() => ({ EventId: randomUUID() })) }));

let catalog: PricingCatalog;
let database: FreshDatabase;
let proxy: HttpFaultProxy;
/** The test's own connection to the orders database, for what the service does not do by itself. */
let pool: pg.Pool;
const running: RunningService[] = [];

beforeAll(async () => {
  catalog = await startPricingCatalog();
  database = await freshDatabase();
  proxy = await startHttpFaultProxy(catalog.url);
  pool = new pg.Pool({ connectionString: database.url, max: 2 });
});
afterAll(async () => {
  await pool?.end();
  await proxy?.close();
  await database?.drop();
  await catalog?.stop();
});
beforeEach(() => {
  proxy.mode = 'forward';
  proxy.failNext = 0;
  eventBridge.reset();
  acceptAll();
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((service) => service.shutdown()));
  await pool.query('TRUNCATE orders, outbox');
});

/** An orders service pricing through the proxy, with short resilience timings and no retries; the relay off unless asked. */
async function startOrders(overrides: Record<string, string> = {}): Promise<RunningService> {
  const service = await startService(
    ordersService,
    ordersEnv(database.url, proxy.url, { CATALOG_TIMEOUT_MS: '200', CATALOG_RETRIES: '0', CATALOG_BREAKER_RESET_MS: '300', ...overrides }),
  );
  running.push(service);
  return service;
}

const placeOrder = (service: RunningService) =>
  fetch(`${service.url}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ customerEmail: 'ada@example.com', items: [{ productId: catalog.tea.id, quantity: 1 }] }),
  });

const metric = async (service: RunningService, name: string, labels?: Record<string, string>) => (await scrape(service.url)).value(name, labels);

describe(ORDERS_METRICS.ordersPlaced, () => {
  it('counts each order placed, and no order refused', async () => {
    const orders = await startOrders();
    expect(await metric(orders, ORDERS_METRICS.ordersPlaced)).toBe(0);

    expect((await placeOrder(orders)).status).toBe(201);
    expect((await placeOrder(orders)).status).toBe(201);
    proxy.mode = 'fail';
    expect((await placeOrder(orders)).status).toBe(503);

    expect(await metric(orders, ORDERS_METRICS.ordersPlaced)).toBe(2);
  });
});

describe(`${ORDERS_METRICS.outboxPendingEvents} and ${ORDERS_METRICS.outboxOldestPendingAge}`, () => {
  it('report the events waiting to be published and the age of the oldest, and fall to 0 once they are', async () => {
    // The relay is off: the events stay pending until the test publishes them.
    const orders = await startOrders();
    expect(await metric(orders, ORDERS_METRICS.outboxPendingEvents)).toBe(0);
    expect(await metric(orders, ORDERS_METRICS.outboxOldestPendingAge)).toBe(0);

    await placeOrder(orders);
    await placeOrder(orders);
    await pool.query("UPDATE outbox SET created_at = now() - interval '1 hour' WHERE id = (SELECT min(id) FROM outbox)");

    expect(await metric(orders, ORDERS_METRICS.outboxPendingEvents)).toBe(2);
    const age = await metric(orders, ORDERS_METRICS.outboxOldestPendingAge);
    expect(age).toBeGreaterThanOrEqual(3600);
    expect(age).toBeLessThan(3660);

    await pool.query('UPDATE outbox SET sent_at = now()');
    expect(await metric(orders, ORDERS_METRICS.outboxPendingEvents)).toBe(0);
    expect(await metric(orders, ORDERS_METRICS.outboxOldestPendingAge)).toBe(0);
  });

  it('leave an idle database alone: once a read found nothing pending, scrapes run no query until the service uses the database', async () => {
    const orders = await startOrders();
    await metric(orders, ORDERS_METRICS.outboxPendingEvents);
    // Every query, pool.query() included, takes a connection through connect().
    const connect = jest.spyOn(orders.pool, 'connect');

    for (let scrapes = 0; scrapes < 3; scrapes++) expect(await metric(orders, ORDERS_METRICS.outboxPendingEvents)).toBe(0);
    expect(connect).not.toHaveBeenCalled();

    await placeOrder(orders);
    expect(await metric(orders, ORDERS_METRICS.outboxPendingEvents)).toBe(1);
  });
});

describe(ORDERS_METRICS.outboxRelayFailures, () => {
  it('counts each event EventBridge did not accept (stage publish)', async () => {
    eventBridge.reset();
    eventBridge.on(PutEventsCommand).rejects(new Error('EventBridge is down'));
    const orders = await startOrders({ OUTBOX_RELAY_ENABLED: 'true' });
    const publishFailures = () => metric(orders, ORDERS_METRICS.outboxRelayFailures, { stage: 'publish' });
    expect(await publishFailures()).toBe(0);

    await placeOrder(orders);

    await waitFor('the failed publish to be counted', async () => (await publishFailures()) === 1);
    expect(await metric(orders, ORDERS_METRICS.outboxRelayFailures, { stage: 'sweep' })).toBe(0);
  });

  it('counts each sweep that failed (stage sweep), and /metrics still answers while the outbox cannot be read', async () => {
    await pool.query('ALTER TABLE outbox RENAME TO outbox_away');
    try {
      // Its start-up sweep fails: the outbox is not there.
      const orders = await startOrders({ OUTBOX_RELAY_ENABLED: 'true' });

      await waitFor('the failed sweep to be counted', async () => (await metric(orders, ORDERS_METRICS.outboxRelayFailures, { stage: 'sweep' })) === 1);
      expect(await metric(orders, ORDERS_METRICS.outboxPendingEvents)).toBe(0);
    } finally {
      await pool.query('ALTER TABLE outbox_away RENAME TO outbox');
    }
  });
});

describe(ORDERS_METRICS.catalogLookupsFailed, () => {
  /** An order refused because its lookup failed, and the one reason counted for it. */
  async function expectCounted(orders: RunningService, reason: UpstreamFailureReason): Promise<void> {
    const before = await scrape(orders.url);
    expect((await placeOrder(orders)).status).toBe(503);
    const after = await scrape(orders.url);
    for (const each of UPSTREAM_FAILURE_REASONS) {
      const counted = after.value(ORDERS_METRICS.catalogLookupsFailed, { reason: each })! - before.value(ORDERS_METRICS.catalogLookupsFailed, { reason: each })!;
      expect({ reason: each, counted }).toEqual({ reason: each, counted: each === reason ? 1 : 0 });
    }
  }

  it.each([
    ['whose answer did not come in time', 'hang', 'timeout'],
    ['answered with a 5xx', 'fail', 'unavailable'],
    ['answered with something other than a product', 'garbage', 'bad_answer'],
  ] as const)('counts a lookup %s (proxy: %s) as %s', async (_case, mode, reason) => {
    const orders = await startOrders();
    proxy.mode = mode;
    await expectCounted(orders, reason);
  });

  it('counts a lookup of a catalog nothing listens on as unavailable', async () => {
    const orders = await startService(ordersService, ordersEnv(database.url, await unreachableUrl(), { CATALOG_RETRIES: '0' }));
    running.push(orders);
    await expectCounted(orders, 'unavailable');
  });

  it('counts a lookup the open breaker refused as circuit_open', async () => {
    const orders = await startOrders();
    proxy.mode = 'fail';
    for (let order = 0; order < 5; order++) await placeOrder(orders);
    await expectCounted(orders, 'circuit_open');
  });
});

describe(KIT_METRICS.circuitBreakerState, () => {
  it('follows the catalog breaker: closed, open after failures, half-open after its reset time, closed after a good trial', async () => {
    const orders = await startOrders({ CATALOG_BREAKER_RESET_MS: '500' });
    const state = () => metric(orders, KIT_METRICS.circuitBreakerState, { upstream: 'catalog' });
    expect(await state()).toBe(CIRCUIT_BREAKER_STATE.closed);

    proxy.mode = 'fail';
    for (let order = 0; order < 5; order++) await placeOrder(orders);
    expect(await state()).toBe(CIRCUIT_BREAKER_STATE.open);

    await waitFor('the breaker to half-open', async () => (await state()) === CIRCUIT_BREAKER_STATE.halfOpen);
    proxy.mode = 'forward';
    expect((await placeOrder(orders)).status).toBe(201);
    expect(await state()).toBe(CIRCUIT_BREAKER_STATE.closed);
  });
});
