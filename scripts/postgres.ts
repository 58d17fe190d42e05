import { spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import { accessSync, chownSync, closeSync, constants, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import pg from 'pg';

/**
 * A real, local PostgreSQL for tests (`test/services/support/global-setup.ts`) and for `npm run dev`
 * (`scripts/dev.ts`): no Docker, no system service. The server runs from a directory of its own,
 * listens on 127.0.0.1 only and trusts local connections as the superuser `postgres`.
 *
 * PostgreSQL refuses to run as root, so as root every PostgreSQL program runs as `nobody`
 * (spawn's uid/gid, which also drops supplementary groups) and the directory is owned by `nobody`;
 * as any other user it runs as that user.
 *
 *   tsx scripts/postgres.ts            start a throwaway server, print its URL, stop on Ctrl-C
 *   tsx scripts/postgres.ts install    only make sure the server binaries are installed
 */

export interface PostgresBinaries {
  /** The directory holding initdb, pg_ctl and postgres. */
  readonly binDir: string;
  readonly initdb: string;
  readonly pgCtl: string;
  readonly postgres: string;
  /** As reported by `postgres --version`, e.g. "15.18". */
  readonly version: string;
}

export interface PostgresServer {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** Holds dataDir, the unix socket directory and the server log. */
  readonly baseDir: string;
  /** Stops the server; a throwaway server's directory is deleted too. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /**
   * A directory to keep the cluster in, reused on the next start (`npm run dev`). Without it the
   * server is throwaway: a fresh temporary directory, deleted by stop(), and a watchdog that stops
   * the server and deletes the directory if this process dies without calling stop() (Ctrl-C, crash).
   */
  readonly baseDir?: string;
  /** Default: a free port. A busy port is an error, unless `fallbackToFreePort`. */
  readonly port?: number;
  readonly fallbackToFreePort?: boolean;
  /** Progress lines (installation, reuse of a cluster). Default: stderr. */
  readonly log?: (line: string) => void;
}

const defaultLog = (line: string) => console.error(`[postgres] ${line}`);

// ---------------------------------------------------------------------------------------------
// Binaries
// ---------------------------------------------------------------------------------------------

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Directories that may hold initdb and pg_ctl: PATH first, then Debian/Ubuntu's and the PGDG RPMs' versioned directories, newest first. */
function candidateBinDirs(): string[] {
  const fromPath = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  const versioned = (parent: string, dirOf: (entry: string) => string, pattern: RegExp) => {
    let entries: string[];
    try {
      entries = readdirSync(parent).filter((entry) => pattern.test(entry));
    } catch {
      return [];
    }
    return entries.sort((a, b) => parseFloat(b.replace(/^\D+/, '')) - parseFloat(a.replace(/^\D+/, ''))).map(dirOf);
  };
  return [
    ...fromPath,
    ...versioned('/usr/lib/postgresql', (entry) => join('/usr/lib/postgresql', entry, 'bin'), /^\d+(\.\d+)?$/),
    ...versioned('/usr', (entry) => join('/usr', entry, 'bin'), /^pgsql-\d+$/),
  ];
}

/** Finds initdb and pg_ctl (with postgres beside them), or returns undefined. */
export function findPostgres(): PostgresBinaries | undefined {
  for (const dir of candidateBinDirs()) {
    const initdb = join(dir, 'initdb');
    const pgCtl = join(dir, 'pg_ctl');
    if (!isExecutable(initdb) || !isExecutable(pgCtl)) continue;
    // pg_ctl and initdb find `postgres` next to their real (symlink-resolved) path.
    const postgres = join(dir, 'postgres');
    const version = spawnSync(postgres, ['--version'], { encoding: 'utf8' });
    const match = /\(PostgreSQL\) (\S+)/.exec(version.stdout ?? '');
    if (version.status === 0 && match) return { binDir: dir, initdb, pgCtl, postgres, version: match[1] };
  }
  return undefined;
}

const INSTALL_HELP = [
  'PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found on PATH or in /usr/lib/postgresql/*/bin.',
  'Install the PostgreSQL server (any version from 13), then run again:',
  '  Debian/Ubuntu:  sudo apt-get install -y postgresql',
  '  Fedora/RHEL:    sudo dnf install -y postgresql-server',
  '  macOS:          brew install postgresql@15   (and put its bin directory on PATH)',
  'or put the directory that holds initdb and pg_ctl on PATH.',
].join('\n');

/**
 * Returns the PostgreSQL server binaries. If they are missing and we are root on a machine with
 * apt-get (a fresh CI machine), installs the `postgresql` package; otherwise throws an error that
 * says what to install.
 */
export function ensurePostgresInstalled(log: (line: string) => void = defaultLog): PostgresBinaries {
  const found = findPostgres();
  if (found) return found;

  const isRoot = process.getuid?.() === 0;
  const aptGet = ['/usr/bin/apt-get', '/bin/apt-get'].find(isExecutable);
  if (!isRoot || !aptGet) {
    throw new Error(`${INSTALL_HELP}\n(Not installing it automatically: that needs ${!isRoot ? 'root' : 'apt-get'}.)`);
  }

  log('initdb/pg_ctl not found: installing the Debian package "postgresql" with apt-get (root, non-interactive; about a minute)...');
  const started = Date.now();
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args: string[]) => {
    const result = spawnSync(aptGet, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
    if (result.status !== 0) {
      const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-30).join('\n');
      throw new Error(`"apt-get ${args.join(' ')}" failed (${result.error?.message ?? `exit ${result.status}`}):\n${output}\n\n${INSTALL_HELP}`);
    }
  };
  apt(['update']);
  // postgresql-common first, so that its config can stop the package from creating (and starting)
  // a system-wide cluster on port 5432 that nobody here uses.
  apt(['install', '-y', 'postgresql-common']);
  const createClusterConf = '/etc/postgresql-common/createcluster.conf';
  if (existsSync(createClusterConf)) {
    const conf = readFileSync(createClusterConf, 'utf8');
    writeFileSync(createClusterConf, conf.replace(/^#?\s*create_main_cluster\s*=.*$/m, 'create_main_cluster = false'));
  }
  apt(['install', '-y', 'postgresql']);

  const installed = findPostgres();
  if (!installed) throw new Error(`apt-get installed "postgresql" but initdb/pg_ctl are still not found.\n${INSTALL_HELP}`);
  log(`installed PostgreSQL ${installed.version} (${installed.binDir}) in ${Math.round((Date.now() - started) / 1000)} s`);
  return installed;
}

// ---------------------------------------------------------------------------------------------
// Running as an unprivileged user
// ---------------------------------------------------------------------------------------------

interface RunAs {
  readonly uid: number;
  readonly gid: number;
  readonly name: string;
}

/** As root: `nobody` and its primary group (nogroup on Debian); otherwise undefined (run as ourselves). */
function unprivilegedUser(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  let passwd = '';
  try {
    passwd = readFileSync('/etc/passwd', 'utf8');
  } catch {
    // No passwd file: fall back to the conventional ids.
  }
  const entry = passwd.split('\n').find((line) => line.startsWith('nobody:'));
  const [, , uid, gid] = entry?.split(':') ?? [];
  return { uid: Number(uid ?? 65534), gid: Number(gid ?? 65534), name: 'nobody' };
}

function spawnOptions(runAs: RunAs | undefined, cwd: string): SpawnOptions {
  // cwd: a directory the unprivileged user may enter (our own cwd may be /root).
  return { cwd, env: { ...process.env, LC_ALL: 'C' }, ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}) };
}

interface RunResult {
  readonly code: number | null;
  readonly output: string;
}

function run(command: string, args: string[], options: SpawnOptions): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, output }));
  });
}

