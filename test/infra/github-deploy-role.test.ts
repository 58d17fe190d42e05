import { Template } from 'aws-cdk-lib/assertions';
import { loadEnvironmentConfig } from '../../infra/config/load-config';
import { PROJECT } from '../../infra/config/naming';
import { GitHubDeployRoleStack } from '../../infra/stacks/github-deploy-role-stack';
import { buildPlatform } from './platform-fixture';
import { testApp } from './test-app';

const REPOSITORY = 'octo-org/hybrid-platform';
const PROVIDER_ARN = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';

/** The stack alone, as createPlatform makes it from the context (-c flags) given. */
function deployRoleTemplate(context: Record<string, string>, appContext: Record<string, string> = {}): Template {
  const config = loadEnvironmentConfig((key) => context[key]);
  const app = testApp({ context: appContext });
  return Template.fromStack(new GitHubDeployRoleStack(app, 'GitHubDeploy', { config, github: config.github! }));
}

const bootstrapRole = (kind: string, qualifier = 'hnb659fds') => ({
  'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/cdk-${qualifier}-${kind}-role-\${AWS::AccountId}-\${AWS::Region}`,
});

const trustPolicy = (provider: unknown, subject: string) => ({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: 'sts:AssumeRoleWithWebIdentity',
      Principal: { Federated: provider },
      Condition: { StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com', 'token.actions.githubusercontent.com:sub': subject } },
    },
  ],
});

/** The roles of a template by the construct they belong to (DeployRole, DiffRole). */
const rolesOf = (template: Template) =>
  Object.fromEntries(
    Object.entries(template.findResources('AWS::IAM::Role')).map(([logicalId, role]) => [logicalId.replace(/[0-9A-F]{8}$/, ''), role.Properties as Record<string, unknown>]),
  );

describe('the GitHub deploy-role stack', () => {
  const template = deployRoleTemplate({ githubRepository: REPOSITORY });
  const roles = rolesOf(template);
  const providerRef = { Ref: Object.keys(template.findResources('AWS::IAM::OIDCProvider'))[0] };

  it("creates GitHub's OIDC provider, for the STS audience only, and keeps it on destroy (other environments may import it)", () => {
    template.resourceCountIs('AWS::IAM::OIDCProvider', 1);
    template.hasResource('AWS::IAM::OIDCProvider', {
      Properties: { Url: 'https://token.actions.githubusercontent.com', ClientIdList: ['sts.amazonaws.com'] },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('has exactly two roles: one to deploy, one to diff', () => {
    expect(Object.keys(roles).sort()).toEqual(['DeployRole', 'DiffRole']);
  });

  it("lets only the repository's jobs in the GitHub environment named like this one assume the deploy role", () => {
    expect(roles.DeployRole.AssumeRolePolicyDocument).toEqual(trustPolicy(providerRef, `repo:${REPOSITORY}:environment:sandbox`));
  });

  it("lets only the repository's pull requests assume the diff role", () => {
    expect(roles.DiffRole.AssumeRolePolicyDocument).toEqual(trustPolicy(providerRef, `repo:${REPOSITORY}:pull_request`));
  });

  it('allows the deploy role nothing but to assume the four bootstrap roles cdk deploy uses', () => {
    expect(roles.DeployRole.Policies).toEqual([
      {
        PolicyName: 'AssumeCdkBootstrapRoles',
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: ['deploy', 'file-publishing', 'image-publishing', 'lookup'].map((kind) => bootstrapRole(kind)) }],
        },
      },
    ]);
  });

  it('allows the diff role nothing but to assume the read-only bootstrap lookup role', () => {
    expect(roles.DiffRole.Policies).toEqual([
      {
        PolicyName: 'AssumeCdkBootstrapRoles',
        PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: bootstrapRole('lookup') }] },
      },
    ]);
  });

  it('attaches no other policy to either role', () => {
    template.resourceCountIs('AWS::IAM::Policy', 0);
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
    for (const role of Object.values(roles)) expect(role.ManagedPolicyArns).toBeUndefined();
  });

  it('lets a deploy hold its credentials for 3 hours (a first deploy with its installs and image builds), a diff for one', () => {
    expect(roles.DeployRole.MaxSessionDuration).toBe(3 * 3600);
    expect(roles.DiffRole.MaxSessionDuration).toBe(3600);
  });

  it('outputs the role ARNs the repository variables take', () => {
    expect(template.findOutputs('DeployRoleArn').DeployRoleArn.Value).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^DeployRole/), 'Arn'] });
    expect(template.findOutputs('DiffRoleArn').DiffRoleArn.Value).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^DiffRole/), 'Arn'] });
  });

  it('imports the provider given with -c githubOidcProviderArn instead of creating one', () => {
    const imported = deployRoleTemplate({ githubRepository: REPOSITORY, githubOidcProviderArn: PROVIDER_ARN });
    imported.resourceCountIs('AWS::IAM::OIDCProvider', 0);
    const { DeployRole, DiffRole } = rolesOf(imported);
    expect(DeployRole.AssumeRolePolicyDocument).toEqual(trustPolicy(PROVIDER_ARN, `repo:${REPOSITORY}:environment:sandbox`));
    expect(DiffRole.AssumeRolePolicyDocument).toEqual(trustPolicy(PROVIDER_ARN, `repo:${REPOSITORY}:pull_request`));
  });

  it('trusts the GitHub environment of the environment deployed (prod)', () => {
    const { DeployRole } = rolesOf(deployRoleTemplate({ env: 'prod', githubRepository: REPOSITORY }));
    expect(DeployRole.AssumeRolePolicyDocument).toMatchObject({ Statement: [{ Condition: { StringEquals: { 'token.actions.githubusercontent.com:sub': `repo:${REPOSITORY}:environment:prod` } } }] });
  });

  it("names the bootstrap roles of the app's bootstrap qualifier", () => {
    const { DiffRole } = rolesOf(deployRoleTemplate({ githubRepository: REPOSITORY }, { '@aws-cdk/core:bootstrapQualifier': 'forkq1234' }));
    expect(DiffRole.Policies).toMatchObject([{ PolicyDocument: { Statement: [{ Resource: bootstrapRole('lookup', 'forkq1234') }] } }]);
  });
});

describe('the platform and the GitHub deploy-role stack', () => {
  const STACK_NAME = `${PROJECT}-sandbox-github-deploy`;

  it('creates it, named after the environment, when a repository is configured', () => {
    const { app, platform } = buildPlatform('sandbox', { githubRepository: REPOSITORY });
    expect(app.node.tryFindChild(STACK_NAME)).toBeInstanceOf(GitHubDeployRoleStack);
    expect(platform).toMatchObject({ githubDeploy: expect.any(GitHubDeployRoleStack) });
  });

  it('leaves it out, key and all, when no repository is configured', () => {
    const { app, platform } = buildPlatform('sandbox');
    expect(app.node.tryFindChild(STACK_NAME)).toBeUndefined();
    expect(Object.keys(platform)).not.toContain('githubDeploy');
  });
});
