import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { Pool, PoolClient } from 'pg';
import { ORDER_EVENTS_SOURCE } from '../../functions/shared/order-events';
import { inTransaction } from '../kit';
import { parseTraceparent, xrayTraceHeader } from '../kit/trace-context';

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
 *
 * The relay never polls: an idle service must leave the database alone (a serverless Aurora pauses
 * only without connections). It sweeps when woken after an order's transaction has committed, once at
 * start-up (for what a crashed process left pending), and when the earliest event waiting for a
 * retry is due.
 */

/** PutEvents accepts at most 10 entries per call. */
export const MAX_BATCH_SIZE = 10;
const DEFAULT_BACKOFF_BASE_MS = 1000;
const DEFAULT_BACKOFF_MAX_MS = 300_000;

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
  /** In how many ms the earliest event waiting for a retry is due (0: already); absent if none waits. */
  readonly retryInMs?: number;
}

interface PendingRow {
  /** bigserial: a string from pg. */
  id: string;
  event_type: string;
  payload: unknown;
  /** The event's W3C trace context, if it has one. */
  traceparent: string | null;
}

const MAX_ERROR_LENGTH = 1000;

/** One relay pass. Exported for tests and for the loop below. */
export async function relayOnce(pool: Pool, client: EventBridgeClient, busName: string, options: RelayOptions = {}): Promise<RelayResult> {
  const batchSize = options.batchSize ?? MAX_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
    throw new RangeError(`batchSize must be an integer from 1 to ${MAX_BATCH_SIZE}, got ${batchSize}`);
  }
  const backoffBaseMs = options.backoffBaseMs ?? DEFAULT_BACKOFF_BASE_MS;
  const backoffMaxMs = options.backoffMaxMs ?? DEFAULT_BACKOFF_MAX_MS;
  const publishTimeoutMs = options.publishTimeoutMs ?? 10_000;

  return inTransaction(pool, async (db) => {
    const { rows } = await db.query<PendingRow>(
      `SELECT id, event_type, payload, payload #>> '{traceContext,traceparent}' AS traceparent
         FROM outbox
        WHERE sent_at IS NULL AND next_attempt_at <= now()
        ORDER BY id
        LIMIT $1
        FOR UPDATE SKIP LOCKED`,
      [batchSize],
    );
    if (rows.length === 0) return { claimed: 0, sent: 0, failed: 0, ...(await retryDue(db)) };

    const entries: PutEventsRequestEntry[] = rows.map((row) => {
      // EventBridge hands the X-Ray header on to its targets (SQS, then the notifier's Lambda under
      // active tracing), which continue the order's trace. The detail carries the W3C context as well.
      const trace = parseTraceparent(row.traceparent ?? undefined);
      return {
        EventBusName: busName,
        Source: ORDER_EVENTS_SOURCE,
        DetailType: row.event_type,
        Detail: JSON.stringify(row.payload),
        ...(trace && { TraceHeader: xrayTraceHeader(trace) }),
      };
    });

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
    return { claimed: rows.length, sent: sent.length, failed: failed.length, ...(await retryDue(db)) };
  });
}

/**
 * When the earliest row waiting for a retry is due, asked inside the pass's transaction. Only rows due
 * after the pass's cut-off (now(): the transaction's start) count: a pending row due before it was
 * claimed by this pass, or is held by another relay's pass, which sees to it.
 */
async function retryDue(db: PoolClient): Promise<Pick<RelayResult, 'retryInMs'>> {
  const { rows } = await db.query<{ retry_in_ms: number | null }>(
    `SELECT ceil(extract(epoch FROM min(next_attempt_at) - clock_timestamp()) * 1000)::float8 AS retry_in_ms
       FROM outbox
      WHERE sent_at IS NULL AND next_attempt_at > now()`,
  );
  const retryInMs = rows[0].retry_in_ms;
  return retryInMs === null ? {} : { retryInMs: Math.max(0, retryInMs) };
}

