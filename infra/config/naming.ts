import { Aws } from 'aws-cdk-lib';
import type { EnvironmentConfig } from './environment-config';

/** Prefix of every stack and physically named resource, so several environments share one account. */
export const PROJECT = 'hybrid-platform';

/**
 * A physical name for the few resources that need one (stacks, the EKS cluster and the database,
 * whose log groups we create ourselves to set their retention). Everything else is named by CloudFormation.
 */
export function physicalName(config: Pick<EnvironmentConfig, 'name'>, suffix: string): string {
  return `${PROJECT}-${config.name}-${suffix}`;
}

/**
 * Refuses an environment name that makes `name`, its `what`, longer than the `limit` of the service that
 * takes it, and says how many characters would fit: at synth, naming the context key, not at deploy.
 */
function withinLimit(config: Pick<EnvironmentConfig, 'name'>, name: string, { what, limit, service }: { what: string; limit: number; service: string }): void {
  if (name.length <= limit) return;
  throw new Error(
    `The environment name "${config.name}" (context key env, infra/config/environments.ts) makes the ${what} "${name}" ` +
      `longer than the ${limit} characters ${service} allows: use at most ${config.name.length - (name.length - limit)} characters.`,
  );
}

/** S3 refuses longer bucket names. */
const BUCKET_NAME_MAX_LENGTH = 63;
/** The longest an account id and a region name get, for bucket names checked before either is known: ap-southeast-5 is 14. */
const LONGEST_ACCOUNT_AND_REGION = { account: '123456789012', region: 'ap-southeast-5' };

/**
 * A bucket's name, unique per account and region: `hybrid-platform-<env>-<purpose>-<account>-<region>`.
 * Known to every stack without a cross-stack reference, so grants in other stacks name the bucket
 * plainly. The account and region are the deploying stack's (tokens, resolved at deploy) unless given,
 * e.g. as placeholders for review values; the environment name is checked against the longest.
 */
function regionalBucketName(config: Pick<EnvironmentConfig, 'name'>, purpose: string, account: string, region: string): string {
  const name = (accountId: string, regionName: string) => `${physicalName(config, purpose)}-${accountId}-${regionName}`;
  withinLimit(config, name(LONGEST_ACCOUNT_AND_REGION.account, LONGEST_ACCOUNT_AND_REGION.region), {
    what: `${purpose} bucket name in the longest region, ${LONGEST_ACCOUNT_AND_REGION.region},`,
    limit: BUCKET_NAME_MAX_LENGTH,
    service: 'S3',
  });
  return name(account, region);
}

/** The uploads bucket's name (regionalBucketName): the cluster stack grants the pods its prefixes. */
export function uploadsBucketName(config: Pick<EnvironmentConfig, 'name'>, account: string = Aws.ACCOUNT_ID, region: string = Aws.REGION): string {
  return regionalBucketName(config, 'uploads', account, region);
}

/**
 * The name of the bucket through which AWS FIS hands a running experiment's faults to the Lambda
 * functions it targets (regionalBucketName): one for all of them, each in a folder of its own, which
 * the chaos stack grants the experiments of that function.
 */
export function faultConfigurationsBucketName(config: Pick<EnvironmentConfig, 'name'>, account: string = Aws.ACCOUNT_ID, region: string = Aws.REGION): string {
  return regionalBucketName(config, 'faults', account, region);
}

/** Elastic Load Balancing refuses longer names. */
const LOAD_BALANCER_NAME_MAX_LENGTH = 32;

/**
 * The name of the shared public load balancer, which the Ingresses set so that the stacks can find
 * the load balancer (and its metrics) after EKS has created it. Unique per account and region like
 * the stacks' names.
 */
export function apiLoadBalancerName(config: Pick<EnvironmentConfig, 'name'>): string {
  const name = physicalName(config, 'api');
  withinLimit(config, name, { what: 'load balancer name', limit: LOAD_BALANCER_NAME_MAX_LENGTH, service: 'Elastic Load Balancing' });
  return name;
}

/** A construct id from a kebab-case name (a service's, a function's): `image-resizer` -> `ImageResizer`. */
export function pascalCase(name: string): string {
  return name.replace(/(^|-)([a-z0-9])/g, (_, _dash, letter: string) => letter.toUpperCase());
}
