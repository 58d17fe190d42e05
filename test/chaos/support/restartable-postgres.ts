import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres, type PostgresServer } from '../../../scripts/postgres';
import { waitFor } from '../../services/support/wait-for';

export interface RestartablePostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres, the same across restarts. */
  readonly url: string;
  /** As a crash: SIGQUIT to the postmaster (pg_ctl's "immediate" mode: no checkpoint, recovery on the next start). */
  crash(): Promise<void>;
  /** Starts it again on the same port and data; resolves once it accepts connections. */
  restart(): Promise<void>;
  /** Stops it and deletes its directory. */
  remove(): Promise<void>;
}

const isRunning = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * A throwaway PostgreSQL of the test's own (scripts/postgres.ts) that can be crashed and started again
 * on the same port: a kept baseDir, which startPostgres reuses, where a throwaway server's would be
 * deleted by its stop(). Without startPostgres' watchdog: remove() in afterAll is what deletes it.
 */
export async function startRestartablePostgres(): Promise<RestartablePostgres> {
  const baseDir = mkdtempSync(join(tmpdir(), 'chaos-pg-'));
  const start = (port?: number) => startPostgres({ baseDir, port, log: () => undefined });
  let server: PostgresServer;
  try {
    server = await start();
  } catch (error) {
    rmSync(baseDir, { recursive: true, force: true });
    throw error;
  }
  const { port, url } = server;
  return {
    url,
    async crash() {
      const pid = Number(readFileSync(join(server.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      process.kill(pid, 'SIGQUIT');
      await waitFor('the postmaster to exit', () => !isRunning(pid), 10_000);
      // Finds nothing to stop; clears the keep-alive timer startPostgres holds until stop().
      await server.stop();
    },
    async restart() {
      server = await start(port);
    },
    async remove() {
      await server.stop();
      rmSync(baseDir, { recursive: true, force: true });
    },
  };
}
