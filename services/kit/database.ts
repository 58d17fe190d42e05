import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import pg from 'pg';
import type { BaseConfig } from './config';

/**
 * The service's PostgreSQL pool. Locally a DATABASE_URL; on EKS the Aurora endpoint from the
 * ConfigMap and the credentials from Secrets Manager, read once at start-up with the pod's
 * Pod Identity role (which may read exactly that secret).
 *
 * Connections are opened on demand and closed once idle (see DATABASE_IDLE_TIMEOUT_MS and
 * DATABASE_CONNECT_TIMEOUT_MS for why), and named after the service (`application_name`), so that
 * pg_stat_activity shows who holds one.
 */
export async function createPool(config: BaseConfig, service: string): Promise<pg.Pool> {
  const common = {
    max: config.DATABASE_POOL_SIZE,
    min: 0,
    idleTimeoutMillis: config.DATABASE_IDLE_TIMEOUT_MS,
    connectionTimeoutMillis: config.DATABASE_CONNECT_TIMEOUT_MS,
    application_name: service,
  };
  if (config.DATABASE_URL) return new pg.Pool({ ...common, connectionString: config.DATABASE_URL });

  const secret = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: config.DATABASE_SECRET_ARN }));
  const { username, password } = JSON.parse(secret.SecretString ?? '{}') as { username?: string; password?: string };
  return new pg.Pool({
    ...common,
    host: config.DATABASE_HOST,
    port: config.DATABASE_PORT,
    database: config.DATABASE_NAME,
    user: username,
    password,
    // TLS to Aurora, verified: the image adds the Amazon RDS CA bundle through NODE_EXTRA_CA_CERTS
    // (services/Dockerfile).
    ssl: { rejectUnauthorized: true },
  });
}

/**
 * Runs `work` in a transaction on one pooled connection: COMMIT if it resolves, ROLLBACK if it throws.
 * A connection whose ROLLBACK failed is destroyed rather than handed back to the pool in an unknown state.
 */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackError) {
      broken = rollbackError as Error;
    }
    throw error;
  } finally {
    client.release(broken);
  }
}
