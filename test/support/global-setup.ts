import type { GlobalConfig, ProjectConfig } from 'jest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import setUpSharedSynthesis from '../infra/support/global-setup';
import setUpPostgres from '../services/support/global-setup';

/**
 * jest globalSetup: what the test files of a run share, prepared side by side before any worker
 * starts (workers inherit the environment variables set here), each only when the run includes
 * tests that use it:
 * - one PostgreSQL for the service tests (test/services/support/global-setup.ts);
 * - one synthesis of each shipped environment for the infra tests (test/infra/support/global-setup.ts);
 * - one scratch folder (TEST_SCRATCH_DIR) that the tests' cloud assemblies go into (test/infra/test-app.ts):
 *   each holds ~60 MB of assets, and a CDK App left to itself makes a temporary folder nobody deletes.
 */
export default async function globalSetup(globalConfig: GlobalConfig, projectConfig: ProjectConfig): Promise<void> {
  process.env.TEST_SCRATCH_DIR = mkdtempSync(join(tmpdir(), 'hybrid-platform-tests-'));
  await Promise.all([setUpPostgres(globalConfig, projectConfig), setUpSharedSynthesis(globalConfig, projectConfig)]);
}
