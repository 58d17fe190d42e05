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
 * The uploads bucket's name, unique per account and region. Known to every stack without a
 * cross-stack reference, so the grants to the pods (cluster stack) name it plainly. The account and
 * region are the deploying stack's (tokens) unless given, e.g. as placeholders for review values.
 */
export function uploadsBucketName(config: Pick<EnvironmentConfig, 'name'>, account: string = Aws.ACCOUNT_ID, region: string = Aws.REGION): string {
  return `${PROJECT}-${config.name}-uploads-${account}-${region}`;
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
  if (name.length > LOAD_BALANCER_NAME_MAX_LENGTH) {
    throw new Error(
      `The environment name "${config.name}" (context key env, infra/config/environments.ts) makes the load balancer name "${name}" ` +
        `longer than the ${LOAD_BALANCER_NAME_MAX_LENGTH} characters Elastic Load Balancing allows: use at most ${config.name.length - (name.length - LOAD_BALANCER_NAME_MAX_LENGTH)} characters.`,
    );
  }
  return name;
}

/** A construct id from a kebab-case name (a service's, a function's): `image-resizer` -> `ImageResizer`. */
export function pascalCase(name: string): string {
  return name.replace(/(^|-)([a-z0-9])/g, (_, _dash, letter: string) => letter.toUpperCase());
}
