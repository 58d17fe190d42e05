import { Validations, type App } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { CoreServiceGrant } from '../../../infra/config/core-services';
import { grantCoreServiceAccess } from '../../../infra/constructs/core-service-access';
import { environmentConfig, inStack } from './construct-stack';
import { acknowledgementsOn, onlyResource, onlyResourceId } from './template-queries';

/** A core service's Pod Identity role in `env`, given `grant`, and the bus it may be granted. */
function podRoleWith(grant: CoreServiceGrant, env = 'sandbox') {
  return inStack((stack) => {
    const eventBus = new events.EventBus(stack, 'EventBus');
    const role = new iam.Role(stack, 'PodRole', { assumedBy: new iam.ServicePrincipal('pods.eks.amazonaws.com') });
    grantCoreServiceAccess(role, grant, { config: environmentConfig(env), eventBus });
    return role;
  });
}

/** Everything the role was granted: its default policy's statements. */
const grantedStatements = (template: Template): unknown[] => onlyResource(template, 'AWS::IAM::Policy').Properties.PolicyDocument.Statement;

/** The ARN of objects under `prefix` in the uploads bucket of the environment named `env`, in the deploying account and region. */
const uploadsObjects = (env: string, prefix: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::hybrid-platform-${env}-uploads-`, { Ref: 'AWS::AccountId' }, '-', { Ref: 'AWS::Region' }, `/${prefix}*`]],
});

describe('the AWS access of a core service', () => {
  it("lets a service with 'publish-events' put events on the bus, and nothing else", () => {
    const { template } = podRoleWith('publish-events');
    const bus = onlyResourceId(template, 'AWS::Events::EventBus');
    expect(grantedStatements(template)).toEqual([{ Effect: 'Allow', Action: 'events:PutEvents', Resource: { 'Fn::GetAtt': [bus, 'Arn'] } }]);
  });

  it("lets a service with 'presign-uploads' put objects under uploads/ and get them under thumbnails/ of the uploads bucket, and nothing else", () => {
    const { template } = podRoleWith('presign-uploads');
    expect(grantedStatements(template)).toEqual([
      { Effect: 'Allow', Action: 's3:PutObject', Resource: uploadsObjects('sandbox', 'uploads/') },
      { Effect: 'Allow', Action: 's3:GetObject', Resource: uploadsObjects('sandbox', 'thumbnails/') },
    ]);
  });

  it("names the uploads bucket of the environment it is given ('presign-uploads' in prod)", () => {
    const { template } = podRoleWith('presign-uploads', 'prod');
    expect(grantedStatements(template)).toEqual([
      expect.objectContaining({ Resource: uploadsObjects('prod', 'uploads/') }),
      expect.objectContaining({ Resource: uploadsObjects('prod', 'thumbnails/') }),
    ]);
  });

  it("acknowledges cdk-nag's wildcard finding on each prefix of 'presign-uploads', saying why a prefix is as narrow as it gets", () => {
    const { built: role } = podRoleWith('presign-uploads');
    const bucket = 'arn:<AWS::Partition>:s3:::hybrid-platform-sandbox-uploads-<AWS::AccountId>-<AWS::Region>';
    expect(acknowledgementsOn(role)).toEqual(
      ['uploads/', 'thumbnails/'].map((prefix) => ({
        id: `Annotation::AwsSolutions-IAM5[Resource::${bucket}/${prefix}*]`,
        reason: `Objects are named by key prefix: ${prefix}* is the narrowest ARN that covers objects that do not exist yet.`,
      })),
    );
  });

  it("leaves cdk-nag nothing to report on 'presign-uploads': the acknowledgements name exactly the findings it raises", () => {
    const { stack } = podRoleWith('presign-uploads', 'prod');
    const app = stack.node.root as App;
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    // An unacknowledged finding is an error annotation, which fails synthesis.
    expect(() => app.synth({ force: true })).not.toThrow();
  });
});
