import { Template } from 'aws-cdk-lib/assertions';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEnvironmentConfig } from '../../../infra/config/load-config';
import { FunctionsStack } from '../../../infra/stacks/functions-stack';
import { testApp } from '../test-app';

/**
 * The shipped functions stack with its Lambda assets bundled for real (esbuild, and what a function's
 * own bundling adds), offline: shared by the platform's bundling test and each sample's. Call it in
 * a describe block: it cleans up after the block.
 *
 * @returns the asset folder of the function whose logical id is `<PascalName>` plus its hash
 */
export function bundledFunctions(): { assetDirOf: (pascalName: string) => string } {
  const outdir = mkdtempSync(join(tmpdir(), 'functions-assets-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  // Bundling must not need the network: any npm call during it would fail, with this registry and an empty cache.
  const npmEnv = { npm_config_registry: 'http://127.0.0.1:9/', npm_config_cache: mkdtempSync(join(tmpdir(), 'empty-npm-cache-')) };
  const saved = Object.fromEntries(Object.keys(npmEnv).map((key) => [key, process.env[key]]));
  Object.assign(process.env, npmEnv);
  afterAll(() => {
    rmSync(npmEnv.npm_config_cache, { recursive: true, force: true });
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  const template = Template.fromStack(new FunctionsStack(testApp({ outdir }), 'Functions', { config: loadEnvironmentConfig(() => undefined) }));
  const assetDirOf = (pascalName: string) => {
    const found = Object.entries(template.findResources('AWS::Lambda::Function')).filter(([id]) => new RegExp(`^${pascalName}[0-9A-F]{8}$`).test(id));
    if (found.length !== 1) throw new Error(`expected one function ${pascalName}, found ${found.length}`);
    const hash = (found[0][1].Properties.Code.S3Key as string).replace(/\.zip$/, '');
    return join(outdir, `asset.${hash}`);
  };
  return { assetDirOf };
}
