import { Match, Template } from 'aws-cdk-lib/assertions';
import { EVENT_FUNCTION_NAMES, EVENT_FUNCTIONS, grantsInUse, type EventFunctionDefinition, type EventFunctionName } from '../../infra/config/event-functions';
import { CORE_SERVICE_REGISTRY, type CoreServiceDefinition } from '../../infra/config/core-services';
import { loadConfigFromContext, loadEnvironmentConfig } from '../../infra/config/load-config';
import { PROJECT, pascalCase } from '../../infra/config/naming';
import { needsUploadsBucket, UPLOAD_FUNCTION_NAMES } from '../../infra/config/upload-functions';
import { FunctionsStack, type FunctionsStackProps } from '../../infra/stacks/functions-stack';
import { joinedText } from './constructs/template-queries';
import { platformOf } from './platform-fixture';
import { testApp } from './test-app';

/** The event functions whose registry entry declares a chaos experiment. */
const FAULT_TARGETS = EVENT_FUNCTION_NAMES.filter((name) => (EVENT_FUNCTIONS[name] as EventFunctionDefinition).invocationErrors);

/** Every Lambda function of ours: the upload functions and the event functions. */
const FUNCTION_COUNT = UPLOAD_FUNCTION_NAMES.length + EVENT_FUNCTION_NAMES.length;

describe('functions stack', () => {
  const sandbox = platformOf('sandbox').template('functions');
  const prod = platformOf('prod').template('functions');

  it('runs every function on Node.js 24, arm64, with tracing, JSON logs and a log group with the environment retention', () => {
    sandbox.resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      { Runtime: 'nodejs24.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' }, LoggingConfig: Match.objectLike({ LogFormat: 'JSON' }) },
      FUNCTION_COUNT,
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

  it('encrypts every SNS topic with KMS and alarms on the dead letters and errors of every function', () => {
    const topics = grantsInUse(EVENT_FUNCTIONS).includes('publish-notifications') ? 2 : 1;
    sandbox.resourcePropertiesCountIs('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() }, topics);
    sandbox.resourceCountIs('AWS::SNS::Topic', topics);
    sandbox.resourceCountIs('AWS::CloudWatch::Alarm', 2 * FUNCTION_COUNT);
    sandbox.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 0 }, FUNCTION_COUNT);
    sandbox.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { MetricName: 'Errors', Threshold: 0 }, FUNCTION_COUNT);
    sandbox.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'platform-team@example.com' });
  });

  it('makes exactly the event functions that declare invocation errors targets of the FIS Lambda actions', () => {
    const wrapped = Object.entries(sandbox.findResources('AWS::Lambda::Function'))
      .filter(([, fn]) => fn.Properties.Environment?.Variables?.AWS_LAMBDA_EXEC_WRAPPER === '/opt/aws-fis/bootstrap')
      .map(([logicalId]) => logicalId);
    expect(wrapped).toHaveLength(FAULT_TARGETS.length);
    for (const name of FAULT_TARGETS) expect(wrapped).toContainEqual(expect.stringMatching(new RegExp(`^${pascalCase(name)}[0-9A-F]{8}$`)));
  });

  it('acknowledges S1 on the access-log bucket and on the FIS configurations bucket alone', () => {
    const acknowledged = platformOf('sandbox')
      .stack('functions')
      .findMetadataByType('aws:cdk:acknowledged-rules')
      .filter(({ data }) => Object.keys(data as object).includes('Annotation::AwsSolutions-S1'))
      .map(({ path }) => path);
    const stack = `/${PROJECT}-sandbox-functions`;
    const accessLogs = needsUploadsBucket(UPLOAD_FUNCTION_NAMES, CORE_SERVICE_REGISTRY) ? [`${stack}/AccessLogs`] : [];
    const faultConfigurations = FAULT_TARGETS.length > 0 ? [`${stack}/FaultConfigurations/Bucket`] : [];
    expect(acknowledged.sort()).toEqual([...accessLogs, ...faultConfigurations].sort());
  });
});

/** The functions stack alone, from registries other than the shipped ones (no bundling), in the sandbox unless another config is given. */
function functionsStackWith(registries: Partial<Pick<FunctionsStackProps, 'eventFunctions' | 'uploadFunctions' | 'coreServices' | 'config'>>): Template {
  const app = testApp({ context: { 'aws:cdk:bundling-stacks': [] } });
  return Template.fromStack(new FunctionsStack(app, 'Functions', { config: loadEnvironmentConfig(() => undefined), ...registries }));
}

/** A core service that presigns uploads, and so has the uploads bucket made (needsUploadsBucket), with no upload function. */
const PRESIGNER: Record<string, CoreServiceDefinition> = { gallery: { publicPath: '/gallery', usesDatabase: false, grants: ['presign-uploads'], localPort: 8099 } };

