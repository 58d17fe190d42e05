/**
 * The environment a service under test starts with: the given database, any free port on loopback,
 * no logs, and no drain delay on shutdown. Overrides win.
 */
export function testServiceEnv(databaseUrl: string, overrides: Record<string, string> = {}): Record<string, string> {
  return { DATABASE_URL: databaseUrl, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', SHUTDOWN_DELAY_MS: '0', ...overrides };
}
