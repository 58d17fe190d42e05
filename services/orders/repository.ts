import type { Pool, PoolClient } from 'pg';
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
   * Writes the order and its OrderPlaced outbox row in one transaction: both or neither. The event
   * is built (and validated) by the caller before anything is written.
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
      const order = await inTransaction(pool, async (client) => {
        const { rows } = await client.query<OrderRow>(
          `INSERT INTO orders (id, customer_email, currency, items, total_cents, created_at)
           VALUES ($1, $2, $3, $4, $5, $6)
           RETURNING ${ORDER_COLUMNS}`,
          [event.orderId, event.customerEmail, event.currency, JSON.stringify(event.items), event.totalCents, event.placedAt],
        );
        await client.query('INSERT INTO outbox (aggregate_id, event_type, payload) VALUES ($1, $2, $3)', [
          event.orderId,
          ORDER_PLACED,
          JSON.stringify(event),
        ]);
        return toOrder(rows[0]);
      });
      onOutboxCommitted?.();
      return order;
    },

    async findOrder(id) {
      const { rows } = await pool.query<OrderRow>(`SELECT ${ORDER_COLUMNS} FROM orders WHERE id = $1`, [id]);
      return rows.length === 0 ? undefined : toOrder(rows[0]);
    },
  };
}

/**
 * Runs `work` in a transaction on one pooled connection: COMMIT if it resolves, ROLLBACK if it throws.
 * A connection whose ROLLBACK failed is destroyed rather than handed back to the pool in an unknown state.
 */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackError) {
      broken = rollbackError as Error;
    }
    throw error;
  } finally {
    client.release(broken);
  }
}
