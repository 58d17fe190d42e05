import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type pg from 'pg';
import type { Registry } from 'prom-client';
import { ConfigError, loadConfig, type Config, type ConfigShape, type ConfigWithoutDatabase } from './config';
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

/** What register() is given by a service without a database. */
export interface ServiceDepsWithoutDatabase<Extra extends ConfigShape> {
  readonly config: ConfigWithoutDatabase<Extra>;
  readonly logger: FastifyBaseLogger;
  /** The service's Prometheus registry (/metrics), for its business metrics. */
  readonly registry: Registry;
}

/** What register() is given by a service with a database: its migrated pool besides. */
export interface ServiceDeps<Extra extends ConfigShape> extends ServiceDepsWithoutDatabase<Extra> {
  readonly pool: pg.Pool;
  readonly config: Config<Extra>;
}

type Register<Deps> = (app: FastifyInstance, deps: Deps) => BackgroundTask[] | void | Promise<BackgroundTask[] | void>;

interface ServiceDefinitionCommon<Extra extends ConfigShape> {
  readonly name: string;
  /** The service's own environment variables (zod shape), validated with the kit's. */
  readonly configShape?: Extra;
}

/**
 * A service that keeps its data in the platform's PostgreSQL: it gets a pool, migrated at start-up,
 * and needs the DATABASE_* settings (services/kit/config.ts) to start.
 */
export interface ServiceDefinition<Extra extends ConfigShape = Record<string, never>> extends ServiceDefinitionCommon<Extra> {
  /** @default true */
  readonly usesDatabase?: true;
  readonly migrations: readonly Migration[];
  /**
   * Adds the routes, and starts the background work they rely on (the orders routes wake the outbox
   * relay, so both are set up together). Returns that work, for shutdown to stop after the last request.
   */
  readonly register: Register<ServiceDeps<Extra>>;
}

/** A service with no database: no pool, no migrations, no DATABASE_* settings read or required. */
export interface ServiceWithoutDatabaseDefinition<Extra extends ConfigShape = Record<string, never>> extends ServiceDefinitionCommon<Extra> {
  readonly usesDatabase: false;
  readonly migrations?: never;
  /** As a database service's register(), without the pool. */
  readonly register: Register<ServiceDepsWithoutDatabase<Extra>>;
}

export type AnyServiceDefinition<Extra extends ConfigShape = Record<string, never>> = ServiceDefinition<Extra> | ServiceWithoutDatabaseDefinition<Extra>;

export interface RunningServiceWithoutDatabase {
  readonly app: FastifyInstance;
  /** Where it listens, e.g. http://127.0.0.1:8080 */
  readonly url: string;
  /** From the validated SHUTDOWN_TIMEOUT_MS: how long runMain lets shutdown() take before it exits anyway. */
  readonly shutdownTimeoutMs: number;
  /** Graceful: report not ready, wait SHUTDOWN_DELAY_MS, stop accepting and drain, stop background work, close the pool if any. */
  shutdown(): Promise<void>;
}

export interface RunningService extends RunningServiceWithoutDatabase {
  readonly pool: pg.Pool;
}

export function defineService<Extra extends ConfigShape = Record<string, never>>(definition: ServiceDefinition<Extra>): ServiceDefinition<Extra>;
export function defineService<Extra extends ConfigShape = Record<string, never>>(
  definition: ServiceWithoutDatabaseDefinition<Extra>,
): ServiceWithoutDatabaseDefinition<Extra>;
export function defineService<Extra extends ConfigShape>(definition: AnyServiceDefinition<Extra>): AnyServiceDefinition<Extra> {
  return definition;
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Validates config, connects and migrates (a service with a database), and listens. Throws ConfigError for a bad environment. */
export async function startService<Extra extends ConfigShape>(definition: ServiceDefinition<Extra>, env?: NodeJS.ProcessEnv): Promise<RunningService>;
export async function startService<Extra extends ConfigShape>(definition: AnyServiceDefinition<Extra>, env?: NodeJS.ProcessEnv): Promise<RunningServiceWithoutDatabase>;
export async function startService<Extra extends ConfigShape>(
  definition: AnyServiceDefinition<Extra>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunningService | RunningServiceWithoutDatabase> {
  const configShape = (definition.configShape ?? {}) as Extra;
  if (definition.usesDatabase === false) {
    const config = loadConfig(configShape, env, { usesDatabase: false });
    const app = createHttpServer({ service: definition.name, logLevel: config.LOG_LEVEL });
    return serve(definition.name, app, config, { register: (deps) => definition.register(app, deps), close: async () => {} });
  }

  const config = loadConfig(configShape, env);
  const app = createHttpServer({ service: definition.name, logLevel: config.LOG_LEVEL });
  const pool = await createPool(config, definition.name);
  pool.on('error', (error) => app.log.error({ err: withoutClient(error) }, 'idle database connection failed'));
  const running = await serve(definition.name, app, config, {
    async register(deps) {
      const applied = await runMigrations(pool, definition.name, definition.migrations);
      if (applied.length > 0) app.log.info({ applied }, 'migrations applied');
      return definition.register(app, { ...deps, config, pool });
    },
    close: () => pool.end(),
  });
  return { ...running, pool };
}

/** What differs between a service with a database and one without, for serve() to run either. */
interface ServiceBody<Extra extends ConfigShape> {
  /** Prepares what the routes need (the database's migrations), adds them, and returns the background work. */
  register(deps: ServiceDepsWithoutDatabase<Extra>): ReturnType<Register<ServiceDepsWithoutDatabase<Extra>>>;
  /** Closes what the service holds beside its HTTP server (the pool), after the last request and background task. */
  close(): Promise<void>;
}

/** Adds the kit's routes and the service's, listens, and returns how to shut it all down. */
async function serve<Extra extends ConfigShape>(
  name: string,
  app: FastifyInstance,
  config: ConfigWithoutDatabase<Extra>,
  body: ServiceBody<Extra>,
): Promise<RunningServiceWithoutDatabase> {
  let ready = false;
  let tasks: BackgroundTask[] = [];
  try {
    // First: the document describes the routes added after it.
    await registerOpenApi(app, name);
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
    const registry = registerMetrics(app, name);

    tasks = (await body.register({ config, logger: app.log, registry })) ?? [];
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
        await body.close();
        app.log.info('shut down');
      })());
    return { app, url, shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS, shutdown };
  } catch (error) {
    // E.g. the port is taken: stop what already started, so nothing runs on against a closed pool.
    await Promise.all(tasks.map((task) => task.stop()));
    await app.close();
    await body.close();
    throw error;
  }
}

/** The entry point of a service process: start, and shut down gracefully on SIGTERM or SIGINT. */
export function runMain<Extra extends ConfigShape>(definition: AnyServiceDefinition<Extra>): void {
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
