import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { KeyProps } from 'aws-cdk-lib/aws-kms';
import type { EnvironmentConfig } from './environment-config';

/** What happens to stateful resources on `cdk destroy`: gone in a sandbox, kept in prod. */
export function removalPolicyOf(config: EnvironmentConfig): RemovalPolicy {
  return config.removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
}

/**
 * The lifecycle of every KMS key of an environment. A deleted key waits out a pending window before
 * it is gone (and bills until then): the shortest one AWS allows (7 days) where the environment is
 * destroyable, the default 30 days where a key deleted by mistake must stay recoverable.
 */
export function keyLifecycleOf(config: EnvironmentConfig): Pick<KeyProps, 'removalPolicy' | 'pendingWindow' | 'enableKeyRotation'> {
  const removalPolicy = removalPolicyOf(config);
  return {
    enableKeyRotation: true,
    removalPolicy,
    pendingWindow: Duration.days(removalPolicy === RemovalPolicy.DESTROY ? 7 : 30),
  };
}
