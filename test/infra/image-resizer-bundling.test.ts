import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { bundledFunctions } from './support/bundled-functions';

/** ELF e_machine (bytes 18-19, little-endian) of a native module: 0xB7 is AArch64, 0x3E is x86-64. */
function elfMachine(path: string): number {
  const header = Buffer.alloc(20);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, header, 0, 20, 0);
  } finally {
    closeSync(fd);
  }
  expect(header.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
  return header.readUInt16LE(18);
}

/** The sample upload function's asset: esbuild's bundle, with sharp copied in for linux-arm64 (infra/constructs/image-resizer-function.ts). */
describe('image-resizer asset, bundled for real, with sharp for linux-arm64', () => {
  const { assetDirOf } = bundledFunctions();

  it("carries sharp's binary for linux-arm64 in the image-resizer asset, not the build machine's", () => {
    const asset = assetDirOf('ImageResizer');
    const binaries = readdirSync(join(asset, 'node_modules/@img/sharp-linux-arm64/lib')).filter((file) => file.endsWith('.node'));
    expect(binaries).toHaveLength(1);
    expect(elfMachine(join(asset, 'node_modules/@img/sharp-linux-arm64/lib', binaries[0]))).toBe(0xb7);
    expect(existsSync(join(asset, 'node_modules/@img/sharp-libvips-linux-arm64'))).toBe(true);
    const otherPlatforms = readdirSync(join(asset, 'node_modules/@img')).filter((name) => /^sharp-(?!.*linux-arm64$)/.test(name));
    expect(otherPlatforms).toEqual([]);
  });

  it('resolves every module sharp requires at run time inside the asset, as Lambda will', () => {
    const asset = assetDirOf('ImageResizer');
    const sharpDir = join(asset, 'node_modules/sharp');
    const requires = Object.keys(JSON.parse(readFileSync(join(sharpDir, 'package.json'), 'utf8')).dependencies);
    for (const name of requires) expect(require.resolve(`${name}/package.json`, { paths: [sharpDir] }).startsWith(asset)).toBe(true);
  });

  it('leaves sharp and the AWS SDK out of the minified bundle', () => {
    const bundle = readFileSync(join(assetDirOf('ImageResizer'), 'index.js'), 'utf8');
    expect(bundle).toMatch(/require\("sharp"\)/);
    expect(bundle).toMatch(/require\("@aws-sdk\/client-s3"\)/);
    // Minified: a handful of very long lines (licence comments aside), not one statement per line.
    expect(bundle.length / bundle.split('\n').length).toBeGreaterThan(500);
  });
});
