import { PutEventsCommand, type PutEventsCommandInput } from '@aws-sdk/client-eventbridge';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { startService, type RunningService } from '../../services/kit';
import { ordersService } from '../../services/orders/service';
import { orderRequest, ordersEnv, startPricingCatalog, type PricingCatalog } from './orders-fixtures';
import { freshDatabase, type FreshDatabase } from './support/database';
import { acceptingEventBridge } from './support/event-bridge-mock';
import { waitFor } from './support/wait-for';

/**
 * A database connection that breaks while the service holds it checked out of the pool, between two
 * statements: here the outbox relay's, which keeps its transaction open while EventBridge answers.
 * That is what a crashed or restarted PostgreSQL does to it (test/chaos/postgres-restarted.test.ts);
 * here the server ends just that one backend (pg_terminate_backend), as a crash would.
 *
 * The pg client then emits 'error', which the pool does not listen to while the client is checked
 * out: unheard, the event was thrown and killed the orders service (under jest: an uncaught
 * exception, this test failing). Now the pass fails like any other, the relay retries, and the
 * service keeps serving.
 */

const { eventBridge, publishedOrderIds } = acceptingEventBridge();

let database: FreshDatabase;
let catalog: PricingCatalog;
let orders: RunningService;
let monitor: pg.Client;

beforeAll(async () => {
  catalog = await startPricingCatalog();
  database = await freshDatabase();
  orders = await startService(ordersService, ordersEnv(database.url, catalog.url, { OUTBOX_RELAY_ENABLED: 'true' }));
  monitor = new pg.Client({ connectionString: database.url, application_name: 'database-crash-test' });
  await monitor.connect();
});
afterAll(async () => {
  await monitor?.end();
  await orders?.shutdown();
  await database?.drop();
  await catalog?.stop();
});

const placeOrder = () => orders.app.inject({ method: 'POST', url: '/orders', payload: orderRequest(catalog, { customerEmail: `${randomUUID()}@example.com` }) });

/** The backends of the orders service inside an open transaction that waits for the service. */
async function idleInTransaction(): Promise<number[]> {
  const { rows } = await monitor.query<{ pid: number }>(
    "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = 'orders' AND state = 'idle in transaction'",
    [database.name],
  );
  return rows.map((row) => row.pid);
}

describe('a database connection lost while the service holds it in a transaction', () => {
  it('fails that transaction only: the service keeps serving and the event is published on a retry', async () => {
    // The relay's first PutEvents is held until released: its transaction stays open meanwhile.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    eventBridge.on(PutEventsCommand).callsFake(async (input: PutEventsCommandInput) => {
      if (calls++ === 0) await held;
      return { FailedEntryCount: 0, Entries: input.Entries!.map(() => ({ EventId: randomUUID() })) };
    });

    const first = await placeOrder();
    expect(first.statusCode).toBe(201);
    await waitFor('the relay to publish, in its transaction', async () => calls > 0 && (await idleInTransaction()).length === 1);

    // The relay's connection breaks, between its SELECT ... FOR UPDATE and its UPDATE.
    const [relayBackend] = await idleInTransaction();
    const { rows } = await monitor.query<{ terminated: boolean }>('SELECT pg_terminate_backend($1) AS terminated', [relayBackend]);
    expect(rows[0].terminated).toBe(true);
    await waitFor('the backend to be gone', async () => (await idleInTransaction()).length === 0);
    // Long enough for the client to see its socket close (here it used to throw, and the process die).
    await new Promise((resolve) => setTimeout(resolve, 200));
    release();

    // The same service, not restarted: it answers, and places orders.
    const second = await placeOrder();
    expect(second.statusCode).toBe(201);
    // The first event's pass could not commit it as sent: the relay publishes it again (at least once).
    await waitFor('both events to be published', () => [first, second].every((response) => publishedOrderIds().includes(response.json().id)));
    const { rows: pending } = await orders.pool.query<{ n: string }>('SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL');
    expect(Number(pending[0].n)).toBe(0);
  });
});
