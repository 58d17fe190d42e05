import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createDatabase, startPostgres } from '../scripts/postgres';

/**
 * Load on this machine (autocannon, loopback only) against GET /products/:id (catalog) and
 * POST /orders (orders), each as a ratio against a bare node:http server doing the same work (for an
 * order: one loopback GET of the product's price, then the transaction), measured in the same run.
 * Goal: req/s ratio >= 0.7 (and p99 reported the same way).
 */
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = 20;

const ports = { catalog: 18081, orders: 18082, bare: 18090 };

function startProcess(entry: string, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', entry], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
}

async function waitFor(url: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      if ((await fetch(url)).status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not come up`);
}

async function load(url: string, options: Partial<autocannon.Options> = {}) {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_S, ...options });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx responses, ${result.errors} errors`);
  return { rps: result.requests.average, p99: result.latency.p99 };
}

async function main() {
  const postgres = await startPostgres();
  const children: ChildProcess[] = [];
  try {
    const databaseUrl = await createDatabase(postgres.url, 'bench_services');
    const common = { DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', SHUTDOWN_DELAY_MS: '0', AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench' };
    children.push(startProcess('services/catalog/main.ts', { ...common, PORT: String(ports.catalog), UPLOADS_BUCKET: 'bench-uploads' }));
    // Orders prices every order by asking the catalog (GET /products/:id) over loopback.
    children.push(
      startProcess('services/orders/main.ts', {
        ...common,
        PORT: String(ports.orders),
        EVENT_BUS_NAME: 'bench',
        OUTBOX_RELAY_ENABLED: 'false',
        CATALOG_URL: `http://127.0.0.1:${ports.catalog}`,
      }),
    );
    await waitFor(`http://127.0.0.1:${ports.catalog}/readyz`);
    await waitFor(`http://127.0.0.1:${ports.orders}/readyz`);
    // The bare server uses the tables the services' migrations created.
    children.push(startProcess('bench/fixtures/bare-server.ts', { DATABASE_URL: databaseUrl, PORT: String(ports.bare) }));
    await waitFor(`http://127.0.0.1:${ports.bare}/`);

    const created = await fetch(`http://127.0.0.1:${ports.catalog}/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Bench mug', description: 'For load tests', priceCents: 1250, currency: 'USD' }),
    });
    const { id } = (await created.json()) as { id: string };
    const order = JSON.stringify({ customerEmail: 'bench@example.com', items: [{ productId: id, quantity: 2 }] });
    const post = { method: 'POST' as const, headers: { 'content-type': 'application/json' }, body: order };

    const rows = [];
    for (const [name, path, options] of [
      ['GET /products/:id', `/products/${id}`, {}],
      ['POST /orders', '/orders', post],
    ] as const) {
      const service = await load(`http://127.0.0.1:${name.includes('orders') ? ports.orders : ports.catalog}${path}`, options);
      const bare = await load(`http://127.0.0.1:${ports.bare}${path}`, options);
      rows.push({
        endpoint: name,
        'service req/s': Math.round(service.rps),
        'bare req/s': Math.round(bare.rps),
        'req/s ratio': +(service.rps / bare.rps).toFixed(2),
        'service p99 ms': service.p99,
        'bare p99 ms': bare.p99,
        'p99 ratio (bare/service)': +(bare.p99 / Math.max(service.p99, 1)).toFixed(2),
      });
    }
    console.log(`services benchmark: ${CONNECTIONS} connections, ${DURATION_S} s per run, loopback (goal: req/s ratio >= 0.7)`);
    console.table(rows);
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((child) => (child.exitCode === null ? once(child, 'exit') : undefined)));
    await postgres.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
