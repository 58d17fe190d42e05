import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleServer, bundleService } from '../scripts/bundle-service';
import { createDatabase, startPostgres } from '../scripts/postgres';
import { median, processCpuMs } from './measure';

/**
 * Load on this machine (autocannon, loopback only) against GET /products/:id (catalog) and
 * POST /orders (orders), each as a ratio against a bare node:http server doing the same work
 * (bench/fixtures/bare-server.ts; for an order: one loopback GET of the product's price, then the
 * statement that writes the order and its outbox row), measured in the same run.
 *
 * One load run is noisy on a shared 2-core machine (PostgreSQL, autocannon and the servers share it,
 * and other work comes and goes), so the runs alternate, BENCH_ROUNDS of each, the order reversed
 * every round; a short warm-up run of each is discarded (JIT, connection pools). Reported: the median
 * req/s, p99 and CPU time per request of each side, and the median of the per-round ratios (each
 * round's runs having run back to back, under the same conditions). Figures only: nothing here
 * asserts a timing.
 *
 * An order is served by two processes (orders asks the catalog), the bare one by one (it asks
 * itself): a request that crosses to another process waits for that process to be scheduled, which
 * one that stays in the process does not. So POST /orders is also compared with a bare server that
 * asks a second bare process for the price: the same two-process shape, which shows how much of the
 * gap is that shape and how much is the services' stack.
 *
 * Every server runs as the services' images run them (services/Dockerfile): the minified esbuild
 * bundle of scripts/bundle-service.ts (the bare server bundled the same way), NODE_ENV=production
 * and --enable-source-maps. Not through tsx, which no deployment uses, and whose output calls a
 * naming helper for every closure a request creates (the services create more of them than the bare
 * server does).
 *
 *   BENCH_ROUNDS=5 BENCH_SECONDS=5        the defaults (about 2.5 minutes in all)
 *   BENCH_ENDPOINT=orders                 only the endpoints whose name contains it
 *   BENCH_CPU_PROF=/tmp/prof              every server writes a V8 CPU profile there when it stops
 *   BENCH_FROM_SOURCE=1                   the TypeScript through tsx instead (e.g. for profiles with function names)
 */
const GOAL = 0.9;
const ROUNDS = positiveInteger('BENCH_ROUNDS', 5);
const DURATION_S = positiveInteger('BENCH_SECONDS', 5);
const WARMUP_S = 2;
const CONNECTIONS = 20;
const ONLY = process.env.BENCH_ENDPOINT ?? '';
const PROFILE_DIR = process.env.BENCH_CPU_PROF;
const FROM_SOURCE = process.env.BENCH_FROM_SOURCE === '1';

const ports = { catalog: 18081, orders: 18082, bare: 18090, barePrice: 18091, bareTwoProcess: 18092 };
const local = (port: number, path: string) => `http://127.0.0.1:${port}${path}`;

function positiveInteger(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${process.env[name]}`);
  return value;
}

/** What each kind of server runs: the bundle built from its entry point, or (BENCH_FROM_SOURCE) the entry point itself. */
function serverEntries(outdir: string): Record<'catalog' | 'orders' | 'bare', string> {
  if (FROM_SOURCE) return { catalog: 'services/catalog/main.ts', orders: 'services/orders/main.ts', bare: 'bench/fixtures/bare-server.ts' };
  return { catalog: bundleService('catalog', join(outdir, 'catalog')), orders: bundleService('orders', join(outdir, 'orders')), bare: bundleServer('bench/fixtures/bare-server.ts', join(outdir, 'bare')) };
}

function startProcess(entry: string, env: Record<string, string>): ChildProcess {
  const profile = PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR] : [];
  const run = FROM_SOURCE ? ['--import', 'tsx', entry] : ['--enable-source-maps', entry];
  return spawn(process.execPath, [...profile, ...run], { env: { ...process.env, NODE_ENV: 'production', ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
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

/** What one side of a comparison is: where to send the load, and the processes that serve it (whose CPU time is counted). */
interface Target {
  readonly name: string;
  readonly url: string;
  readonly processes: readonly ChildProcess[];
}

interface Sample {
  readonly rps: number;
  readonly p99: number;
  /** CPU time of the target's processes, per request; NaN where /proc is not there. */
  readonly cpuMsPerRequest: number;
}

const cpuMsOf = (processes: readonly ChildProcess[]) => processes.reduce((sum, child) => sum + (processCpuMs(child.pid!) ?? NaN), 0);

async function load({ url, processes }: Target, seconds: number, options: Partial<autocannon.Options>): Promise<Sample> {
  const cpuBefore = cpuMsOf(processes);
  const result = await autocannon({ url, connections: CONNECTIONS, duration: seconds, ...options });
  const cpuMs = cpuMsOf(processes) - cpuBefore;
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx responses, ${result.errors} errors`);
  return { rps: result.requests.average, p99: result.latency.p99, cpuMsPerRequest: cpuMs / result.requests.total };
}

/** A service endpoint and the bare servers it is compared with. */
interface Endpoint {
  readonly name: string;
  readonly service: Target;
  readonly baselines: readonly Target[];
  readonly options: Partial<autocannon.Options>;
}

