import pg from 'pg';
import { waitFor } from '../services/support/wait-for';
import { freshDatabase, type FreshDatabase } from '../services/support/database';
import { startEventBridgeStandIn } from './support/event-bridge-stand-in';
import { readLedger } from './support/ledger';
import { errorRate, figures, percentile, startOrderLoad } from './support/order-load';
import { catalogEnv, createProducts, ordersEnv, ServiceProcesses, type Program, type ServiceProcess } from './support/service-processes';

/**
 * Chaos: one of two orders replicas killed (SIGKILL) under steady load.
 *
 * Steady state: two orders replicas (real processes, each with its outbox relay) on one PostgreSQL,
 * the catalog, an EventBridge stand-in that holds every PutEvents 150 ms before it answers (so that a
 * relay has a call in flight most of the time), and clients placing 30 orders/s round-robin over the
 * replicas. A client retries an attempt that got no answer on the other replica, at most twice.
 *
 * Fault: replica A is SIGKILLed while the stand-in holds a PutEvents of A's relay (its answer held
 * back until A is gone, however slow the kill on a busy machine): the relay has claimed its rows
 * (FOR UPDATE, not yet marked sent) and dies before the answer, and A may be serving an order then.
 *
 * The catalog only prices orders (over HTTP, from a database of its own): one catalog serves both runs.
 *
 * Hypothesis:
 * - every order acknowledged with 201 is in PostgreSQL with exactly one OrderPlaced outbox row, and no
 *   outbox row lacks its order;
 * - every order in PostgreSQL reaches the stand-in, at least once, by the end. The relay's contract
 *   (services/orders/outbox-relay.ts) is at-least-once, consumers de-duplicating on the order id: so
 *   duplicates are counted, not refused, and the stand-in must hold no order id that PostgreSQL lacks;
 * - fewer than ERROR_RATE_BOUND of the orders fail as the client sees them.
 *
 * Retries and idempotency: POST /orders has no idempotency key, so a retry after an attempt that got
 * no answer from a replica that had already committed places the order twice. Each logical order has
 * a customer of its own, so PostgreSQL's rows are matched to it: an order placed twice is allowed only
 * for a logical order that had such an ambiguous attempt (reset or timed out, not refused).
 */

/**
 * 2 %: with one replica refusing connections, every attempt on it is retried at once on the other, so
 * an order fails only if it was in flight on A at the kill and then got no answer from B twice: about
 * 0 expected; 2 % leaves room for one or two attempts timed out on a busy 2-core machine. A client
 * without retries loses about half the orders sent after the kill (here ~30 %).
 */
const ERROR_RATE_BOUND = 0.02;
const RATE_PER_SECOND = 30;
const LOAD_MS = 3500;
/** How long the outbox may take to drain after the load: the relay publishes ~10 events per 150 ms. */
const DRAIN_MS = 8000;

const processes = new ServiceProcesses();
const databases: FreshDatabase[] = [];
let catalog: ServiceProcess;
let productIds: string[];
beforeAll(async () => {
  const database = await freshDatabase();
  databases.push(database);
  catalog = await processes.start('catalog', catalogEnv(database.url));
  productIds = await createProducts(catalog.url, 3);
});
afterAll(async () => {
  processes.close();
  await Promise.all(databases.map((database) => database.drop()));
});

