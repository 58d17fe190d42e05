import type { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as cr from 'aws-cdk-lib/custom-resources';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NodeRoleRelease } from '../../../infra/constructs/node-role-release';
import type { PlatformFunction } from '../../../infra/constructs/platform-function';
import { environmentConfig, inStack } from './construct-stack';
import { acknowledgementsUnder, logicalIdOf, resourceOf } from './template-queries';

/**
 * The release of an Auto Mode node role in `stack`, with the log retention of `env` (the cluster stack
 * makes it only where the cluster is destroyable, the sandbox; prod shows that the retention is passed on).
 */
function releaseIn(stack: Stack, env: string) {
  const role = new iam.Role(stack, 'NodeRole', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
  const release = new NodeRoleRelease(stack, 'NodeRoleRelease', { role, logRetention: environmentConfig(env).logRetentionDays });
  return {
    roleId: logicalIdOf(role),
    handler: release.node.findChild('Handler') as PlatformFunction,
    provider: release.node.findChild('Provider') as cr.Provider,
  };
}

/** The release in a stack of its own; `context` is the app's (bundling is skipped unless it says otherwise). */
function nodeRoleRelease(env = 'sandbox', context: Record<string, unknown> = {}) {
  return inStack((stack) => releaseIn(stack, env), context);
}

describe('the release of the Auto Mode node role', () => {
  it('is a custom resource that names the role by reference, so that CloudFormation deletes it before the role', () => {
    const { template, built } = nodeRoleRelease();
    template.resourceCountIs('Custom::ReleaseNodeRole', 1);
    template.hasResourceProperties('Custom::ReleaseNodeRole', { RoleName: { Ref: built.roleId } });
  });

  it('is carried out by its own handler, through the custom-resource framework', () => {
    const { template, built, stack } = nodeRoleRelease();
    template.hasResourceProperties('Custom::ReleaseNodeRole', { ServiceToken: stack.resolve(built.provider.serviceToken) });
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: { USER_ON_EVENT_FUNCTION_ARN: { 'Fn::GetAtt': [logicalIdOf(built.handler), 'Arn'] } } } });
  });

  it('runs the release-node-role handler, bundled', () => {
    const { template, built, stack } = nodeRoleRelease('sandbox', { 'aws:cdk:bundling-stacks': ['**'] });
    const handler = resourceOf(template, built.handler);
    const assetDir = join((stack.node.root as App).outdir, `asset.${(handler.Properties.Code.S3Key as string).replace(/\.zip$/, '')}`);
    // The handler's own calls: only infra/handlers/release-node-role.ts makes them.
    expect(readFileSync(join(assetDir, 'index.js'), 'utf8')).toMatch(/RemoveRoleFromInstanceProfileCommand[\s\S]*DeleteInstanceProfileCommand/);
  });

  it('names its handler and says what it does', () => {
    nodeRoleRelease().template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'On delete, takes the EKS Auto Mode node role out of the instance profiles EKS made',
      Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'release-node-role' } },
    });
  });

  it.each([
    ['sandbox', 7],
    ['prod', 90],
  ])("keeps the handler's logs for the %s retention of %i days, and deletes them with the stack", (env, days) => {
    nodeRoleRelease(env).template.hasResource('AWS::Logs::LogGroup', { Properties: { RetentionInDays: days }, DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
  });

  it("lets the handler list the node role's instance profiles, take the role out of the account's profiles and delete them", () => {
    const { template, built } = nodeRoleRelease();
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: logicalIdOf(built.handler.role!) }],
      PolicyDocument: {
        Statement: [
          // The first two are every PlatformFunction's: its log group, and X-Ray.
          {},
          {},
          { Effect: 'Allow', Action: 'iam:ListInstanceProfilesForRole', Resource: { 'Fn::GetAtt': [built.roleId, 'Arn'] } },
          {
            Effect: 'Allow',
            Action: ['iam:RemoveRoleFromInstanceProfile', 'iam:DeleteInstanceProfile'],
            Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':instance-profile/*']] },
          },
        ],
      },
    });
  });

  it('acknowledges the AWS Solutions findings on the instance profiles and on the framework function, each saying why it is acceptable', () => {
    const { built, stack } = nodeRoleRelease();
    const made = acknowledgementsUnder(stack);
    // The framework function's findings come from aws-cdk-lib's choices, not ours (cdk-nag.test.ts checks that none is left).
    // Each reason names what makes its finding acceptable: what cannot be narrowed, or whose choice it is.
    const expected = [
      ['Subject/NodeRoleRelease/HandlerRole', 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:instance-profile/*]', 'cannot be known before the cluster exists'],
      ['Subject/NodeRoleRelease/Provider', 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', 'our handler has its own role'],
      ['Subject/NodeRoleRelease/Provider', `AwsSolutions-IAM5[Resource::<${logicalIdOf(built.handler)}.Arn>:*]`, 'any version of its own handler function, and nothing else'],
      ['Subject/NodeRoleRelease/Provider', 'AwsSolutions-L1', 'aws-cdk-lib pins the custom-resource framework function to the runtime'],
    ];
    for (const [path, id, why] of expected) {
      expect(made).toContainEqual({ path, id: `Annotation::${id}`, reason: expect.stringContaining(why) });
    }
  });
});

