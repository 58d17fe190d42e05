import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleServer } from '../../../scripts/bundle-service';
import { freePort } from '../../services/support/free-port';
import { testServiceEnv } from '../../services/support/service-env';
import { waitFor } from '../../services/support/wait-for';

const ROOT = join(__dirname, '..', '..', '..');

/** What a chaos test runs as processes: the two services as their images run them, and the broken orders build. */
const ENTRY_POINTS = {
  catalog: 'services/catalog/main.ts',
  orders: 'services/orders/main.ts',
  'orders-fire-and-forget': 'test/chaos/support/orders-fire-and-forget-main.ts',
} as const;
export type Program = keyof typeof ENTRY_POINTS;

export interface ServiceProcess {
  /** e.g. http://127.0.0.1:43121 */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Still running: never restarted behind the test's back (nothing here restarts a process). */
  readonly running: boolean;
  /** The last 4000 characters the process wrote (warnings and errors: LOG_LEVEL=warn), for a failure's message. */
  readonly output: string;
  /** SIGKILL: no drain, no shutdown hook; resolves once the process is gone. */
  kill(): Promise<void>;
}

/**
 * Where a program's bundle is kept for the whole jest run: in the run's scratch folder
 * (test/support/global-setup.ts, deleted at the end), so that the chaos files, each in its own worker,
 * bundle a service once between them (esbuild costs ~2 CPU-s per service); or, in a run without it, in
 * a folder of this process's own.
 */
const bundlesDir = (() => {
  let dir: string | undefined;
  return () => (dir ??= process.env.TEST_SCRATCH_DIR ? join(process.env.TEST_SCRATCH_DIR, 'chaos-bundles') : mkdtempSync(join(tmpdir(), 'chaos-bundles-')));
})();

/**
 * A program bundled as the Dockerfile's image has it (scripts/bundle-service.ts), once per run: by the
 * worker that creates its lock folder first (mkdir is atomic), into a folder of its own, then renamed
 * into place; a worker that finds the lock taken waits for that bundle (two workers starting together
 * would otherwise both bundle: ~2 CPU-s each), and bundles it itself if the other gave up without one.
 */
async function bundleOnce(program: Program): Promise<string> {
  const dir = join(bundlesDir(), program);
  const main = join(dir, 'main.js');
  if (existsSync(main)) return main;
  mkdirSync(bundlesDir(), { recursive: true });
  const lock = `${dir}.lock`;
  try {
    mkdirSync(lock);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    await waitFor(`${program} bundled by another worker`, () => existsSync(main) || !existsSync(lock), 120_000).catch(() => undefined);
    if (existsSync(main)) return main;
  }
  try {
    const building = mkdtempSync(`${dir}-`);
    bundleServer(join(ROOT, ENTRY_POINTS[program]), building);
    try {
      renameSync(building, dir);
    } catch {
      rmSync(building, { recursive: true, force: true });
    }
  } finally {
    if (!existsSync(main)) rmSync(lock, { recursive: true, force: true });
  }
  return main;
}

/**
 * The services of one test file as real processes: each program bundled once per run (bundleOnce),
 * started with the environment given, killed with SIGKILL, and all of them killed by `close` (afterAll),
 * whatever state a failed test left them in.
 */
export class ServiceProcesses {
  private readonly children = new Set<ChildProcess>();

  /** Starts `program` listening on `port` (default: a free one) and resolves once /readyz answers 200. */
  async start(program: Program, env: Record<string, string>, port?: number): Promise<ServiceProcess> {
    const main = await bundleOnce(program);
    const listenPort = port ?? (await freePort());
    const url = `http://127.0.0.1:${listenPort}`;
    // Only what is given: no AWS profile, region or credentials of the machine leak in.
    const child = spawn(process.execPath, [main], {
      env: { PATH: process.env.PATH, ...env, PORT: String(listenPort), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.children.add(child);
    let output = '';
    for (const stream of [child.stdout!, child.stderr!]) stream.setEncoding('utf8').on('data', (chunk: string) => (output = (output + chunk).slice(-4000)));
    const exited = () => child.exitCode !== null || child.signalCode !== null;
    await waitFor(`${program} on ${url} to be ready`, async () => {
      if (exited()) throw new Error(`${program} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${output}`);
      return fetch(`${url}/readyz`).then((response) => response.ok, () => false);
    }, 15_000);
    return {
      url,
      port: listenPort,
      pid: child.pid!,
      get running() {
        return !exited();
      },
      get output() {
        return output;
      },
      kill: async () => {
        if (exited()) return;
        const gone = once(child, 'exit');
        child.kill('SIGKILL');
        await gone;
      },
    };
  }

  /** SIGKILLs every process still running. */
  killAll(): void {
    for (const child of this.children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }

  /** killAll: for afterAll (the bundles stay for the run's other files; the run deletes its scratch folder). */
  close(): void {
    this.killAll();
  }
}

/** Dummy credentials and no shared config: the SDK's chain stops at the environment, nothing reaches AWS. */
const OFFLINE_AWS = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_CONFIG_FILE: '/nonexistent/aws-config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
};

/** Warnings and errors only: a request log per order would cost CPU the load needs. */
const QUIET = { LOG_LEVEL: 'warn' };

export function catalogEnv(databaseUrl: string): Record<string, string> {
  return testServiceEnv(databaseUrl, { ...QUIET, ...OFFLINE_AWS, UPLOADS_BUCKET: 'chaos-uploads' });
}

export function ordersEnv(databaseUrl: string, catalogUrl: string, eventBridgeUrl: string, overrides: Record<string, string> = {}): Record<string, string> {
  return testServiceEnv(databaseUrl, {
    ...QUIET,
    ...OFFLINE_AWS,
    AWS_ENDPOINT_URL_EVENTBRIDGE: eventBridgeUrl,
    EVENT_BUS_NAME: 'chaos-orders',
    CATALOG_URL: catalogUrl,
    ...overrides,
  });
}

/** Creates products through the catalog's API; resolves with their ids. */
export async function createProducts(catalogUrl: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let n = 1; n <= count; n++) {
    const response = await fetch(`${catalogUrl}/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: `Chaos product ${n}`, priceCents: 100 * n, currency: 'EUR' }),
    });
    if (response.status !== 201) throw new Error(`creating a product failed: HTTP ${response.status} ${await response.text()}`);
    ids.push(((await response.json()) as { id: string }).id);
  }
  return ids;
}

export interface Shop {
  readonly catalog: ServiceProcess;
  readonly orders: ServiceProcess;
  readonly productIds: readonly string[];
}

/** A catalog with three products, and one orders replica pricing at it and publishing to `eventBridgeUrl`. */
export async function startShop(
  processes: ServiceProcesses,
  databaseUrl: string,
  eventBridgeUrl: string,
  { catalogPort, orders: overrides = {} }: { catalogPort?: number; orders?: Record<string, string> } = {},
): Promise<Shop> {
  const catalog = await processes.start('catalog', catalogEnv(databaseUrl), catalogPort);
  const productIds = await createProducts(catalog.url, 3);
  const orders = await processes.start('orders', ordersEnv(databaseUrl, catalog.url, eventBridgeUrl, overrides));
  return { catalog, orders, productIds };
}