async function killReplicaUnderLoad(run: string, program: Program, retries: number) {
  const database = await freshDatabase();
  databases.push(database);
  const databaseUrl = database.url;
  const standIn = await startEventBridgeStandIn({ answerDelayMs: 150 });
  const db = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  try {
    // One bus name per replica: the stand-in can then tell whose PutEvents it holds.
    const [a, b] = await Promise.all(
      ['a', 'b'].map((replica) => processes.start(program, ordersEnv(databaseUrl, catalog.url, standIn.url, { EVENT_BUS_NAME: `chaos-orders-${replica}` }))),
    );

    const load = startOrderLoad({ targets: [a.url, b.url], ratePerSecond: RATE_PER_SECOND, maxDurationMs: LOAD_MS, retries, attemptTimeoutMs: 2000, productIds, label: run });
    await waitFor('a second of load', () => load.now() >= 1000, 5000);
    await waitFor("a PutEvents of replica A's relay held 40 ms by the stand-in", () => standIn.heldMs('chaos-orders-a') >= 40, 3000);
    // Checked and held in one turn of the event loop: the call is still unanswered when A dies.
    const release = standIn.holdAnswers('chaos-orders-a');
    const killedAt = load.now();
    await a.kill();
    await waitFor("the stand-in to see replica A's connection gone", () => standIn.sendersGone('chaos-orders-a'), 2000).finally(release);
    const outcomes = await load.finished();

    const drainStart = performance.now();
    const drained = async () => standIn.inFlight === 0 && Number((await db.query('SELECT count(*) FROM outbox WHERE sent_at IS NULL')).rows[0].count) === 0;
    await waitFor('the outbox to drain', drained, DRAIN_MS).catch(() => undefined);
    const drainMs = performance.now() - drainStart;
    // A publish that went out in the background (the broken build) lands a moment after its row was marked sent.
    await new Promise((resolve) => setTimeout(resolve, 250));
    await waitFor('the stand-in to answer what it holds', () => standIn.inFlight === 0, 2000);
    const ledger = await readLedger(db, outcomes, standIn.accepted);

    const ambiguous = new Set(outcomes.filter((o) => o.ambiguous).map((o) => o.customerEmail));
    const placed = outcomes.filter((o) => o.status === 201);
    console.log(
      `chaos orders-replica-killed ${run}: ${figures({
        orders: outcomes.length,
        errorRate: errorRate(outcomes),
        p50ms: percentile(placed.map((o) => o.settledAt - o.sentAt), 50),
        p99ms: percentile(placed.map((o) => o.settledAt - o.sentAt), 99),
        retried: outcomes.filter((o) => o.attempts.length > 1).length,
        ambiguous: ambiguous.size,
        killedAtMs: Math.round(killedAt),
        inDb: ledger.orders,
        placedTwice: ledger.duplicatedOrders.length,
        delivered: standIn.accepted.length,
        duplicateDeliveries: ledger.duplicateDeliveries,
        abandonedPutEvents: standIn.abandoned,
        undelivered: ledger.undelivered.length,
        drainMs: Math.round(drainMs),
      })}`,
    );
    return { outcomes, ledger, ambiguous, replicas: { a, b } };
  } finally {
    await db.end();
    await standIn.close();
  }
}

describe('an orders replica killed under load', () => {
  it('loses no acknowledged order or event, delivers every event at least once, and keeps client errors under 2 %', async () => {
    const { outcomes, ledger, ambiguous, replicas } = await killReplicaUnderLoad('replica_killed', 'orders', 2);

    expect(replicas.a.running).toBe(false);
    expect(replicas.b.running).toBe(true);
    expect(ledger.ackedMissing).toEqual([]);
    expect(ledger.withoutOneEvent).toEqual([]);
    expect(ledger.eventsWithoutOrder).toBe(0);
    expect(ledger.undelivered).toEqual([]);
    expect(ledger.phantoms).toEqual([]);
    expect(ledger.duplicatedOrders.filter((customer) => !ambiguous.has(customer))).toEqual([]);
    expect(errorRate(outcomes)).toBeLessThanOrEqual(ERROR_RATE_BOUND);
  });

  it('fails those checks against replicas that acknowledge events before publishing them, and a client without retries', async () => {
    const { outcomes, ledger } = await killReplicaUnderLoad('replica_killed_broken', 'orders-fire-and-forget', 0);

    // The relay marked rows sent that the stand-in never accepted: lost, not merely late.
    expect(ledger.pending).toBe(0);
    expect(ledger.undelivered.length).toBeGreaterThan(0);
    expect(errorRate(outcomes)).toBeGreaterThan(ERROR_RATE_BOUND);
  });
});
