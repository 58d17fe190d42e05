import pg from 'pg';
import { databaseUrl } from '../../scripts/postgres';
import { freshDatabase, type FreshDatabase } from './support/database';

/** The harness the service tests stand on: one real PostgreSQL per jest run, one database per test file. */
describe('test PostgreSQL harness', () => {
  const serverUrl = process.env.TEST_DATABASE_URL;
  let first: FreshDatabase;
  let second: FreshDatabase;
  const pools: pg.Pool[] = [];
  const pool = (url: string) => {
    const created = new pg.Pool({ connectionString: url, max: 2 });
    pools.push(created);
    return created;
  };

  beforeAll(async () => {
    [first, second] = await Promise.all([freshDatabase(), freshDatabase()]);
  });
  afterAll(async () => {
    await Promise.all(pools.map((each) => each.end()));
    await Promise.all([first?.drop(), second?.drop()]);
  });

  it('reaches the test worker through TEST_DATABASE_URL', () => {
    expect(serverUrl).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
  });

  it('is a real PostgreSQL 13+ with the test settings', async () => {
    const { rows } = await pool(first.url).query<{ version: number; fsync: string; max_connections: string; db: string; sum: number }>(
      `SELECT current_setting('server_version_num')::int AS version, current_setting('fsync') AS fsync,
              current_setting('max_connections') AS max_connections, current_database() AS db, 40 + 2 AS sum`,
    );
    expect(rows[0]).toEqual({ version: expect.any(Number), fsync: 'off', max_connections: '200', db: first.name, sum: 42 });
    expect(rows[0].version).toBeGreaterThanOrEqual(130000);
  });

  it('gives each caller its own, uniquely named database', async () => {
    expect(first.name).toMatch(/^t_postgres_harness_[0-9a-f]{8}$/);
    expect(second.name).not.toBe(first.name);
    expect(first.url).toBe(databaseUrl(serverUrl!, first.name));

    await pool(first.url).query('CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL)');
    await pool(first.url).query("INSERT INTO items VALUES (1, 'only in the first')");
    await pool(second.url).query('CREATE TABLE items (id int PRIMARY KEY, label text)');

    const inFirst = await pool(first.url).query('SELECT id, name FROM items');
    const inSecond = await pool(second.url).query('SELECT count(*)::int AS n FROM items');
    expect(inFirst.rows).toEqual([{ id: 1, name: 'only in the first' }]);
    expect(inSecond.rows).toEqual([{ n: 0 }]);
    // Same table name, different definitions: nothing is shared.
    const columns = await pool(second.url).query("SELECT column_name FROM information_schema.columns WHERE table_name = 'items' ORDER BY ordinal_position");
    expect(columns.rows.map((row) => row.column_name)).toEqual(['id', 'label']);
  });

  it('drop() removes the database even with connections open, and is idempotent', async () => {
    const scratch = await freshDatabase();
    const open = pool(scratch.url);
    // The drop terminates this pool's idle connection, which the pool reports as an error event.
    open.on('error', () => undefined);
    await open.query('SELECT 1');
    await scratch.drop();
    await scratch.drop();
    const { rows } = await pool(serverUrl!).query('SELECT count(*)::int AS n FROM pg_database WHERE datname = $1', [scratch.name]);
    expect(rows).toEqual([{ n: 0 }]);
  });
});