async function mustRun(command: string, args: string[], options: SpawnOptions, what: string, hint = ''): Promise<string> {
  const result = await run(command, args, options);
  if (result.code !== 0) throw new Error(`${what} failed (exit ${result.code}): ${command} ${args.join(' ')}\n${result.output.trim()}${hint}`);
  return result.output;
}

// ---------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------

/** A port that was free a moment ago: bind 127.0.0.1:0 and let the kernel choose. */
export function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePromise(address.port) : reject(new Error('no port'))));
    });
  });
}

function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolvePromise(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolvePromise(true)));
  });
}

const RUNTIME_CONF = 'hybrid-platform.conf';

/** Settings for speed over durability: the data is throwaway (tests) or disposable (local dev). */
function runtimeSettings(port: number, socketDir: string, throwaway: boolean): string {
  const quote = (value: string) => `'${value.replace(/'/g, "''")}'`;
  const settings: Record<string, string | number> = {
    listen_addresses: quote('127.0.0.1'),
    port,
    unix_socket_directories: quote(socketDir),
    max_connections: 200,
    // Nothing here must survive a power cut.
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    wal_level: 'minimal',
    max_wal_senders: 0,
    max_wal_size: quote('1GB'),
    checkpoint_timeout: quote('30min'),
    // Short queries: compiling them costs more than it saves.
    jit: 'off',
    timezone: quote('UTC'),
    log_min_messages: 'warning',
    log_line_prefix: quote('%m [%p] %q%u@%d '),
    // A throwaway database lives seconds; vacuuming it is wasted work.
    autovacuum: throwaway ? 'off' : 'on',
  };
  return [
    '# Written by scripts/postgres.ts on every start; edit that file, not this one.',
    ...Object.entries(settings).map(([key, value]) => `${key} = ${value}`),
    '',
  ].join('\n');
}

