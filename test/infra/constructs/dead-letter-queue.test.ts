import { Match } from 'aws-cdk-lib/assertions';
import { deadLetterQueue } from '../../../infra/constructs/dead-letter-queue';
import { removalPolicyOf } from '../../../infra/config/removal';
import { environmentConfig, inStack } from './construct-stack';

/** A function's dead-letter queue, as the environment `env` keeps its stateful resources. */
function deadLetters(env = 'sandbox') {
  return inStack((stack) => deadLetterQueue(stack, 'DeadLetters', removalPolicyOf(environmentConfig(env))));
}

describe('a dead-letter queue', () => {
  it("keeps failed events for 14 days, SQS's maximum, to give someone time to look at them", () => {
    deadLetters().template.hasResourceProperties('AWS::SQS::Queue', { MessageRetentionPeriod: 14 * 24 * 60 * 60 });
  });

  it('is encrypted at rest with SQS-managed keys, which cost nothing and need no key policy', () => {
    const { template } = deadLetters();
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, KmsMasterKeyId: Match.absent() });
    template.resourceCountIs('AWS::KMS::Key', 0);
  });

  it('refuses every request that does not come over TLS', () => {
    const { template, stack, built } = deadLetters();
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [stack.resolve(built.queueUrl)],
      PolicyDocument: {
        Statement: [{ Effect: 'Deny', Principal: { AWS: '*' }, Action: 'sqs:*', Resource: stack.resolve(built.queueArn), Condition: { Bool: { 'aws:SecureTransport': 'false' } } }],
      },
    });
  });

  it.each([
    ['sandbox', 'Delete'],
    ['prod', 'Retain'],
  ])('is kept or deleted with the stack as the %s environment keeps its stateful resources', (env, policy) => {
    deadLetters(env).template.hasResource('AWS::SQS::Queue', { DeletionPolicy: policy, UpdateReplacePolicy: policy });
  });
});
