import { ConfigError, startService, type RunningService } from '../../services/kit';
import { ordersService } from '../../services/orders/service';
import { ordersEnv, rowCounts, startPricingCatalog, type PricingCatalog } from './orders-fixtures';
import { freshDatabase, type FreshDatabase } from './support/database';
import { startHttpFaultProxy, unreachableUrl, type HttpFaultProxy } from './support/http-fault-proxy';
import { waitFor } from './support/wait-for';

/**
 * The orders service when the catalog, which prices every order, fails: a real catalog behind a proxy
 * that fails on demand, and the orders service's resilience timings scaled down (a 200 ms attempt
 * timeout, waits of at most 10 and 20 ms before the two retries: at most 3 x 200 + 30 = 630 ms to a 503).
 */

let catalog: PricingCatalog;
let database: FreshDatabase;
let proxy: HttpFaultProxy;
const running: RunningService[] = [];

beforeAll(async () => {
  catalog = await startPricingCatalog();
  database = await freshDatabase();
  proxy = await startHttpFaultProxy(catalog.url);
});
afterAll(async () => {
  await proxy?.close();
  await database?.drop();
  await catalog?.stop();
});
beforeEach(() => {
  proxy.mode = 'forward';
  proxy.failNext = 0;
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((service) => service.shutdown()));
});

async function startOrders(catalogUrl: string, overrides: Record<string, string> = {}): Promise<RunningService> {
  const service = await startService(
    ordersService,
    ordersEnv(database.url, catalogUrl, { CATALOG_TIMEOUT_MS: '200', CATALOG_RETRIES: '2', CATALOG_RETRY_BASE_DELAY_MS: '10', CATALOG_BREAKER_RESET_MS: '300', ...overrides }),
  );
  running.push(service);
  await service.pool.query('TRUNCATE orders, outbox');
  return service;
}

const placeOrder = (service: RunningService, items = [{ productId: catalog.tea.id, quantity: 1 }]) =>
  service.app.inject({ method: 'POST', url: '/orders', payload: { customerEmail: 'ada@example.com', items } });

/** The answer of an order the catalog could not price: nothing written, and when to try again. */
async function expectRefusedForNow(service: RunningService, response: Awaited<ReturnType<typeof placeOrder>>): Promise<void> {
  expect(response.statusCode).toBe(503);
  expect(response.headers['retry-after']).toMatch(/^[1-9]\d*$/);
  expect(response.json()).toEqual({ error: 'Service Unavailable', message: expect.stringMatching(/^The catalog cannot price the order right now; nothing was placed/) });
  expect(await rowCounts(service.pool)).toEqual({ orders: 0, outbox: 0 });
}

describe('configuration', () => {
  it.each([
    { name: 'without a catalog URL', url: '', reason: /CATALOG_URL: Invalid input/ },
    { name: 'with a catalog URL that is not http(s)', url: 'ftp://catalog.shop.svc.cluster.local', reason: /CATALOG_URL: Invalid URL/ },
  ])('refuses to start $name, naming the variable', async ({ url, reason }) => {
    const starting = startService(ordersService, ordersEnv(database.url, url));
    await expect(starting).rejects.toThrow(ConfigError);
    await expect(starting).rejects.toThrow(reason);
  });
});

describe('when the catalog cannot answer, an order is refused with 503 and Retry-After, and nothing is written', () => {
  it('a catalog that nothing listens on', async () => {
    const orders = await startOrders(await unreachableUrl());

    await expectRefusedForNow(orders, await placeOrder(orders));
  });

  it('a catalog that never answers: each attempt is abandoned at its timeout, and retried', async () => {
    const orders = await startOrders(proxy.url);
    const before = proxy.requests;
    proxy.mode = 'hang';

    await expectRefusedForNow(orders, await placeOrder(orders));
    expect(proxy.requests - before).toBe(3);
    // The service gave up on every request it had made, rather than leaving them open.
    await waitFor('the abandoned requests to be closed', () => proxy.hanging === 0);
  });

  it('a catalog that keeps failing: asked once and retried twice, then refused', async () => {
    const orders = await startOrders(proxy.url);
    const before = proxy.requests;
    proxy.mode = 'fail';

    await expectRefusedForNow(orders, await placeOrder(orders));
    expect(proxy.requests - before).toBe(3);
  });
});

describe('retries', () => {
  it('a catalog failing briefly is asked again, and the order is placed at its price', async () => {
    const orders = await startOrders(proxy.url);
    const before = proxy.requests;
    proxy.failNext = 2;

    const response = await placeOrder(orders);

    expect(response.statusCode).toBe(201);
    expect(response.json().items).toEqual([{ productId: catalog.tea.id, quantity: 1, unitPriceCents: 1250 }]);
    expect(proxy.requests - before).toBe(3);
  });

  it('asks the catalog once per distinct product', async () => {
    const orders = await startOrders(proxy.url);
    const before = proxy.requests;

    const response = await placeOrder(orders, [
      { productId: catalog.tea.id, quantity: 1 },
      { productId: catalog.cup.id, quantity: 2 },
      { productId: catalog.tea.id.toUpperCase(), quantity: 3 },
    ]);

    expect(response.statusCode).toBe(201);
    expect(proxy.requests - before).toBe(2);
  });
});

describe('the circuit breaker', () => {
  /** An orders service whose breaker has opened: five lookups in a row failed (no retries here). */
  async function ordersWithOpenBreaker(): Promise<RunningService> {
    const orders = await startOrders(proxy.url, { CATALOG_RETRIES: '0' });
    proxy.mode = 'fail';
    for (let order = 0; order < 5; order++) await expectRefusedForNow(orders, await placeOrder(orders));
    return orders;
  }

  it('opens after repeated failures, and then refuses orders at once, without asking the catalog', async () => {
    const orders = await ordersWithOpenBreaker();
    const before = proxy.requests;

    await expectRefusedForNow(orders, await placeOrder(orders));
    expect(proxy.requests).toBe(before);
  });

  it('lets one trial lookup through after its reset time, and closes when it succeeds', async () => {
    const orders = await ordersWithOpenBreaker();
    const before = proxy.requests;
    proxy.mode = 'forward';

    // Refused without a request until the breaker half-opens; then the trial goes through.
    await waitFor('the breaker to let an order through', async () => (await placeOrder(orders)).statusCode === 201);
    expect(proxy.requests).toBe(before + 1);
    expect((await placeOrder(orders)).statusCode).toBe(201);
    expect(proxy.requests).toBe(before + 2);
  });

  it('opens again when the trial lookup fails', async () => {
    const orders = await ordersWithOpenBreaker();
    const before = proxy.requests;

    await waitFor('the trial lookup', async () => {
      await expectRefusedForNow(orders, await placeOrder(orders));
      return proxy.requests > before;
    });
    await expectRefusedForNow(orders, await placeOrder(orders));
    expect(proxy.requests).toBe(before + 1);
  });
});
