import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LAMBDA_NATIVES_DIR, LAMBDA_NATIVE_PACKAGES, lockedPackages } from '../../scripts/lambda-natives';

const REPO_ROOT = join(__dirname, '../..');

/**
 * Bundling for a function that uses sharp on Lambda arm64.
 *
 * sharp is a native module that ships one prebuilt binary per platform; esbuild cannot bundle it,
 * and the build machine's node_modules hold the build machine's binary (say linux-x64). So sharp is
 * left out of the bundle, and the asset gets a node_modules of its own: sharp's JavaScript and its
 * dependencies from the repository's node_modules (the versions the tests run), and its linux-arm64
 * binaries from node_modules/.lambda-natives (fetched by `npm ci`'s postinstall, checked against
 * package-lock.json; see scripts/lambda-natives.ts). Synthesis copies files: no network, no npm.
 */
export function sharpForLambda(): BundlingOptions {
  for (const name of LAMBDA_NATIVE_PACKAGES) {
    if (!existsSync(join(LAMBDA_NATIVES_DIR, name))) {
      throw new Error(`${name} for Lambda (linux-arm64) is missing from ${LAMBDA_NATIVES_DIR}: run npm ci (its postinstall fetches it), or tsx scripts/lambda-natives.ts`);
    }
  }
  const copies = [
    ...runtimeTreeOf('sharp').map((name) => [join(REPO_ROOT, 'node_modules', name), name]),
    ...LAMBDA_NATIVE_PACKAGES.map((name) => [join(LAMBDA_NATIVES_DIR, name), name]),
  ];
  return {
    externalModules: ['@aws-sdk/*', 'sharp'],
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (_inputDir: string, outputDir: string) =>
        copies.map(([from, name]) => `mkdir -p "${join(outputDir, 'node_modules', name, '..')}" && cp -R "${from}" "${join(outputDir, 'node_modules', name)}"`),
    },
  };
}

/**
 * A top-level package and the top-level packages it needs at run time, resolved from
 * package-lock.json as Node.js resolves them (optional dependencies, i.e. other platforms' binaries,
 * left out). A dependency nested in a package's own node_modules travels with that package's folder.
 */
function runtimeTreeOf(root: string): string[] {
  const locked = lockedPackages(REPO_ROOT);
  const topLevel = new Set<string>();
  const resolve = (name: string, from: string): string => {
    // From node_modules/a/node_modules/b, look in b's, then a's, then the top-level node_modules.
    for (let dir = from; dir !== ''; dir = dir.slice(0, Math.max(0, dir.lastIndexOf('/node_modules/')))) {
      if (locked[`${dir}/node_modules/${name}`]) return `${dir}/node_modules/${name}`;
    }
    return `node_modules/${name}`;
  };
  const visit = (path: string) => {
    const isTopLevel = path.lastIndexOf('node_modules/') === 0;
    if (isTopLevel) {
      const name = path.slice('node_modules/'.length);
      if (topLevel.has(name)) return;
      topLevel.add(name);
    }
    for (const dependency of Object.keys(locked[path]?.dependencies ?? {})) visit(resolve(dependency, path));
  };
  visit(`node_modules/${root}`);
  return [...topLevel];
}
