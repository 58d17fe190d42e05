import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import pg from 'pg';
import { listeningUrl } from './support/child-process';
import { freshDatabase } from './support/database';

// The kit's services run as processes, as their images run them, and stopped with a real SIGTERM.
// Kept apart from the kit's in-process tests (run-main.test.ts covers runMain there): a mutation run
// of the kit leaves these out, as a child process reports no coverage and each start costs seconds.

describe('a service without a database', () => {
  const env = { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', SHUTDOWN_DELAY_MS: '0' };

  it('exits 0 on SIGTERM, run as a process with no DATABASE_* in its environment', async () => {
    const withoutDatabase = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('DATABASE_')));
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'fixtures/no-database-service.ts')], {
      env: { ...withoutDatabase, ...env, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const url = await listeningUrl(child);
      expect((await fetch(`${url}/greeting`)).status).toBe(200);
      child.kill('SIGTERM');
      const [exitCode] = await once(child, 'exit');
      expect(exitCode).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});

describe('graceful shutdown', () => {
  it('finishes every request accepted before SIGTERM, then exits 0', async () => {
    const database = await freshDatabase();
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'fixtures/slow-service.ts')], {
      env: { ...process.env, DATABASE_URL: database.url, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', SHUTDOWN_DELAY_MS: '300' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const url = await listeningUrl(child);
      const burst = Array.from({ length: 40 }, (_, index) =>
        fetch(`${url}/work`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: `job-${index}` }) }),
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      child.kill('SIGTERM');
      const responses = await Promise.all(burst);
      const [exitCode] = await once(child, 'exit');

      expect(responses.map((response) => response.status)).toEqual(Array(40).fill(201));
      expect(exitCode).toBe(0);
      const pool = new pg.Pool({ connectionString: database.url });
      const { rows } = await pool.query('SELECT count(*)::int AS done FROM jobs');
      await pool.end();
      expect(rows[0].done).toBe(40);
      // After shutdown, new connections are refused: nothing is accepted and then dropped.
      await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await database.drop();
    }
  });
});
