import { RemovalPolicy } from 'aws-cdk-lib';
import type { EnvironmentConfig } from './environment-config';

/** What happens to stateful resources on `cdk destroy`: gone in a sandbox, kept in prod. */
export function removalPolicyOf(config: EnvironmentConfig): RemovalPolicy {
  return config.removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
}
