import { z } from 'zod';
import { ConfigError, loadConfig } from '../../services/kit';

// The kit's environment rules (services/kit/config.ts), with no service or database behind them.
const withUrl = { DATABASE_URL: 'postgres://app@127.0.0.1:5432/app' };
const withSecret = { DATABASE_HOST: 'platform.cluster-abc.eu-west-1.rds.amazonaws.com', DATABASE_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db' };

/** The message loadConfig refuses `env` with, or 'accepted'. */
function verdict(env: Record<string, string>, usesDatabase = true): string {
  try {
    if (usesDatabase) loadConfig({}, env);
    else loadConfig({}, env, { usesDatabase: false });
    return 'accepted';
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.message;
  }
}

describe('service config', () => {
  it('applies defaults', () => {
    expect(loadConfig({}, withUrl)).toEqual({
      ...withUrl,
      PORT: 8080,
      HOST: '0.0.0.0',
      LOG_LEVEL: 'info',
      SHUTDOWN_DELAY_MS: 5000,
      SHUTDOWN_TIMEOUT_MS: 25_000,
      DATABASE_PORT: 5432,
      DATABASE_NAME: 'platform',
      DATABASE_POOL_SIZE: 10,
      DATABASE_IDLE_TIMEOUT_MS: 10_000,
      DATABASE_CONNECT_TIMEOUT_MS: 30_000,
    });
  });

  it('reads numbers from their text', () => {
    expect(loadConfig({}, { ...withUrl, PORT: '3000', DATABASE_POOL_SIZE: '4', SHUTDOWN_DELAY_MS: '0' })).toMatchObject({ PORT: 3000, DATABASE_POOL_SIZE: 4, SHUTDOWN_DELAY_MS: 0 });
  });

  it.each([
    ['PORT', '0'],
    ['PORT', '65535'],
    ['SHUTDOWN_TIMEOUT_MS', '1000'],
    ['DATABASE_POOL_SIZE', '1'],
    ['DATABASE_POOL_SIZE', '100'],
    ['DATABASE_IDLE_TIMEOUT_MS', '1'],
    ['DATABASE_IDLE_TIMEOUT_MS', '60000'],
    ['DATABASE_CONNECT_TIMEOUT_MS', '1'],
    ['DATABASE_CONNECT_TIMEOUT_MS', '120000'],
    ['DATABASE_URL', 'postgresql://app@db.internal/app'],
  ])('accepts %s=%s, at the edge of what it takes', (name, value) => {
    expect(verdict({ ...withUrl, [name]: value })).toBe('accepted');
  });

  it.each([
    ['PORT', '-1'],
    ['PORT', '65536'],
    ['PORT', '80.5'],
    ['SHUTDOWN_DELAY_MS', '-1'],
    ['SHUTDOWN_TIMEOUT_MS', '999'],
    ['DATABASE_PORT', '5432.5'],
    ['DATABASE_POOL_SIZE', '0'],
    ['DATABASE_POOL_SIZE', '101'],
    ['DATABASE_IDLE_TIMEOUT_MS', '0'],
    ['DATABASE_IDLE_TIMEOUT_MS', '60001'],
    ['DATABASE_CONNECT_TIMEOUT_MS', '0'],
    ['DATABASE_CONNECT_TIMEOUT_MS', '120001'],
    ['DATABASE_URL', 'mysql://app@db.internal/app'],
    ['DATABASE_URL', 'xpostgres://app@db.internal/app'],
    ['DATABASE_URL', 'postgresqlx://app@db.internal/app'],
    ['LOG_LEVEL', 'loud'],
  ])('refuses %s=%s, naming it', (name, value) => {
    expect(verdict({ ...withUrl, [name]: value })).toMatch(new RegExp(`^Invalid environment:\\n  - ${name}: \\S`));
  });

  it('accepts each log level pino knows, and silent', () => {
    for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) {
      expect(loadConfig({}, { ...withUrl, LOG_LEVEL: level }).LOG_LEVEL).toBe(level);
    }
  });

  it('names a missing database setting', () => {
    expect(() => loadConfig({}, {})).toThrow(new ConfigError('Invalid environment:\n  - DATABASE_URL: set DATABASE_URL, or DATABASE_HOST and DATABASE_SECRET_ARN'));
  });

  it('takes DATABASE_HOST and DATABASE_SECRET_ARN instead of DATABASE_URL, as on EKS', () => {
    expect(loadConfig({}, withSecret)).toMatchObject({ ...withSecret, DATABASE_PORT: 5432, DATABASE_NAME: 'platform' });
  });

  it('refuses DATABASE_HOST without DATABASE_SECRET_ARN, and the other way round', () => {
    const missing = 'Invalid environment:\n  - DATABASE_URL: set DATABASE_URL, or DATABASE_HOST and DATABASE_SECRET_ARN';
    expect(verdict({ DATABASE_HOST: withSecret.DATABASE_HOST })).toBe(missing);
    expect(verdict({ DATABASE_SECRET_ARN: withSecret.DATABASE_SECRET_ARN })).toBe(missing);
  });

  it('refuses a DATABASE_SECRET_ARN that is not an ARN', () => {
    expect(verdict({ ...withSecret, DATABASE_SECRET_ARN: 'platform-db' })).toMatch(/^Invalid environment:\n {2}- DATABASE_SECRET_ARN: /);
  });

  it('names each bad variable, one per line', () => {
    expect(verdict({ ...withUrl, PORT: 'eighty', LOG_LEVEL: 'loud' })).toMatch(/^Invalid environment:\n {2}- PORT: [^\n]+\n {2}- LOG_LEVEL: Invalid option[^\n]*$/);
  });

  it('raises a ConfigError, named so in a log', () => {
    let raised: unknown;
    try {
      loadConfig({}, {});
    } catch (error) {
      raised = error;
    }
    expect(raised).toBeInstanceOf(ConfigError);
    expect((raised as Error).name).toBe('ConfigError');
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({}, { ...withUrl, PORT: '' }).PORT).toBe(8080);
    expect(verdict({ DATABASE_URL: '' })).toMatch(/DATABASE_URL: set DATABASE_URL/);
  });

  it("validates the service's own variables with the kit's, and returns them", () => {
    const extra = { GREETING: z.string().min(2), RETRIES: z.coerce.number().default(3) };
    expect(loadConfig(extra, { ...withUrl, GREETING: 'hi' })).toMatchObject({ GREETING: 'hi', RETRIES: 3, PORT: 8080 });
    expect(() => loadConfig(extra, { ...withUrl, GREETING: 'h' })).toThrow(/^Invalid environment:\n {2}- GREETING: /);
  });

  it('joins the path of a problem inside a variable with dots', () => {
    const extra = { SIZES: z.string().transform((text) => text.split(',')).pipe(z.array(z.enum(['s', 'm']))) };
    expect(() => loadConfig(extra, { ...withUrl, SIZES: 's,x' })).toThrow(/\n {2}- SIZES\.1: /);
  });

  it('neither requires nor reads a DATABASE_* variable for a service without a database', () => {
    const config = loadConfig({}, { DATABASE_URL: 'not a url', DATABASE_POOL_SIZE: 'many' }, { usesDatabase: false });
    expect(config).toEqual({ PORT: 8080, HOST: '0.0.0.0', LOG_LEVEL: 'info', SHUTDOWN_DELAY_MS: 5000, SHUTDOWN_TIMEOUT_MS: 25_000 });
    expect(verdict({}, false)).toBe('accepted');
  });
});
