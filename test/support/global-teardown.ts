import tearDownSharedSynthesis from '../infra/support/global-teardown';
import tearDownPostgres from '../services/support/global-teardown';

/** jest globalTeardown: undoes test/support/global-setup.ts. */
export default async function globalTeardown(): Promise<void> {
  await Promise.all([tearDownPostgres(), tearDownSharedSynthesis()]);
}
