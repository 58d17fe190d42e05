import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { OrderPlacedDetail } from '../../functions/shared/order-events';
import { startService, type RunningService } from '../../services/kit';
import { ordersService } from '../../services/orders/service';
import { startCatalog } from './catalog-support';
import { freshDatabase, type FreshDatabase } from './support/database';
import { testServiceEnv } from './support/service-env';

/** The environment the orders tests start the service with; the relay is off unless a test turns it on. */
export function ordersEnv(databaseUrl: string, catalogUrl: string, overrides: Record<string, string> = {}): Record<string, string> {
  return testServiceEnv(databaseUrl, { EVENT_BUS_NAME: TEST_BUS, OUTBOX_RELAY_ENABLED: 'false', CATALOG_URL: catalogUrl, ...overrides });
}

export const TEST_BUS = 'orders-test-bus';

export interface TestProduct {
  readonly id: string;
  readonly priceCents: number;
  readonly currency: string;
}

/** A real catalog service, on a database of its own, with products to order. */
export interface PricingCatalog {
  readonly url: string;
  /** EUR 12.50 */
  readonly tea: TestProduct;
  /** EUR 1.99 */
  readonly cup: TestProduct;
  /** USD 9.00 */
  readonly mug: TestProduct;
  /** Sets a product's price in the catalog's database, as if it had been changed there. */
  setPrice(product: TestProduct, priceCents: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startPricingCatalog(): Promise<PricingCatalog> {
  const catalog = await startCatalog();
  const create = async (name: string, priceCents: number, currency: string): Promise<TestProduct> => {
    const response = await catalog.service.app.inject({ method: 'POST', url: '/products', payload: { name, priceCents, currency } });
    if (response.statusCode !== 201) throw new Error(`creating ${name} failed: ${response.statusCode} ${response.body}`);
    return { id: response.json().id, priceCents, currency };
  };
  try {
    return {
      url: catalog.service.url,
      tea: await create('Sencha, 100 g', 1250, 'EUR'),
      cup: await create('Tea cup', 199, 'EUR'),
      mug: await create('Diner mug', 900, 'USD'),
      async setPrice(product, priceCents) {
        await catalog.service.pool.query('UPDATE products SET price_cents = $2 WHERE id = $1', [product.id, priceCents]);
      },
      stop: () => catalog.stop(),
    };
  } catch (error) {
    await catalog.stop();
    throw error;
  }
}

/** A valid POST /orders body: two teas and three cups. */
export function orderRequest(catalog: Pick<PricingCatalog, 'tea' | 'cup'>, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    customerEmail: 'ada@example.com',
    items: [
      { productId: catalog.tea.id, quantity: 2 },
      { productId: catalog.cup.id, quantity: 3 },
    ],
    ...overrides,
  };
}

/** A valid OrderPlaced detail, for seeding the outbox through the repository. */
export function orderPlaced(overrides: Partial<OrderPlacedDetail> = {}): OrderPlacedDetail {
  return {
    orderId: randomUUID(),
    customerEmail: 'grace@example.com',
    items: [{ productId: randomUUID(), quantity: 1, unitPriceCents: 500 }],
    totalCents: 500,
    currency: 'USD',
    placedAt: new Date().toISOString(),
    ...overrides,
  };
}

export async function rowCounts(pool: pg.Pool): Promise<{ orders: number; outbox: number }> {
  const { rows } = await pool.query<{ orders: number; outbox: number }>(
    'SELECT (SELECT count(*)::int FROM orders) AS orders, (SELECT count(*)::int FROM outbox) AS outbox',
  );
  return rows[0];
}

export const silentLogger = () => ({ info: jest.fn(), warn: jest.fn(), error: jest.fn() });

/**
 * For a test file: the orders service on a database of its own, pricing at a stand-in catalog, started
 * before the file's tests and stopped after them; each test starts with no order and no event.
 * Read its parts when a test runs (they exist only then).
 */
export function useOrdersService(): { readonly catalog: PricingCatalog; readonly service: RunningService } {
  const parts: { catalog?: PricingCatalog; database?: FreshDatabase; service?: RunningService } = {};
  beforeAll(async () => {
    parts.catalog = await startPricingCatalog();
    parts.database = await freshDatabase();
    parts.service = await startService(ordersService, ordersEnv(parts.database.url, parts.catalog.url));
  });
  afterAll(async () => {
    await parts.service?.shutdown();
    await parts.database?.drop();
    await parts.catalog?.stop();
  });
  beforeEach(async () => {
    await parts.service!.pool.query('TRUNCATE orders, outbox');
  });
  return {
    get catalog() {
      return parts.catalog!;
    },
    get service() {
      return parts.service!;
    },
  };
}