function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no server log)';
  }
}

/** The Unix socket path (dir + "/.s.PGSQL.<port>") must fit in sun_path (107 bytes on Linux); beyond that, TCP only. */
function socketDirFor(baseDir: string): string {
  const dir = join(baseDir, 'run');
  return Buffer.byteLength(join(dir, '.s.PGSQL.65535')) <= 100 ? dir : '';
}

/**
 * Kills a throwaway server if the process that started it dies without stopping it. Detached, in
 * its own process group (so a Ctrl-C aimed at jest does not reach it), polling the parent's pid.
 */
const WATCHDOG = `
const { existsSync, rmSync } = require('node:fs');
const [parentPid, serverPid, dataDir, baseDir] = process.argv.slice(1);
const alive = (pid) => { try { process.kill(Number(pid), 0); return true; } catch { return false; } };
process.on('SIGTERM', () => process.exit(0));
const timer = setInterval(() => {
  if (alive(parentPid)) return;
  clearInterval(timer);
  try { process.kill(Number(serverPid), 'SIGQUIT'); } catch {}
  // The postmaster removes postmaster.pid as its last act.
  const deadline = Date.now() + 30000;
  const wait = setInterval(() => {
    if (existsSync(dataDir + '/postmaster.pid') && alive(serverPid) && Date.now() < deadline) return;
    clearInterval(wait);
    try { process.kill(Number(serverPid), 'SIGKILL'); } catch {}
    rmSync(baseDir, { recursive: true, force: true });
  }, 50);
}, 250);
`;

/**
 * Starts PostgreSQL: initdb (trust auth for local connections, superuser `postgres`, UTF8, C locale)
 * unless `baseDir` already holds a cluster, then start and wait until it accepts connections.
 */
