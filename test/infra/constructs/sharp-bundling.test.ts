import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { sharpForLambda } from '../../../infra/constructs/sharp-bundling';
import { LAMBDA_NATIVE_PACKAGES, LAMBDA_NATIVES_DIR, type LockedPackage } from '../../../scripts/lambda-natives';

const REPO_ROOT = join(__dirname, '../../..');

// What the tests below put in place of package-lock.json's entries and of the natives' folder; the
// repository's own while unset.
let mockLock: Record<string, LockedPackage> | undefined;
let mockNativesDir: string | undefined;
jest.mock('../../../scripts/lambda-natives', () => {
  const actual = jest.requireActual('../../../scripts/lambda-natives');
  return {
    ...actual,
    get LAMBDA_NATIVES_DIR() {
      return mockNativesDir ?? actual.LAMBDA_NATIVES_DIR;
    },
    lockedPackages: (root?: string) => mockLock ?? actual.lockedPackages(root),
  };
});

const scratch: string[] = [];
afterEach(() => {
  mockLock = undefined;
  mockNativesDir = undefined;
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A package-lock.json's `packages`, from each path's dependencies (versions and hashes do not matter here). */
function lockOf(dependenciesByPath: Record<string, string[]>): Record<string, LockedPackage> {
  return Object.fromEntries(
    Object.entries(dependenciesByPath).map(([path, dependencies]) => [
      path,
      { version: '1.0.0', integrity: 'sha512-', dependencies: Object.fromEntries(dependencies.map((name) => [name, '^1.0.0'])) },
    ]),
  );
}

const OUTPUT_DIR = '/asset-output';

/** What the after-bundling commands copy into the asset's node_modules: each package's name, and where from. */
function copies(): { name: string; from: string }[] {
  return sharpForLambda().commandHooks!.afterBundling('/repo/functions/image-resizer', OUTPUT_DIR).map((command) => {
    const [, from, to] = /^mkdir -p ".*" && cp -R "(.*)" "(.*)"$/.exec(command) ?? ['', '', ''];
    return { name: relative(join(OUTPUT_DIR, 'node_modules'), to), from };
  });
}

/** The packages copied from the repository's node_modules with `lock` as package-lock.json, by name, after checking each comes from there. */
function copiedFromRepository(lock?: Record<string, LockedPackage>): string[] {
  mockLock = lock;
  const fromRepository = copies().filter(({ name }) => !(LAMBDA_NATIVE_PACKAGES as readonly string[]).includes(name));
  for (const { name, from } of fromRepository) expect([name, from]).toEqual([name, join(REPO_ROOT, 'node_modules', name)]);
  return fromRepository.map(({ name }) => name).sort();
}

describe('sharp bundled for Lambda arm64 (sharpForLambda)', () => {
  it('leaves sharp out of the bundle, as well as the AWS SDK that the runtime ships', () => {
    expect(sharpForLambda().externalModules).toEqual(['@aws-sdk/*', 'sharp']);
  });

  it('runs nothing before bundling or installing', () => {
    const hooks = sharpForLambda().commandHooks!;
    expect([hooks.beforeBundling('/in', '/out'), hooks.beforeInstall('/in', '/out')]).toEqual([[], []]);
  });

  it("copies sharp's linux-arm64 binaries, fetched for Lambda, into the asset's node_modules, creating their scope's folder first", () => {
    const commands = sharpForLambda().commandHooks!.afterBundling('/repo/functions/image-resizer', OUTPUT_DIR);
    for (const name of LAMBDA_NATIVE_PACKAGES) {
      expect(commands).toContain(`mkdir -p "${OUTPUT_DIR}/node_modules/@img" && cp -R "${join(LAMBDA_NATIVES_DIR, name)}" "${OUTPUT_DIR}/node_modules/${name}"`);
    }
  });

  it("copies sharp and the packages it needs from the repository's node_modules", () => {
    const lock = lockOf({ 'node_modules/sharp': ['detect-libc', '@img/colour'], 'node_modules/detect-libc': [], 'node_modules/@img/colour': [], 'node_modules/unrelated': [] });
    expect(copiedFromRepository(lock)).toEqual(['@img/colour', 'detect-libc', 'sharp']);
  });

  it('copies what those packages need in turn', () => {
    const lock = lockOf({ 'node_modules/sharp': ['a'], 'node_modules/a': ['b'], 'node_modules/b': [] });
    expect(copiedFromRepository(lock)).toEqual(['a', 'b', 'sharp']);
  });

  it("leaves a package nested in another's node_modules to travel in that one's folder, but copies what it needs from the top level", () => {
    // sharp has a semver of its own; the top-level semver is another version, which sharp must not get.
    const lock = lockOf({
      'node_modules/sharp': ['semver'],
      'node_modules/sharp/node_modules/semver': ['lru'],
      'node_modules/semver': ['old-dependency'],
      'node_modules/lru': [],
      'node_modules/old-dependency': [],
    });
    expect(copiedFromRepository(lock)).toEqual(['lru', 'sharp']);
  });

  it('resolves each dependency from the nearest node_modules that has it, going up the tree as Node.js does', () => {
    // b (inside a, inside sharp) needs c: a's own c is the one, not the top-level c.
    const lock = lockOf({
      'node_modules/sharp': ['a'],
      'node_modules/sharp/node_modules/a': ['b'],
      'node_modules/sharp/node_modules/a/node_modules/b': ['c'],
      'node_modules/sharp/node_modules/a/node_modules/c': [],
      'node_modules/c': [],
    });
    expect(copiedFromRepository(lock)).toEqual(['sharp']);
  });

  it('copies a package needed twice once, and ends at a dependency cycle', () => {
    const lock = lockOf({ 'node_modules/sharp': ['a', 'b'], 'node_modules/a': ['b'], 'node_modules/b': ['a'] });
    expect(copiedFromRepository(lock)).toEqual(['a', 'b', 'sharp']);
  });

  it("leaves out optional dependencies, other platforms' binaries", () => {
    const lock = lockOf({ 'node_modules/sharp': ['detect-libc'], 'node_modules/detect-libc': [], 'node_modules/@img/sharp-linux-x64': [] });
    const sharp = { ...lock['node_modules/sharp'], optionalDependencies: { '@img/sharp-linux-x64': '0.35.5' } };
    expect(copiedFromRepository({ ...lock, 'node_modules/sharp': sharp })).toEqual(['detect-libc', 'sharp']);
  });

  it('still copies a dependency the lock has no entry for, so that bundling fails on it rather than shipping without it', () => {
    expect(copiedFromRepository(lockOf({ 'node_modules/sharp': ['not-in-the-lock'] }))).toEqual(['not-in-the-lock', 'sharp']);
  });

  it("with the repository's lock, copies installed packages from which the installed sharp finds every dependency it declares", () => {
    const names = copiedFromRepository();
    expect(names).toContain('sharp');
    for (const name of names) expect([name, existsSync(join(REPO_ROOT, 'node_modules', name, 'package.json'))]).toEqual([name, true]);
    const sharpDir = join(REPO_ROOT, 'node_modules/sharp');
    const declared = Object.keys(JSON.parse(readFileSync(join(sharpDir, 'package.json'), 'utf8')).dependencies as Record<string, string>);
    for (const dependency of declared) {
      const travels = names.includes(dependency) || existsSync(join(sharpDir, 'node_modules', dependency));
      expect([dependency, travels]).toEqual([dependency, true]);
    }
  });

  it.each(LAMBDA_NATIVE_PACKAGES.map((name) => [name]))('refuses to bundle without %s for Lambda, and says how to fetch it', (missing) => {
    mockNativesDir = mkdtempSync(join(tmpdir(), 'missing-natives-'));
    scratch.push(mockNativesDir);
    for (const name of LAMBDA_NATIVE_PACKAGES) if (name !== missing) mkdirSync(join(mockNativesDir, name), { recursive: true });
    expect(() => sharpForLambda()).toThrow(`${missing} for Lambda (linux-arm64) is missing from ${mockNativesDir}: run npm ci`);
  });
});
