import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { CORE_SERVICES, coreService, registryEnvironment, type CoreServiceName, type PlatformInput } from '../infra/config/core-services';
import { createDatabase, databaseUrl, startPostgres, type PostgresServer } from './postgres';

/**
 * `npm run dev`: a local PostgreSQL (cluster kept in .tmp/dev-postgres between runs), then the core
 * services against it, each log line prefixed with the service's name. Ctrl-C (or SIGTERM) stops
 * the services, waits for them to drain, then stops PostgreSQL. If a service exits on its own, the
 * other one and PostgreSQL are stopped too and the exit code is 1.
 *
 *   npm run dev                  PostgreSQL + every core service, each on its registry port (catalog :8081, orders :8082)
 *   npm run dev -- --db-only     PostgreSQL only (run a service from your IDE with the printed DATABASE_URL)
 *
 * Locally there is no AWS: the AWS SDK gets dummy credentials (enough to presign S3 URLs, which is
 * offline signing) and the orders service's outbox relay is off (OUTBOX_RELAY_ENABLED=false), so
 * placed orders stay in the outbox table instead of going to EventBridge.
 */

export interface DevService {
  readonly name: string;
  /** Run with `node --import tsx`, from the repository root. */
  readonly entry: string;
  readonly env: Readonly<Record<string, string>>;
}

const ROOT = resolve(__dirname, '..');
/** The database both services share, as on Aurora (infra/stacks/data-stack.ts). */
const DATABASE_NAME = 'platform';
/** A fixed port when free, so the URL is the same every run; DEV_POSTGRES_PORT overrides it. */
const DEFAULT_POSTGRES_PORT = 54329;

/** What the services' ConfigMaps provide on EKS, with local stand-ins (services/kit/config.ts, k8s/values.ts). */
const LOCAL_ENV: Record<string, string> = {
  HOST: '127.0.0.1',
  SHUTDOWN_DELAY_MS: '0',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
};

/** Local stand-ins for the platform inputs the registry hands services (infra/config/core-services.ts). */
const LOCAL_PLATFORM_INPUTS: Record<PlatformInput, string> = {
  uploadsBucket: 'local-uploads',
  eventBusName: 'local-events',
};

/** Every core service of the registry, each on its own port, calling the others as on EKS (by URL). */
export const DEV_SERVICES: readonly DevService[] = CORE_SERVICES.map((name) => {
  const definition = coreService(name);
  return {
    name,
    entry: `services/${name}/main.ts`,
    env: {
      PORT: String(definition.localPort),
      ...registryEnvironment(definition, (input) => LOCAL_PLATFORM_INPUTS[input], (called) => `http://127.0.0.1:${coreService(called as CoreServiceName).localPort}`),
      ...definition.localEnvironment,
    },
  };
});

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: number, text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
const COLORS = [36, 35, 33, 32];

function say(line: string): void {
  console.log(`${paint(2, '[dev]')} ${line}`);
}

/** Copies a stream to ours line by line, each line prefixed. */
function prefixLines(stream: NodeJS.ReadableStream, out: NodeJS.WritableStream, prefix: string): void {
  createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => out.write(`${prefix} ${line}\n`));
}

export interface DevOptions {
  readonly services?: readonly DevService[];
  readonly dataDir?: string;
  readonly postgresPort?: number;
  /** How long a service may take to shut down after SIGTERM before it is killed. */
  readonly stopTimeoutMs?: number;
}

