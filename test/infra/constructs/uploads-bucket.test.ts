import { Match, type Template } from 'aws-cdk-lib/assertions';
import { createUploadsBucket } from '../../../infra/constructs/uploads-bucket';
import { removalPolicyOf } from '../../../infra/config/removal';
import { environmentConfig, inStack } from './construct-stack';
import { acknowledgementsOn } from './template-queries';

type Environment = 'sandbox' | 'prod';
/** The two buckets, by their construct ids (the start of their logical ids). */
const BUCKETS = ['Uploads', 'AccessLogs'] as const;

/** The buckets of an environment, with its removal policy, as the functions stack creates them. */
function uploadsBucket(env: Environment = 'sandbox') {
  const config = environmentConfig(env);
  return inStack((stack) => createUploadsBucket(stack, { config, removalPolicy: removalPolicyOf(config) }));
}

/** The logical id of the bucket of construct id `id`. */
function bucketId(template: Template, id: (typeof BUCKETS)[number]): string {
  const ids = Object.keys(template.findResources('AWS::S3::Bucket')).filter((logicalId) => logicalId.startsWith(id));
  expect(ids).toHaveLength(1);
  return ids[0];
}

function bucketProperties(template: Template, id: (typeof BUCKETS)[number]) {
  return template.findResources('AWS::S3::Bucket')[bucketId(template, id)].Properties;
}

describe('the uploads bucket', () => {
  it('is named after the environment, the account and the region, as the cluster stack names it too', () => {
    expect(bucketProperties(uploadsBucket().template, 'Uploads').BucketName).toEqual({
      'Fn::Join': ['', ['hybrid-platform-sandbox-uploads-', { Ref: 'AWS::AccountId' }, '-', { Ref: 'AWS::Region' }]],
    });
  });

  it('is returned, and made with its access-log bucket directly in the scope, so that their logical ids are the stack’s own', () => {
    const { built, stack } = uploadsBucket();
    expect(built.node.path).toBe('Subject/Uploads');
    expect(stack.node.tryFindChild('AccessLogs')).toBeDefined();
  });

  it('is private and encrypted with S3-managed keys, like its access-log bucket', () => {
    const { template } = uploadsBucket();
    for (const id of BUCKETS) {
      expect(bucketProperties(template, id)).toMatchObject({
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      });
    }
  });

  it('refuses every request without TLS, like its access-log bucket', () => {
    const { template } = uploadsBucket();
    for (const id of BUCKETS) {
      const arn = { 'Fn::GetAtt': [bucketId(template, id), 'Arn'] };
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: bucketId(template, id) },
        PolicyDocument: {
          // Beside the grant to the auto-delete function, in a sandbox.
          Statement: Match.arrayWith([
            {
              Effect: 'Deny',
              Principal: { AWS: '*' },
              Action: 's3:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              Resource: [arn, { 'Fn::Join': ['', [arn, '/*']] }],
            },
          ]),
        },
      });
    }
  });

  it('logs its requests into the access-log bucket, under uploads-bucket/', () => {
    const { template } = uploadsBucket();
    expect(bucketProperties(template, 'Uploads').LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: bucketId(template, 'AccessLogs') },
      LogFilePrefix: 'uploads-bucket/',
    });
  });

  it('drops multipart uploads unfinished after a day, and moves originals under uploads/ to Intelligent-Tiering after 30 days', () => {
    expect(bucketProperties(uploadsBucket().template, 'Uploads').LifecycleConfiguration.Rules).toEqual([
      { AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' },
      { Prefix: 'uploads/', Transitions: [{ StorageClass: 'INTELLIGENT_TIERING', TransitionInDays: 30 }], Status: 'Enabled' },
    ]);
  });

  it.each(['sandbox', 'prod'] as const)('keeps access logs as long as the %s environment keeps logs', (env) => {
    const days = environmentConfig(env).logRetentionDays;
    expect(bucketProperties(uploadsBucket(env).template, 'AccessLogs').LifecycleConfiguration.Rules).toEqual([{ ExpirationInDays: days, Status: 'Enabled' }]);
  });

  it('is deleted with its objects, like its access-log bucket, where the environment is destroyed with its data (a sandbox)', () => {
    const { template } = uploadsBucket('sandbox');
    for (const id of BUCKETS) {
      expect(template.findResources('AWS::S3::Bucket')[bucketId(template, id)]).toMatchObject({ DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
      template.hasResourceProperties('Custom::S3AutoDeleteObjects', { BucketName: { Ref: bucketId(template, id) } });
    }
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 2);
  });

  it('is kept with its objects, like its access-log bucket, where the environment retains its data (prod)', () => {
    const { template } = uploadsBucket('prod');
    for (const id of BUCKETS) {
      expect(template.findResources('AWS::S3::Bucket')[bucketId(template, id)]).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    }
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
    template.resourceCountIs('AWS::Lambda::Function', 0);
  });

  it('acknowledges that its access-log bucket logs nowhere itself, which would loop', () => {
    const { stack } = uploadsBucket();
    // (aws-cdk-lib acknowledges a CloudFormation-Validate finding of its own on the same bucket.)
    expect(acknowledgementsOn(stack.node.findChild('AccessLogs'))).toContainEqual({
      id: 'Annotation::AwsSolutions-S1',
      reason: expect.stringMatching(/^This is the access-log bucket of the uploads bucket/),
    });
  });
});
