import { Match } from 'aws-cdk-lib/assertions';
import { platformOf } from './platform-fixture';

/** The sample event function (infra/config/event-functions.ts), as the functions stack creates it; its fault injection is in notifier-chaos.test.ts. */
describe('notifier (functions stack)', () => {
  const sandbox = platformOf('sandbox').template('functions');

  it('routes OrderPlaced from the bus to an encrypted, TLS-only queue with a DLQ after 5 receives', () => {
    sandbox.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['hybrid-platform.orders'], 'detail-type': ['OrderPlaced'] },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NotifierQueue'), 'Arn'] } })],
    });
    sandbox.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NotifierDeadLetters'), 'Arn'] }, maxReceiveCount: 5 },
    });
    sandbox.allResourcesProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
  });

  it('feeds the notifier in batches that report partial failures', () => {
    sandbox.hasResourceProperties('AWS::Lambda::EventSourceMapping', { BatchSize: 10, FunctionResponseTypes: ['ReportBatchItemFailures'] });
  });

  it('keeps idempotency records in an on-demand table with TTL and point-in-time recovery', () => {
    sandbox.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
      BillingMode: 'PAY_PER_REQUEST',
      Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } })],
    });
  });

  it('lets the notifier touch only its idempotency items and publish to its topic', () => {
    const [policy] = Object.values(sandbox.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^NotifierRole') }] } }));
    const statements = policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[];
    const actions = statements.flatMap((statement) => statement.Action);
    expect(actions).toEqual(
      expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'sns:Publish']),
    );
    expect(actions.filter((action) => action.startsWith('dynamodb:'))).toHaveLength(4);
    // X-Ray has no resource-level permissions; everything else names its resource.
    const wildcard = statements.filter((statement) => statement.Resource === '*').flatMap((statement) => statement.Action);
    expect(wildcard.sort()).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
  });
});
