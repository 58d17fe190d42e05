import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Native packages the Lambda functions need for their own platform (linux-arm64, glibc), which
 * `npm ci` skips on any other machine: npm installs only the build machine's optional binaries.
 *
 * `npm ci` runs this as the project's postinstall: it fetches exactly the versions package-lock.json
 * records, checks each tarball against the lock's integrity hash, and unpacks it under
 * node_modules/.lambda-natives/. Synthesis then copies from there (infra/constructs/sharp-bundling.ts)
 * and needs no network. Run by hand: `tsx scripts/lambda-natives.ts`.
 */

const ROOT = join(__dirname, '..');

/** Where the packages are unpacked: a node_modules tree of their own. */
export const LAMBDA_NATIVES_DIR = join(ROOT, 'node_modules', '.lambda-natives', 'linux-arm64', 'node_modules');

/** sharp's binaries for Lambda arm64: its compiled module and the libvips it links. */
export const LAMBDA_NATIVE_PACKAGES = ['@img/sharp-linux-arm64', '@img/sharp-libvips-linux-arm64'] as const;

export interface LockedPackage {
  readonly version: string;
  readonly integrity: string;
  readonly dependencies?: Record<string, string>;
}

/** The entries of package-lock.json, keyed by path (`node_modules/sharp`, …). */
export function lockedPackages(root = ROOT): Record<string, LockedPackage> {
  return JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')).packages;
}

/** Downloads `name@version` into `dir` and returns the tarball's path (default: `npm pack`). */
export type PackFetcher = (name: string, version: string, dir: string) => string;

const npmPack: PackFetcher = (name, version, dir) => {
  const [{ filename }] = JSON.parse(
    execFileSync('npm', ['pack', `${name}@${version}`, '--json', '--pack-destination', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }),
  ) as { filename: string }[];
  return join(dir, filename);
};

export interface FetchOptions {
  readonly packages?: Record<string, LockedPackage>;
  readonly pack?: PackFetcher;
  readonly targetDir?: string;
}

/** Unpacks each native package at its locked version, unless already there; returns what it fetched. */
export function fetchLambdaNatives({ packages = lockedPackages(), pack = npmPack, targetDir = LAMBDA_NATIVES_DIR }: FetchOptions = {}): string[] {
  const fetched: string[] = [];
  for (const name of LAMBDA_NATIVE_PACKAGES) {
    const locked = packages[`node_modules/${name}`];
    if (!locked?.integrity) throw new Error(`package-lock.json has no integrity for ${name}: run npm install to record it`);
    const target = join(targetDir, name);
    if (installedVersion(target) === locked.version) continue;

    const scratch = mkdtempSync(join(tmpdir(), 'lambda-natives-'));
    try {
      const tarball = pack(name, locked.version, scratch);
      const [algorithm, expected] = locked.integrity.split('-', 2);
      const actual = createHash(algorithm).update(readFileSync(tarball)).digest('base64');
      if (actual !== expected) throw new Error(`${name}@${locked.version}: tarball integrity ${algorithm}-${actual} is not the lock's ${locked.integrity}`);
      rmSync(target, { recursive: true, force: true });
      mkdirSync(target, { recursive: true });
      execFileSync('tar', ['-xzf', tarball, '-C', target, '--strip-components=1']);
      fetched.push(`${name}@${locked.version}`);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  return fetched;
}

function installedVersion(packageDir: string): string | undefined {
  const manifest = join(packageDir, 'package.json');
  return existsSync(manifest) ? (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version : undefined;
}

if (require.main === module) {
  const fetched = fetchLambdaNatives();
  if (fetched.length > 0) console.error(`[lambda-natives] ${fetched.join(', ')} -> ${LAMBDA_NATIVES_DIR}`);
}
