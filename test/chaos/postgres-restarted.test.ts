import pg from 'pg';
import { createDatabase } from '../../scripts/postgres';
import { waitFor } from '../services/support/wait-for';
import { startEventBridgeStandIn } from './support/event-bridge-stand-in';
import { readLedger } from './support/ledger';
import { figures, firstPlacedSince, startOrderLoad } from './support/order-load';
import { startRestartablePostgres } from './support/restartable-postgres';
import { ServiceProcesses, startShop } from './support/service-processes';

/**
 * Chaos: PostgreSQL crashed and restarted under steady load.
 *
 * Steady state: the catalog and the orders service (real processes, the relay publishing to an
 * EventBridge stand-in) on a PostgreSQL of this test's own, and clients placing 25 orders/s without
 * retries. The server commits durably as Aurora does (synchronous_commit on; fsync stays off, as the
 * test server has it: a crashed PostgreSQL process loses nothing the kernel was handed).
 *
 * Fault: after 1.5 s of load the server crashes (SIGQUIT to the postmaster: pg_ctl's "immediate"
 * stop, recovery at the next start) and is started again at once on the same port. A crash is the
 * harsher restart: a clean one (checkpoint, no recovery) is covered by it.
 *
 * Hypothesis:
 * - both services recover without being restarted: the same processes place orders again within
 *   RECOVERY_BOUND_MS of the server accepting connections, and every order sent after the first one
 *   placed again succeeds;
 * - no acknowledged order is lost: each 201 is in PostgreSQL with its one outbox event, no outbox row
 *   lacks its order, and every order's event reaches the stand-in by the end (at least once);
 * - clients see only answers while the server is down (500s, 503s with Retry-After), no hangs,
 *   with one bounded exception (OUTAGE_TIMEOUT_SHARE below).
 */

/** The orders service's breaker on the catalog, shortened from its 5 s default to keep the run short. */
const BREAKER_RESET_MS = 2000;
/**
 * The catalog's 500s during the outage open the orders service's breaker on it; it may have re-opened
 * on a failed trial just before the server was back: one reset period, then a trial. Pools open new
 * connections on demand (no reconnect loop to wait for); 2 s on top for recovery and a busy machine.
 */
const RECOVERY_BOUND_MS = BREAKER_RESET_MS + 2000;
/** The load client's attempt timeout. */
const ATTEMPT_TIMEOUT_MS = 5000;
/**
 * What the service promises for a request caught by the outage is not "an answer within 5 s": its
 * documented worst case is the catalog lookup (CATALOG_* in services/orders/service.ts: 3.3 s) plus
 * the wait for a connection, up to DATABASE_CONNECT_TIMEOUT_MS (30 s, kept long for Aurora's resume
 * from pause; services/kit/config.ts). A client attempt timeout above that would make this run ~40 s.
 *
 * Observed: in a full `bash .ci/run` (typecheck, lint and jest side by side on 2 cores) one run had 11
 * of 161 orders unanswered within 5 s, all sent around the crash (e.g. at ~960 ms, crash at ~1500 ms),
 * and none after the recovery. Reproduced with `npx jest test/infra` alongside on the first run (the
 * bundles being built too, load average ~9 on 2 cores): the catalog's own lookups then took over
 * its 1 s attempt timeout and orders requests queued behind the pools' reconnects past 5 s. In five
 * further runs, under the same parallel load, no order took more than 0.6 s in the orders service
 * (its request logs): no request waited on a connect or a query that never ends. So requests affected
 * by the outage (sent from ATTEMPT_TIMEOUT_MS before the crash until the recovery) that time out are
 * counted apart, reported and bounded at this share of the orders sent in that window; any other
 * unanswered request (refused, reset), and any failure after the recovery, still fails the run.
 * Measured: 0 in most runs, 11 of ~135 (8%) and 13 of 154 (8.4%, a fresh clone's `.ci/run` alone on
 * the machine) in others; the starved run above, ~70%. 20% keeps such runs apart from a service that
 * hangs on a crash, without failing CI on the 8% the service's own 33 s bound allows. Why some
 * requests wait over 5 s on a quiet machine is still open (the issue 11 note).
 */
const OUTAGE_TIMEOUT_SHARE = 0.2;

const processes = new ServiceProcesses();
afterAll(() => processes.close());

