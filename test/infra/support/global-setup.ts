import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GlobalConfig, ProjectConfig } from 'jest';
import { selectedTestFiles } from '../../support/selected-tests';
import { readOutcome, SHARED_ASSEMBLIES, writeOutcome } from './shared-assemblies';

/**
 * The CDK half of jest's globalSetup (test/support/global-setup.ts). Synthesizing an environment
 * costs a test file seconds of CPU, most of it loading aws-cdk-lib and the stacks, and validating it
 * as `cdk synth` does costs more; most infra test files read the same two environments. So, when the
 * run includes a test file under test/infra that reads them, one process synthesizes sandbox and prod
 * (./synthesize-environments.ts) into a temporary directory, handed to the workers in
 * TEST_PLATFORM_ASSEMBLIES (./shared-assemblies.ts); global-teardown.ts deletes it.
 *
 * The synthesis runs in the background: the workers start on the other tests at once, and those that
 * read the assemblies wait for it (they are scheduled last, see ../../support/test-sequencer.js).
 * If it fails, the reason is printed here and nothing is shared: each test file synthesizes for
 * itself, and the error shows in the tests that need the platform, as it would without this.
 */

/** What global-teardown.ts waits for (both run in jest's main process): the synthesis's end. */
export const SYNTHESIS_KEY = '__hybridPlatformSharedSynthesis';

// Plain JavaScript, as jest loads a sequencer: the one place that tells which files read the assemblies.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { readsSharedAssemblies } = require('../../support/test-sequencer') as { readsSharedAssemblies: (file: string) => boolean };

export default async function globalSetup(globalConfig: GlobalConfig, projectConfig: ProjectConfig): Promise<void> {
  // Only a directory made here is shared, and deleted by the teardown.
  delete process.env[SHARED_ASSEMBLIES];
  // Mutation testing (scripts/test-mutation.ts): a mutant is active only in the test processes, so
  // each test file synthesizes in its own process (platformOf's fallback).
  if (process.env.TEST_SHARED_SYNTHESIS === 'off') return;
  const used = selectedTestFiles(globalConfig, projectConfig, 'test/infra').some(readsSharedAssemblies);
  if (!used) return;
  const dir = mkdtempSync(join(tmpdir(), 'hybrid-platform-assemblies-'));
  process.env[SHARED_ASSEMBLIES] = dir;
  (globalThis as Record<string, unknown>)[SYNTHESIS_KEY] = synthesizeInto(dir, projectConfig.rootDir);
}

/**
 * Resolves when the synthesis process has ended; never rejects. The process writes its outcome for
 * the workers itself (./synthesize-environments.ts); here, the failure is printed once, and a process
 * that died without writing one (killed, out of memory) gets a failed outcome.
 */
async function synthesizeInto(dir: string, rootDir: string): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'synthesize-environments.ts'), dir], {
    cwd: rootDir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const [code, signal] = (await once(child, 'close').catch((error: Error) => [null, error.message])) as [number | null, string | null];
  if (code === 0) return;
  const reason = `synthesize-environments.ts ended with ${code ?? signal}:\n${stderr.trim()}`;
  console.error(`\n[jest global setup] The shared synthesis of the environments failed; each test file synthesizes for itself:\n${reason}\n`);
  if (!readOutcome(dir)) writeOutcome(dir, { ok: false, reason });
}
