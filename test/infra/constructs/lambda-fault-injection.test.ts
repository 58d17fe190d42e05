import { Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { physicalName } from '../../../infra/config/naming';
import { removalPolicyOf } from '../../../infra/config/removal';
import { LambdaFaultInjection } from '../../../infra/constructs/lambda-fault-injection';
import { environmentConfig, inStack } from './construct-stack';
import { acknowledgementsOn, logicalIdOf } from './template-queries';

/** An event function as the functions stack makes one: arm64 unless told. */
function eventFunction(stack: Stack, architecture = lambda.Architecture.ARM_64): lambda.Function {
  return new lambda.Function(stack, 'Notifier', { runtime: lambda.Runtime.NODEJS_22_X, architecture, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {};') });
}

/**
 * The notifier made a target of the FIS Lambda actions as the functions stack of `env` makes it, and,
 * when `grantTo` names one, an experiment role (of the chaos stack, here of the same stack) granted injection.
 */
function notifierFaults({ env = 'sandbox', architecture = lambda.Architecture.ARM_64, grantTo }: { env?: 'sandbox' | 'prod'; architecture?: lambda.Architecture; grantTo?: string } = {}) {
  return inStack((stack) => {
    const config = environmentConfig(env);
    const target = eventFunction(stack, architecture);
    const faults = new LambdaFaultInjection(stack, 'NotifierFaultInjection', { target, bucketNamePrefix: physicalName(config, 'fis'), removalPolicy: removalPolicyOf(config) });
    const role = grantTo === undefined ? undefined : new iam.Role(stack, grantTo, { assumedBy: new iam.ServicePrincipal('fis.amazonaws.com') });
    if (role) faults.grantInjection(role);
    return { faults, target, role };
  });
}

/** `arn:<partition>:s3:::<prefix>-<account>-<region><path>`, as CloudFormation joins it. */
function configurationArn(prefix: string, path: string) {
  return { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${prefix}-`, { Ref: 'AWS::AccountId' }, '-', { Ref: 'AWS::Region' }, path]] };
}

const SANDBOX_PREFIX = physicalName(environmentConfig('sandbox'), 'fis');
/** The configuration folder's objects as cdk-nag prints the ARN of the grants. */
const NAG_FOLDER_OBJECTS = `Annotation::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${SANDBOX_PREFIX}-<AWS::AccountId>-<AWS::Region>/FisConfigs/*]`;

describe('a Lambda function as a target of the FIS Lambda actions', () => {
  it('names the configuration bucket after the prefix, the account and the region, so that other stacks can name it without an export', () => {
    const { template } = notifierFaults();
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: { 'Fn::Join': ['', [`${SANDBOX_PREFIX}-`, { Ref: 'AWS::AccountId' }, '-', { Ref: 'AWS::Region' }]] },
    });
  });

  it('keeps the configurations in a private, S3-encrypted bucket that refuses requests without TLS', () => {
    const { template, built } = notifierFaults();
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logicalIdOf(built.faults.configurationBucket) },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('expires a configuration after a day, in case an interrupted experiment left it behind', () => {
    notifierFaults().template.hasResourceProperties('AWS::S3::Bucket', { LifecycleConfiguration: { Rules: [{ ExpirationInDays: 1, Status: 'Enabled' }] } });
  });

  it('does not access-log the configuration bucket, and acknowledges S1 on it with why', () => {
    const { template, built } = notifierFaults();
    template.hasResourceProperties('AWS::S3::Bucket', { LoggingConfiguration: Match.absent() });
    expect(acknowledgementsOn(built.faults.configurationBucket)).toEqual([
      { id: 'Annotation::AwsSolutions-S1', reason: expect.stringMatching(/^Holds only short-lived FIS fault configurations .*access-log bucket\.$/) },
    ]);
  });

  it('empties and deletes the configuration bucket with a sandbox', () => {
    const { template, built } = notifierFaults({ env: 'sandbox' });
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
    template.hasResourceProperties('Custom::S3AutoDeleteObjects', { BucketName: { Ref: logicalIdOf(built.faults.configurationBucket) } });
  });

  it('keeps the configuration bucket, and what is in it, in prod', () => {
    const { template } = notifierFaults({ env: 'prod' });
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
  });

  it.each([
    { architecture: lambda.Architecture.ARM_64, name: 'arm64' },
    { architecture: lambda.Architecture.X86_64, name: 'x86_64' },
  ])("adds the FIS extension as a layer, whose ARN CloudFormation reads from AWS's SSM public parameter for the function's architecture ($name)", ({ architecture, name }) => {
    const { template } = notifierFaults({ architecture });
    const [layerParameter] = Object.entries(template.toJSON().Parameters as Record<string, { Default: string }>).filter(([, { Default }]) => Default.startsWith('/aws/service/fis/'));
    expect(layerParameter[1]).toEqual({ Type: 'AWS::SSM::Parameter::Value<String>', Default: `/aws/service/fis/lambda-extension/AWS-FIS-extension-${name}/1.x.x` });
    template.hasResourceProperties('AWS::Lambda::Function', { Layers: [{ Ref: layerParameter[0] }] });
  });

  it('wraps the runtime with the extension, points it at the configuration folder, and lets it wait up to 2 s for its first read', () => {
    notifierFaults().template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          AWS_LAMBDA_EXEC_WRAPPER: '/opt/aws-fis/bootstrap',
          AWS_FIS_CONFIGURATION_LOCATION: configurationArn(SANDBOX_PREFIX, '/FisConfigs/'),
          AWS_FIS_POLL_MAX_WAIT_MILLISECONDS: '2000',
        },
      },
    });
  });

  it('lets the function list and read the configuration folder, and nothing else', () => {
    const { template, built } = notifierFaults();
    const bucket = logicalIdOf(built.faults.configurationBucket);
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: logicalIdOf(built.target.role!) }],
      PolicyDocument: {
        Statement: [
          { Action: 's3:ListBucket', Effect: 'Allow', Resource: { 'Fn::GetAtt': [bucket, 'Arn'] }, Condition: { StringLike: { 's3:prefix': ['FisConfigs/*'] } } },
          { Action: 's3:GetObject', Effect: 'Allow', Resource: configurationArn(SANDBOX_PREFIX, '/FisConfigs/*') },
        ],
      },
    });
  });

  it("acknowledges IAM5 on the function's role for the configuration folder's objects alone", () => {
    const { built } = notifierFaults();
    expect(acknowledgementsOn(built.target.role!)).toEqual([{ id: NAG_FOLDER_OBJECTS, reason: expect.stringMatching(/^FIS names each fault configuration after the experiment .*narrowest ARN/) }]);
  });

  it('names the function as the target of the experiments', () => {
    const { built } = notifierFaults();
    expect(Stack.of(built.target).resolve(built.faults.targetArn)).toEqual({ 'Fn::GetAtt': [logicalIdOf(built.target), 'Arn'] });
  });

  it("lets an experiment role write and delete configurations in the folder and read the function's configuration", () => {
    const { template, built } = notifierFaults({ grantTo: 'ExperimentRole' });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: logicalIdOf(built.role!) }],
      PolicyDocument: {
        Statement: [
          { Action: ['s3:PutObject', 's3:DeleteObject'], Effect: 'Allow', Resource: configurationArn(SANDBOX_PREFIX, '/FisConfigs/*') },
          { Action: 'lambda:GetFunction', Effect: 'Allow', Resource: { 'Fn::GetAtt': [logicalIdOf(built.target), 'Arn'] } },
        ],
      },
    });
  });

  it("acknowledges IAM5 on the experiment role for the configuration folder's objects alone", () => {
    const { built } = notifierFaults({ grantTo: 'ExperimentRole' });
    expect(acknowledgementsOn(built.role!)).toEqual([{ id: NAG_FOLDER_OBJECTS, reason: expect.stringMatching(/^FIS writes one fault configuration per experiment, .*narrowest ARN/) }]);
  });
});
