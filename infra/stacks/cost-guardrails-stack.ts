import { Stack, type StackProps } from 'aws-cdk-lib';
import * as budgets from 'aws-cdk-lib/aws-budgets';
import * as ce from 'aws-cdk-lib/aws-ce';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/environment-config';
import { physicalName } from '../config/naming';

export interface CostGuardrailsStackProps extends StackProps {
  readonly config: EnvironmentConfig;
}

/**
 * A monthly AWS Budget that e-mails the owner at 80% of actual and 100% of forecast spend, and, with
 * `budget.anomalyAlertUsd`, a Cost Anomaly Detection monitor that e-mails them about spend no budget
 * threshold has reached yet.
 *
 * The budget covers the whole account: a sandbox account is the unit of spend, and filtering by the
 * `project` tag would silently report zero until someone activates it as a cost allocation tag.
 */
export class CostGuardrailsStack extends Stack {
  constructor(scope: Construct, id: string, props: CostGuardrailsStackProps) {
    super(scope, id, props);
    const { budget } = props.config;
    const subscribers = [{ subscriptionType: 'EMAIL', address: budget.alertEmail }];

    new budgets.CfnBudget(this, 'MonthlyBudget', {
      budget: {
        budgetName: physicalName(props.config, 'monthly'),
        budgetType: 'COST',
        timeUnit: 'MONTHLY',
        budgetLimit: { amount: budget.monthlyLimitUsd, unit: 'USD' },
      },
      notificationsWithSubscribers: [
        { notification: { notificationType: 'ACTUAL', comparisonOperator: 'GREATER_THAN', threshold: 80, thresholdType: 'PERCENTAGE' }, subscribers },
        { notification: { notificationType: 'FORECASTED', comparisonOperator: 'GREATER_THAN', threshold: 100, thresholdType: 'PERCENTAGE' }, subscribers },
      ],
    });

    if (budget.anomalyAlertUsd !== undefined) {
      // An account holds one DIMENSIONAL monitor of dimension SERVICE
      // (https://docs.aws.amazon.com/cost-management/latest/userguide/management-limits.html): a second
      // environment in the account, or one made in the console, fails this deploy. Hence off by default.
      const monitor = new ce.CfnAnomalyMonitor(this, 'AnomalyMonitor', {
        monitorName: physicalName(props.config, 'services'),
        monitorType: 'DIMENSIONAL',
        monitorDimension: 'SERVICE',
      });
      new ce.CfnAnomalySubscription(this, 'AnomalySubscription', {
        subscriptionName: physicalName(props.config, 'anomalies'),
        monitorArnList: [monitor.attrMonitorArn],
        frequency: 'DAILY',
        subscribers: [{ type: 'EMAIL', address: budget.alertEmail }],
        // ThresholdExpression, not the deprecated Threshold: total impact in USD at or above the setting.
        thresholdExpression: JSON.stringify({
          Dimensions: { Key: 'ANOMALY_TOTAL_IMPACT_ABSOLUTE', MatchOptions: ['GREATER_THAN_OR_EQUAL'], Values: [String(budget.anomalyAlertUsd)] },
        }),
      });
    }
  }
}
