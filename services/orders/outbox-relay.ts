import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { Pool } from 'pg';
import { ORDER_EVENTS_SOURCE } from '../../functions/shared/order-events';
import { inTransaction } from './repository';

/**
 * The outbox relay: publishes the pending rows of `outbox` to EventBridge.
 *
 * One pass claims up to 10 due rows (PutEvents takes at most 10 entries) with `FOR UPDATE SKIP LOCKED`,
 * so relays in several pods share the work without publishing a row twice, publishes them, and in the
 * same transaction marks the accepted ones sent and the rejected ones for a later attempt (attempts + 1,
 * exponential backoff, the error kept in `last_error`). Rows are never deleted or given up on.
 *
 * Delivery is at least once: if the process dies (or COMMIT fails) after EventBridge accepted a batch,
 * those rows are still pending and are published again. Consumers de-duplicate on the order id (the
 * notifier is idempotent per order).
 */

/** PutEvents accepts at most 10 entries per call. */
export const MAX_BATCH_SIZE = 10;

export interface RelayOptions {
  /** Rows per pass, 1 to 10. @default 10 */
  readonly batchSize?: number;
  /** Delay before the first retry; doubled per failed attempt. @default 1000 */
  readonly backoffBaseMs?: number;
  /** Upper bound of the retry delay. @default 300000 (5 minutes) */
  readonly backoffMaxMs?: number;
  /** PutEvents is abandoned (and counted as a failure) after this long; the claimed rows stay locked meanwhile. @default 10000 */
  readonly publishTimeoutMs?: number;
}

export interface RelayResult {
  /** Rows claimed by this pass. */
  readonly claimed: number;
  readonly sent: number;
  readonly failed: number;
}

interface PendingRow {
  /** bigserial: a string from pg. */
  id: string;
  event_type: string;
  payload: unknown;
}

const MAX_ERROR_LENGTH = 1000;

/** One relay pass. Exported for tests and for the loop below. */
export async function relayOnce(pool: Pool, client: EventBridgeClient, busName: string, options: RelayOptions = {}): Promise<RelayResult> {
  const batchSize = options.batchSize ?? MAX_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
    throw new RangeError(`batchSize must be an integer from 1 to ${MAX_BATCH_SIZE}, got ${batchSize}`);
  }
  const backoffBaseMs = options.backoffBaseMs ?? 1000;
  const backoffMaxMs = options.backoffMaxMs ?? 300_000;
  const publishTimeoutMs = options.publishTimeoutMs ?? 10_000;

  return inTransaction(pool, async (db) => {
    const { rows } = await db.query<PendingRow>(
      `SELECT id, event_type, payload
         FROM outbox
        WHERE sent_at IS NULL AND next_attempt_at <= now()
        ORDER BY id
        LIMIT $1
        FOR UPDATE SKIP LOCKED`,
      [batchSize],
    );
    if (rows.length === 0) return { claimed: 0, sent: 0, failed: 0 };

    const entries: PutEventsRequestEntry[] = rows.map((row) => ({
      EventBusName: busName,
      Source: ORDER_EVENTS_SOURCE,
      DetailType: row.event_type,
      Detail: JSON.stringify(row.payload),
    }));

    const sent: string[] = [];
    const failed: { id: string; error: string }[] = [];
    try {
      const response = await client.send(new PutEventsCommand({ Entries: entries }), {
        abortSignal: AbortSignal.timeout(publishTimeoutMs),
      });
      // Result entries are in request order. Only an entry with an EventId and no ErrorCode counts as
      // published; anything else (an error code, a missing or short Entries list) is retried.
      rows.forEach((row, index) => {
        const result = response.Entries?.[index];
        if (result?.EventId && !result.ErrorCode) sent.push(row.id);
        else failed.push({ id: row.id, error: result?.ErrorCode ? `${result.ErrorCode}: ${result.ErrorMessage ?? ''}` : 'no result entry for this event' });
      });
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      for (const row of rows) failed.push({ id: row.id, error: message });
    }

    if (sent.length > 0) {
      await db.query('UPDATE outbox SET sent_at = clock_timestamp() WHERE id = ANY($1::bigint[])', [sent]);
    }
    if (failed.length > 0) {
      // Backoff from the attempts made so far: base, 2 x base, 4 x base, ... capped. The exponent is
      // capped too, so that power() cannot overflow after a very long outage.
      await db.query(
        `UPDATE outbox AS o
            SET attempts = o.attempts + 1,
                next_attempt_at = clock_timestamp()
                  + least($3::float8, $2::float8 * power(2, least(o.attempts, 30))) * interval '1 millisecond',
                last_error = f.error
           FROM unnest($1::bigint[], $4::text[]) AS f(id, error)
          WHERE o.id = f.id`,
        [failed.map((f) => f.id), backoffBaseMs, backoffMaxMs, failed.map((f) => f.error.slice(0, MAX_ERROR_LENGTH))],
      );
    }
    return { claimed: rows.length, sent: sent.length, failed: failed.length };
  });
}

/** What the relay loop logs through (pino-style, as Fastify's logger). */
export interface RelayLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface OutboxRelayOptions extends RelayOptions {
  readonly pollMs: number;
  readonly logger: RelayLogger;
  /** Called after every pass (metrics, tests). */
  readonly onPass?: (result: RelayResult) => void;
}

export interface OutboxRelay {
  readonly name: string;
  /** Stops polling and resolves once the pass in flight, if any, has finished. */
  stop(): Promise<void>;
}

/**
 * Starts the relay loop: a pass now, then one every `pollMs` after the previous one finished (passes
 * never overlap). While passes come back full and without failures it drains the backlog at once.
 * A failing pass (database down, say) is logged and retried at the next tick; it never stops the loop.
 */
export function startOutboxRelay(pool: Pool, client: EventBridgeClient, busName: string, options: OutboxRelayOptions): OutboxRelay {
  const batchSize = options.batchSize ?? MAX_BATCH_SIZE;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;

  const pass = async (): Promise<void> => {
    try {
      let result: RelayResult;
      do {
        result = await relayOnce(pool, client, busName, options);
        options.onPass?.(result);
        if (result.failed > 0) options.logger.warn({ ...result }, 'outbox relay: some events were not published; they will be retried');
      } while (!stopped && result.claimed === batchSize && result.failed === 0);
    } catch (error) {
      options.logger.error({ err: error }, 'outbox relay pass failed');
    }
  };

  const tick = (): void => {
    timer = undefined;
    inFlight = pass().finally(() => {
      inFlight = undefined;
      schedule(options.pollMs);
    });
  };

  const schedule = (delayMs: number): void => {
    if (stopped) return;
    timer = setTimeout(tick, delayMs);
    // The loop alone does not keep the process alive; the HTTP server does.
    timer.unref();
  };

  schedule(0);
  options.logger.info({ busName, pollMs: options.pollMs }, 'outbox relay started');

  return {
    name: 'outbox-relay',
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await inFlight;
    },
  };
}