export async function startPostgres(options: StartOptions = {}): Promise<PostgresServer> {
  const log = options.log ?? defaultLog;
  const binaries = ensurePostgresInstalled(log);
  const runAs = unprivilegedUser();
  const throwaway = options.baseDir === undefined;
  const baseDir = throwaway ? mkdtempSync(join(tmpdir(), 'pg-')) : resolve(options.baseDir!);
  const dataDir = join(baseDir, 'data');
  const logFile = join(baseDir, 'postgres.log');
  const socketDir = socketDirFor(baseDir);
  const spawnAs = spawnOptions(runAs, baseDir);
  const removeThrowaway = () => {
    if (throwaway) rmSync(baseDir, { recursive: true, force: true });
  };

  try {
    mkdirSync(baseDir, { recursive: true });
    if (socketDir) mkdirSync(socketDir, { recursive: true });
    const owner = runAs ? { uid: runAs.uid, gid: runAs.gid } : undefined;
    if (owner) {
      for (const path of [baseDir, socketDir].filter(Boolean)) chownSync(path, owner.uid, owner.gid);
    }
    const hint = runAs
      ? `\n(As root, PostgreSQL runs as ${runAs.name}: ${baseDir} must be writable by it and every parent directory searchable, o+x.)`
      : '';

    const hasCluster = existsSync(join(dataDir, 'PG_VERSION'));
    if (hasCluster) {
      const expectedUid = runAs?.uid ?? process.getuid?.();
      const actualUid = statSync(dataDir).uid;
      if (expectedUid !== undefined && actualUid !== expectedUid) {
        throw new Error(
          `${dataDir} belongs to uid ${actualUid}, but PostgreSQL would run as uid ${expectedUid} ` +
            `(${runAs ? 'nobody, because we are root' : 'you'}). Delete ${baseDir} to start over with an empty cluster.`,
        );
      }
      const clusterVersion = readFileSync(join(dataDir, 'PG_VERSION'), 'utf8').trim();
      if (clusterVersion !== binaries.version.split('.')[0]) {
        throw new Error(`${dataDir} holds a PostgreSQL ${clusterVersion} cluster, but the server found is ${binaries.version}. Delete ${baseDir} to start over.`);
      }
      // Left running by an earlier run that was killed: stop it, so that it restarts with our settings.
      const status = await run(binaries.pgCtl, ['-D', dataDir, 'status'], spawnAs);
      if (status.code === 0) {
        log(`stopping a server left running on ${dataDir}`);
        await mustRun(binaries.pgCtl, ['-D', dataDir, '-m', 'fast', '-w', 'stop'], spawnAs, 'pg_ctl stop');
      }
      log(`reusing the cluster in ${dataDir}`);
    } else {
      await mustRun(
        binaries.initdb,
        ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-locale', '--no-sync'],
        spawnAs,
        'initdb',
        hint,
      );
      const conf = join(dataDir, 'postgresql.conf');
      writeFileSync(conf, `${readFileSync(conf, 'utf8')}\ninclude_if_exists = '${RUNTIME_CONF}'\n`);
    }

    // Try the requested port, or free ones; a free port can be taken by someone else before the
    // server binds it, so try again with another.
    for (let attempt = 1; ; attempt++) {
      let port = options.port ?? (await freePort());
      if (options.port !== undefined && attempt === 1 && options.fallbackToFreePort && !(await isPortFree(port))) {
        log(`port ${port} is busy; using a free one`);
        port = await freePort();
      } else if (attempt > 1) {
        port = await freePort();
      }
      const runtimeConf = join(dataDir, RUNTIME_CONF);
      writeFileSync(runtimeConf, runtimeSettings(port, socketDir, throwaway));
      if (owner) chownSync(runtimeConf, owner.uid, owner.gid);

      // The postmaster is our child (so that we reap it), in a session of its own (so that a Ctrl-C
      // in the terminal does not reach it before the services that use it have stopped).
      const logFd = openSync(logFile, 'a');
      if (owner) chownSync(logFile, owner.uid, owner.gid);
      const server = spawn(binaries.postgres, ['-D', dataDir], { ...spawnAs, detached: true, stdio: ['ignore', logFd, logFd] });
      closeSync(logFd);
      let exitStatus: string | undefined;
      const exited = new Promise<void>((done) => {
        server.once('exit', (code, signal) => {
          exitStatus = `exit ${code ?? signal}`;
          done();
        });
        server.once('error', (error) => {
          exitStatus = error.message;
          done();
        });
      });
      // Started now, not once it is up: this process may die while waiting.
      const watchdog = throwaway
        ? spawn(process.execPath, ['-e', WATCHDOG, String(process.pid), String(server.pid), dataDir, baseDir], { detached: true, stdio: 'ignore' })
        : undefined;
      watchdog?.unref();
      const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
      let accepting: boolean;
      try {
        accepting = await waitUntilAccepting(url, () => exitStatus === undefined);
      } catch (error) {
        server.kill('SIGKILL');
        await exited;
        watchdog?.kill('SIGTERM');
        throw error;
      }
      if (accepting) {
        let stopping: Promise<void> | undefined;
        const stop = () =>
          (stopping ??= (async () => {
            if (watchdog?.exitCode === null) watchdog.kill('SIGTERM');
            if (server.exitCode === null && server.signalCode === null) {
              // SIGQUIT: immediate shutdown, no checkpoint, for a cluster about to be deleted;
              // SIGINT: fast shutdown (disconnect everyone, checkpoint) for one that is kept.
              server.kill(throwaway ? 'SIGQUIT' : 'SIGINT');
              const timer = setTimeout(() => server.kill('SIGKILL'), 60_000);
              await exited;
              clearTimeout(timer);
            }
            removeThrowaway();
          })());
        return { url, port, dataDir, baseDir, stop };
      }
      watchdog?.kill('SIGTERM');
      const serverLog = tail(logFile);
      const portTaken = /could not bind|Address already in use/i.test(serverLog);
      if (portTaken && options.port === undefined && attempt < 3) continue;
      throw new Error(`PostgreSQL did not start (postgres: ${exitStatus}). Server log (${logFile}):\n${serverLog}${hint}`);
    }
  } catch (error) {
    removeThrowaway();
    throw error;
  }
}