/** Every target of an endpoint in turn, the order reversed each round; the warm-up runs are not kept. */
async function measure(endpoints: readonly Endpoint[]): Promise<Map<Target, Sample[]>> {
  const samples = new Map<Target, Sample[]>();
  for (const { service, baselines, options } of endpoints) {
    for (const target of [service, ...baselines]) {
      await load(target, WARMUP_S, options);
      samples.set(target, []);
    }
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const { name, service, baselines, options } of endpoints) {
      const targets = round % 2 === 0 ? [service, ...baselines] : [service, ...baselines].reverse();
      for (const target of targets) samples.get(target)!.push(await load(target, DURATION_S, options));
      const line = [service, ...baselines].map((target) => {
        const { rps, cpuMsPerRequest } = samples.get(target)![round];
        return `${target.name} ${Math.round(rps)} req/s (${cpuMsPerRequest.toFixed(3)} CPU ms/req)`;
      });
      console.error(`round ${round + 1}/${ROUNDS} ${name}: ${line.join(', ')}`);
    }
  }
  return samples;
}

function summarize(endpoint: Endpoint, baseline: Target, samples: Map<Target, Sample[]>) {
  const [service, bare] = [samples.get(endpoint.service)!, samples.get(baseline)!];
  const ratios = service.map((sample, round) => sample.rps / bare[round].rps);
  const p99Ratios = service.map((sample, round) => bare[round].p99 / Math.max(sample.p99, 1));
  const medianOf = (of: Sample[], pick: (sample: Sample) => number) => median(of.map(pick));
  return {
    endpoint: endpoint.name,
    baseline: baseline.name,
    'service req/s': Math.round(medianOf(service, (sample) => sample.rps)),
    'bare req/s': Math.round(medianOf(bare, (sample) => sample.rps)),
    'req/s ratio': +median(ratios).toFixed(2),
    goal: GOAL,
    'ratio min–max': `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`,
    'service p99 ms': medianOf(service, (sample) => sample.p99),
    'bare p99 ms': medianOf(bare, (sample) => sample.p99),
    'p99 ratio (bare/service)': +median(p99Ratios).toFixed(2),
    'service CPU ms/req': +medianOf(service, (sample) => sample.cpuMsPerRequest).toFixed(3),
    'bare CPU ms/req': +medianOf(bare, (sample) => sample.cpuMsPerRequest).toFixed(3),
  };
}

async function main() {
  const outdir = mkdtempSync(join(tmpdir(), 'bench-services-'));
  const entries = serverEntries(outdir);
  const postgres = await startPostgres();
  const children: ChildProcess[] = [];
  const start = (entry: string, env: Record<string, string>) => {
    const child = startProcess(entry, env);
    children.push(child);
    return child;
  };
  try {
    const databaseUrl = await createDatabase(postgres.url, 'bench_services');
    // As in production, but for the log level (request logs are at info) and the outbox relay (no
    // EventBridge here, and the bare server publishes nothing either).
    const common = { DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', SHUTDOWN_DELAY_MS: '0', AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench' };
    const catalog = start(entries.catalog, { ...common, PORT: String(ports.catalog), UPLOADS_BUCKET: 'bench-uploads' });
    // Orders prices every order by asking the catalog (GET /products/:id) over loopback.
    const orders = start(entries.orders, {
      ...common,
      PORT: String(ports.orders),
      EVENT_BUS_NAME: 'bench',
      OUTBOX_RELAY_ENABLED: 'false',
      CATALOG_URL: local(ports.catalog, ''),
    });
    await waitFor(local(ports.catalog, '/readyz'));
    await waitFor(local(ports.orders, '/readyz'));
    // The bare servers use the tables the services' migrations created.
    const bare = start(entries.bare, { DATABASE_URL: databaseUrl, PORT: String(ports.bare) });
    const barePrice = start(entries.bare, { DATABASE_URL: databaseUrl, PORT: String(ports.barePrice) });
    const bareTwoProcess = start(entries.bare, { DATABASE_URL: databaseUrl, PORT: String(ports.bareTwoProcess), PRICE_PORT: String(ports.barePrice) });
    for (const port of [ports.bare, ports.barePrice, ports.bareTwoProcess]) await waitFor(local(port, '/'));

    const created = await fetch(local(ports.catalog, '/products'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Bench mug', description: 'For load tests', priceCents: 1250, currency: 'USD' }),
    });
    const { id } = (await created.json()) as { id: string };
    const order = JSON.stringify({ customerEmail: 'bench@example.com', items: [{ productId: id, quantity: 2 }] });
    const post = { method: 'POST' as const, headers: { 'content-type': 'application/json' }, body: order };

    const endpoints: Endpoint[] = [
      {
        name: 'GET /products/:id',
        service: { name: 'service', url: local(ports.catalog, `/products/${id}`), processes: [catalog] },
        baselines: [{ name: 'bare', url: local(ports.bare, `/products/${id}`), processes: [bare] }],
        options: {},
      },
      {
        name: 'POST /orders',
        // Both services work for an order (the catalog answers the price lookup), and so do both bare processes.
        service: { name: 'service', url: local(ports.orders, '/orders'), processes: [orders, catalog] },
        baselines: [
          { name: 'bare', url: local(ports.bare, '/orders'), processes: [bare] },
          { name: 'bare, two processes', url: local(ports.bareTwoProcess, '/orders'), processes: [bareTwoProcess, barePrice] },
        ],
        options: post,
      },
    ].filter((endpoint) => endpoint.name.includes(ONLY));
    const samples = await measure(endpoints);

    console.log(
      `services benchmark: ${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${DURATION_S} s per target (after a ${WARMUP_S} s warm-up), ` +
        `loopback; medians (goal: req/s ratio >= ${GOAL})`,
    );
    console.table(endpoints.flatMap((endpoint) => endpoint.baselines.map((baseline) => summarize(endpoint, baseline, samples))));
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((child) => (child.exitCode === null ? once(child, 'exit') : undefined)));
    await postgres.stop();
    rmSync(outdir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
