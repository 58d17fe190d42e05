import { Template } from 'aws-cdk-lib/assertions';
import { existsSync, mkdtempSync, openSync, readSync, readdirSync, readFileSync, rmSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEnvironmentConfig } from '../../infra/config/load-config';
import { FunctionsStack } from '../../infra/stacks/functions-stack';
import { testApp } from './test-app';

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

describe('Lambda assets, bundled for real (esbuild, and sharp copied in for linux-arm64)', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'functions-assets-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  // Bundling must not need the network: any npm call during it would fail, with this registry and an empty cache.
  const npmEnv = { npm_config_registry: 'http://127.0.0.1:9/', npm_config_cache: mkdtempSync(join(tmpdir(), 'empty-npm-cache-')) };
  const saved = Object.fromEntries(Object.keys(npmEnv).map((key) => [key, process.env[key]]));
  Object.assign(process.env, npmEnv);
  afterAll(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  const app = testApp({ outdir });
  const stack = new FunctionsStack(app, 'Functions', { config: loadEnvironmentConfig(() => undefined) });
  const template = Template.fromStack(stack);
  const assetDirOf = (logicalIdPrefix: string) => {
    const [fn] = Object.entries(template.findResources('AWS::Lambda::Function')).filter(([id]) => id.startsWith(logicalIdPrefix));
    const hash = (fn[1].Properties.Code.S3Key as string).replace(/\.zip$/, '');
    return join(outdir, `asset.${hash}`);
  };

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

  it('ships the notifier as a single minified file with no node_modules', () => {
    const asset = assetDirOf('Notifier');
    expect(readdirSync(asset).sort()).toEqual(['index.js', 'index.js.map']);
  });
});
