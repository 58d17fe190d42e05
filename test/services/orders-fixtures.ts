import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { OrderPlacedDetail } from '../../functions/shared/order-events';
import { testServiceEnv } from './support/service-env';

/** The environment the orders tests start the service with; the relay is off unless a test turns it on. */
export function ordersEnv(databaseUrl: string, overrides: Record<string, string> = {}): Record<string, string> {
  return testServiceEnv(databaseUrl, { EVENT_BUS_NAME: TEST_BUS, OUTBOX_RELAY_ENABLED: 'false', ...overrides });
}

export const TEST_BUS = 'orders-test-bus';

/** A valid POST /orders body. */
export function orderRequest(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    customerEmail: 'ada@example.com',
    currency: 'EUR',
    items: [
      { productId: 'sku-1', quantity: 2, unitPriceCents: 1250 },
      { productId: 'sku-2', quantity: 3, unitPriceCents: 199 },
    ],
    ...overrides,
  };
}

/** A valid OrderPlaced detail, for seeding the outbox through the repository. */
export function orderPlaced(overrides: Partial<OrderPlacedDetail> = {}): OrderPlacedDetail {
  return {
    orderId: randomUUID(),
    customerEmail: 'grace@example.com',
    items: [{ productId: 'sku-9', quantity: 1, unitPriceCents: 500 }],
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
