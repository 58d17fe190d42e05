import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type pg from 'pg';
import type { Registry } from 'prom-client';
import { ConfigError, loadConfig, type Config, type ConfigShape } from './config';
import { createPool, withoutClient } from './database';
import { createHttpServer } from './http';
import { registerMetrics } from './metrics';
import { runMigrations, type Migration } from './migrations';
import { registerOpenApi } from './openapi';

/** Work a service runs beside its HTTP server (e.g. the outbox relay); stopped before the pool closes. */
export interface BackgroundTask {
  readonly name: string;
  stop(): Promise<void>;
}

export interface ServiceDeps<Extra extends ConfigShape> {
  readonly pool: pg.Pool;
  readonly config: Config<Extra>;
  readonly logger: FastifyBaseLogger;
  /** The service's Prometheus registry (/metrics), for its business metrics. */
  readonly registry: Registry;
}

export interface ServiceDefinition<Extra extends ConfigShape = Record<string, never>> {
  readonly name: string;
  readonly migrations: readonly Migration[];
  /** The service's own environment variables (zod shape), validated with the kit's. */
  readonly configShape?: Extra;
  /**
   * Adds the routes, and starts the background work they rely on (the orders routes wake the outbox
   * relay, so both are set up together). Returns that work, for shutdown to stop after the last request.
   */
  readonly register: (app: FastifyInstance, deps: ServiceDeps<Extra>) => BackgroundTask[] | void | Promise<BackgroundTask[] | void>;
}

export interface RunningService {
  readonly app: FastifyInstance;
  readonly pool: pg.Pool;
  /** Where it listens, e.g. http://127.0.0.1:8080 */
  readonly url: string;
  /** From the validated SHUTDOWN_TIMEOUT_MS: how long runMain lets shutdown() take before it exits anyway. */
  readonly shutdownTimeoutMs: number;
  /** Graceful: report not ready, wait SHUTDOWN_DELAY_MS, stop accepting and drain, stop background work, close the pool. */
  shutdown(): Promise<void>;
}

export function defineService<Extra extends ConfigShape = Record<string, never>>(definition: ServiceDefinition<Extra>): ServiceDefinition<Extra> {
  return definition;
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Validates config, connects, migrates, and listens. Throws ConfigError for a bad environment. */
export async function startService<Extra extends ConfigShape>(definition: ServiceDefinition<Extra>, env: NodeJS.ProcessEnv = process.env): Promise<RunningService> {
  const config = loadConfig((definition.configShape ?? {}) as Extra, env);
  const app = createHttpServer({ service: definition.name, logLevel: config.LOG_LEVEL });
  const pool = await createPool(config, definition.name);
  pool.on('error', (error) => app.log.error({ err: withoutClient(error) }, 'idle database connection failed'));

  let ready = false;
  let tasks: BackgroundTask[] = [];
  try {
    const applied = await runMigrations(pool, definition.name, definition.migrations);
    if (applied.length > 0) app.log.info({ applied }, 'migrations applied');

    // First: the document describes the routes added after it.
    await registerOpenApi(app, definition.name);
    app.get('/healthz', { logLevel: 'warn' }, async () => ({ status: 'ok' }));
    // Ready means started and not shutting down; the database is deliberately left out. A database
    // blip would fail every replica's probe at once and pull them all out of the load balancer, even
    // for requests that need no database; and a query on every probe (each pod, every 5 s) would keep
    // a serverless Aurora from ever pausing. A request that cannot reach the database fails on its
    // own, quickly: a 503 with Retry-After when no connection could be had (./database.ts).
    app.get('/readyz', { logLevel: 'warn' }, async (_request, reply) =>
      ready ? { status: 'ready' } : reply.status(503).send({ status: 'shutting down' }),
    );
    // While draining, every response closes its keep-alive connection. Otherwise Fastify's close()
    // waits out the keep-alive timeout (72 s) for a connection that goes idle after shutdown began
    // (fastify/fastify#7044), and the pod is killed at its grace period instead of exiting.
    app.addHook('onSend', (_request, reply, payload, done) => {
      if (!ready) reply.header('connection', 'close');
      done(null, payload);
    });
    const registry = registerMetrics(app, definition.name);

    const deps: ServiceDeps<Extra> = { pool, config, logger: app.log, registry };
    tasks = (await definition.register(app, deps)) ?? [];
    const url = await app.listen({ port: config.PORT, host: config.HOST });
    ready = true;

    let stopping: Promise<void> | undefined;
    const shutdown = () =>
      (stopping ??= (async () => {
        ready = false;
        app.log.info({ delayMs: config.SHUTDOWN_DELAY_MS }, 'shutting down: draining');
        await delay(config.SHUTDOWN_DELAY_MS);
        // close() stops accepting connections and resolves once in-flight requests have completed.
        await app.close();
        await Promise.all(tasks.map((task) => task.stop()));
        await pool.end();
        app.log.info('shut down');
      })());
    return { app, pool, url, shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS, shutdown };
  } catch (error) {
    // E.g. the port is taken: stop what already started, so nothing runs on against a closed pool.
    await Promise.all(tasks.map((task) => task.stop()));
    await app.close();
    await pool.end();
    throw error;
  }
}

/** The entry point of a service process: start, and shut down gracefully on SIGTERM or SIGINT. */
export function runMain<Extra extends ConfigShape>(definition: ServiceDefinition<Extra>): void {
  startService(definition).then(
    (running) => {
      for (const signal of ['SIGTERM', 'SIGINT'] as const) {
        process.once(signal, () => {
          setTimeout(() => {
            running.app.log.error('shutdown timed out');
            process.exit(1);
          }, running.shutdownTimeoutMs).unref();
          running.shutdown().then(
            () => process.exit(0),
            (error) => {
              running.app.log.error({ err: error }, 'shutdown failed');
              process.exit(1);
            },
          );
        });
      }
    },
    (error) => {
      // A bad environment is the operator's to fix: say what, without a stack trace.
      console.error(error instanceof ConfigError ? error.message : error);
      process.exit(1);
    },
  );
}
