import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import pg from 'pg';
import type { DatabaseConfig } from './config';
import { DatabaseUnavailableError } from './errors';

/**
 * The service's PostgreSQL pool. Locally a DATABASE_URL; on EKS the Aurora endpoint from the
 * ConfigMap and the credentials from Secrets Manager, read once at start-up with the pod's
 * Pod Identity role (which may read exactly that secret).
 *
 * Connections are opened on demand and closed once idle (see DATABASE_IDLE_TIMEOUT_MS and
 * DATABASE_CONNECT_TIMEOUT_MS for why), and named after the service (`application_name`), so that
 * pg_stat_activity shows who holds one.
 */
export async function createPool(config: DatabaseConfig, service: string): Promise<pg.Pool> {
  const common = {
    max: config.DATABASE_POOL_SIZE,
    min: 0,
    idleTimeoutMillis: config.DATABASE_IDLE_TIMEOUT_MS,
    connectionTimeoutMillis: config.DATABASE_CONNECT_TIMEOUT_MS,
    application_name: service,
  };
  if (config.DATABASE_URL) return listenToEveryClient(new pg.Pool({ ...common, connectionString: config.DATABASE_URL }));

  const secret = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: config.DATABASE_SECRET_ARN }));
  const { username, password } = JSON.parse(secret.SecretString ?? '{}') as { username?: string; password?: string };
  return listenToEveryClient(new pg.Pool({
    ...common,
    host: config.DATABASE_HOST,
    port: config.DATABASE_PORT,
    database: config.DATABASE_NAME,
    user: username,
    password,
    // TLS to Aurora, verified: the image adds the Amazon RDS CA bundle through NODE_EXTRA_CA_CERTS
    // (services/Dockerfile).
    ssl: { rejectUnauthorized: true },
  }));
}

/**
 * A connection that breaks (the server crashed or restarted, the connection was terminated) makes its
 * pg client emit 'error'. The pool listens for that only while the client is idle in it: from
 * checkout to release (`pool.connect()`: a transaction, the migrations) nobody does, and an 'error'
 * event nobody listens to is thrown, which kills the process. The outbox relay holds its client in a
 * transaction while it publishes to EventBridge, so a database crash under load killed the orders
 * service (test/chaos/postgres-restarted.test.ts, test/services/database-crash.test.ts).
 *
 * So every client gets a listener of its own for its whole life. It needs to do nothing: a query in
 * flight is rejected with the error anyway, and any later query on the client fails at once
 * ("not queryable"), after which inTransaction releases it as broken and the pool discards it. An idle
 * client's error still reaches the pool's 'error' event (the service logs it) and removes it.
 */
function listenToEveryClient(pool: pg.Pool): pg.Pool {
  pool.on('connect', (client) => client.on('error', ignoreHere));
  tagConnectFailures(pool);
  return pool;
}

type ConnectCallback = (error: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void;

/**
 * A failure to get a connection (refused, connect timeout, no free slot within it, the server
 * starting up or refusing connections) becomes a DatabaseUnavailableError: no statement was sent, so
 * the kit answers it 503 with Retry-After (./http.ts) instead of a 500. Both ways of asking for a
 * connection go through here: `pool.connect()` and the pool's own `pool.query()`, which calls
 * `this.connect(callback)`. A connection that breaks during a statement is not one of these: its
 * outcome is unknown, and it stays a 500.
 */
function tagConnectFailures(pool: pg.Pool): void {
  const connect = pool.connect.bind(pool) as (callback: ConnectCallback) => void;
  const tag = (error: Error | undefined) => (error === undefined || error instanceof DatabaseUnavailableError ? error : new DatabaseUnavailableError(error));
  const tagged = (callback?: ConnectCallback) => {
    if (callback) return connect((error, client, done) => callback(tag(error), client, done));
    return new Promise<pg.PoolClient>((resolve, reject) => connect((error, client) => (error ? reject(tag(error)) : resolve(client!))));
  };
  (pool as unknown as { connect: typeof tagged }).connect = tagged;
}

function ignoreHere(): void {
  // See listenToEveryClient: the error reaches the client's user through its queries.
}

/**
 * The pool's 'error' event (an idle connection broke) hands an error that pg-pool gave a `client`
 * property: the whole pg client, its socket, buffers and settings. Logged as it is, pino serializes
 * all of it (tens of kilobytes per error, with the connection settings) on every idle connection
 * when the database goes away. The reference is dropped before the error is logged.
 */
export function withoutClient<E extends Error>(error: E): E {
  delete (error as E & { client?: unknown }).client;
  return error;
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
