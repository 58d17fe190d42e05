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
  },
  // CDK synthesis of a whole environment takes seconds; the default 5 s is too tight on a busy machine.
  testTimeout: 120_000,
};
