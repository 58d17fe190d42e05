import pg from 'pg';
import { ConfigError, defineService, OPENAPI_PATH, runMigrations, startService, type RunningService } from '../../services/kit';
import { noDatabaseService } from './fixtures/no-database-service';
import { slowService } from './fixtures/slow-service';
import { freshDatabase } from './support/database';
import { waitFor } from './support/wait-for';
import { testServiceEnv } from './support/service-env';

describe('migrations', () => {
  it('let two services that share a database start at the same time', async () => {
    const database = await freshDatabase();
    const pools = [new pg.Pool({ connectionString: database.url }), new pg.Pool({ connectionString: database.url })];
    try {
      await Promise.all(pools.map((pool, index) => runMigrations(pool, `service-${index}`, [{ id: '001', sql: `CREATE TABLE table_${index} (id int)` }])));
      const { rows } = await pools[0].query('SELECT service FROM schema_migrations ORDER BY service');
      expect(rows.map((row) => row.service)).toEqual(['service-0', 'service-1']);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
      await database.drop();
    }
  });

  it('apply once when two replicas start at the same time', async () => {
    const database = await freshDatabase();
    const pools = [new pg.Pool({ connectionString: database.url }), new pg.Pool({ connectionString: database.url })];
    try {
      // Not idempotent on purpose: a second application would fail.
      const migrations = [{ id: '001', sql: 'CREATE TABLE things (id int PRIMARY KEY)' }, { id: '002', sql: 'ALTER TABLE things ADD COLUMN name text' }];
      const applied = await Promise.all(pools.map((pool) => runMigrations(pool, 'race', migrations)));
      // Each start says which migrations it applied: one both, in order; the other none.
      expect(applied.map((ids) => ids.join(',')).sort()).toEqual(['', '001,002']);
      const { rows } = await pools[0].query("SELECT id FROM schema_migrations WHERE service = 'race' ORDER BY id");
      expect(rows.map((row) => row.id)).toEqual(['001', '002']);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
      await database.drop();
    }
  });
});

describe('a migration that fails', () => {
  it('rolls back every migration of that start, records none, and rethrows its error', async () => {
    const database = await freshDatabase();
    const pool = new pg.Pool({ connectionString: database.url });
    try {
      const migrations = [{ id: '001', sql: 'CREATE TABLE kept (id int)' }, { id: '002', sql: 'CREATE TABLE broken (id nosuchtype)' }];
      await expect(runMigrations(pool, 'failing', migrations)).rejects.toThrow(/nosuchtype/);
      const { rows } = await pool.query("SELECT to_regclass('kept') AS kept, to_regclass('schema_migrations') AS migrations");
      expect(rows).toEqual([{ kept: null, migrations: null }]);
      expect(pool.idleCount).toBe(1);
    } finally {
      await pool.end();
      await database.drop();
    }
  });
});

