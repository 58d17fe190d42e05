import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { buildSync, type BuildOptions } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';

/**
 * How every function is bundled (PlatformFunction's defaults, which a function's own `bundling`
 * extends): one minified CommonJS file for the Node.js 24 runtime, with a source map. The runtime
 * ships AWS SDK v3; bundling it again only grows cold starts.
 */
export const FUNCTION_BUNDLING: BundlingOptions = {
  minify: true,
  sourceMap: true,
  target: 'node24',
  format: OutputFormat.CJS,
  externalModules: ['@aws-sdk/*'],
};

/** Options that are no esbuild flags: commands run around the bundling (the image-resizer's copy sharp in). */
const NOT_ESBUILD: ReadonlySet<keyof BundlingOptions> = new Set(['commandHooks']);

/**
 * The esbuild options for `bundling` (NodejsFunction's option names, as its esbuild flags would say
 * them), for everything that bundles a function: synthesis (bundledCode), bench/functions.ts and the
 * notifier's bundle-size test. An option this does not translate is an error, not silently dropped.
 */
export function esbuildOptionsOf(bundling: BundlingOptions): BuildOptions {
  // No nodeModules among them: nothing here installs modules beside the bundle, so a function given
  // some would deploy without them. Such a module is external, and copied in by commandHooks (sharpForLambda).
  const { minify, sourceMap, target, format, externalModules = [], ...rest } = bundling;
  const untranslated = Object.keys(rest).filter((key) => !NOT_ESBUILD.has(key as keyof BundlingOptions));
  if (untranslated.length > 0) throw new Error(`esbuildOptionsOf: no esbuild translation for ${untranslated.join(', ')}`);
  return {
    bundle: true,
    platform: 'node',
    target,
    format,
    minify,
    sourcemap: sourceMap,
    external: externalModules,
  };
}

/**
 * A function's code: its handler bundled by esbuild, in-process, into index.js (and its source map),
 * then `commandHooks.afterBundling`'s commands run in the output folder's shell, as NodejsFunction
 * runs them. Not NodejsFunction itself: it starts esbuild through `npx`, about a second of npm
 * start-up per function and per synthesis. The asset's hash is that of the output, so a change in
 * anything the handler imports is a new asset, and an unchanged bundle is not uploaded again.
 */
export function bundledCode(entry: string, bundling: BundlingOptions): lambda.Code {
  return lambda.Code.fromAsset(dirname(entry), {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Required by the type, never pulled: local bundling below always succeeds or throws.
      image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:24-bookworm-slim'),
      local: {
        tryBundle(outputDir) {
          buildSync({ ...esbuildOptionsOf(bundling), entryPoints: [entry], outfile: join(outputDir, 'index.js'), logLevel: 'error' });
          for (const command of bundling.commandHooks?.afterBundling(dirname(entry), outputDir) ?? []) {
            const result = spawnSync('bash', ['-c', command], { stdio: 'inherit' });
            if (result.status !== 0) throw new Error(`bundling ${entry}: "${command}" failed (exit ${result.status})`);
          }
          return true;
        },
      },
    },
  });
}
