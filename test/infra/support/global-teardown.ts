import { rmSync } from 'node:fs';
import { SHARED_ASSEMBLIES } from './shared-assemblies';

/** The CDK half of jest's globalTeardown (test/support/global-teardown.ts): deletes the shared cloud assemblies. */
export default async function globalTeardown(): Promise<void> {
  const dir = process.env[SHARED_ASSEMBLIES];
  if (!dir) return;
  // In watch mode the next run's setup synthesizes anew: the code may have changed.
  delete process.env[SHARED_ASSEMBLIES];
  rmSync(dir, { recursive: true, force: true });
}
