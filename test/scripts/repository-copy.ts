import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '../..');

/** What a copy of the repository leaves out: installed, generated or local. */
const NOT_COPIED = new Set(['node_modules', '.git', 'cdk.out', 'dist', '.tmp', 'coverage']);

/** The repository's files in a temporary folder, sharing the installed node_modules: what a fork's clone has after `npm ci`. */
export function copyOfRepository(): string {
  const copy = mkdtempSync(join(tmpdir(), 'hybrid-platform-scaffold-'));
  cpSync(ROOT, copy, { recursive: true, filter: (source) => source === ROOT || !NOT_COPIED.has(relative(ROOT, source).split('/')[0]) });
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
  return copy;
}

/** A copy for the enclosing describe block: made before its tests, deleted after them. Returns its path's getter. */
export function withRepositoryCopy(): () => string {
  let copy: string | undefined;
  beforeAll(() => {
    copy = copyOfRepository();
  });
  afterAll(() => {
    if (copy) rmSync(copy, { recursive: true, force: true });
  });
  return () => copy!;
}

/** A digest of every file under `root` (node_modules aside): equal digests, nothing written. */
export function treeDigest(root: string): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name === 'node_modules') continue;
      const path = join(dir, entry.name);
      hash.update(relative(root, path));
      if (entry.isDirectory()) walk(path);
      else hash.update(readFileSync(path));
    }
  };
  walk(root);
  return hash.digest('hex');
}

/**
 * Runs a command in a copy as a user would: without jest's worker settings (NODE_OPTIONS), so an inner
 * jest starts as its own run (and reuses this run's PostgreSQL through TEST_DATABASE_URL, when there is one).
 */
export function runIn(cwd: string, command: string, args: readonly string[]): SpawnSyncReturns<string> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.NODE_OPTIONS;
  delete env.JEST_WORKER_ID;
  return spawnSync(command, args, { cwd, encoding: 'utf8', env, timeout: 300_000 });
}

/** One of the repository's scripts (`scripts/<name>.ts`), run in `cwd`. */
export const runScript = (cwd: string, script: string, ...args: string[]) => runIn(cwd, process.execPath, ['--import', 'tsx', `scripts/${script}.ts`, ...args]);

/** What a command printed, both streams: for a failure message. */
export const outputOf = (result: SpawnSyncReturns<string>) => `${result.stdout}\n${result.stderr}`;
