import { Aws, RemovalPolicy } from 'aws-cdk-lib';
import { ENVIRONMENTS } from '../../infra/config/environments';
import { loadEnvironmentConfig } from '../../infra/config/load-config';
import { apiLoadBalancerName, faultConfigurationsBucketName, pascalCase, physicalName, uploadsBucketName } from '../../infra/config/naming';
import { keyLifecycleOf, removalPolicyOf } from '../../infra/config/removal';
import { SUBNET_LAYOUT } from '../../infra/config/subnet-layout';

const ENVIRONMENT_NAMES = Object.keys(ENVIRONMENTS);
const configOf = (env: string) => loadEnvironmentConfig((key) => (key === 'env' ? env : undefined));

describe('physical names', () => {
  it('names a resource hybrid-platform-<env>-<suffix>', () => {
    expect(physicalName({ name: 'sandbox' }, 'cluster')).toBe('hybrid-platform-sandbox-cluster');
  });

  it('names the uploads bucket after the environment, the account and the region', () => {
    expect(uploadsBucketName({ name: 'prod' }, '123456789012', 'eu-west-1')).toBe('hybrid-platform-prod-uploads-123456789012-eu-west-1');
  });

  it("takes the deploying stack's account and region for the uploads bucket unless given", () => {
    expect(uploadsBucketName({ name: 'prod' })).toBe(`hybrid-platform-prod-uploads-${Aws.ACCOUNT_ID}-${Aws.REGION}`);
  });

  it('names the FIS fault configurations bucket after the environment, the account and the region', () => {
    expect(faultConfigurationsBucketName({ name: 'prod' }, '123456789012', 'eu-west-1')).toBe('hybrid-platform-prod-faults-123456789012-eu-west-1');
    expect(faultConfigurationsBucketName({ name: 'prod' })).toBe(`hybrid-platform-prod-faults-${Aws.ACCOUNT_ID}-${Aws.REGION}`);
  });

  // S3 refuses a bucket name beyond 63 characters; ap-southeast-5 is as long as region names get.
  describe.each([
    ['uploads', uploadsBucketName],
    ['faults', faultConfigurationsBucketName],
  ])('the %s bucket', (purpose, bucketName) => {
    it.each(ENVIRONMENT_NAMES)("keeps the %s environment's name within S3's 63 characters in any region", (name) => {
      expect(bucketName({ name }, '123456789012', 'ap-southeast-5')).toMatch(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/);
    });

    it('refuses, before the account and region are known, an environment name that would make it longer, saying how many characters fit', () => {
      const name = 'x'.repeat(63 - `hybrid-platform--${purpose}-123456789012-ap-southeast-5`.length + 1);
      expect(() => bucketName({ name })).toThrow(
        new Error(
          `The environment name "${name}" (context key env, infra/config/environments.ts) makes the ${purpose} bucket name in the longest region, ap-southeast-5, "hybrid-platform-${name}-${purpose}-123456789012-ap-southeast-5" ` +
            `longer than the 63 characters S3 allows: use at most ${name.length - 1} characters.`,
        ),
      );
      expect(bucketName({ name: name.slice(1) })).toContain(`hybrid-platform-${name.slice(1)}-${purpose}-`);
    });
  });

  it("names the API load balancer hybrid-platform-<env>-api, up to Elastic Load Balancing's 32 characters", () => {
    expect(apiLoadBalancerName({ name: 'twelve-chars' })).toBe('hybrid-platform-twelve-chars-api');
  });

  it('refuses an environment name that makes the load balancer name longer, saying how many characters fit', () => {
    expect(() => apiLoadBalancerName({ name: 'thirteen-char' })).toThrow(
      new Error(
        'The environment name "thirteen-char" (context key env, infra/config/environments.ts) makes the load balancer name "hybrid-platform-thirteen-char-api" ' +
          'longer than the 32 characters Elastic Load Balancing allows: use at most 12 characters.',
      ),
    );
  });

  it.each(ENVIRONMENT_NAMES)('fits the load balancer name of the %s environment', (name) => {
    expect(apiLoadBalancerName({ name })).toBe(`hybrid-platform-${name}-api`);
  });

  it.each([
    ['image-resizer', 'ImageResizer'],
    ['notifier', 'Notifier'],
    ['s3-events', 'S3Events'],
    ['api-2', 'Api2'],
  ])('makes the construct id of %s %s', (name, id) => {
    expect(pascalCase(name)).toBe(id);
  });
});

describe('removal', () => {
  it.each([
    ['sandbox', RemovalPolicy.DESTROY],
    ['prod', RemovalPolicy.RETAIN],
  ])('gives the stateful resources of %s the removal policy %s', (env, policy) => {
    expect(removalPolicyOf(configOf(env))).toBe(policy);
  });

  // A deleted key bills until its pending window ends: AWS's shortest (7 days) where the data goes anyway, the default 30 where a mistake must stay recoverable.
  it.each([
    ['sandbox', RemovalPolicy.DESTROY, 7],
    ['prod', RemovalPolicy.RETAIN, 30],
  ])('gives the KMS keys of %s the removal policy %s and a pending window of %p days', (env, removalPolicy, days) => {
    const { removalPolicy: keyRemoval, pendingWindow } = keyLifecycleOf(configOf(env));
    expect({ removalPolicy: keyRemoval, pendingWindowDays: pendingWindow?.toDays() }).toEqual({ removalPolicy, pendingWindowDays: days });
  });

  it.each(ENVIRONMENT_NAMES)('rotates the KMS keys of %s', (env) => {
    expect(keyLifecycleOf(configOf(env)).enableKeyRotation).toBe(true);
  });
});

describe('the subnet layout', () => {
  // The names are the subnet groups' (and their CloudFormation ids'), the masks their sizes: a change replaces the deployed subnets.
  it('keeps public /24, private /20 and isolated data /24 subnets in each AZ, in the order CDK allocates them', () => {
    expect(SUBNET_LAYOUT).toEqual([
      { name: 'Public', kind: 'public', cidrMask: 24 },
      { name: 'Private', kind: 'private', cidrMask: 20 },
      { name: 'Data', kind: 'isolated', cidrMask: 24 },
    ]);
  });
});