describe('the HTTP rules every service gets', () => {
  let service: RunningService;
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  beforeAll(async () => {
    database = await freshDatabase();
    service = await startService(slowService, testServiceEnv(database.url));
  });
  // Optional: when the start failed, jest reports that failure, not a TypeError of the teardown.
  afterAll(async () => {
    await service?.shutdown();
    await database?.drop();
  });

  const post = (payload: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    service.app.inject({ method: 'POST', url: '/work', payload, headers });

  it('rejects unknown fields with 400, naming the field', async () => {
    const response = await post(JSON.stringify({ id: 'a', extra: true }));
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: 'Bad Request', message: 'body/extra is not allowed', field: 'body/extra' });
  });

  it('names a missing field', async () => {
    const response = await post('{}');
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: 'Bad Request', message: 'body/id is required', field: 'body/id' });
  });

  it('lists every problem of a body, and names the first as the field', async () => {
    const response = await post(JSON.stringify({ id: '', more: 1 }));
    expect(response.json()).toEqual({ error: 'Bad Request', message: 'body/more is not allowed; body/id must NOT have fewer than 1 characters', field: 'body/more' });
  });

  it('refuses a NUL character at any depth of the body, even where the schema does not look, naming its path', async () => {
    const response = await post(JSON.stringify({ id: 'a', extra: { list: [1, 'x\u0000'] } }));
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: 'Bad Request', message: expect.stringMatching(/^body\/extra\/list\/1: .*U\+0000/), field: 'body/extra/list/1' });
  });

  it('refuses a lone UTF-16 surrogate in a key of the body', async () => {
    const response = await post('{"id":"a","\\udc00":1}');
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: 'Bad Request', message: expect.stringMatching(/surrogate/), field: 'body/\\udc00' });
  });

  it('refuses a NUL character in the query string of a route that reads none', async () => {
    const response = await service.app.inject({ method: 'POST', url: '/work?note=a%00b', payload: JSON.stringify({ id: 'query' }), headers: { 'content-type': 'application/json' } });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ field: 'querystring/note' });
    const { rows } = await service.pool.query("SELECT count(*)::int AS n FROM jobs WHERE id = 'query'");
    expect(rows[0].n).toBe(0);
  });

  it('refuses a body that is not JSON with 415', async () => {
    const response = await post('id=a', { 'content-type': 'text/plain' });
    expect(response.statusCode).toBe(415);
    expect(response.json()).toEqual({ error: 'Unsupported Media Type', message: expect.stringMatching(/application\/json.*text\/plain/) });
  });

  it('rejects malformed JSON with 400', async () => {
    const response = await post('{"id":');
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: 'Bad Request' });
  });

  it('rejects bodies over 1 MiB with 413', async () => {
    const response = await post(JSON.stringify({ id: 'x'.repeat(1024 * 1024) }));
    expect(response.statusCode).toBe(413);
  });

  it('answers unknown routes with 404 and echoes the request id', async () => {
    const response = await service.app.inject({ method: 'GET', url: '/nope', headers: { 'x-request-id': 'req-123' } });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: 'Not Found', message: 'No route for GET /nope' });
    expect(response.headers['x-request-id']).toBe('req-123');
  });

  it('serves an OpenAPI document of its routes, titled with the service name', async () => {
    // The path the Backstage catalog and the README give: /openapi.json.
    const response = await service.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    const document = response.json();
    expect(document).toMatchObject({ openapi: expect.stringMatching(/^3\./), info: { title: 'slow-fixture', version: '0' } });
    expect(document.paths['/work'].post.requestBody.content['application/json'].schema).toMatchObject({ required: ['id'], additionalProperties: false });
    expect(Object.keys(document.paths)).not.toContain(OPENAPI_PATH);
  });

  it('reports liveness, readiness and Prometheus metrics', async () => {
    expect((await service.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await service.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ready' });
    await post(JSON.stringify({ id: 'metrics' }));
    const metrics = (await service.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/http_request_duration_seconds_count\{[^}]*route="\/work"[^}]*status_code="201"[^}]*\} 1/);
  });
});

