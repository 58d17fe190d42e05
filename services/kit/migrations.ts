import type pg from 'pg';

/** One schema change, applied once, in order of the list. Never edit an applied one: add another. */
export interface Migration {
  readonly id: string;
  readonly sql: string;
}

/**
 * Applies pending migrations in one transaction under a transaction-scoped advisory lock, so that two
 * replicas starting at once apply them once: the second waits, then finds nothing to do. The lock is
 * one for all services, because the services share a database and its schema_migrations table
 * (two services creating that table at once would collide).
 */
export async function runMigrations(pool: pg.Pool, service: string, migrations: readonly Migration[]): Promise<string[]> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query("SELECT pg_advisory_xact_lock(hashtext('schema_migrations'))");
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (service text NOT NULL, id text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (service, id))',
    );
    const { rows } = await client.query<{ id: string }>('SELECT id FROM schema_migrations WHERE service = $1', [service]);
    const applied = new Set(rows.map((row) => row.id));
    const pending = migrations.filter((migration) => !applied.has(migration.id));
    for (const migration of pending) {
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (service, id) VALUES ($1, $2)', [service, migration.id]);
    }
    await client.query('COMMIT');
    return pending.map((migration) => migration.id);
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}
