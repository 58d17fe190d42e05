import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleService } from '../../scripts/bundle-service';
import { DEV_SERVICES } from '../../scripts/dev';
import { listeningUrl } from './support/child-process';
import { freshDatabase } from './support/database';

/**
 * What the container image runs (services/Dockerfile): the esbuild bundle alone, with no
 * node_modules beside it, for every core API of the registry. Base images cannot be pulled here, so
 * the bundle is run directly, with the environment `npm run dev` gives the service (nothing here
 * calls the services it calls) and a database of its own.
 */
describe.each(DEV_SERVICES.map(({ name, env }) => [name, env] as const))('the %s bundle', (service, env) => {
  const outdir = mkdtempSync(join(tmpdir(), `bundle-${service}-`));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('is one self-contained file that starts, serves and shuts down cleanly with no node_modules', async () => {
    const main = bundleService(service, outdir);
    expect(readdirSync(outdir).sort()).toEqual(['main.js', 'main.js.map']);
    expect(existsSync(join(outdir, 'node_modules'))).toBe(false);

    const database = await freshDatabase();
    // Run from the temp folder, so nothing can be resolved from the repository's node_modules.
    const child = spawn(process.execPath, [main], {
      cwd: outdir,
      env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', ...env, DATABASE_URL: database.url, PORT: '0', HOST: '127.0.0.1', SHUTDOWN_DELAY_MS: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const url = await listeningUrl(child);
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await database.drop();
    }
  });
});
