import type { STSClient } from '@aws-sdk/client-sts';
import type { EnvironmentConfig } from '../../infra/config/environment-config';
import type { DeploymentNeeds } from './assembly';
import { checkBootstrap, checkCredentials, checkKubernetesVersion, type AwsClients, type AwsContext } from './aws-checks';
import { checkContainerBuilder } from './container-builder';
import { errorNamed, warning, type Finding, type Verdict } from './findings';
import { checkElasticIpQuota, checkNatGatewayQuota, checkVpcQuota } from './quotas';
import type { CommandRunner } from './run-command';

export interface PreflightInput {
  readonly config: EnvironmentConfig;
  /** Resolves the region and credentials; the other clients are then made for that region. */
  readonly sts: STSClient;
  readonly clientsIn: (region: string) => AwsClients;
  readonly run: CommandRunner;
  /** `docker`, or what CDK_DOCKER names. */
  readonly containerBuilder: string;
  readonly needs: DeploymentNeeds;
  readonly toolkitStackName: string;
}

/** The checks that need an account and a region, in the order of the report. */
const AWS_CHECKS: readonly { readonly name: string; readonly check: (aws: AwsContext) => Promise<Verdict> }[] = [
  { name: 'CDK bootstrap', check: checkBootstrap },
  { name: 'EKS version', check: checkKubernetesVersion },
  { name: 'VPCs per region', check: checkVpcQuota },
  { name: 'Elastic IPs', check: checkElasticIpQuota },
  { name: 'NAT gateways per AZ', check: checkNatGatewayQuota },
];

/** Runs every check; without credentials or a region, the checks that need them are skipped, not failed. */
export async function runPreflightChecks(input: PreflightInput): Promise<Finding[]> {
  const builder = checkContainerBuilder(input.containerBuilder, input.run, input.needs);
  const { verdict, target } = await checkCredentials(input.sts);
  const aws = target && { clients: input.clientsIn(target.region), target, config: input.config, needs: input.needs, toolkitStackName: input.toolkitStackName };

  const awsFindings = await Promise.all(
    AWS_CHECKS.map(async ({ name, check }): Promise<Finding> => {
      if (!aws) return { check: name, status: 'skipped', reason: 'needs AWS credentials and a region' };
      return { check: name, ...(await unlessDenied(check, aws)) };
    }),
  );
  return [{ check: 'AWS credentials', ...verdict }, ...awsFindings, { check: 'container builder', ...(await builder) }];
}

/**
 * Deploying needs little more than sts:AssumeRole into the bootstrap roles, so the person deploying
 * may well be denied the reads a check makes: that leaves the check undone, it does not block.
 */
async function unlessDenied(check: (aws: AwsContext) => Promise<Verdict>, aws: AwsContext): Promise<Verdict> {
  try {
    return await check(aws);
  } catch (error) {
    if (errorNamed(error, 'AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation')) return warning(`not checked: ${error.message}`);
    throw error;
  }
}
