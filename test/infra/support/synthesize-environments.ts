import { ENVIRONMENT_NAMES } from '../platform-fixture';
import { testApp } from '../test-app';
import { createTestPlatform } from './build-platform';
import { assemblyDirOf, SHARED_APP_PROPS, writeOutcome, writeStackIds } from './shared-assemblies';
import { addInvalidQueue, VALIDATION_FIXTURE } from './validation-fixture';

/**
 * Run by the global setup (./global-setup.ts) in a process of its own:
 *
 *   node --import tsx test/infra/support/synthesize-environments.ts <dir>
 *
 * synthesizes each shipped environment as platformOf() would in a test worker, but validated as
 * `cdk synth` validates (SHARED_APP_PROPS), into <dir>/<env>/ as a cloud assembly, with the artifact
 * id of each concern's stack beside it; then the validation fixture, while the validation engine is
 * warm (a second start would cost as much as the first).
 */
const [root] = process.argv.slice(2);
if (!root) throw new Error('usage: synthesize-environments.ts <dir>');

// The outcome is written here, not by the global setup when this process ends: a file run in band
// waits for it in jest's main process, whose event loop (and so the setup's exit handler) is blocked.
try {
  for (const env of ENVIRONMENT_NAMES) {
    const { app, platform } = createTestPlatform(env, {}, undefined, { ...SHARED_APP_PROPS, outdir: assemblyDirOf(root, env) });
    app.synth();
    writeStackIds(root, env, Object.fromEntries(Object.entries(platform).map(([concern, stack]) => [concern, stack.artifactId])));
  }
  const fixture = testApp({ ...SHARED_APP_PROPS, outdir: assemblyDirOf(root, VALIDATION_FIXTURE) });
  addInvalidQueue(fixture);
  fixture.synth();
  writeOutcome(root, { ok: true });
} catch (error) {
  writeOutcome(root, { ok: false, reason: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  throw error;
}
