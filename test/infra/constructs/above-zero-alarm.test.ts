import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sns from 'aws-cdk-lib/aws-sns';
import { alarmWhenAboveZero } from '../../../infra/constructs/above-zero-alarm';
import { inStack } from './construct-stack';
import { onlyResourceId } from './template-queries';

function aboveZeroAlarm() {
  return inStack((stack) => {
    const topic = new sns.Topic(stack, 'Topic');
    const metric = new cloudwatch.Metric({ namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', statistic: 'Maximum' });
    return alarmWhenAboveZero(stack, 'DeadLetters', { metric, description: 'events in the dead-letter queue', topic });
  }).template;
}

describe('an alarm when a metric is above zero', () => {
  it('goes off on the first data point above zero', () => {
    aboveZeroAlarm().hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
      MetricName: 'ApproximateNumberOfMessagesVisible',
    });
  });

  it('treats no data as no trouble, since an idle queue publishes nothing', () => {
    aboveZeroAlarm().hasResourceProperties('AWS::CloudWatch::Alarm', { TreatMissingData: 'notBreaching' });
  });

  it('says what it counts, for the e-mail', () => {
    aboveZeroAlarm().hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmDescription: 'events in the dead-letter queue' });
  });

  it('publishes to the topic it is given', () => {
    const template = aboveZeroAlarm();
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmActions: [{ Ref: onlyResourceId(template, 'AWS::SNS::Topic') }] });
  });
});
