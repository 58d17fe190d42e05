import { Match, type Template } from 'aws-cdk-lib/assertions';
import type { CoreServiceGrant } from '../../../infra/config/core-services';
import { PROJECT } from '../../../infra/config/naming';

/**
 * The sandbox cluster stack's Pod Identity roles, read by core service name: shared by the platform's
 * tests (cluster-stack.test.ts, for whatever the registry holds) and each sample's own.
 */

/** The start of a logical id made from a service's name: CloudFormation keeps only its letters and digits. */
export const logicalIdOf = (name: string): string => name.replace(/[^A-Za-z0-9]/g, '');

/** Reading the database secret: what `usesDatabase` gives a pod role. */
export const DATABASE_SECRET_STATEMENT = {
  Effect: 'Allow',
  Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
  Resource: {
    'Fn::GetStackOutput': Match.objectLike({ StackName: `${PROJECT}-sandbox-data`, OutputName: Match.stringLikeRegexp('DatabaseSecretAttachment') }),
  },
};

const uploadsObjects = (prefix: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${PROJECT}-sandbox-uploads-`, { Ref: 'AWS::AccountId' }, '-', { Ref: 'AWS::Region' }, `/${prefix}*`]],
});

/** The statements each named grant gives a pod role in the sandbox (infra/constructs/core-service-access.ts). */
export const GRANT_STATEMENTS: Record<CoreServiceGrant, readonly object[]> = {
  'presign-uploads': [
    { Effect: 'Allow', Action: 's3:PutObject', Resource: uploadsObjects('uploads/') },
    { Effect: 'Allow', Action: 's3:GetObject', Resource: uploadsObjects('thumbnails/') },
  ],
  'publish-events': [
    { Effect: 'Allow', Action: 'events:PutEvents', Resource: { 'Fn::GetStackOutput': Match.objectLike({ StackName: `${PROJECT}-sandbox-functions` }) } },
  ],
};

/** The pod role of `service` has a policy with exactly these statements, in this order, and no other. */
export function expectPodRoleStatements(cluster: Template, service: string, statements: readonly object[]): void {
  cluster.hasResourceProperties('AWS::IAM::Policy', {
    Roles: [{ Ref: Match.stringLikeRegexp(`^${logicalIdOf(service)}PodIdentityRole`) }],
    PolicyDocument: { Statement: statements },
  });
}
