import { OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

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
 * The esbuild options that NodejsFunction bundles with for `bundling` (the flags of its esbuild
 * command), for code that bundles in-process exactly as synthesis does: bench/functions.ts and the
 * notifier's bundle-size test. An option this does not translate is an error, not silently dropped.
 */
export function esbuildOptionsOf(bundling: BundlingOptions): BuildOptions {
  const { minify, sourceMap, target, format, externalModules = [], nodeModules = [], ...rest } = bundling;
  const untranslated = Object.keys(rest).filter((key) => !NOT_ESBUILD.has(key as keyof BundlingOptions));
  if (untranslated.length > 0) throw new Error(`esbuildOptionsOf: no esbuild translation for ${untranslated.join(', ')}`);
  return {
    bundle: true,
    platform: 'node',
    target,
    format,
    minify,
    sourcemap: sourceMap,
    // Modules installed next to the bundle (nodeModules) are left out of it, as external ones are.
    external: [...externalModules, ...nodeModules],
  };
}