const logicalIdsOf = (template: Template, type: string) => Object.keys(template.findResources(type));

describe('functions stack: the uploads bucket, as a core service that presigns uploads has it', () => {
  const sandbox = functionsStackWith({ uploadFunctions: [], coreServices: PRESIGNER });

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
    const prod = functionsStackWith({ uploadFunctions: [], coreServices: PRESIGNER, config: loadConfigFromContext({ env: 'prod' }) });
    sandbox.allResources('AWS::S3::Bucket', { DeletionPolicy: 'Delete' });
    // The uploads bucket, its access logs, and the FIS configurations bucket of the fault targets.
    sandbox.resourceCountIs('Custom::S3AutoDeleteObjects', 2 + (FAULT_TARGETS.length > 0 ? 1 : 0));
    prod.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
    prod.allResources('AWS::S3::Bucket', { DeletionPolicy: 'Retain' });
  });
});

describe('functions stack: what exists only while something in the registries uses it', () => {
  it('makes one FIS configurations bucket for all fault targets, each with a folder of its own, and none without a target', () => {
    const notifier = EVENT_FUNCTIONS.notifier as EventFunctionDefinition;
    // A second target named cluster-sleeper: an event function needs a handler under functions/, and the name is
    // long enough that a bucket of its own (hybrid-platform-sandbox-cluster-sleeper-fis-<account>-<region>) would not fit S3's 63 characters.
    const twoTargets = functionsStackWith({ eventFunctions: { notifier, 'cluster-sleeper': notifier } as Record<EventFunctionName, EventFunctionDefinition> });
    expect(logicalIdsOf(twoTargets, 'AWS::S3::Bucket').filter((id) => id.startsWith('FaultConfigurations'))).toHaveLength(1);
    const locations = Object.values(twoTargets.findResources('AWS::Lambda::Function')).flatMap((fn) => fn.Properties.Environment?.Variables?.AWS_FIS_CONFIGURATION_LOCATION ?? []);
    const bucket = 'arn:${AWS::Partition}:s3:::hybrid-platform-sandbox-faults-${AWS::AccountId}-${AWS::Region}';
    expect(locations.map(joinedText).sort()).toEqual([`${bucket}/FisConfigs/cluster-sleeper/`, `${bucket}/FisConfigs/notifier/`]);
    const noTarget = functionsStackWith({ eventFunctions: { notifier: { ...notifier, invocationErrors: undefined } } as Record<EventFunctionName, EventFunctionDefinition> });
    expect(logicalIdsOf(noTarget, 'AWS::S3::Bucket').filter((id) => id.startsWith('FaultConfigurations'))).toEqual([]);
  });

  it('creates neither the idempotency table nor the notification topic (nor its output) when no event function has their grants', () => {
    const withoutGrants = Object.fromEntries(EVENT_FUNCTION_NAMES.map((name): [string, EventFunctionDefinition] => [name, { ...EVENT_FUNCTIONS[name], grants: [] }]));
    const template = functionsStackWith({ eventFunctions: withoutGrants as Record<EventFunctionName, EventFunctionDefinition> });
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', 0);
    expect(logicalIdsOf(template, 'AWS::SNS::Topic')).toEqual([expect.stringMatching(/^AlarmTopic/)]);
    expect(Object.keys(template.findOutputs('*'))).not.toContain('NotificationTopicArn');
    expect(JSON.stringify(template.findResources('AWS::Lambda::Function'))).not.toMatch(/IDEMPOTENCY_TABLE_NAME|NOTIFICATION_TOPIC_ARN/);
  });

  it('creates no uploads bucket, access-log bucket or bucket notification (nor the output) without an upload function or a core service that presigns uploads', () => {
    const template = functionsStackWith({ uploadFunctions: [], coreServices: {} });
    expect(logicalIdsOf(template, 'AWS::S3::Bucket').filter((id) => /^(Uploads|AccessLogs)/.test(id))).toEqual([]);
    template.resourceCountIs('Custom::S3BucketNotifications', 0);
    expect(Object.keys(template.findOutputs('*'))).not.toContain('UploadsBucketName');
  });

  it('keeps the uploads bucket and its access logs, without notifications, for a core service that presigns uploads', () => {
    const template = functionsStackWith({ uploadFunctions: [], coreServices: PRESIGNER });
    expect(logicalIdsOf(template, 'AWS::S3::Bucket').filter((id) => /^(Uploads|AccessLogs)/.test(id))).toEqual([
      expect.stringMatching(/^AccessLogs/),
      expect.stringMatching(/^Uploads/),
    ]);
    template.resourceCountIs('Custom::S3BucketNotifications', 0);
    expect(Object.keys(template.findOutputs('*'))).toContain('UploadsBucketName');
  });
});
