import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import pg from 'pg';
import { DatabaseUnavailableError, inTransaction, loadConfig } from '../../services/kit';
import { createPool, withoutClient } from '../../services/kit/database';
import { freshDatabase, type FreshDatabase } from './support/database';
import { freePort } from './support/free-port';
import { waitFor } from './support/wait-for';

// The kit's PostgreSQL pool (services/kit/database.ts): how it is configured, what a failed connect
// becomes, and transactions, against the run's PostgreSQL.

const config = (env: Record<string, string>) => loadConfig({}, env);

describe('a pool from DATABASE_URL', () => {
  it('is sized and timed by the config, holds no idle connection, and names its connections after the service', async () => {
    const pool = await createPool(
      config({ DATABASE_URL: 'postgres://app@127.0.0.1:1/app', DATABASE_POOL_SIZE: '7', DATABASE_IDLE_TIMEOUT_MS: '1234', DATABASE_CONNECT_TIMEOUT_MS: '5678' }),
      'named-service',
    );
    try {
      expect(pool.options).toMatchObject({ max: 7, min: 0, idleTimeoutMillis: 1234, connectionTimeoutMillis: 5678, application_name: 'named-service', connectionString: 'postgres://app@127.0.0.1:1/app' });
    } finally {
      await pool.end();
    }
  });
});

describe('a pool from DATABASE_HOST and DATABASE_SECRET_ARN, as on EKS', () => {
  const secrets = mockClient(SecretsManagerClient);
  const env = { DATABASE_HOST: 'platform.cluster-abc.eu-west-1.rds.amazonaws.com', DATABASE_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db', DATABASE_PORT: '6432', DATABASE_NAME: 'shop' };
  beforeEach(() => {
    secrets.reset();
    process.env.AWS_REGION = 'eu-west-1';
  });
  afterAll(() => secrets.restore());

  it('reads the credentials from the secret once, and connects to the host over verified TLS', async () => {
    secrets.on(GetSecretValueCommand, { SecretId: env.DATABASE_SECRET_ARN }).resolves({ SecretString: JSON.stringify({ username: 'app', password: 's3cret', engine: 'postgres' }) });
    const pool = await createPool(config(env), 'orders');
    try {
      expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
      expect(pool.options).toMatchObject({ host: env.DATABASE_HOST, port: 6432, database: 'shop', user: 'app', password: 's3cret', ssl: { rejectUnauthorized: true }, application_name: 'orders', max: 10 });
    } finally {
      await pool.end();
    }
  });

  it('leaves user and password unset when the secret has no string', async () => {
    secrets.on(GetSecretValueCommand).resolves({});
    const pool = await createPool(config(env), 'orders');
    try {
      expect(pool.options.user).toBeUndefined();
      expect(pool.options.password).toBeUndefined();
    } finally {
      await pool.end();
    }
  });
});

describe('a connection that cannot be had', () => {
  let pool: pg.Pool;
  beforeEach(async () => {
    pool = await createPool(config({ DATABASE_URL: `postgres://app@127.0.0.1:${await freePort()}/app` }), 'refused');
  });
  afterEach(() => pool.end());

  it('fails a query with a DatabaseUnavailableError that keeps the cause', async () => {
    const failure = await pool.query('SELECT 1').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DatabaseUnavailableError);
    expect((failure as DatabaseUnavailableError).cause).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('fails pool.connect() the same way, promised or called back', async () => {
    await expect(pool.connect()).rejects.toBeInstanceOf(DatabaseUnavailableError);
    const calledBack = await new Promise((resolve) => pool.connect((error) => resolve(error)));
    expect(calledBack).toBeInstanceOf(DatabaseUnavailableError);
  });
});

describe('with the database up', () => {
  let database: FreshDatabase;
  let pool: pg.Pool;
  beforeAll(async () => {
    database = await freshDatabase();
  });
  beforeEach(async () => {
    pool = await createPool(config({ DATABASE_URL: database.url }), 'kit-database-test');
    // As a service's pool has (service.ts): a connection that breaks while idle in the pool is reported
    // on the pool's 'error' event, which throws with no listener. A terminated connection can be one: a
    // statement it fails is rejected by the server's FATAL message, before the socket closes, so pg still
    // counts the connection queryable when it is released, and the pool takes it back until it closes.
    pool.on('error', () => undefined);
    await pool.query('CREATE TABLE IF NOT EXISTS notes (id int PRIMARY KEY)');
    await pool.query('TRUNCATE notes');
  });
  afterEach(() => pool.end());
  afterAll(() => database?.drop());

  it('hands out connections, promised or called back, and leaves a failed statement as it is', async () => {
    const client = await pool.connect();
    client.release();
    await new Promise<void>((resolve, reject) => pool.connect((error, calledBack, done) => (error ? reject(error) : (done(), resolve(void calledBack)))));
    const failure = await pool.query('SELECT * FROM no_such_table').catch((error: unknown) => error);
    expect(failure).not.toBeInstanceOf(DatabaseUnavailableError);
    expect(failure).toMatchObject({ code: '42P01' });
  });

  it('survives a connection that breaks while checked out: the process goes on, and the pool discards it', async () => {
    const client = await pool.connect();
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    await admin.query('SELECT pg_terminate_backend($1)', [rows[0].pid]).finally(() => admin.end());
    await expect(client.query('SELECT 1')).rejects.toThrow();
    client.release();
    await waitFor('the broken connection to be discarded', () => pool.totalCount === 0);
    expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('commits a transaction whose work resolves, and returns its result', async () => {
    const result = await inTransaction(pool, async (client) => {
      await client.query('INSERT INTO notes VALUES (1)');
      return 'done';
    });
    expect(result).toBe('done');
    // Read over a connection of its own: committed, not merely visible inside the transaction.
    const reader = new pg.Client({ connectionString: database.url });
    await reader.connect();
    try {
      expect((await reader.query('SELECT id FROM notes')).rows).toEqual([{ id: 1 }]);
    } finally {
      await reader.end();
    }
  });

  it('rolls back a transaction whose work throws, and rethrows', async () => {
    const failure = new Error('work failed');
    await expect(
      inTransaction(pool, async (client) => {
        await client.query('INSERT INTO notes VALUES (2)');
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect((await pool.query('SELECT id FROM notes')).rows).toEqual([]);
    expect(pool.idleCount).toBe(1);
  });

  it('destroys a connection whose ROLLBACK failed, rather than return it to the pool, and rethrows the first error', async () => {
    const failure = new Error('work failed');
    await expect(
      inTransaction(pool, async (client) => {
        // A fault injected into this one connection: its ROLLBACK fails while it stays queryable.
        const query = client.query.bind(client) as (text: string) => Promise<unknown>;
        jest.spyOn(client, 'query').mockImplementation(((text: string) => (text === 'ROLLBACK' ? Promise.reject(new Error('rollback failed')) : query(text))) as never);
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(pool.totalCount).toBe(0);
  });
});

it('drops the pg client an idle connection error carries, before it is logged', () => {
  const error = Object.assign(new Error('terminated'), { client: { socket: 'huge' } });
  expect(withoutClient(error)).toBe(error);
  expect(error).not.toHaveProperty('client');
});
