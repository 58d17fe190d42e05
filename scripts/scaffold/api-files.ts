import type { Names } from './names';

/**
 * The files of a new core API, in the samples' shape (services/catalog): a kit service with its own
 * table, JSON-schema-validated routes (so its OpenAPI document is generated), SQL in a repository,
 * and a test over real HTTP against the test run's real PostgreSQL. A working starting point: a
 * resource of "items" with a name, to be replaced by the service's own.
 */
export function apiFiles(names: Names): Record<string, string> {
  const { kebab, camel, pascal, snake } = names;
  return {
    [`services/${kebab}/main.ts`]: `import { runMain } from '../kit';
import { ${camel}Service } from './service';

runMain(${camel}Service);
`,
    [`services/${kebab}/service.ts`]: `import { defineService } from '../kit';
import { ${camel}Migrations } from './migrations';
import { ${camel}Repository } from './repository';
import { register${pascal}Routes } from './routes';

/** The ${kebab} core API (scaffolded by \`npm run new-service\`): its registry entry is in infra/config/core-services.ts. */
export const ${camel}Service = defineService({
  name: '${kebab}',
  migrations: ${camel}Migrations,
  register(app, { pool }) {
    register${pascal}Routes(app, ${camel}Repository(pool));
  },
});
`,
    [`services/${kebab}/migrations.ts`]: `import type { Migration } from '../kit';

/** The ${kebab} schema. Append-only: a deployed migration is never edited, a change is a new one. */
export const ${camel}Migrations: Migration[] = [
  {
    id: '0001_${snake}_items',
    // Every service shares the platform's database: its tables carry its name.
    sql: \`
      CREATE TABLE ${snake}_items (
        id         uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
        name       text        NOT NULL CHECK (length(btrim(name)) > 0),
        created_at timestamptz NOT NULL DEFAULT now()
      );
    \`,
  },
];
`,
    [`services/${kebab}/repository.ts`]: `import type { Pool } from 'pg';

/** All of the ${kebab} service's SQL. */

export interface Item {
  id: string;
  name: string;
  createdAt: string;
}

interface ItemRow {
  id: string;
  name: string;
  created_at: Date;
}

const toItem = (row: ItemRow): Item => ({ id: row.id, name: row.name, createdAt: row.created_at.toISOString() });

export interface ${pascal}Repository {
  create(name: string): Promise<Item>;
  find(id: string): Promise<Item | undefined>;
}

export function ${camel}Repository(pool: Pool): ${pascal}Repository {
  return {
    async create(name) {
      const { rows } = await pool.query<ItemRow>('INSERT INTO ${snake}_items (name) VALUES ($1) RETURNING id, name, created_at', [name]);
      return toItem(rows[0]);
    },
    async find(id) {
      const { rows } = await pool.query<ItemRow>('SELECT id, name, created_at FROM ${snake}_items WHERE id = $1', [id]);
      return rows[0] && toItem(rows[0]);
    },
  };
}
`,
    [`services/${kebab}/routes.ts`]: `import type { FastifyInstance } from 'fastify';
import { errorBody, idSchema } from '../kit';
import type { ${pascal}Repository } from './repository';

// Route schemas: Fastify validates requests (400 with the field to blame) and serialises responses
// with them, and the kit publishes them as the service's OpenAPI document.
const idParams = { type: 'object', required: ['id'], additionalProperties: false, properties: { id: idSchema } } as const;
const createItemBody = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  // At least one character that is not white space.
  properties: { name: { type: 'string', minLength: 1, maxLength: 200, pattern: '\\\\S' } },
} as const;
const itemResponse = {
  type: 'object',
  required: ['id', 'name', 'createdAt'],
  properties: { id: idSchema, name: { type: 'string' }, createdAt: { type: 'string' } },
} as const;

export function register${pascal}Routes(app: FastifyInstance, repository: ${pascal}Repository): void {
  app.post<{ Body: { name: string } }>('/${kebab}', { schema: { body: createItemBody, response: { 201: itemResponse } } }, async (request, reply) => {
    const item = await repository.create(request.body.name);
    return reply.status(201).header('location', \`/${kebab}/\${item.id}\`).send(item);
  });

  app.get<{ Params: { id: string } }>('/${kebab}/:id', { schema: { params: idParams, response: { 200: itemResponse } } }, async (request, reply) => {
    const item = await repository.find(request.params.id);
    return item ?? reply.status(404).send(errorBody(404, \`No item \${request.params.id}\`));
  });
}
`,
    [`test/services/${kebab}-api.test.ts`]: `import { startService, type RunningService } from '../../services/kit';
import { ${camel}Service } from '../../services/${kebab}/service';
import { freshDatabase, type FreshDatabase } from './support/database';
import { testServiceEnv } from './support/service-env';

/** The ${kebab} API over real HTTP, on a database of its own in the test run's PostgreSQL. */
describe('${kebab} API', () => {
  let database: FreshDatabase;
  let service: RunningService;

  beforeAll(async () => {
    database = await freshDatabase();
    service = await startService(${camel}Service, testServiceEnv(database.url));
  });

  afterAll(async () => {
    await service?.shutdown();
    await database?.drop();
  });

  const post = (body: unknown) => fetch(\`\${service.url}/${kebab}\`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('stores an item and answers it at its location', async () => {
    const created = await post({ name: 'First' });
    expect(created.status).toBe(201);
    const item = (await created.json()) as { id: string; name: string };
    expect(item.name).toBe('First');
    const read = await fetch(\`\${service.url}\${created.headers.get('location')}\`);
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual(item);
  });

  it('answers 404 for an item that does not exist', async () => {
    const response = await fetch(\`\${service.url}/${kebab}/00000000-0000-4000-8000-000000000000\`);
    expect(response.status).toBe(404);
  });

  it.each([
    ['no name', {}],
    ['a blank name', { name: '   ' }],
    ['an unknown field', { name: 'x', colour: 'red' }],
  ])('refuses %s with a 400 naming the problem, and stores nothing', async (_case, body) => {
    const response = await post(body);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).not.toBe('');
    const { rows } = await service.pool.query('SELECT count(*)::int AS count FROM ${snake}_items WHERE name = $1', [(body as { name?: string }).name ?? '']);
    expect(rows[0].count).toBe(0);
  });

  it('refuses a malformed id with a 400', async () => {
    expect((await fetch(\`\${service.url}/${kebab}/not-an-id\`)).status).toBe(400);
  });

  it('publishes its routes in its OpenAPI document', async () => {
    const document = (await (await fetch(\`\${service.url}/openapi.json\`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/${kebab}', '/${kebab}/{id}']));
  });
});
`,
  };
}
