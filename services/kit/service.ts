import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type pg from 'pg';
import { ConfigError, loadConfig, type Config, type ConfigShape } from './config';
import { createPool } from './database';
import { createHttpServer } from './http';
import { registerMetrics } from './metrics';
import { runMigrations, type Migration } from './migrations';

/** Work a service runs beside its HTTP server (e.g. the outbox relay); stopped before the pool closes. */
export interface BackgroundTask {
  readonly name: string;
  stop(): Promise<void>;
}

export interface ServiceDeps<Extra extends ConfigShape> {
  readonly pool: pg.Pool;
  readonly config: Config<Extra>;
  readonly logger: FastifyBaseLogger;
}

export interface ServiceDefinition<Extra extends ConfigShape = Record<string, never>> {
  readonly name: string;
  readonly migrations: readonly Migration[];
  /** The service's own environment variables (zod shape), validated with the kit's. */
  readonly configShape?: Extra;
  readonly register: (app: FastifyInstance, deps: ServiceDeps<Extra>) => void | Promise<void>;
  readonly background?: (deps: ServiceDeps<Extra>) => BackgroundTask[];
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
  const pool = await createPool(config);
  pool.on('error', (error) => app.log.error({ err: error }, 'idle database connection failed'));

  let ready = false;
  let tasks: BackgroundTask[] = [];
  try {
    const applied = await runMigrations(pool, definition.name, definition.migrations);
    if (applied.length > 0) app.log.info({ applied }, 'migrations applied');

    app.get('/healthz', { logLevel: 'warn' }, async () => ({ status: 'ok' }));
    app.get('/readyz', { logLevel: 'warn' }, async (_request, reply) => {
      if (!ready) return reply.status(503).send({ status: 'shutting down' });
      try {
        await pool.query('SELECT 1');
        return { status: 'ready' };
      } catch (error) {
        app.log.warn({ err: error }, 'readiness check: database unreachable');
        return reply.status(503).send({ status: 'database unreachable' });
      }
    });
    registerMetrics(app, definition.name);

    const deps: ServiceDeps<Extra> = { pool, config, logger: app.log };
    await definition.register(app, deps);
    tasks = definition.background?.(deps) ?? [];
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
