import { Duration } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { removalPolicyOf } from '../../../infra/config/removal';
import { PlatformFunction, type PlatformFunctionProps } from '../../../infra/constructs/platform-function';
import { environmentConfig, inStack } from './construct-stack';
import { acknowledgementsOn, onlyResourceId, stagedAssetOf } from './template-queries';

const REPO_ROOT = join(__dirname, '../../..');

/** A function as the stacks make one (the notifier's entry), in an environment's stack; `props` changes or adds to it. */
function platformFunction(env = 'sandbox', props: Partial<PlatformFunctionProps> = {}) {
  return inStack((stack) => {
    const config = environmentConfig(env);
    return new PlatformFunction(stack, 'Notifier', {
      entry: 'functions/notifier/handler.ts',
      serviceName: 'notifier',
      description: 'Notifies customers of their orders',
      logRetention: config.logRetentionDays,
      removalPolicy: removalPolicyOf(config),
      ...props,
    });
  });
}

describe('a platform function (PlatformFunction)', () => {
  it('runs on Node.js 24, on arm64 (Graviton)', () => {
    platformFunction().template.hasResourceProperties('AWS::Lambda::Function', { Runtime: 'nodejs24.x', Architectures: ['arm64'] });
  });

  it('has 256 MB and 30 seconds unless the function says otherwise', () => {
    platformFunction().template.hasResourceProperties('AWS::Lambda::Function', { MemorySize: 256, Timeout: 30 });
  });

  it("takes the function's own settings over the defaults", () => {
    const { template } = platformFunction('sandbox', { memorySize: 1024, timeout: Duration.seconds(60), description: 'Writes thumbnails' });
    template.hasResourceProperties('AWS::Lambda::Function', { MemorySize: 1024, Timeout: 60, Description: 'Writes thumbnails' });
  });

  it('traces every invocation with X-Ray', () => {
    platformFunction().template.hasResourceProperties('AWS::Lambda::Function', { TracingConfig: { Mode: 'Active' } });
  });

  it('logs JSON into a log group of its own', () => {
    const { template } = platformFunction();
    const logGroup = onlyResourceId(template, 'AWS::Logs::LogGroup');
    template.hasResourceProperties('AWS::Lambda::Function', { LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: logGroup } } });
  });

  it.each(['sandbox', 'prod'])("keeps its logs for the %s environment's retention", (env) => {
    platformFunction(env).template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: environmentConfig(env).logRetentionDays });
  });

  it.each([
    ['sandbox', 'Delete'],
    ['prod', 'Retain'],
  ])("deletes or keeps its log group with the stack as the environment says (%s: %s)", (env, policy) => {
    platformFunction(env).template.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: policy, UpdateReplacePolicy: policy });
  });

  it('runs as a role of its own that only Lambda may assume, without the managed policy that writes to every log group', () => {
    const { template } = platformFunction();
    const role = onlyResourceId(template, 'AWS::IAM::Role');
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } }] },
      ManagedPolicyArns: Match.absent(),
    });
    template.hasResourceProperties('AWS::Lambda::Function', { Role: { 'Fn::GetAtt': [role, 'Arn'] } });
  });

  it('may write to its own log group and send traces, and nothing else until granted more', () => {
    const { template } = platformFunction();
    const logGroup = onlyResourceId(template, 'AWS::Logs::LogGroup');
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [logGroup, 'Arn'] } },
          { Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Effect: 'Allow', Resource: '*' },
        ],
      },
    });
  });

  it("acknowledges the tracing permissions' wildcard, which X-Ray cannot narrow", () => {
    const { role } = platformFunction().built;
    expect(acknowledgementsOn(role!)).toEqual([{ id: 'Annotation::AwsSolutions-IAM5[Resource::*]', reason: expect.stringContaining('xray:PutTraceSegments') }]);
  });

  it("tells Powertools its service name and the project's metrics namespace, and Node.js to read the source map", () => {
    platformFunction().template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'notifier', POWERTOOLS_METRICS_NAMESPACE: 'HybridPlatform', NODE_OPTIONS: '--enable-source-maps' } },
    });
  });

  it("adds the function's own environment, which may replace a default", () => {
    const { template } = platformFunction('sandbox', { environment: { TABLE_NAME: 'orders', NODE_OPTIONS: '--enable-source-maps --max-old-space-size=192' } });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          POWERTOOLS_SERVICE_NAME: 'notifier',
          POWERTOOLS_METRICS_NAMESPACE: 'HybridPlatform',
          NODE_OPTIONS: '--enable-source-maps --max-old-space-size=192',
          TABLE_NAME: 'orders',
        },
      },
    });
  });

  it("calls the bundle's handler export, index.handler", () => {
    platformFunction().template.hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.handler' });
  });

  it("makes its code from the entry's folder, named relative to the repository root", () => {
    expect(stagedAssetOf(platformFunction().built).sourcePath).toBe(join(REPO_ROOT, 'functions/notifier'));
  });

  // The one test of this file that bundles for real (esbuild in-process, a few milliseconds): the merge of
  // the options shows only in the bundle.
  it("bundles with the house options, and the function's own on top", () => {
    const folder = mkdtempSync(join(tmpdir(), 'platform-function-'));
    try {
      writeFileSync(
        join(folder, 'handler.ts'),
        "import { S3Client } from '@aws-sdk/client-s3';\nimport sharp from 'sharp';\n\nexport const handler = async () => {\n  const clientForTheBucket = new S3Client({});\n  return [clientForTheBucket, sharp];\n};\n",
      );
      const { built } = inStack(
        (stack) =>
          new PlatformFunction(stack, 'Resizer', {
            entry: relative(REPO_ROOT, join(folder, 'handler.ts')),
            serviceName: 'resizer',
            logRetention: environmentConfig().logRetentionDays,
            removalPolicy: removalPolicyOf(environmentConfig()),
            // Replaces the house externals, as sharpForLambda does: neither module resolves from this folder.
            bundling: { externalModules: ['@aws-sdk/*', 'sharp'] },
          }),
        { 'aws:cdk:bundling-stacks': ['**'] },
      );
      const asset = stagedAssetOf(built).absoluteStagedPath;
      expect(readdirSync(asset).sort()).toEqual(['index.js', 'index.js.map']);
      const bundle = readFileSync(join(asset, 'index.js'), 'utf8');
      expect(bundle).toContain('require("@aws-sdk/client-s3")');
      expect(bundle).toContain('require("sharp")');
      expect(bundle).not.toContain('clientForTheBucket');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
