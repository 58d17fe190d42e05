import { RemovalPolicy, type Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ownLogGroupsForEveryFunction } from '../../../infra/constructs/function-log-groups';
import { removalPolicyOf } from '../../../infra/config/removal';
import { environmentConfig, inStack } from './construct-stack';
import { logicalIdOf, onlyResourceId } from './template-queries';

type Environment = 'sandbox' | 'prod';

/** A function of our own kind, or one that names no log group (`logGroup` absent). */
function handler(stack: Stack, id: string, props: Partial<lambda.FunctionProps> = {}): lambda.Function {
  return new lambda.Function(stack, id, { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {};'), ...props });
}

/** A stack of `build`'s making, given log groups as the platform gives every complete stack (infra/platform.ts). */
function withOwnLogGroups<T>(build: (stack: Stack) => T, env: Environment = 'sandbox') {
  const config = environmentConfig(env);
  return inStack((stack) => {
    const built = build(stack);
    ownLogGroupsForEveryFunction(stack, { retention: config.logRetentionDays, removalPolicy: removalPolicyOf(config) });
    return built;
  });
}

/** The logical ids of the template's log groups. */
const logGroupIds = (template: Template): string[] => Object.keys(template.findResources('AWS::Logs::LogGroup'));

/** The log group that the function `functionId` (a logical id) names. */
function logGroupOf(template: Template, functionId: string): unknown {
  return template.findResources('AWS::Lambda::Function')[functionId].Properties.LoggingConfig?.LogGroup;
}

describe('own log groups for every function', () => {
  it('gives a function that names no log group one of its own, which it names', () => {
    const { template, built } = withOwnLogGroups((stack) => handler(stack, 'Handler'));
    expect(logGroupOf(template, logicalIdOf(built))).toEqual({ Ref: onlyResourceId(template, 'AWS::Logs::LogGroup') });
  });

  it('puts the group beside the function’s own construct, so that its path names the function', () => {
    const { built } = withOwnLogGroups((stack) => handler(stack, 'Handler'));
    expect(built.node.tryFindChild('ResourceLogs')).toBeInstanceOf(logs.LogGroup);
  });

  it.each([
    ['sandbox', 7, 'Delete'],
    ['prod', 90, 'Retain'],
  ] as const)('keeps the logs as long as the environment keeps logs, and deletes the group only where it deletes data (%s)', (env, days, policy) => {
    const { template } = withOwnLogGroups((stack) => handler(stack, 'Handler'), env);
    template.hasResource('AWS::Logs::LogGroup', { Properties: { RetentionInDays: days }, DeletionPolicy: policy, UpdateReplacePolicy: policy });
  });

  it('leaves a function that names its log group as it is', () => {
    const { template, stack } = withOwnLogGroups((stack) => {
      const logGroup = new logs.LogGroup(stack, 'OwnLogs');
      return handler(stack, 'Handler', { logGroup });
    });
    const ownLogs = logicalIdOf(stack.node.findChild('OwnLogs'));
    expect(logGroupIds(template)).toEqual([ownLogs]);
    expect(logGroupOf(template, logicalIdOf(stack.node.findChild('Handler')))).toEqual({ Ref: ownLogs });
  });

  it('gives one to each function, ours or aws-cdk-lib’s (here the handler that empties a bucket on delete)', () => {
    const { template } = withOwnLogGroups((stack) => {
      handler(stack, 'Handler');
      new s3.Bucket(stack, 'Bucket', { removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true });
    });
    const functionIds = Object.keys(template.findResources('AWS::Lambda::Function'));
    expect(functionIds).toHaveLength(2);
    // Each names a group of its own: as many groups as functions, each named once.
    expect(functionIds.map((id) => (logGroupOf(template, id) as { Ref: string }).Ref).sort()).toEqual(logGroupIds(template).sort());
  });

  it('names the group of an aws-cdk-lib handler after the provider it belongs to', () => {
    const { stack } = withOwnLogGroups((stack) => new s3.Bucket(stack, 'Bucket', { removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true }));
    const provider = stack.node.findChild('Custom::S3AutoDeleteObjectsCustomResourceProvider');
    expect(provider.node.tryFindChild('HandlerLogs')).toBeInstanceOf(logs.LogGroup);
  });

  it('touches no other resource', () => {
    const { template } = withOwnLogGroups((stack) => new s3.Bucket(stack, 'Bucket'));
    expect(logGroupIds(template)).toEqual([]);
    expect(Object.values(template.findResources('AWS::S3::Bucket')).map((bucket) => bucket.Properties)).toEqual([undefined]);
  });
});
