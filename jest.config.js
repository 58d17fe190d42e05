const { esmOnlyFile, otherNodeModules } = require('./test/support/esm-only-resolver');

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
    // Dependencies shipped as ES modules only (kubernetes-models 5, Fastify's `cookie`): Jest runs CommonJS.
    [esmOnlyFile]: ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: [otherNodeModules],
  resolver: '<rootDir>/test/support/esm-only-resolver.js',
  // Jest's default leaves one core to its own process, which mostly waits: on a 2-core CI machine that
  // is one worker. Two workers there run the suite in a little more than half the time.
  maxWorkers: '100%',
  // CDK synthesis of a whole environment takes seconds; the default 5 s is too tight on a busy machine.
  testTimeout: 120_000,
  // What the test files of a run share, each only when the run includes tests that use it: one throwaway
  // PostgreSQL for the service tests (TEST_DATABASE_URL; it comes with `npm ci`, see scripts/postgres.ts),
  // and one synthesis of sandbox and prod for the infra tests (TEST_PLATFORM_ASSEMBLIES), side by side.
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  // The files that read the shared synthesis last, so that the other files run while it is made.
  testSequencer: '<rootDir>/test/support/test-sequencer.js',
};