describe('readiness', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  beforeAll(async () => {
    database = await freshDatabase();
  });
  afterAll(() => database?.drop());

  const start = (env: Record<string, string> = {}) =>
    startService(slowService, testServiceEnv(database.url, env));

  it('is answered without touching the database', async () => {
    const service = await start();
    try {
      // Every query, pool.query() included, takes a connection through connect().
      const connect = jest.spyOn(service.pool, 'connect');
      for (let probe = 0; probe < 3; probe++) {
        expect((await service.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ready' });
      }
      expect(connect).not.toHaveBeenCalled();
    } finally {
      await service.shutdown();
    }
  });

  it('turns 503 as soon as shutdown begins, while requests are still served', async () => {
    const service = await start({ SHUTDOWN_DELAY_MS: '1000' });
    const stopping = service.shutdown();
    try {
      const readiness = await service.app.inject({ method: 'GET', url: '/readyz' });
      expect(readiness.statusCode).toBe(503);
      expect(readiness.json()).toEqual({ status: 'shutting down' });
      expect((await service.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await stopping;
    }
  });
});

describe('database connections', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let service: RunningService;
  beforeAll(async () => {
    database = await freshDatabase();
    service = await startService(slowService, testServiceEnv(database.url, { DATABASE_IDLE_TIMEOUT_MS: '50' }));
  });
  afterAll(async () => {
    await service?.shutdown();
    await database?.drop();
  });

  it('carry the service name as application_name, so pg_stat_activity tells who holds them', async () => {
    const { rows } = await service.pool.query('SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()');
    expect(rows).toEqual([{ application_name: 'slow-fixture' }]);
  });

  it('that break while idle are logged, without the pg client the error carries', async () => {
    // A service of its own, whose idle connection stays open until it is broken.
    const own = await startService(slowService, testServiceEnv(database.url));
    try {
      const logged = jest.spyOn(own.app.log, 'error');
      const connection = await own.pool.connect();
      const { rows } = await connection.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      connection.release();
      const admin = new pg.Client({ connectionString: database.url });
      await admin.connect();
      await admin.query('SELECT pg_terminate_backend($1)', [rows[0].pid]).finally(() => admin.end());
      await waitFor('the broken idle connection to be logged', () => logged.mock.calls.length > 0);
      expect(logged).toHaveBeenCalledWith({ err: expect.objectContaining({ message: expect.any(String) }) }, 'idle database connection failed');
      expect(logged.mock.calls[0][0]).not.toHaveProperty(['err', 'client']);
    } finally {
      await own.shutdown();
    }
  });

  it('are closed once idle for DATABASE_IDLE_TIMEOUT_MS, and none is kept open', async () => {
    const connection = await service.pool.connect();
    expect(service.pool.totalCount).toBe(1);
    connection.release();
    await waitFor('the idle connection to close', () => service.pool.totalCount === 0);
  });
});

describe('a service without a database', () => {
  // No DATABASE_* at all: what such a service gets on EKS.
  const env = { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', SHUTDOWN_DELAY_MS: '0' };

  it('starts with no DATABASE_* variable, and answers its own route and the kit\'s over HTTP', async () => {
    const service = await startService(noDatabaseService(), { ...env, GREETING: 'hi' });
    try {
      expect(await (await fetch(`${service.url}/greeting`)).json()).toEqual({ greeting: 'hi' });
      expect(await (await fetch(`${service.url}/healthz`)).json()).toEqual({ status: 'ok' });
      expect(await (await fetch(`${service.url}/readyz`)).json()).toEqual({ status: 'ready' });
      expect(await (await fetch(`${service.url}/metrics`)).text()).toMatch(/http_request_duration_seconds_count\{[^}]*route="\/greeting"/);
      const document = (await (await fetch(`${service.url}${OPENAPI_PATH}`)).json()) as { paths: object };
      expect(document.paths).toHaveProperty(['/greeting']);
    } finally {
      await service.shutdown();
    }
  });

  it('gives register() and the caller no pool', async () => {
    let given: object | undefined;
    const definition = defineService({
      name: 'no-pool-fixture',
      usesDatabase: false,
      register: (_app, deps) => {
        given = deps;
        // @ts-expect-error A service without a database has no pool to be given.
        void deps.pool;
      },
    });
    const service = await startService(definition, env);
    await service.shutdown();
    expect(Object.keys(given ?? {}).sort()).toEqual(['config', 'logger', 'registry']);
    expect(service).not.toHaveProperty('pool');
  });

  it('stops its background work on shutdown, then refuses connections', async () => {
    const stopped = jest.fn();
    const service = await startService(noDatabaseService(stopped), env);
    await service.shutdown();
    expect(stopped).toHaveBeenCalledTimes(1);
    await expect(fetch(`${service.url}/healthz`)).rejects.toThrow();
  });

  it('stops its background work and rejects when it cannot listen', async () => {
    const first = await startService(noDatabaseService(), env);
    try {
      const stopped = jest.fn();
      const port = new URL(first.url).port;
      await expect(startService(noDatabaseService(stopped), { ...env, PORT: port })).rejects.toThrow(/EADDRINUSE/);
      expect(stopped).toHaveBeenCalledTimes(1);
    } finally {
      await first.shutdown();
    }
  });

});

describe('a service with a database', () => {
  it('refuses to start without DATABASE_URL, or DATABASE_HOST and DATABASE_SECRET_ARN', async () => {
    await expect(startService(slowService, { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' })).rejects.toThrow(
      new ConfigError('Invalid environment:\n  - DATABASE_URL: set DATABASE_URL, or DATABASE_HOST and DATABASE_SECRET_ARN'),
    );
  });
});
