import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetchLambdaNatives, LAMBDA_NATIVE_PACKAGES, type LockedPackage, type PackFetcher } from '../../scripts/lambda-natives';

const scratch = mkdtempSync(join(tmpdir(), 'lambda-natives-test-'));

/** A package tarball as npm packs it (`package/…`), and its lock integrity. */
function tarballOf(name: string, version: string): { path: string; integrity: string } {
  const source = mkdtempSync(join(scratch, 'src-'));
  mkdirSync(join(source, 'package', 'lib'), { recursive: true });
  writeFileSync(join(source, 'package', 'package.json'), JSON.stringify({ name, version }));
  writeFileSync(join(source, 'package', 'lib', 'binary.node'), `${name} ${version}`);
  const path = join(source, 'package.tgz');
  execFileSync('tar', ['-czf', path, '-C', source, 'package']);
  return { path, integrity: `sha512-${createHash('sha512').update(readFileSync(path)).digest('base64')}` };
}

const tarballs = Object.fromEntries(LAMBDA_NATIVE_PACKAGES.map((name) => [name, tarballOf(name, '1.2.3')]));
const lock = (integrityOf: (name: string) => string = (name) => tarballs[name].integrity): Record<string, LockedPackage> =>
  Object.fromEntries(LAMBDA_NATIVE_PACKAGES.map((name) => [`node_modules/${name}`, { version: '1.2.3', integrity: integrityOf(name) }]));

describe("fetching the Lambda's linux-arm64 native packages at install time", () => {
  const packed: string[] = [];
  const pack: PackFetcher = (name, version) => {
    packed.push(`${name}@${version}`);
    return tarballs[name].path;
  };
  beforeEach(() => packed.splice(0));

  it('unpacks the versions the lock records, each checked against its integrity', () => {
    const targetDir = mkdtempSync(join(scratch, 'target-'));
    expect(fetchLambdaNatives({ packages: lock(), pack, targetDir })).toEqual(LAMBDA_NATIVE_PACKAGES.map((name) => `${name}@1.2.3`));
    for (const name of LAMBDA_NATIVE_PACKAGES) {
      expect(readFileSync(join(targetDir, name, 'lib', 'binary.node'), 'utf8')).toBe(`${name} 1.2.3`);
    }
  });

  it('fetches nothing when the locked versions are already unpacked', () => {
    const targetDir = mkdtempSync(join(scratch, 'target-'));
    fetchLambdaNatives({ packages: lock(), pack, targetDir });
    packed.splice(0);
    expect(fetchLambdaNatives({ packages: lock(), pack, targetDir })).toEqual([]);
    expect(packed).toEqual([]);
  });

  it('refuses a tarball whose integrity is not the lock’s, and unpacks nothing of it', () => {
    const targetDir = mkdtempSync(join(scratch, 'target-'));
    const tampered = lock(() => `sha512-${createHash('sha512').update('something else').digest('base64')}`);
    expect(() => fetchLambdaNatives({ packages: tampered, pack, targetDir })).toThrow(
      new RegExp(`${LAMBDA_NATIVE_PACKAGES[0]}@1\\.2\\.3: tarball integrity sha512-.* is not the lock's sha512-`),
    );
    expect(() => readFileSync(join(targetDir, LAMBDA_NATIVE_PACKAGES[0], 'package.json'))).toThrow();
  });

  it('names a package the lock does not record', () => {
    expect(() => fetchLambdaNatives({ packages: {}, pack, targetDir: scratch })).toThrow(`package-lock.json has no integrity for ${LAMBDA_NATIVE_PACKAGES[0]}`);
  });
});
