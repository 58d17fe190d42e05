import fc from 'fast-check';
import type pg from 'pg';
import type { RunningService } from '../../../services/kit';
import type { RecordedRoute } from './recorded-routes';
import { requestsFor, type RequestHints } from './request-arbitraries';

/**
 * What takes the fingerprint of the service's database: every table (schema_migrations included),
 * each with its row count and a digest of its rows, so that a write of any kind, insert, update or
 * delete, changes it. The table list is read once, here (pg_catalog: the public schema's ordinary
 * and partitioned tables, which information_schema.tables calls BASE TABLE, without its views and
 * privilege checks); each fingerprint is then one query. For a run of requests: they write rows,
 * never tables.
 */
async function fingerprinter(pool: pg.Pool): Promise<() => Promise<Record<string, string>>> {
  const { rows: tables } = await pool.query<{ name: string }>(
    "SELECT quote_ident(c.relname) AS name FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1",
  );
  const digests = `SELECT ${tables.map(({ name }, index) => `(SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM ${name} t) AS t${index}`).join(', ')}`;
  return async () => {
    const { rows } = await pool.query(digests);
    return Object.fromEntries(tables.map(({ name }, index) => [name, rows[0][`t${index}`]]));
  };
}

/** The kit's error shape: `error` and `message`, `field` when one is to blame, nothing else. */
export function expectErrorShape(body: unknown): void {
  expect(body).toEqual({
    error: expect.stringMatching(/\S/),
    message: expect.stringMatching(/\S/),
    ...(typeof body === 'object' && body !== null && 'field' in body ? { field: expect.stringMatching(/\S/) } : {}),
  });
}

/**
 * The property every route must have: whatever the request, the answer is a 2xx or 3xx, or a 4xx
 * with the error shape after which the database is exactly as before; never a 5xx. fast-check prints
 * the seed and the smallest failing request when it does not hold.
 */
export async function assertWellBehaved(service: RunningService, route: RecordedRoute, hints: RequestHints, numRuns: number): Promise<void> {
  const fingerprint = await fingerprinter(service.pool);
  await fc.assert(
    fc.asyncProperty(requestsFor(route, hints), async (request) => {
      const before = await fingerprint();
      const response = await service.app.inject(request);
      expect(response.statusCode).toBeLessThan(500);
      if (response.statusCode >= 400) {
        expect(response.headers['content-type']).toMatch(/^application\/json/);
        expectErrorShape(response.json());
        expect(await fingerprint()).toEqual(before);
      }
    }),
    { numRuns },
  );
}
