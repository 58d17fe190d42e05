import { rmSync } from 'node:fs';
import tearDownSharedSynthesis from '../infra/support/global-teardown';
import tearDownPostgres from '../services/support/global-teardown';

/** jest globalTeardown: undoes test/support/global-setup.ts. */
export default async function globalTeardown(): Promise<void> {
  await Promise.all([tearDownPostgres(), tearDownSharedSynthesis()]);
  if (process.env.TEST_SCRATCH_DIR) rmSync(process.env.TEST_SCRATCH_DIR, { recursive: true, force: true });
}
