import { closestKey, editDistance, isCdkContextKey } from '../../infra/config/context-keys';
import { CONTEXT_KEYS, ConfigError, contextFromFlags, loadEnvironmentConfig } from '../../infra/config/load-config';

/** The error loading the configuration from this context throws (the test fails if it loads). */
function errorLoading(context: Record<string, unknown>): Error {
  try {
    loadEnvironmentConfig((key) => context[key]);
  } catch (error) {
    return error as Error;
  }
  throw new Error(`loaded with ${JSON.stringify(context)}`);
}

describe('loading the configuration', () => {
  it('throws errors named ConfigError, as stack traces and logs show them', () => {
    expect(String(errorLoading({ env: 'no-such-env' }))).toMatch(/^ConfigError: Unknown value "no-such-env" for context key "env"/);
  });

  it('lists every problem of the environment on a line of its own, under one heading', () => {
    expect(errorLoading({ vpcCidr: 'nope', budgetEmail: 'nope' }).message).toBe(
      [
        'Invalid configuration for environment "sandbox" (infra/config/environments.ts):',
        '  - network.cidr (from -c vpcCidr): must be an IPv4 CIDR block with a prefix from /16 to /28, e.g. 10.0.0.0/16',
        '  - budget.alertEmail (from -c budgetEmail): must be an e-mail address',
      ].join('\n'),
    );
  });

  // cdk.json's context is JSON: `env` may arrive as something other than a name.
  it.each([
    ['a list naming an environment', ['prod'], '["prod"]'],
    ['a number', 1, '1'],
    ['a property every object has', 'constructor', '"constructor"'],
  ])('refuses as env %s, listing the environments', (_case, env, shown) => {
    expect(errorLoading({ env })).toEqual(new ConfigError(`Unknown value ${shown} for context key "env". Allowed values: sandbox, prod.`));
  });

  it('reads a -c value of several digits as one number: natGateways=10 is too many, not malformed', () => {
    expect(errorLoading({ natGateways: '10' }).message).toMatch(
      /^ {2}- network\.natGateways \(from -c natGateways\): must be from 1 to 2 \(network\.maxAzs\): private subnets need at least one NAT gateway, and there is at most one per AZ$/m,
    );
  });

  it('takes a context value that is not text (JSON from cdk.json) as it is, reading no number out of a list', () => {
    expect(errorLoading({ natGateways: [2] }).message).toMatch(/^ {2}- network\.natGateways \(from -c natGateways\): must be a whole number$/m);
  });
});

describe('-c flags', () => {
  it('reads a one-letter key', () => {
    expect(contextFromFlags(['a=1'])).toEqual({ a: '1' });
  });
});

describe('suggesting a context key for a typo', () => {
  it("tolerates a third of the known key's length in edits, rounded down: 3 of natGateways' 11 letters, not 4", () => {
    expect(closestKey('natGatew', CONTEXT_KEYS)).toBe('natGateways');
    expect(closestKey('natGate', CONTEXT_KEYS)).toBeUndefined();
  });

  it('prefers the nearer key to a farther one, whichever is listed first', () => {
    expect(closestKey('ownr', ['owner', 'owners'])).toBe('owner');
    expect(closestKey('ownr', ['owners', 'owner'])).toBe('owner');
  });

  it('breaks a tie in favour of the key listed first', () => {
    expect(closestKey('owne', ['owner', 'owned'])).toBe('owner');
  });

  it.each([
    ['deleting every letter of abc', 3, 'abc', ''],
    ['ab -> ca, two substitutions though a swap would match the a', 2, 'ab', 'ca'],
    ['ab -> bc, two substitutions though a swap would match the b', 2, 'ab', 'bc'],
  ])('counts %s as %p edits', (_case, distance, from, to) => {
    expect(editDistance(from, to)).toBe(distance);
  });

  // CDK's keys are recognised by their prefixes; the same text further in is one of ours mistyped.
  it.each([
    ["a key with a feature flag's @ prefix further in", 'my@aws-cdk/core:flag'],
    ['a key with the aws:cdk: prefix further in', 'myaws:cdk:switch'],
    ['a key with the aws-cdk: prefix further in', 'my-aws-cdk:switch'],
    ['a key shaped like a cached lookup but starting with a capital letter', 'Availability-zones:account=123456789012'],
  ])('does not take %s for a CDK key', (_case, key) => {
    expect(isCdkContextKey(key)).toBe(false);
  });
});
