import type { FastifyInstance } from 'fastify';
import { defineService, startService, type BackgroundTask } from '../../services/kit';
import { freshDatabase, type FreshDatabase } from './support/database';
import { testServiceEnv } from './support/service-env';

// How the kit starts and stops a service with a database (services/kit/service.ts): what shutdown
// does, in which order, and what the kit's own routes log.

let database: FreshDatabase;
beforeAll(async () => {
  database = await freshDatabase();
});
afterAll(() => database?.drop());

/** A service whose one background task runs `onStop` when stopped; `app` is set once it is registered. */
function serviceWithTask(onStop: (app: FastifyInstance, pool: import('pg').Pool) => Promise<void>) {
  const seen: { app?: FastifyInstance } = {};
  const definition = defineService({
    name: 'lifecycle-fixture',
    migrations: [{ id: '001', sql: 'CREATE TABLE IF NOT EXISTS marks (id int)' }],
    register: (app, { pool }) => {
      seen.app = app;
      const task: BackgroundTask = { name: 'task', stop: () => onStop(app, pool) };
      return [task];
    },
  });
  return { definition, seen };
}

it('stops background work after the HTTP server has closed and before the pool does, so the work can still write', async () => {
  const observed: { listening?: boolean; wrote?: number } = {};
  const { definition } = serviceWithTask(async (app, pool) => {
    observed.listening = app.server.listening;
    observed.wrote = (await pool.query('INSERT INTO marks VALUES (1)')).rowCount ?? 0;
  });
  const service = await startService(definition, testServiceEnv(database.url));
  await service.shutdown();
  expect(observed).toEqual({ listening: false, wrote: 1 });
  expect(service.pool.ended).toBe(true);
});

it('shuts down once, however often asked', async () => {
  const stop = jest.fn(async () => {});
  const service = await startService(serviceWithTask(stop).definition, testServiceEnv(database.url));
  await Promise.all([service.shutdown(), service.shutdown()]);
  await service.shutdown();
  expect(stop).toHaveBeenCalledTimes(1);
});

it('closes every connection it answers on while draining, and none before', async () => {
  const service = await startService(serviceWithTask(async () => {}).definition, testServiceEnv(database.url, { SHUTDOWN_DELAY_MS: '1000' }));
  expect((await fetch(`${service.url}/healthz`)).headers.get('connection')).toBe('keep-alive');
  const stopping = service.shutdown();
  try {
    expect((await fetch(`${service.url}/healthz`)).headers.get('connection')).toBe('close');
  } finally {
    await stopping;
  }
});

it('ends its pool and stops its background work when it cannot listen', async () => {
  const first = await startService(serviceWithTask(async () => {}).definition, testServiceEnv(database.url));
  try {
    const stop = jest.fn(async () => {});
    const { definition } = serviceWithTask(stop);
    let pool: import('pg').Pool | undefined;
    const capturing = defineService({ ...definition, register: (app, deps) => ((pool = deps.pool), definition.register(app, deps)) });
    await expect(startService(capturing, testServiceEnv(database.url, { PORT: new URL(first.url).port }))).rejects.toThrow(/EADDRINUSE/);
    expect(stop).toHaveBeenCalledTimes(1);
    expect(pool?.ended).toBe(true);
  } finally {
    await first.shutdown();
  }
});

it('logs the probes, the scrapes and the document requests of its own routes at warn, so that they do not flood the logs at info', async () => {
  const levels: Record<string, string | undefined> = {};
  const definition = defineService({
    name: 'log-level-fixture',
    migrations: [],
    register: (app) => {
      app.addHook('onRequest', (request, _reply, done) => {
        levels[request.url] = request.routeOptions.logLevel;
        done();
      });
    },
  });
  const service = await startService(definition, testServiceEnv(database.url));
  try {
    for (const url of ['/healthz', '/readyz', '/metrics', '/openapi.json']) await service.app.inject({ method: 'GET', url });
    expect(levels).toEqual({ '/healthz': 'warn', '/readyz': 'warn', '/metrics': 'warn', '/openapi.json': 'warn' });
  } finally {
    await service.shutdown();
  }
});

it.each([
  ['with a database', true],
  ['without one', false],
] as const)("logs, %s, at its LOG_LEVEL, each line carrying the service's name", async (_case, usesDatabase) => {
  const definition = usesDatabase
    ? defineService({ name: 'logging-fixture', migrations: [], register: () => {} })
    : defineService({ name: 'logging-fixture', usesDatabase: false, register: () => {} });
  const service = await startService(definition, testServiceEnv(database.url, { LOG_LEVEL: 'error' }));
  try {
    expect(service.app.log.level).toBe('error');
    expect((service.app.log as typeof service.app.log & { bindings(): object }).bindings()).toEqual({ service: 'logging-fixture' });
  } finally {
    await service.shutdown();
  }
});
