import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/environment-config';
import { GITHUB_OIDC_ISSUER, GitHubActionsRole, STS_AUDIENCE } from '../constructs/github-actions-role';

/**
 * The longest a deploy job may hold its credentials: a first deploy (35-45 min), with npm ci and the
 * image builds, must not outlive them (.github/workflows/deploy.yml asks for this and times out before).
 */
export const DEPLOY_SESSION = Duration.hours(3);

export interface GitHubDeployRoleStackProps extends StackProps {
  readonly config: EnvironmentConfig;
  /** Which repository's workflows may deploy (config.github, required here: without it there is no stack). */
  readonly github: NonNullable<EnvironmentConfig['github']>;
}

/**
 * What the fork's GitHub Actions workflows (.github/workflows/) assume through OIDC: no access keys.
 *
 * Two roles, because the two kinds of job run different code with different rights:
 *   - DeployRole, for the deploy job of .github/workflows/deploy.yml, which runs in the GitHub
 *     environment named like this one (`environment: sandbox`). A job with an environment gets the
 *     `sub` claim `repo:<owner>/<name>:environment:<env>`, not its branch: the environment's
 *     protection rules (deployment branches: main only; reviewers if wanted) decide which runs get
 *     it, so a branch pushed by anyone with write access cannot deploy. It may assume the four
 *     bootstrap roles `cdk deploy` uses.
 *   - DiffRole, for the diff job of .github/workflows/pull-request.yml (`sub` `repo:<owner>/<name>:pull_request`),
 *     which runs the pull request's code: `npm ci` scripts and the app itself. It may assume only the
 *     lookup role, which `cdk diff --method=template` needs; with the deploy role a pull request could
 *     deploy anything. Read-only is still a lot: the lookup role has ReadOnlyAccess, i.e. logs, S3
 *     objects and table items not encrypted with a customer key (README, CI/CD for your fork).
 *     Pull requests from forks get no OIDC token.
 */
export class GitHubDeployRoleStack extends Stack {
  readonly deployRole: iam.Role;
  readonly diffRole: iam.Role;

  constructor(scope: Construct, id: string, props: GitHubDeployRoleStackProps) {
    super(scope, id, props);
    const { repository, oidcProviderArn } = props.github;

    // IAM allows one provider per URL in an account: a second environment (or another project) imports it.
    const provider = oidcProviderArn
      ? iam.OidcProviderNative.fromOidcProviderArn(this, 'GitHubOidcProvider', oidcProviderArn)
      : new iam.OidcProviderNative(this, 'GitHubOidcProvider', { url: `https://${GITHUB_OIDC_ISSUER}`, clientIds: [STS_AUDIENCE] });
    // Others may import it by then: destroying this stack must not cut their GitHub Actions off. It
    // stays in the account (README, Destroy); delete it by hand when nothing uses it.
    if (provider instanceof iam.OidcProviderNative) provider.applyRemovalPolicy(RemovalPolicy.RETAIN);

    this.deployRole = new GitHubActionsRole(this, 'DeployRole', {
      provider,
      repository,
      subject: `environment:${props.config.name}`,
      bootstrapRoles: ['deploy', 'file-publishing', 'image-publishing', 'lookup'],
      maxSessionDuration: DEPLOY_SESSION,
      description: `GitHub Actions of ${repository}, environment ${props.config.name}: cdk deploy through the CDK bootstrap roles`,
    }).role;
    this.diffRole = new GitHubActionsRole(this, 'DiffRole', {
      provider,
      repository,
      subject: 'pull_request',
      bootstrapRoles: ['lookup'],
      maxSessionDuration: Duration.hours(1),
      description: `GitHub Actions of ${repository}, pull requests: cdk diff through the CDK bootstrap lookup role`,
    }).role;

    new CfnOutput(this, 'DeployRoleArn', { value: this.deployRole.roleArn, description: 'The repository variable AWS_DEPLOY_ROLE_ARN' });
    new CfnOutput(this, 'DiffRoleArn', { value: this.diffRole.roleArn, description: 'The repository variable AWS_DIFF_ROLE_ARN' });
  }
}
