import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface AlarmTopicProps {
  /** Who is e-mailed (AWS sends a confirmation mail after the first deploy). */
  readonly email: string;
  /** The lifecycle of the topic's key (see `keyLifecycleOf`). */
  readonly keyProps: Pick<kms.KeyProps, 'removalPolicy' | 'pendingWindow' | 'enableKeyRotation'>;
}

/**
 * The SNS topic that CloudWatch alarms publish to, encrypted with a key of its own.
 *
 * Not the AWS-managed `alias/aws/sns` key: its policy cannot be changed and does not let CloudWatch
 * use it, so every alarm notification would be dropped (the alarm history says "not authorized to
 * access the SNS topic's encryption key"). This key lets CloudWatch encrypt messages for the topic
 * and nothing else; the topic lets the account's alarms publish, over TLS only.
 */
export class AlarmTopic extends Construct {
  readonly topic: sns.Topic;
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    const cloudWatch = new iam.ServicePrincipal('cloudwatch.amazonaws.com');

    this.key = new kms.Key(this, 'Key', { description: 'Encrypts the alarm topic; usable by CloudWatch alarms', ...props.keyProps });
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublishToTheEncryptedTopic',
        principals: [cloudWatch],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );

    this.topic = new sns.Topic(this, 'Topic', { enforceSSL: true, masterKey: this.key });
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AlarmsOfThisAccountPublish',
        principals: [cloudWatch],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: { ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*` } },
      }),
    );
    this.topic.addSubscription(new subscriptions.EmailSubscription(props.email));
  }
}