async function crashPostgresUnderLoad(run: string, durableCommits: boolean) {
  const server = await startRestartablePostgres();
  const standIn = await startEventBridgeStandIn();
  try {
    const databaseUrl = await createDatabase(server.url, 'chaos');
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    // The broken variant: commits acknowledged before their WAL leaves the server's memory, and the
    // WAL writer's sweep spaced out to its 10 s maximum so that a crash finds some there.
    const settings = durableCommits ? { synchronous_commit: 'on' } : { synchronous_commit: 'off', wal_writer_delay: '10s' };
    for (const [name, value] of Object.entries(settings)) await admin.query(`ALTER SYSTEM SET ${name} = '${value}'`);
    await admin.query('SELECT pg_reload_conf()');
    await admin.end();

    const { catalog, orders, productIds } = await startShop(processes, databaseUrl, standIn.url, { orders: { CATALOG_BREAKER_RESET_MS: String(BREAKER_RESET_MS) } });

    const load = startOrderLoad({ targets: [orders.url], ratePerSecond: 25, maxDurationMs: 15_000, retries: 0, attemptTimeoutMs: ATTEMPT_TIMEOUT_MS, productIds, label: run });
    await waitFor('1.5 s of load', () => load.now() >= 1500, 5000);
    const crashedAt = load.now();
    await server.crash();
    await server.restart();
    const backAt = load.now();
    // The broken server's check (acknowledged orders lost in the crash) is settled once it is back:
    // its run stops the load there; the correct run checks recovery and a second of orders after it.
    const recovered = durableCommits ? await firstPlacedSince(load, backAt, RECOVERY_BOUND_MS + 500) : undefined;
    if (recovered) await waitFor('a second of load after the recovery', () => load.now() >= recovered.settledAt + 1000, 5000);
    const outcomes = await load.stop();

    const db = new pg.Pool({ connectionString: databaseUrl, max: 1 });
    db.on('error', () => undefined);
    try {
      const pending = async () => Number((await db.query('SELECT count(*) FROM outbox WHERE sent_at IS NULL')).rows[0].count);
      await waitFor('the outbox to drain', async () => (await pending()) === 0, 6000).catch(() => undefined);
      const ledger = await readLedger(db, outcomes, standIn.accepted);

      const recoveryMs = recovered && recovered.settledAt - backAt;
      const failures = outcomes.filter((o) => o.status !== 201);
      const failedAfterRecovery = recovered ? outcomes.filter((o) => o.sentAt > recovered.settledAt && o.status !== 201) : [];
      // See OUTAGE_TIMEOUT_SHARE. Without a recovery the window ends when the server was back.
      const outageEnd = recovered?.settledAt ?? backAt;
      const sentDuringOutage = outcomes.filter((o) => o.sentAt >= crashedAt - ATTEMPT_TIMEOUT_MS && o.sentAt <= outageEnd);
      const outageTimeouts = sentDuringOutage.filter((o) => o.status === 0 && o.attempts.every((a) => a.failure === 'TimeoutError'));
      console.log(
        `chaos postgres-restarted ${run}: ${figures({
          orders: outcomes.length,
          placed: outcomes.length - failures.length,
          failed500: failures.filter((o) => o.status === 500).length,
          failed503: failures.filter((o) => o.status === 503).length,
          noAnswer: failures.filter((o) => o.status === 0).length,
          outageTimeouts: outageTimeouts.length,
          sentDuringOutage: sentDuringOutage.length,
          downMs: Math.round(backAt - crashedAt),
          recoveryMs: recoveryMs === undefined ? 'none' : Math.round(recoveryMs),
          failedAfterRecovery: failedAfterRecovery.length,
          inDb: ledger.orders,
          ackedLost: ledger.ackedMissing.length,
          undelivered: ledger.undelivered.length,
          phantomEvents: ledger.phantoms.length,
          duplicateDeliveries: ledger.duplicateDeliveries,
          // A service that died answers nothing: every later order is a noAnswer (ECONNREFUSED).
          bothRunning: catalog.running && orders.running,
        })}`,
      );
      // Unanswered requests: what the services said, for the failure's reader.
      if (failures.some((o) => o.status === 0)) console.error(`orders:\n${orders.output}\ncatalog:\n${catalog.output}`);
      return { failures, outageTimeouts, sentDuringOutage, recoveryMs, failedAfterRecovery, ledger, bothRunning: catalog.running && orders.running };
    } finally {
      await db.end();
    }
  } finally {
    processes.killAll();
    await standIn.close();
    await server.remove();
  }
}

describe('PostgreSQL crashed and restarted under load', () => {
  it('loses no acknowledged order, and both services recover without a restart', async () => {
    const { failures, outageTimeouts, sentDuringOutage, recoveryMs, failedAfterRecovery, ledger, bothRunning } = await crashPostgresUnderLoad('postgres_restarted', true);

    expect(bothRunning).toBe(true);
    expect(recoveryMs).toBeLessThanOrEqual(RECOVERY_BOUND_MS);
    expect(failedAfterRecovery).toEqual([]);
    expect(outageTimeouts.length).toBeLessThanOrEqual(Math.floor(OUTAGE_TIMEOUT_SHARE * sentDuringOutage.length));
    expect(failures.filter((o) => o.status !== 500 && o.status !== 503 && !outageTimeouts.includes(o))).toEqual([]);
    expect(failures.filter((o) => o.status === 503 && !o.retryAfter)).toEqual([]);

    expect(ledger.ackedMissing).toEqual([]);
    expect(ledger.withoutOneEvent).toEqual([]);
    expect(ledger.eventsWithoutOrder).toBe(0);
    expect(ledger.placedDespite503).toEqual([]);
    expect(ledger.undelivered).toEqual([]);
    expect(ledger.phantoms).toEqual([]);
  });

  it('fails the no-lost-order check against a server that acknowledges commits before their WAL is written', async () => {
    const { ledger } = await crashPostgresUnderLoad('postgres_restarted_broken', false);

    expect(ledger.ackedMissing.length).toBeGreaterThan(0);
  });
});
