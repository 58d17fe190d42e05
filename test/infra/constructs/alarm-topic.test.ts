import { Match } from 'aws-cdk-lib/assertions';
import { keyLifecycleOf } from '../../../infra/config/removal';
import { AlarmTopic } from '../../../infra/constructs/alarm-topic';
import { environmentConfig, inStack } from './construct-stack';
import { onlyResourceId } from './template-queries';

/** The alarm topic as the functions and observability stacks make it, for an environment's owner. */
function alarmTopic(env: 'sandbox' | 'prod' = 'sandbox') {
  const config = environmentConfig(env);
  return inStack((stack) => new AlarmTopic(stack, 'AlarmTopic', { email: 'owner@example.com', keyProps: keyLifecycleOf(config) }));
}

describe('AlarmTopic', () => {
  describe('its key', () => {
    it('says what it encrypts, and for whom', () => {
      alarmTopic().template.hasResourceProperties('AWS::KMS::Key', { Description: 'Encrypts the alarm topic; usable by CloudWatch alarms' });
    });

    it('lets CloudWatch decrypt and make data keys, which publishing to an encrypted topic needs', () => {
      alarmTopic().template.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([
            {
              Sid: 'CloudWatchAlarmsPublishToTheEncryptedTopic',
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
              Resource: '*',
            },
          ]),
        },
      });
    });

    it("is rotated, and goes with a sandbox's stack after the shortest pending window", () => {
      const { template } = alarmTopic('sandbox');
      template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete', Properties: Match.objectLike({ EnableKeyRotation: true, PendingWindowInDays: 7 }) });
    });

    it("is rotated, and outlives prod's stack", () => {
      const { template } = alarmTopic('prod');
      template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain', Properties: Match.objectLike({ EnableKeyRotation: true, PendingWindowInDays: 30 }) });
    });
  });

  describe('its topic', () => {
    it('is encrypted with its own key, not the AWS-managed one CloudWatch may not use', () => {
      const { template } = alarmTopic();
      template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [onlyResourceId(template, 'AWS::KMS::Key'), 'Arn'] } });
    });

    it("lets only this account's alarms publish", () => {
      const { template } = alarmTopic();
      const topicId = onlyResourceId(template, 'AWS::SNS::Topic');
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [{ Ref: topicId }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Sid: 'AlarmsOfThisAccountPublish',
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: 'sns:Publish',
              Resource: { Ref: topicId },
              Condition: {
                ArnLike: {
                  'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudwatch:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':alarm:*']] },
                },
              },
            },
          ]),
        },
      });
    });

    it('refuses publishing without TLS', () => {
      alarmTopic().template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
        },
      });
    });

    it('e-mails the owner', () => {
      const { template } = alarmTopic();
      template.resourceCountIs('AWS::SNS::Subscription', 1);
      template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'owner@example.com', TopicArn: { Ref: onlyResourceId(template, 'AWS::SNS::Topic') } });
    });
  });
});
