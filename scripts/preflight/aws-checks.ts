import { DescribeStacksCommand, type CloudFormationClient, type Stack } from '@aws-sdk/client-cloudformation';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { DescribeClusterVersionsCommand, type EKSClient } from '@aws-sdk/client-eks';
import type { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import type { EnvironmentConfig } from '../../infra/config/environment-config';
import type { DeploymentNeeds } from './assembly';
import { blocker, errorNamed, ok, warning, type Verdict } from './findings';

export interface AwsClients {
  readonly cloudFormation: CloudFormationClient;
  readonly eks: EKSClient;
  readonly serviceQuotas: ServiceQuotasClient;
  readonly ec2: EC2Client;
}

/** The account and region `cdk deploy` would deploy to. */
export interface AwsTarget {
  readonly account: string;
  readonly region: string;
}

/** What every check that calls AWS is given. */
export interface AwsContext {
  readonly clients: AwsClients;
  readonly target: AwsTarget;
  readonly config: EnvironmentConfig;
  readonly needs: DeploymentNeeds;
  readonly toolkitStackName: string;
}

/** The CDK CLI's default; `--toolkit-stack-name` names another. */
export const DEFAULT_TOOLKIT_STACK_NAME = 'CDKToolkit';

/** Errors of STS that mean the credentials were found but are no longer (or never were) valid. */
const REJECTED_CREDENTIALS = ['ExpiredToken', 'ExpiredTokenException', 'InvalidClientTokenId', 'SignatureDoesNotMatch'];

/**
 * Resolves the region from the SDK's configuration chain (AWS_REGION, then the profile) and asks STS
 * who the credentials belong to. The CDK CLI itself falls back to us-east-1 without a region: a
 * deployment to a region nobody chose, so a missing region is a blocker here.
 */
export async function checkCredentials(sts: STSClient): Promise<{ verdict: Verdict; target?: AwsTarget }> {
  let region: string;
  try {
    region = await sts.config.region();
  } catch {
    return { verdict: blocker('no AWS region configured (cdk would deploy to us-east-1)', 'export AWS_REGION=<region>, or set one in your profile: aws configure') };
  }
  try {
    const { Account, Arn } = await sts.send(new GetCallerIdentityCommand({}));
    if (!Account) throw new Error('STS GetCallerIdentity returned no account');
    return { verdict: ok(`${Arn} in account ${Account}, region ${region}`), target: { account: Account, region } };
  } catch (error) {
    if (errorNamed(error, 'CredentialsProviderError')) {
      return { verdict: blocker(`no AWS credentials found (${error.message})`, 'run aws configure, or aws sso login --profile <name> and export AWS_PROFILE=<name>') };
    }
    if (errorNamed(error, ...REJECTED_CREDENTIALS)) {
      return { verdict: blocker(`AWS rejected the credentials: ${error.message}`, 'refresh them: aws sso login, or new access keys with aws configure') };
    }
    throw error;
  }
}

/** Statuses in which the CDK CLI uses the bootstrap stack as it is; after a rolled-back update the previous version stands. */
const USABLE_STATUSES = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'IMPORT_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE', 'IMPORT_ROLLBACK_COMPLETE']);

/** The bootstrap stack (`cdk bootstrap`) holds the asset bucket, the ECR repository and the deploy roles. */
export async function checkBootstrap({ clients, target, needs, toolkitStackName }: AwsContext): Promise<Verdict> {
  const nameFlag = toolkitStackName === DEFAULT_TOOLKIT_STACK_NAME ? '' : ` --toolkit-stack-name ${toolkitStackName}`;
  const bootstrap = `npx cdk bootstrap aws://${target.account}/${target.region}${nameFlag}`;

  let stack: Stack | undefined;
  try {
    [stack] = (await clients.cloudFormation.send(new DescribeStacksCommand({ StackName: toolkitStackName }))).Stacks ?? [];
  } catch (error) {
    if (!(errorNamed(error, 'ValidationError') && error.message.includes('does not exist'))) throw error;
  }
  if (!stack) return blocker(`no ${toolkitStackName} stack in ${target.account}/${target.region}`, `run ${bootstrap}`);

  const status = stack.StackStatus ?? 'UNKNOWN';
  if (status.endsWith('_IN_PROGRESS')) return blocker(`${toolkitStackName} is ${status}`, 'wait until it finishes, then run the preflight again');
  if (status === 'ROLLBACK_COMPLETE' || status === 'ROLLBACK_FAILED') {
    return blocker(`${toolkitStackName} is ${status}: its creation failed`, `run ${bootstrap} (it replaces the failed stack)`);
  }
  if (!USABLE_STATUSES.has(status)) {
    return blocker(`${toolkitStackName} is ${status}`, `repair it from its events in the CloudFormation console, then run ${bootstrap}`);
  }

  const output = (key: string) => stack.Outputs?.find((entry) => entry.OutputKey === key)?.OutputValue;
  const version = Number(output('BootstrapVersion'));
  if (!(version >= needs.bootstrapVersion)) {
    return blocker(
      `${toolkitStackName} is version ${output('BootstrapVersion') ?? 'unknown'}, the app needs ${needs.bootstrapVersion} or later (${needs.source})`,
      `run ${bootstrap} to upgrade it`,
    );
  }
  if (needs.containerImages && !output('ImageRepositoryName')) {
    return blocker(`${toolkitStackName} has no ECR repository for container image assets (no ImageRepositoryName output)`, `run ${bootstrap} with the default template`);
  }
  return ok(`${toolkitStackName} is ${status}, version ${version} (the app needs ${needs.bootstrapVersion} or later, ${needs.source})`);
}

/** EKS offers each Kubernetes version in a region for a limited time, and new ones region by region. */
export async function checkKubernetesVersion({ clients, target, config }: AwsContext): Promise<Verdict> {
  const version = config.cluster.kubernetesVersion;
  const { clusterVersions = [] } = await clients.eks.send(new DescribeClusterVersionsCommand({ clusterVersions: [version] }));
  const offered = clusterVersions.find((entry) => entry.clusterVersion === version && entry.versionStatus !== 'UNSUPPORTED');
  if (!offered) {
    return blocker(
      `EKS does not offer Kubernetes ${version} in ${target.region}`,
      'deploy to a region that offers it (AWS_REGION), or move the platform to a version it offers (infra/config/kubernetes.ts)',
    );
  }
  if (offered.versionStatus === 'EXTENDED_SUPPORT') {
    // https://aws.amazon.com/eks/pricing/: 0.60 USD per cluster-hour in extended support, 0.10 in standard support.
    return warning(`Kubernetes ${version} is in extended support in ${target.region}: the control plane costs 6 times as much`);
  }
  return ok(`Kubernetes ${version} is offered in ${target.region}`);
}
