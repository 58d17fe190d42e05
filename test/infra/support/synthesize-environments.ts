import { ENVIRONMENT_NAMES } from '../platform-fixture';
import { createTestPlatform } from './build-platform';
import { assemblyDirOf, writeStackIds } from './shared-assemblies';

/**
 * Run by the global setup (./global-setup.ts) in a process of its own:
 *
 *   node --import tsx test/infra/support/synthesize-environments.ts <dir>
 *
 * synthesizes each shipped environment exactly as platformOf() does in a test worker, into
 * <dir>/<env>/ as a cloud assembly, with the artifact id of each concern's stack beside it.
 */
const [root] = process.argv.slice(2);
if (!root) throw new Error('usage: synthesize-environments.ts <dir>');

for (const env of ENVIRONMENT_NAMES) {
  const { app, platform } = createTestPlatform(env, {}, undefined, { outdir: assemblyDirOf(root, env) });
  app.synth();
  writeStackIds(root, env, Object.fromEntries(Object.entries(platform).map(([concern, stack]) => [concern, stack.artifactId])));
}