/** Runs until a signal or until a service exits; resolves with the exit code to use. */
export async function runDev(options: DevOptions = {}): Promise<number> {
  const services = options.services ?? DEV_SERVICES;
  const missing = services.filter((service) => !existsSync(join(ROOT, service.entry)));
  if (missing.length > 0) {
    throw new Error(`${missing.map((service) => service.entry).join(', ')} not found: nothing to run for ${missing.map((service) => service.name).join(', ')}.`);
  }
  const stopTimeoutMs = options.stopTimeoutMs ?? 30_000;

  let postgres: PostgresServer | undefined;
  const children = new Map<string, ChildProcess>();
  let stopping = false;
  let exitCode = 0;
  let signals = 0;
  let finish!: () => void;
  const finished = new Promise<void>((done) => (finish = done));

  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    const running = [...children.entries()].filter(([, child]) => child.exitCode === null && child.signalCode === null);
    if (running.length > 0) say(`stopping ${running.map(([name]) => name).join(', ')}...`);
    await Promise.all(
      running.map(async ([name, child]) => {
        const exited = new Promise((done) => child.once('exit', done));
        child.kill('SIGTERM');
        const timer = setTimeout(() => {
          say(`${name} did not stop within ${stopTimeoutMs / 1000} s: killing it`);
          child.kill('SIGKILL');
        }, stopTimeoutMs);
        await exited;
        clearTimeout(timer);
      }),
    );
    if (postgres) {
      say('stopping PostgreSQL...');
      await postgres.stop();
    }
    say('stopped');
    finish();
  };

  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals === 1) {
      say(`${signal}: shutting down (again to kill the services at once)`);
      void stopAll(0);
    } else {
      for (const child of children.values()) child.kill('SIGKILL');
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const requestedPort = options.postgresPort ?? DEFAULT_POSTGRES_PORT;
    postgres = await startPostgres({
      baseDir: options.dataDir ?? join(ROOT, '.tmp', 'dev-postgres'),
      port: requestedPort,
      fallbackToFreePort: options.postgresPort === undefined,
      log: (line) => console.log(`${paint(34, '[postgres]')} ${line}`),
    });
    if (stopping) {
      // A signal arrived while PostgreSQL was starting: stopAll() had nothing to stop yet.
      await postgres.stop();
      return exitCode;
    }
    const url = await createDatabase(postgres.url, DATABASE_NAME, { ifNotExists: true });
    say(`PostgreSQL ${url} (log: ${join(postgres.baseDir, 'postgres.log')})`);
    say(`  psql ${url}`);

    services.forEach((service, index) => {
      const env: NodeJS.ProcessEnv = { ...process.env, ...LOCAL_ENV, DATABASE_URL: databaseUrl(postgres!.url, DATABASE_NAME), ...service.env };
      // Dummy keys must not be paired with a real session token or profile from the shell.
      delete env.AWS_SESSION_TOKEN;
      delete env.AWS_PROFILE;
      const child = spawn(process.execPath, ['--import', 'tsx', service.entry], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      children.set(service.name, child);
      const prefix = paint(COLORS[index % COLORS.length], `[${service.name}]`.padEnd(Math.max(...services.map((each) => each.name.length)) + 2));
      prefixLines(child.stdout!, process.stdout, prefix);
      prefixLines(child.stderr!, process.stderr, prefix);
      say(`${service.name}: http://127.0.0.1:${service.env.PORT ?? '8080'} (pid ${child.pid})`);
      child.once('error', (error) => {
        say(`${service.name} could not start: ${error.message}`);
        void stopAll(1);
      });
      child.once('exit', (code, signal) => {
        if (stopping) return;
        say(`${service.name} exited (${signal ?? `code ${code}`}): stopping everything`);
        void stopAll(1);
      });
    });
    await finished;
    return exitCode;
  } catch (error) {
    await stopAll(1);
    await postgres?.stop();
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** PostgreSQL only, until Ctrl-C. */
async function runDatabaseOnly(dataDir: string, port: number | undefined): Promise<number> {
  let received: (() => void) | undefined;
  const signalled = new Promise<void>((done) => (received = done));
  process.once('SIGINT', () => received?.());
  process.once('SIGTERM', () => received?.());
  const postgres = await startPostgres({ baseDir: dataDir, port: port ?? DEFAULT_POSTGRES_PORT, fallbackToFreePort: port === undefined });
  try {
    const url = await createDatabase(postgres.url, DATABASE_NAME, { ifNotExists: true });
    say(`PostgreSQL is up; Ctrl-C stops it.\n  DATABASE_URL=${url}`);
    await signalled;
  } finally {
    say('stopping PostgreSQL...');
    await postgres.stop();
  }
  return 0;
}

if (require.main === module) {
  const { values } = parseArgs({ options: { 'db-only': { type: 'boolean', default: false } } });
  const port = process.env.DEV_POSTGRES_PORT ? Number(process.env.DEV_POSTGRES_PORT) : undefined;
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
    console.error(`DEV_POSTGRES_PORT must be a port number, not "${process.env.DEV_POSTGRES_PORT}"`);
    process.exit(2);
  }
  const dataDir = join(ROOT, '.tmp', 'dev-postgres');
  (values['db-only'] ? runDatabaseOnly(dataDir, port) : runDev({ dataDir, postgresPort: port })).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`npm run dev: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
