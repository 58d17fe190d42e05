import type { FastifyBaseLogger } from 'fastify';
import type { Pool } from 'pg';
import { Gauge, type Registry } from 'prom-client';
import { ORDERS_METRICS } from './business-metrics';

interface Backlog {
  readonly pending: number;
  readonly oldestAgeSeconds: number;
}

/**
 * The outbox gauges, read from the outbox table when scraped: one query for both, answered from the
 * partial index of pending rows (migration 0003), so it costs in proportion to the backlog, not to
 * the table.
 *
 * Idle means silent (test/services/idle-database.test.ts): a scrape every minute must not keep a
 * serverless Aurora from pausing. So a scrape reads the table only if the service has used the
 * database since the last read (a request, a relay sweep), or that read found events pending;
 * otherwise nothing this replica did can have changed the answer, "none pending", and it stands. (An
 * order placed through another replica shows in that replica's gauges: every replica reads the whole
 * table, so a dashboard aggregates them with max.) A read that fails keeps the last answer, is logged,
 * and is tried again at the next scrape: a database outage must not take /metrics down with it.
 */
export function registerOutboxGauges(registry: Registry, pool: Pool, logger: FastifyBaseLogger): void {
  let acquisitions = 0;
  pool.on('acquire', () => acquisitions++);
  /** The acquisition count the last read saw, its own included; undefined: never read. */
  let seen: number | undefined;
  let last: Backlog = { pending: 0, oldestAgeSeconds: 0 };

  const read = async (): Promise<Backlog> => {
    if (acquisitions === seen && last.pending === 0) return last;
    const before = acquisitions;
    try {
      const { rows } = await pool.query<{ pending: number; oldest_age_seconds: number }>(
        `SELECT count(*)::int AS pending,
                coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 AS oldest_age_seconds
           FROM outbox
          WHERE sent_at IS NULL`,
      );
      last = { pending: rows[0].pending, oldestAgeSeconds: rows[0].oldest_age_seconds };
      seen = before + 1;
    } catch (error) {
      logger.warn({ err: error }, 'could not read the outbox backlog for /metrics; reporting the last reading');
    }
    return last;
  };
  // Both gauges are collected at once (prom-client collects a registry's metrics concurrently): they share one read.
  let reading: Promise<Backlog> | undefined;
  const backlog = () => (reading ??= read().finally(() => (reading = undefined)));

  new Gauge({
    name: ORDERS_METRICS.outboxPendingEvents,
    help: 'Outbox events not yet published to EventBridge',
    registers: [registry],
    async collect() {
      this.set((await backlog()).pending);
    },
  });
  new Gauge({
    name: ORDERS_METRICS.outboxOldestPendingAge,
    help: 'Age of the oldest outbox event not yet published to EventBridge, in seconds (0 when none is pending)',
    registers: [registry],
    async collect() {
      this.set((await backlog()).oldestAgeSeconds);
    },
  });
}
