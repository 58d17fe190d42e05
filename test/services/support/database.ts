import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { createDatabase, dropDatabase } from '../../../scripts/postgres';

export interface FreshDatabase {
  /** postgres://postgres@127.0.0.1:<port>/<name> */
  readonly url: string;
  readonly name: string;
  /** Drops the database, disconnecting anyone still connected. Safe to call twice. */
  drop(): Promise<void>;
}

/**
 * An empty database of its own on the run's PostgreSQL (started by ./global-setup.ts), named after
 * the test file plus a random suffix, e.g. `t_kit_3f9a1c2b`. Call it once per test file (or per
 * test, for more isolation) and drop() it in afterAll; the whole server is deleted after the run anyway.
 */
export async function freshDatabase(): Promise<FreshDatabase> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) {
    throw new Error(
      process.env.TEST_DATABASE_UNAVAILABLE ??
        'TEST_DATABASE_URL is not set: run the tests with jest (its global setup, test/services/support/global-setup.ts, starts PostgreSQL), ' +
          'or set TEST_DATABASE_URL to a server where that user may CREATE DATABASE.',
    );
  }
  const testPath = typeof expect === 'function' ? expect.getState().testPath : undefined;
  const stem = (testPath ? basename(testPath).replace(/\.test\.ts$/, '') : 'test')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 40);
  const name = `t_${stem}_${randomBytes(4).toString('hex')}`;
  const url = await createDatabase(serverUrl, name);
  let dropped: Promise<void> | undefined;
  return { url, name, drop: () => (dropped ??= dropDatabase(serverUrl, name)) };
}
