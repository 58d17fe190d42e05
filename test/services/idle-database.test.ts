import pg from 'pg';
import { databaseUrl } from '../../scripts/postgres';
import { catalogService } from '../../services/catalog/service';
import { startService, type RunningService } from '../../services/kit';
import { ordersService } from '../../services/orders/service';
import { catalogEnv, useDummyCredentials, validProduct } from './catalog-support';
import { ordersEnv } from './orders-fixtures';
import { freshDatabase, type FreshDatabase } from './support/database';
import { acceptingEventBridge } from './support/event-bridge-mock';
import { waitFor } from './support/wait-for';


/**
 * Idle means silent: with no traffic, while the kubelet keeps probing them, the services run no
 * database statement and hold no database connection, so that a serverless Aurora (min capacity 0)
 * can pause.
 *
 * The measure is pg_stat_database's transaction count (xact_commit + xact_rollback) of the services'
 * database, read over a connection to another database (`postgres`), so that measuring adds nothing
 * to it. A backend adds its counts to these statistics at most once a second while it lives, and
 * always as it exits, before it leaves pg_stat_activity (PostgreSQL 15+: before_shmem_exit, then
 * on_shmem_exit). So the count is complete once pg_stat_activity shows no connection to the
 * database; and when that holds at the end of a window, every transaction run in the window is in it.
 * (Nothing else visits the database: the test server runs without autovacuum, scripts/postgres.ts.)
 */

// The kubelet's cadence (readiness every 5 s, liveness every 10 s, k8s/core-api-workload.ts), 100 times faster.
const READINESS_PERIOD_MS = 50;
const LIVENESS_PERIOD_MS = 100;
/** 1.5 s of probing: the old readiness check queried on every probe, the old relay polled every second. */
const READINESS_PROBES = 30;
const DATABASE_IDLE_TIMEOUT_MS = '100';

const { publishedOrderIds } = acceptingEventBridge();

let database: FreshDatabase;
let catalog: RunningService;
let orders: RunningService;
let monitor: pg.Client;

beforeAll(async () => {
  useDummyCredentials();
  database = await freshDatabase();
  // One database for both, as on Aurora.
  catalog = await startService(catalogService, catalogEnv(database.url, { DATABASE_IDLE_TIMEOUT_MS }));
  orders = await startService(ordersService, ordersEnv(database.url, catalog.url, { OUTBOX_RELAY_ENABLED: 'true', DATABASE_IDLE_TIMEOUT_MS }));
  monitor = new pg.Client({ connectionString: databaseUrl(database.url, 'postgres'), application_name: 'idle-database-test' });
  await monitor.connect();
});
afterAll(async () => {
  await monitor?.end();
  await catalog?.shutdown();
  await orders?.shutdown();
  await database?.drop();
});

async function transactions(): Promise<number> {
  const { rows } = await monitor.query<{ n: string }>('SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = $1', [database.name]);
  return Number(rows[0].n);
}

/** Who is connected to the services' database, by application_name (the kit names connections after the service). */
async function connections(): Promise<string[]> {
  const { rows } = await monitor.query<{ application_name: string }>('SELECT application_name FROM pg_stat_activity WHERE datname = $1', [database.name]);
  return rows.map((row) => row.application_name);
}

const allConnectionsClosed = () => waitFor('every connection to the database to close', async () => (await connections()).length === 0);

async function createProduct(): Promise<string> {
  const created = await fetch(`${catalog.url}/products`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(validProduct) });
  expect(created.status).toBe(201);
  return ((await created.json()) as { id: string }).id;
}

/** Orders one of the product: orders asks the catalog for its price. */
async function placeOrder(productId: string): Promise<string> {
  const order = { customerEmail: 'ada@example.com', items: [{ productId, quantity: 1 }] };
  const response = await fetch(`${orders.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(order) });
  expect(response.status).toBe(201);
  const { id } = (await response.json()) as { id: string };
  await waitFor('the order to be published', () => publishedOrderIds().includes(id));
  return id;
}

/** Real requests to both services, through their HTTP servers. */
async function useBothServices(): Promise<void> {
  const id = await createProduct();
  expect((await fetch(`${catalog.url}/products/${id}`)).status).toBe(200);
  await placeOrder(id);
}

/** Probes both services as the kubelet does (faster), a fixed number of times; resolves with every answer's status. */
async function probeLikeTheKubelet(): Promise<number[]> {
  const statuses: number[] = [];
  const probe = async (url: string, periodMs: number, times: number) => {
    for (let count = 0; count < times; count++) {
      await new Promise((resolve) => setTimeout(resolve, periodMs));
      statuses.push((await fetch(url)).status);
    }
  };
  await Promise.all(
    [catalog, orders].flatMap((service) => [
      probe(`${service.url}/readyz`, READINESS_PERIOD_MS, READINESS_PROBES),
      probe(`${service.url}/healthz`, LIVENESS_PERIOD_MS, READINESS_PROBES / 2),
    ]),
  );
  return statuses;
}

describe('with no traffic, while the kubelet keeps probing them', () => {
  it('catalog and orders run no database statement and hold no database connection', async () => {
    await allConnectionsClosed();
    const atRest = await transactions();
    await useBothServices();
    await allConnectionsClosed();
    // The measure sees what the services did: seeing nothing below means they did nothing.
    await waitFor('the requests to show in pg_stat_database', async () => (await transactions()) > atRest);
    const beforeIdling = await transactions();

    const statuses = await probeLikeTheKubelet();

    expect(statuses).toEqual(Array(2 * (READINESS_PROBES + READINESS_PROBES / 2)).fill(200));
    // In this order: a backend that ran anything in the window is either still connected, or gone
    // and its counts already added.
    expect(await connections()).toEqual([]);
    expect(await transactions()).toBe(beforeIdling);
  });

  it('the next requests are still served: a product is created, an order for it placed and published', async () => {
    await allConnectionsClosed();
    const published = publishedOrderIds().length;

    await placeOrder(await createProduct());

    expect(publishedOrderIds()).toHaveLength(published + 1);
  });
});
