import type { Migration } from '../kit';

/**
 * The orders schema. Migrations are append-only: a deployed one is never edited, a change is a new one.
 *
 * `outbox` is the transactional outbox: an order and its OrderPlaced event are written in the same
 * transaction, and the relay (outbox-relay.ts) publishes pending rows to EventBridge afterwards. A row
 * is pending while `sent_at` is null; a failed publication increments `attempts` and pushes
 * `next_attempt_at` back (exponential backoff), so nothing is dropped.
 */
export const ordersMigrations: Migration[] = [
  {
    id: '0001_orders',
    sql: `
      CREATE TABLE orders (
        id             uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
        customer_email text        NOT NULL,
        items          jsonb       NOT NULL CHECK (jsonb_typeof(items) = 'array'),
        total_cents    bigint      NOT NULL CHECK (total_cents >= 0),
        currency       text        NOT NULL CHECK (currency IN ('USD', 'EUR', 'GBP')),
        created_at     timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
  {
    id: '0002_outbox',
    sql: `
      CREATE TABLE outbox (
        id              bigserial   PRIMARY KEY,
        aggregate_id    uuid        NOT NULL,
        event_type      text        NOT NULL,
        payload         jsonb       NOT NULL,
        created_at      timestamptz NOT NULL DEFAULT now(),
        sent_at         timestamptz,
        attempts        integer     NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_error      text
      );
      -- The relay scans pending rows in id order; sent rows (almost all of them) stay out of the index.
      CREATE INDEX outbox_pending_idx ON outbox (id) INCLUDE (next_attempt_at) WHERE sent_at IS NULL;
    `,
  },
  {
    id: '0003_outbox_pending_age',
    sql: `
      -- The pending index, with created_at: the outbox gauges (services/orders/outbox-gauges.ts) count
      -- the pending rows and find the oldest from the index alone. One index rather than two: each
      -- is written on every order.
      CREATE INDEX outbox_pending_with_age_idx ON outbox (id) INCLUDE (next_attempt_at, created_at) WHERE sent_at IS NULL;
      DROP INDEX outbox_pending_idx;
    `,
  },
];