/** Polls until the server accepts a query; false if it exits first. */
async function waitUntilAccepting(url: string, running: () => boolean): Promise<boolean> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (!running()) return false;
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`PostgreSQL at ${url} is running but has not accepted connections for 60 s: ${(error as Error).message}`);
      await new Promise((done) => setTimeout(done, 25));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Databases
// ---------------------------------------------------------------------------------------------

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

function checkName(name: string): void {
  if (!IDENTIFIER.test(name)) throw new Error(`invalid database name "${name}": use 1-63 of a-z, 0-9 and _, not starting with a digit`);
}

/** The same server and credentials, another database. */
export function databaseUrl(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

async function asAdmin<T>(url: string, action: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await action(client);
  } finally {
    await client.end();
  }
}

/**
 * Creates database `name` on the server at `url` (connecting as that URL's user, who must be
 * allowed to CREATE DATABASE) and returns the new database's URL.
 */
export async function createDatabase(url: string, name: string, { ifNotExists = false } = {}): Promise<string> {
  checkName(name);
  await asAdmin(url, async (client) => {
    if (ifNotExists) {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (rowCount) return;
    }
    await client.query(`CREATE DATABASE "${name}"`);
  });
  return databaseUrl(url, name);
}

/** Drops database `name`, disconnecting whoever is still connected to it (PostgreSQL 13+). */
export async function dropDatabase(url: string, name: string): Promise<void> {
  checkName(name);
  await asAdmin(url, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

// ---------------------------------------------------------------------------------------------
// CLI
// ---------------------------------------------------------------------------------------------

async function main(command: string | undefined): Promise<void> {
  if (command === 'install') {
    const binaries = ensurePostgresInstalled();
    console.log(`PostgreSQL ${binaries.version}: ${binaries.binDir}`);
    return;
  }
  if (command !== undefined && command !== 'start') {
    console.error('usage: tsx scripts/postgres.ts [start|install]');
    process.exitCode = 2;
    return;
  }
  const server = await startPostgres();
  console.log(server.url);
  console.error(`[postgres] running from ${server.baseDir}; Ctrl-C stops it and deletes that directory`);
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  await server.stop();
}

if (require.main === module) {
  main(process.argv[2]).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
