import { Match } from 'aws-cdk-lib/assertions';
import { PROJECT } from '../../infra/config/naming';
import { platformOf } from './platform-fixture';

describe('functions stack', () => {
  const sandbox = platformOf('sandbox').template('functions');
  const prod = platformOf('prod').template('functions');

  it('runs both functions on Node.js 24, arm64, with tracing, JSON logs and a log group with the environment retention', () => {
    sandbox.resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      { Runtime: 'nodejs24.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' }, LoggingConfig: Match.objectLike({ LogFormat: 'JSON' }) },
      2,
    );
  });

  it('encrypts the alarm topic with a key of its own that CloudWatch may use, and lets only alarms of the account publish', () => {
    const alarmTopics = new Set(
      Object.values(sandbox.findResources('AWS::CloudWatch::Alarm')).flatMap((alarm) => alarm.Properties.AlarmActions.map((action: { Ref: string }) => action.Ref)),
    );
    expect(alarmTopics.size).toBe(1);
    const [topicId] = alarmTopics;
    const topic = sandbox.findResources('AWS::SNS::Topic')[topicId];
    const keyId = topic.Properties.KmsMasterKeyId['Fn::GetAtt'][0] as string;
    const key = sandbox.findResources('AWS::KMS::Key')[keyId];
    expect(key.Properties.KeyPolicy.Statement).toContainEqual({
      Sid: 'CloudWatchAlarmsPublishToTheEncryptedTopic',
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      Resource: '*',
    });
    expect(key).toMatchObject({ Properties: { EnableKeyRotation: true, PendingWindowInDays: 7 }, DeletionPolicy: 'Delete' });
    sandbox.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:Publish', Condition: { ArnLike: Match.anyValue() } }),
        ]),
      },
    });
    prod.hasResourceProperties('AWS::KMS::Key', { Description: Match.stringLikeRegexp('alarm topic'), PendingWindowInDays: 30 });
  });

  it('keeps the uploads bucket private, encrypted, TLS-only and access-logged', () => {
    const uploads = Object.entries(sandbox.findResources('AWS::S3::Bucket')).find(([id]) => id.startsWith('Uploads'))![1];
    expect(uploads.Properties).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LoggingConfiguration: { LogFilePrefix: 'uploads-bucket/' },
    });
    sandbox.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: Match.stringLikeRegexp('^Uploads') },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('expires incomplete uploads and tiers old originals', () => {
    sandbox.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: [
          { AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' },
          { Prefix: 'uploads/', Transitions: [{ StorageClass: 'INTELLIGENT_TIERING', TransitionInDays: 30 }], Status: 'Enabled' },
        ],
      },
    });
  });

  it('empties and deletes the buckets with a sandbox, and keeps them in prod', () => {
    sandbox.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Delete' });
    sandbox.resourceCountIs('Custom::S3AutoDeleteObjects', 3);
    prod.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
    prod.allResources('AWS::S3::Bucket', { DeletionPolicy: 'Retain' });
  });

  it('triggers the image-resizer on objects created under uploads/ only', () => {
    sandbox.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [
          { Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'uploads/' }] } } },
        ],
      },
    });
  });

  it('lets the image-resizer read uploads/ and write thumbnails/, nothing else in the bucket', () => {
    const statements = JSON.stringify(
      Object.values(sandbox.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^ImageResizerRole') }] } })),
    );
    expect(statements).toContain('/uploads/*');
    expect(statements).toContain('/thumbnails/*');
    expect(statements).not.toMatch(/"s3:\*"|"s3:Delete/);
  });

  it('retries a failed resize twice, then parks the event in an encrypted DLQ', () => {
    sandbox.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ImageResizerDeadLetters'), 'Arn'] } } },
    });
  });

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

  it('encrypts both SNS topics with KMS and alarms on dead letters and function errors', () => {
    sandbox.resourcePropertiesCountIs('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() }, 2);
    sandbox.resourceCountIs('AWS::CloudWatch::Alarm', 4);
    sandbox.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 0 }, 2);
    sandbox.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { MetricName: 'Errors', Threshold: 0 }, 2);
    sandbox.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'platform-team@example.com' });
  });

  it('does not access-log the FIS configuration bucket (late logs of its polls would refill the access-log bucket on destroy), acknowledging S1 on it alone', () => {
    const [bucket] = Object.values(sandbox.findResources('AWS::S3::Bucket', { Properties: { BucketName: { 'Fn::Join': ['', Match.arrayWith([`${PROJECT}-sandbox-fis-`])] } } }));
    expect(bucket.Properties.LoggingConfiguration).toBeUndefined();
    const acknowledged = platformOf('sandbox')
      .stack('functions')
      .findMetadataByType('aws:cdk:acknowledged-rules')
      .filter(({ data }) => Object.keys(data as object).includes('Annotation::AwsSolutions-S1'))
      .map(({ path }) => path);
    expect(acknowledged.sort()).toEqual([`/${PROJECT}-sandbox-functions/AccessLogs`, `/${PROJECT}-sandbox-functions/NotifierFaultInjection/Configurations`]);
  });

  it('lets the notifier wait up to 2 s for the FIS configuration, so preventExecution faults apply before the handler runs', () => {
    sandbox.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ AWS_LAMBDA_EXEC_WRAPPER: '/opt/aws-fis/bootstrap', AWS_FIS_POLL_MAX_WAIT_MILLISECONDS: '2000' }) },
    });
  });
});
