/**
 * Tests are transpiled by SWC without type-checking (3x faster than ts-jest's default);
 * `npm run typecheck` is the type check, and `npm test` runs it first.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }],
    // Fastify's inject() loads `cookie`, which ships as ES modules only; Jest on Node 20 needs it as CommonJS.
    '^.+/node_modules/cookie/.+\\.js$': ['@swc/jest', { module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!cookie/)'],
  // CDK synthesis of a whole environment takes seconds; the default 5 s is too tight on a busy machine.
  testTimeout: 120_000,
  // One throwaway PostgreSQL per run for the service tests (TEST_DATABASE_URL), only when the run
  // includes tests under test/services; installed with apt-get on a fresh CI machine (scripts/postgres.ts).
  globalSetup: '<rootDir>/test/services/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/services/support/global-teardown.ts',
};
