import type pg from 'pg';
import type { AcceptedEntry } from './event-bridge-stand-in';
import type { OrderOutcome } from './order-load';

/** What PostgreSQL and the EventBridge stand-in hold, set against what the clients were told. */
export interface Ledger {
  readonly orders: number;
  /** Acknowledged (201) orders that are not in `orders`. */
  readonly ackedMissing: readonly string[];
  /** Orders without exactly one OrderPlaced outbox row. */
  readonly withoutOneEvent: readonly string[];
  /** Outbox rows whose order is not in `orders`. */
  readonly eventsWithoutOrder: number;
  /** Outbox rows not marked sent. */
  readonly pending: number;
  /** Orders in `orders` whose event the stand-in never accepted. */
  readonly undelivered: readonly string[];
  /** Events the stand-in accepted for orders that are not in `orders`. */
  readonly phantoms: readonly string[];
  /** Accepted entries beyond the first per order id: what at-least-once delivery leaves consumers to drop. */
  readonly duplicateDeliveries: number;
  /** Customers (one per logical order) with more than one order: a retry placed an order twice. */
  readonly duplicatedOrders: readonly string[];
  /** Orders placed for a request answered 503, whose body says "nothing was placed". */
  readonly placedDespite503: readonly string[];
}

export async function readLedger(db: pg.Pool, outcomes: readonly OrderOutcome[], accepted: readonly AcceptedEntry[]): Promise<Ledger> {
  const { rows: orders } = await db.query<{ id: string; customer_email: string; events: string }>(
    `SELECT o.id, o.customer_email,
            (SELECT count(*) FROM outbox e WHERE e.aggregate_id = o.id AND e.event_type = 'OrderPlaced') AS events
       FROM orders o`,
  );
  const { rows: [outbox] } = await db.query<{ orphans: string; pending: string }>(
    `SELECT count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = e.aggregate_id)) AS orphans,
            count(*) FILTER (WHERE sent_at IS NULL) AS pending
       FROM outbox e`,
  );
  const inDb = new Set(orders.map((order) => order.id));
  const delivered = new Set(accepted.map((entry) => entry.orderId));
  const perCustomer = new Map<string, number>();
  for (const order of orders) perCustomer.set(order.customer_email, (perCustomer.get(order.customer_email) ?? 0) + 1);
  const refused = new Set(outcomes.filter((o) => o.status === 503).map((o) => o.customerEmail));

  return {
    orders: orders.length,
    ackedMissing: outcomes.filter((o) => o.status === 201 && !inDb.has(o.orderId!)).map((o) => o.orderId!),
    withoutOneEvent: orders.filter((order) => Number(order.events) !== 1).map((order) => order.id),
    eventsWithoutOrder: Number(outbox.orphans),
    pending: Number(outbox.pending),
    undelivered: orders.filter((order) => !delivered.has(order.id)).map((order) => order.id),
    phantoms: [...delivered].filter((id) => !inDb.has(id)),
    duplicateDeliveries: accepted.length - delivered.size,
    duplicatedOrders: [...perCustomer].filter(([, count]) => count > 1).map(([email]) => email),
    placedDespite503: orders.filter((order) => refused.has(order.customer_email)).map((order) => order.id),
  };
}
