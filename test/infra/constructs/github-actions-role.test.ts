import { Duration, LegacyStackSynthesizer, Stack, type App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { GitHubActionsRole, type GitHubActionsRoleProps } from '../../../infra/constructs/github-actions-role';
import { inStack } from './construct-stack';
import { onlyResource, onlyResourceId } from './template-queries';

const REPOSITORY = 'octo-org/hybrid-platform';
const PROVIDER_ARN = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';

/** The role of a deploy job in the GitHub environment `sandbox`, as the GitHub deploy-role stack makes it, with `props` changed. */
function githubActionsRole(scope: Construct, props: Partial<Omit<GitHubActionsRoleProps, 'provider'>> = {}): GitHubActionsRole {
  return new GitHubActionsRole(scope, 'DeployRole', {
    provider: iam.OidcProviderNative.fromOidcProviderArn(scope, 'GitHubOidcProvider', PROVIDER_ARN),
    repository: REPOSITORY,
    subject: 'environment:sandbox',
    bootstrapRoles: ['deploy', 'file-publishing', 'image-publishing', 'lookup'],
    maxSessionDuration: Duration.hours(3),
    description: 'GitHub Actions of octo-org/hybrid-platform, environment sandbox: cdk deploy through the CDK bootstrap roles',
    ...props,
  });
}

/** The one role of a template, by its CloudFormation properties. */
const roleProperties = (template: Template): Record<string, unknown> => onlyResource(template, 'AWS::IAM::Role').Properties;

/** The ARN of a CDK bootstrap role, as CloudFormation resolves it in the deploying account and region. */
const bootstrapRole = (kind: string, qualifier = 'hnb659fds') => ({
  'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/cdk-${qualifier}-${kind}-role-\${AWS::AccountId}-\${AWS::Region}`,
});

/** The role's only policy: assuming these bootstrap roles. */
const assumeOnly = (resources: unknown) => [
  {
    PolicyName: 'AssumeCdkBootstrapRoles',
    PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: resources }] },
  },
];

describe('a role for GitHub Actions', () => {
  it("lets only the repository's jobs with the given subject assume it, with a token GitHub issued for STS", () => {
    const { template } = inStack((stack) => githubActionsRole(stack));
    expect(roleProperties(template).AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'sts:AssumeRoleWithWebIdentity',
          Principal: { Federated: PROVIDER_ARN },
          Condition: {
            StringEquals: {
              'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
              'token.actions.githubusercontent.com:sub': `repo:${REPOSITORY}:environment:sandbox`,
            },
          },
        },
      ],
    });
  });

  it('allows nothing but assuming the bootstrap roles it is given, all four for a deploy', () => {
    const { template } = inStack((stack) => githubActionsRole(stack));
    expect(roleProperties(template).Policies).toEqual(assumeOnly(['deploy', 'file-publishing', 'image-publishing', 'lookup'].map((kind) => bootstrapRole(kind))));
    expect(roleProperties(template).ManagedPolicyArns).toBeUndefined();
    template.resourceCountIs('AWS::IAM::Policy', 0);
  });

  it('may assume only the lookup role when that is the only one it is given (a diff job)', () => {
    const { template } = inStack((stack) => githubActionsRole(stack, { subject: 'pull_request', bootstrapRoles: ['lookup'] }));
    expect(roleProperties(template).Policies).toEqual(assumeOnly(bootstrapRole('lookup')));
  });

  it("names the bootstrap roles of the app's bootstrap qualifier", () => {
    const { template } = inStack((stack) => githubActionsRole(stack, { bootstrapRoles: ['deploy'] }), { '@aws-cdk/core:bootstrapQualifier': 'forkq1234' });
    expect(roleProperties(template).Policies).toEqual(assumeOnly(bootstrapRole('deploy', 'forkq1234')));
  });

  it("names the bootstrap roles of the CDK's default qualifier when the stack's synthesizer has no qualifier", () => {
    const { built: template } = inStack((stack) => {
      // The legacy synthesizer uses no bootstrap roles, and so knows no qualifier.
      const legacy = new Stack(stack.node.scope as App, 'Legacy', { synthesizer: new LegacyStackSynthesizer() });
      githubActionsRole(legacy, { bootstrapRoles: ['lookup'] });
      return Template.fromStack(legacy);
    });
    expect(roleProperties(template).Policies).toEqual(assumeOnly(bootstrapRole('lookup')));
  });

  it('lets a job hold its credentials as long as it is told', () => {
    const { template } = inStack((stack) => githubActionsRole(stack, { maxSessionDuration: Duration.hours(2) }));
    expect(roleProperties(template).MaxSessionDuration).toBe(2 * 3600);
  });

  it('carries the description it is given, for the IAM console', () => {
    const { template } = inStack((stack) => githubActionsRole(stack, { description: 'GitHub Actions of octo-org/hybrid-platform, pull requests' }));
    expect(roleProperties(template).Description).toBe('GitHub Actions of octo-org/hybrid-platform, pull requests');
  });

  it('exposes the role it creates', () => {
    const { template, built, stack } = inStack((stack) => githubActionsRole(stack));
    expect(stack.resolve(built.role.roleArn)).toEqual({ 'Fn::GetAtt': [onlyResourceId(template, 'AWS::IAM::Role'), 'Arn'] });
  });
});
