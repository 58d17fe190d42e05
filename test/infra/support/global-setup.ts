import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GlobalConfig, ProjectConfig } from 'jest';
import { selectedTestFiles } from '../../support/selected-tests';
import { SHARED_ASSEMBLIES } from './shared-assemblies';

/**
 * The CDK half of jest's globalSetup (test/support/global-setup.ts). Synthesizing an environment
 * costs a test file seconds of CPU, most of it loading aws-cdk-lib and the stacks, and most infra
 * test files read the same two environments. So, when the run includes a test file under test/infra
 * that calls platformOf(), one process synthesizes sandbox and prod (./synthesize-environments.ts)
 * into a temporary directory, handed to the workers in TEST_PLATFORM_ASSEMBLIES
 * (./shared-assemblies.ts); global-teardown.ts deletes it.
 *
 * If that synthesis fails, nothing is shared: each test file synthesizes for itself, and the error
 * shows in the tests that need the platform, as it would without this.
 */
export default async function globalSetup(globalConfig: GlobalConfig, projectConfig: ProjectConfig): Promise<void> {
  // Only a directory made here is shared, and deleted by the teardown.
  delete process.env[SHARED_ASSEMBLIES];
  // Only platformOf() reads it: a run of, say, cdk-nag.test.ts alone (an app of its own) has no use for it.
  const used = selectedTestFiles(globalConfig, projectConfig, 'test/infra').some((file) => readFileSync(file, 'utf8').includes('platformOf('));
  if (!used) return;
  const dir = mkdtempSync(join(tmpdir(), 'hybrid-platform-assemblies-'));
  try {
    await synthesizeInto(dir, projectConfig.rootDir);
    process.env[SHARED_ASSEMBLIES] = dir;
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const reason = error instanceof Error ? error.message : String(error);
    console.error(`\n[jest global setup] The shared synthesis of the environments failed; each test file synthesizes for itself:\n${reason}\n`);
  }
}

function synthesizeInto(dir: string, rootDir: string): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'synthesize-environments.ts'), dir], {
    cwd: rootDir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`synthesize-environments.ts ended with ${code ?? signal}:\n${stderr.trim()}`));
    });
  });
}
