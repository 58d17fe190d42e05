import type { Pool } from 'pg';
import { ORDER_PLACED, type OrderPlacedDetail } from '../../functions/shared/order-events';

/** All the SQL of the orders service's API side; the relay's SQL lives with the relay (outbox-relay.ts). */

export interface OrderItem {
  productId: string;
  quantity: number;
  unitPriceCents: number;
}

export interface Order {
  id: string;
  customerEmail: string;
  currency: OrderPlacedDetail['currency'];
  items: OrderItem[];
  totalCents: number;
  createdAt: string;
}

interface OrderRow {
  id: string;
  customer_email: string;
  currency: Order['currency'];
  items: OrderItem[];
  /** bigint comes back from pg as a string. */
  total_cents: string;
  created_at: Date;
}

const ORDER_COLUMNS = 'id, customer_email, currency, items, total_cents, created_at';

/**
 * The order and its OrderPlaced outbox row in one statement, so one transaction (autocommit) and one
 * round trip instead of four (BEGIN, two INSERTs, COMMIT): both rows or neither, as before, and the
 * outbox row exists only if the order row does. Prepared once per connection (a named statement):
 * the database parses and plans it once. In a same-run comparison on the bench machine: a quarter
 * less CPU per order in the orders service, and about 1.5x the orders per second.
 */
export const PLACE_ORDER = {
  name: 'orders.place',
  text: `
    WITH placed AS (
      INSERT INTO orders (id, customer_email, currency, items, total_cents, created_at)
      VALUES ($1, $2, $3, $4, $5, $6)
      RETURNING ${ORDER_COLUMNS}
    ), queued AS (
      INSERT INTO outbox (aggregate_id, event_type, payload) SELECT id, $7::text, $8::jsonb FROM placed
    )
    SELECT ${ORDER_COLUMNS} FROM placed`,
} as const;

function toOrder(row: OrderRow): Order {
  return {
    id: row.id,
    customerEmail: row.customer_email,
    currency: row.currency,
    items: row.items,
    // Safe: the API bounds items, quantities and prices so that a total stays far below 2^53.
    totalCents: Number(row.total_cents),
    createdAt: row.created_at.toISOString(),
  };
}

export interface OrdersRepository {
  /**
   * Writes the order and its OrderPlaced outbox row in one statement: both or neither. The event is
   * built (and validated) by the caller before anything is written.
   */
  placeOrder(event: OrderPlacedDetail): Promise<Order>;
  findOrder(id: string): Promise<Order | undefined>;
}

export interface OrdersRepositoryOptions {
  /** Called once a transaction that wrote outbox rows has committed: the outbox relay's wake-up. */
  readonly onOutboxCommitted?: () => void;
}

export function ordersRepository(pool: Pool, { onOutboxCommitted }: OrdersRepositoryOptions = {}): OrdersRepository {
  return {
    async placeOrder(event) {
      const { rows } = await pool.query<OrderRow>({
        ...PLACE_ORDER,
        values: [event.orderId, event.customerEmail, event.currency, JSON.stringify(event.items), event.totalCents, event.placedAt, ORDER_PLACED, JSON.stringify(event)],
      });
      onOutboxCommitted?.();
      return toOrder(rows[0]);
    },

    async findOrder(id) {
      const { rows } = await pool.query<OrderRow>(`SELECT ${ORDER_COLUMNS} FROM orders WHERE id = $1`, [id]);
      return rows.length === 0 ? undefined : toOrder(rows[0]);
    },
  };
}
