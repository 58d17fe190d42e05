import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The sharp version the tests run with (package.json), so the Lambda runs the same one. */
const sharpVersion: string = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')).dependencies.sharp;

/**
 * Bundling for a function that uses sharp on Lambda arm64.
 *
 * sharp is a native module that ships one prebuilt binary per platform; esbuild cannot bundle it,
 * and the build machine's node_modules hold the build machine's binary (say linux-x64). So sharp is
 * left out of the bundle and installed into the asset for linux/arm64/glibc, the Lambda's platform,
 * whatever machine synthesizes. (`npm install --os --cpu --libc` picks the optional binary packages.)
 */
export function sharpForLambda(): BundlingOptions {
  return {
    externalModules: ['@aws-sdk/*', 'sharp'],
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      // The package.json makes the asset folder its own npm project: without it npm would walk up to
      // the repository's package.json and install the arm64 packages into the repository's node_modules.
      afterBundling: (_inputDir: string, outputDir: string) => [
        `cd "${outputDir}" && echo '{"private":true}' > package.json && npm install --no-save --no-package-lock --no-audit --no-fund --loglevel=error --os=linux --cpu=arm64 --libc=glibc sharp@${sharpVersion}`,
      ],
    },
  };
}
