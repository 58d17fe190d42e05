import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';

export interface AboveZeroAlarmProps {
  /** What must stay at zero: dead letters, failed invocations. */
  readonly metric: cloudwatch.IMetric;
  /** What the metric counts, for the e-mail. */
  readonly description: string;
  /** Where the alarm publishes: an AlarmTopic (infra/constructs/alarm-topic.ts), which e-mails the owner. */
  readonly topic: sns.ITopic;
}

/**
 * An alarm on the first data point above zero, e-mailed through `topic`. No data is no trouble: a
 * queue or function that sees no traffic publishes nothing.
 */
export function alarmWhenAboveZero(scope: Construct, id: string, props: AboveZeroAlarmProps): cloudwatch.Alarm {
  const alarm = new cloudwatch.Alarm(scope, id, {
    metric: props.metric,
    threshold: 0,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    alarmDescription: props.description,
  });
  alarm.addAlarmAction(new cloudwatchActions.SnsAction(props.topic));
  return alarm;
}
