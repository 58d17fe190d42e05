import { Match, type Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { join } from 'node:path';
import { DEFAULT_THUMBNAILS, thumbnailEnvironment } from '../../../functions/shared/thumbnail-contract';
import { removalPolicyOf } from '../../../infra/config/removal';
import { UPLOAD_FUNCTIONS } from '../../../infra/config/upload-functions';
import { ImageResizerFunction } from '../../../infra/constructs/image-resizer-function';
import { environmentConfig, inStack } from './construct-stack';
import { acknowledgementsOn, logicalIdOf, onlyResourceId, stagedAssetOf } from './template-queries';

const REPO_ROOT = join(__dirname, '../../..');

/** The image-resizer as the functions stack makes it, on an uploads bucket, in an environment's stack. */
function imageResizer(env = 'sandbox') {
  return inStack((stack) => {
    const config = environmentConfig(env);
    const bucket = new s3.Bucket(stack, 'Uploads');
    const resizer = new ImageResizerFunction(stack, 'ImageResizer', {
      name: 'image-resizer',
      description: UPLOAD_FUNCTIONS['image-resizer'].description,
      bucket,
      logRetention: config.logRetentionDays,
      removalPolicy: removalPolicyOf(config),
    });
    return { resizer, bucket };
  });
}

/** The ARN of the objects under `prefix` in the stack's bucket, as the template says it. */
function objectsUnder(template: Template, prefix: string) {
  return { 'Fn::Join': ['', [{ 'Fn::GetAtt': [onlyResourceId(template, 'AWS::S3::Bucket'), 'Arn'] }, `/${prefix}*`]] };
}

/** Every statement of the policies of the resizer's role (not of the bucket's notifications handler, aws-cdk-lib's). */
function roleStatements({ template, built }: ReturnType<typeof imageResizer>): { Action: string | string[] }[] {
  const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: logicalIdOf(built.resizer.role!) }] } });
  return Object.values(policies).flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

describe('the image-resizer function (ImageResizerFunction)', () => {
  it("runs the image-resizer's handler, under its name as Powertools service", () => {
    const { template, built } = imageResizer();
    expect(stagedAssetOf(built.resizer).sourcePath).toBe(join(REPO_ROOT, 'functions/image-resizer'));
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: UPLOAD_FUNCTIONS['image-resizer'].description,
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'image-resizer' }) },
    });
  });

  it('has 1 GB, since sharp decodes whole images in memory, and a minute', () => {
    imageResizer().template.hasResourceProperties('AWS::Lambda::Function', { MemorySize: 1024, Timeout: 60 });
  });

  it("writes thumbnails in the sizes and format that the catalog links to, the shared contract's defaults", () => {
    imageResizer().template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike(thumbnailEnvironment(DEFAULT_THUMBNAILS)) },
    });
  });

  it('refuses images over 10 MiB or 40 megapixels', () => {
    imageResizer().template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ MAX_INPUT_BYTES: '10485760', MAX_INPUT_PIXELS: '40000000' }) },
    });
  });

  it('retries a failed upload twice, then parks it in its dead-letter queue', () => {
    const { template, built, stack } = imageResizer();
    const queue = onlyResourceId(template, 'AWS::SQS::Queue');
    expect(queue).toMatch(/^ImageResizerDeadLetters/);
    expect(stack.resolve(built.resizer.deadLetters.queueArn)).toEqual({ 'Fn::GetAtt': [queue, 'Arn'] });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queue, 'Arn'] } } },
    });
  });

  it.each([
    ['sandbox', 'Delete'],
    ['prod', 'Retain'],
  ])('deletes or keeps its dead letters with the stack as the environment says (%s: %s)', (env, policy) => {
    imageResizer(env).template.hasResource('AWS::SQS::Queue', { DeletionPolicy: policy, UpdateReplacePolicy: policy });
  });

  it('acknowledges that its on-failure queue is a dead-letter queue, which cdk-nag cannot tell', () => {
    const { resizer } = imageResizer().built;
    expect(acknowledgementsOn(resizer.deadLetters)).toEqual([{ id: 'Annotation::AwsSolutions-SQS3', reason: expect.stringContaining('dead-letter queue') }]);
  });

  it('may read the objects under uploads/', () => {
    const resizer = imageResizer();
    expect(roleStatements(resizer)).toContainEqual({ Action: 's3:GetObject', Effect: 'Allow', Resource: objectsUnder(resizer.template, 'uploads/') });
  });

  it('may write objects under thumbnails/', () => {
    const resizer = imageResizer();
    expect(roleStatements(resizer)).toContainEqual({ Action: 's3:PutObject', Effect: 'Allow', Resource: objectsUnder(resizer.template, 'thumbnails/') });
  });

  it('may list uploads/ only, so that a deleted upload answers 404 rather than 403', () => {
    const resizer = imageResizer();
    expect(roleStatements(resizer)).toContainEqual({
      Action: 's3:ListBucket',
      Effect: 'Allow',
      Resource: { 'Fn::GetAtt': [onlyResourceId(resizer.template, 'AWS::S3::Bucket'), 'Arn'] },
      Condition: { StringLike: { 's3:prefix': ['uploads/*'] } },
    });
  });

  it('may do nothing else in the bucket', () => {
    const s3Actions = roleStatements(imageResizer())
      .flatMap((statement) => statement.Action)
      .filter((action) => action.startsWith('s3:'));
    expect(s3Actions.sort()).toEqual(['s3:GetObject', 's3:ListBucket', 's3:PutObject']);
  });

  it('acknowledges the uploads/* and thumbnails/* wildcards: objects yet to come have no narrower ARN', () => {
    const { template, built } = imageResizer();
    const bucket = onlyResourceId(template, 'AWS::S3::Bucket');
    const prefixAcknowledgement = (prefix: string) => ({
      id: `Annotation::AwsSolutions-IAM5[Resource::<${bucket}.Arn>/${prefix}*]`,
      reason: `Objects are named by key prefix: ${prefix}* is the narrowest ARN that covers objects that do not exist yet.`,
    });
    expect(acknowledgementsOn(built.resizer.role!)).toEqual([
      // Every PlatformFunction's, for X-Ray.
      {
        id: 'Annotation::AwsSolutions-IAM5[Resource::*]',
        reason: 'Active tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which have no resource-level permissions.',
      },
      prefixAcknowledgement('uploads/'),
      prefixAcknowledgement('thumbnails/'),
    ]);
  });

  it('is called for every object created under uploads/, and for nothing else', () => {
    const { template } = imageResizer();
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [
          {
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'uploads/' }] } },
            LambdaFunctionArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ImageResizer[0-9A-F]{8}$'), 'Arn'] },
          },
        ],
      },
    });
  });
});
