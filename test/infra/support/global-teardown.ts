import { rmSync } from 'node:fs';
import { SYNTHESIS_KEY } from './global-setup';
import { SHARED_ASSEMBLIES } from './shared-assemblies';

/** The CDK half of jest's globalTeardown (test/support/global-teardown.ts): deletes the shared cloud assemblies. */
export default async function globalTeardown(): Promise<void> {
  const dir = process.env[SHARED_ASSEMBLIES];
  if (!dir) return;
  // A run that ended early (a bail, or no test needing it after all) may end before the synthesis.
  await (globalThis as Record<string, unknown>)[SYNTHESIS_KEY];
  // In watch mode the next run's setup synthesizes anew: the code may have changed.
  delete process.env[SHARED_ASSEMBLIES];
  rmSync(dir, { recursive: true, force: true });
}