/** What the relay loop logs through (pino-style, as Fastify's logger). */
export interface RelayLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface OutboxRelayOptions extends RelayOptions {
  readonly logger: RelayLogger;
  /** Called after every pass (metrics, tests). */
  readonly onPass?: (result: RelayResult) => void;
  /** Called for every sweep that failed, after it was logged (metrics). */
  readonly onSweepFailed?: () => void;
}

export interface OutboxRelay {
  readonly name: string;
  /**
   * Asks for a sweep: call it once a transaction that wrote outbox rows has committed. During a sweep
   * it asks for another right after, which sees what the sweep in flight could not.
   */
  readonly wake: () => void;
  /** Resolves once the sweep in flight, if any, has finished; no sweep starts after it. */
  stop(): Promise<void>;
}

/**
 * Starts the relay: a sweep now (rows a crashed process left pending), then one whenever woken or
 * when the earliest event waiting for a retry is due; in between, no timer and no query. A sweep runs
 * passes until one claims less than a full batch, so that no due row is left; sweeps never overlap. A
 * sweep that fails (database down, say) is logged and retried after the same backoff as a failed
 * publish; it never stops the relay.
 *
 * A replica that stops (a scale-in) leaves the retries it was waiting for to the next sweep of any
 * replica, whose pass sees them: after the next order, or at the next start.
 */
export function startOutboxRelay(pool: Pool, client: EventBridgeClient, busName: string, options: OutboxRelayOptions): OutboxRelay {
  const batchSize = options.batchSize ?? MAX_BATCH_SIZE;
  const backoffBaseMs = options.backoffBaseMs ?? DEFAULT_BACKOFF_BASE_MS;
  const backoffMaxMs = options.backoffMaxMs ?? DEFAULT_BACKOFF_MAX_MS;
  let stopped = false;
  let inFlight: Promise<void> | undefined;
  // Stryker disable next-line BooleanLiteral: run() sets it before anything reads it
  let wokenDuringSweep = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let failedSweeps = 0;

  /** Resolves with when to sweep again unless woken first, in ms; undefined: only when woken. */
  const sweep = async (): Promise<number | undefined> => {
    try {
      let result: RelayResult;
      do {
        result = await relayOnce(pool, client, busName, options);
        options.onPass?.(result);
        if (result.failed > 0) options.logger.warn({ ...result }, 'outbox relay: some events were not published; they will be retried');
      } while (!stopped && result.claimed === batchSize);
      failedSweeps = 0;
      return result.retryInMs;
    } catch (error) {
      const retryInMs = Math.min(backoffMaxMs, backoffBaseMs * 2 ** Math.min(failedSweeps++, 30));
      options.logger.error({ err: error, retryInMs }, 'outbox relay sweep failed');
      options.onSweepFailed?.();
      return retryInMs;
    }
  };

  const run = (): void => {
    clearTimeout(retryTimer);
    retryTimer = undefined;
    wokenDuringSweep = false;
    inFlight = sweep().then((retryInMs) => {
      inFlight = undefined;
      if (stopped) return;
      if (wokenDuringSweep) return run();
      if (retryInMs === undefined) return;
      // Capped: a row parked far ahead by hand is no reason to sleep longer, and a Node.js timer
      // beyond 2^31 ms would fire at once.
      retryTimer = setTimeout(run, Math.min(retryInMs, backoffMaxMs));
      // The relay alone does not keep the process alive; the HTTP server does.
      retryTimer.unref();
    });
  };

  const wake = (): void => {
    if (stopped) return;
    if (inFlight) wokenDuringSweep = true;
    else run();
  };

  options.logger.info({ busName }, 'outbox relay started');
  wake();

  return {
    name: 'outbox-relay',
    wake,
    async stop() {
      stopped = true;
      clearTimeout(retryTimer);
      await inFlight;
    },
  };
}
