import { Stack, type StackProps } from 'aws-cdk-lib';
import * as budgets from 'aws-cdk-lib/aws-budgets';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/environment-config';
import { physicalName } from '../config/naming';

export interface CostGuardrailsStackProps extends StackProps {
  readonly config: EnvironmentConfig;
}

/**
 * A monthly AWS Budget that e-mails the owner at 80% of actual and 100% of forecast spend.
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
  }
}
