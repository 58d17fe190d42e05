import { defineService, openApiDocumentOf, OPENAPI_PATH, startService } from '../../services/kit';
import { noDatabaseService } from './fixtures/no-database-service';
import { slowService } from './fixtures/slow-service';
import { freshDatabase } from './support/database';
import { testServiceEnv } from './support/service-env';

// The OpenAPI document made with no database and no network (services/kit/openapi-document.ts), for
// the Backstage catalog: it must be the document the running service serves.

it('is, for a service with a database, the document it serves when started with its database', async () => {
  const database = await freshDatabase();
  const service = await startService(slowService, testServiceEnv(database.url));
  try {
    const served = (await service.app.inject({ method: 'GET', url: OPENAPI_PATH })).json();
    expect(await openApiDocumentOf(slowService, {})).toEqual(served);
  } finally {
    await service.shutdown();
    await database.drop();
  }
});

it("is, for a service without a database, the document it serves, its own config read from the given environment", async () => {
  const document = (await openApiDocumentOf(noDatabaseService(), { GREETING: 'hi' })) as { info: { title: string }; paths: object };
  expect(document.info.title).toBe('no-database-fixture');
  expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/healthz', '/readyz', '/metrics', '/greeting']));
});

it('gives a service without a database no pool, as when it runs', async () => {
  let given: object | undefined;
  await openApiDocumentOf(defineService({ name: 'no-pool-fixture', usesDatabase: false, register: (_app, deps) => void (given = deps) }), {});
  expect(Object.keys(given ?? {}).sort()).toEqual(['config', 'logger', 'registry']);
});

it('leaves nothing running: the service it started is shut down', async () => {
  let app: import('fastify').FastifyInstance | undefined;
  await openApiDocumentOf(defineService({ name: 'closed-fixture', usesDatabase: false, register: (registered) => void (app = registered) }), {});
  expect(app?.server.listening).toBe(false);
});

it("gives register() the service's config, as if it had a database", async () => {
  let given: Record<string, unknown> | undefined;
  const definition = defineService({ name: 'config-fixture', migrations: [], register: (_app, { config }) => void (given = config) });
  await openApiDocumentOf(definition, { SHUTDOWN_TIMEOUT_MS: '2000' });
  expect(given).toMatchObject({ SHUTDOWN_TIMEOUT_MS: 2000, DATABASE_URL: expect.stringMatching(/^postgres:\/\//), DATABASE_POOL_SIZE: 10 });
});

it.each([
  ['pool.query()', (pool: import('pg').Pool) => pool.query('SELECT 1')],
  ['pool.connect()', (pool: import('pg').Pool) => pool.connect()],
])('fails at once, saying why, when register() asks for a connection through %s', async (_way, query) => {
  const definition = defineService({ name: 'querying-fixture', migrations: [], register: async (_app, { pool }) => void (await query(pool)) });
  await expect(openApiDocumentOf(definition, {})).rejects.toThrow('no database: the OpenAPI document is made offline (services/kit/openapi-document.ts)');
});

it('refuses a document the service does not serve with 200, naming the service', async () => {
  const definition = defineService({
    name: 'hidden-document-fixture',
    usesDatabase: false,
    register: (app) => void app.addHook('onRequest', async (_request, reply) => reply.status(403).send({ error: 'Forbidden', message: 'no' })),
  });
  await expect(openApiDocumentOf(definition, {})).rejects.toThrow(`hidden-document-fixture: GET ${OPENAPI_PATH} answered 403`);
});
