import { Match } from 'aws-cdk-lib/assertions';
import { removalPolicyOf } from '../../../infra/config/removal';
import { FaultConfigurationsBucket } from '../../../infra/constructs/fault-configurations-bucket';
import { environmentConfig, inStack } from './construct-stack';
import { acknowledgementsOn, logicalIdOf } from './template-queries';

/** The environment's fault configurations bucket, as the functions stack of `env` makes it. */
function configurationsOf(env: 'sandbox' | 'prod' = 'sandbox') {
  return inStack((stack) => {
    const config = environmentConfig(env);
    return new FaultConfigurationsBucket(stack, 'FaultConfigurations', { config, removalPolicy: removalPolicyOf(config) });
  });
}

describe('the bucket of FIS fault configurations', () => {
  it('is named after the environment, the account and the region, so that other stacks can name it without an export', () => {
    configurationsOf().template.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: { 'Fn::Join': ['', ['hybrid-platform-sandbox-faults-', { Ref: 'AWS::AccountId' }, '-', { Ref: 'AWS::Region' }]] },
    });
  });

  it('keeps the configurations private, S3-encrypted, and refuses requests without TLS', () => {
    const { template, built } = configurationsOf();
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logicalIdOf(built.bucket) },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('expires a configuration after a day, in case an interrupted experiment left it behind', () => {
    configurationsOf().template.hasResourceProperties('AWS::S3::Bucket', { LifecycleConfiguration: { Rules: [{ ExpirationInDays: 1, Status: 'Enabled' }] } });
  });

  it('is not access-logged, and acknowledges S1 with why', () => {
    const { template, built } = configurationsOf();
    template.hasResourceProperties('AWS::S3::Bucket', { LoggingConfiguration: Match.absent() });
    expect(acknowledgementsOn(built.bucket)).toEqual([
      { id: 'Annotation::AwsSolutions-S1', reason: expect.stringMatching(/^Holds only short-lived FIS fault configurations .*access-log bucket\.$/) },
    ]);
  });

  it('is emptied and deleted with a sandbox', () => {
    const { template, built } = configurationsOf('sandbox');
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
    template.hasResourceProperties('Custom::S3AutoDeleteObjects', { BucketName: { Ref: logicalIdOf(built.bucket) } });
  });

  it('is kept, with what is in it, in prod', () => {
    const { template } = configurationsOf('prod');
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
  });

  it('gives the ARN of a path in it by the plain name, with no reference to the bucket resource', () => {
    const { built, stack } = configurationsOf();
    expect(stack.resolve(built.arnOf('FisConfigs/notifier/*'))).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::hybrid-platform-sandbox-faults-', { Ref: 'AWS::AccountId' }, '-', { Ref: 'AWS::Region' }, '/FisConfigs/notifier/*']],
    });
  });

  it('gives the same ARN as cdk-nag prints it in a finding', () => {
    expect(configurationsOf().built.nagArnOf('FisConfigs/notifier/*')).toBe('arn:<AWS::Partition>:s3:::hybrid-platform-sandbox-faults-<AWS::AccountId>-<AWS::Region>/FisConfigs/notifier/*');
  });
});
