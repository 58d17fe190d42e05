import { SHARED_KEY, type SharedPostgres } from './global-setup';

/**
 * The PostgreSQL half of jest's globalTeardown (test/support/global-teardown.ts): stops the
 * PostgreSQL that global-setup.ts started and deletes its directory.
 */
export default async function globalTeardown(): Promise<void> {
  const shared = (globalThis as Record<string, unknown>)[SHARED_KEY] as SharedPostgres | undefined;
  delete (globalThis as Record<string, unknown>)[SHARED_KEY];
  if (!shared) return;
  // In watch mode the next run's setup must not mistake our URL for one the user set.
  if (shared.server) {
    delete process.env.TEST_DATABASE_URL;
    await shared.server.stop();
  }
  delete process.env.TEST_DATABASE_UNAVAILABLE;
}
