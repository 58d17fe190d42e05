import type { GlobalConfig, ProjectConfig } from 'jest';
import setUpSharedSynthesis from '../infra/support/global-setup';
import setUpPostgres from '../services/support/global-setup';

/**
 * jest globalSetup: what the test files of a run share, prepared side by side before any worker
 * starts (workers inherit the environment variables set here), each only when the run includes
 * tests that use it:
 * - one PostgreSQL for the service tests (test/services/support/global-setup.ts);
 * - one synthesis of each shipped environment for the infra tests (test/infra/support/global-setup.ts).
 */
export default async function globalSetup(globalConfig: GlobalConfig, projectConfig: ProjectConfig): Promise<void> {
  await Promise.all([setUpPostgres(globalConfig, projectConfig), setUpSharedSynthesis(globalConfig, projectConfig)]);
}
