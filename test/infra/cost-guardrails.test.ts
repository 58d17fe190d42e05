import { App, CfnResource, TagManager } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import type { EnvironmentConfig } from '../../infra/config/environment-config';
import { loadEnvironmentConfig } from '../../infra/config/load-config';
import { PROJECT } from '../../infra/config/naming';
import { CostGuardrailsStack } from '../../infra/stacks/cost-guardrails-stack';
import { buildPlatform, ENVIRONMENT_NAMES, platformOf, STACK_CONCERNS, type SynthesizedPlatform } from './platform-fixture';

/**
 * The sandbox with -c budgetEmail and -c owner: one platform, built on first use, for the test of
 * each. The address is read only by the budget's subscribers, and the owner only by the tags, so
 * neither option changes what the other's test reads.
 */
let withOptionsFixture: SynthesizedPlatform | undefined;
const withOptions = () => (withOptionsFixture ??= buildPlatform('sandbox', { budgetEmail: 'finops@example.org', owner: 'team-payments' }));

describe('cost guardrails', () => {
  it.each([
    ['sandbox', 300],
    ['prod', 2000],
  ] as const)('budgets %s at %i USD a month, alerting the configured address at 80%% actual and 100%% forecast', (env, amount) => {
    const template = platformOf(env).template('costGuardrails');
    const subscribers = [{ SubscriptionType: 'EMAIL', Address: 'platform-team@example.com' }];
    template.hasResourceProperties('AWS::Budgets::Budget', {
      Budget: { BudgetType: 'COST', TimeUnit: 'MONTHLY', BudgetLimit: { Amount: amount, Unit: 'USD' }, BudgetName: `${PROJECT}-${env}-monthly` },
      NotificationsWithSubscribers: [
        { Notification: { NotificationType: 'ACTUAL', ComparisonOperator: 'GREATER_THAN', Threshold: 80, ThresholdType: 'PERCENTAGE' }, Subscribers: subscribers },
        { Notification: { NotificationType: 'FORECASTED', ComparisonOperator: 'GREATER_THAN', Threshold: 100, ThresholdType: 'PERCENTAGE' }, Subscribers: subscribers },
      ],
    });
  });

  it('sends budget alerts to the address given with -c budgetEmail', () => {
    withOptions()
      .template('costGuardrails')
      .hasResourceProperties('AWS::Budgets::Budget', {
        NotificationsWithSubscribers: [
          { Subscribers: [{ SubscriptionType: 'EMAIL', Address: 'finops@example.org' }] },
          { Subscribers: [{ SubscriptionType: 'EMAIL', Address: 'finops@example.org' }] },
        ],
      });
  });
});

describe('cost anomaly alerts', () => {
  const sandbox = loadEnvironmentConfig((key) => (key === 'env' ? 'sandbox' : undefined));
  /** The stack alone: the monitor depends on nothing else of the platform. */
  const guardrailsOf = (config: EnvironmentConfig) => Template.fromStack(new CostGuardrailsStack(new App(), 'CostGuardrails', { config }));

  it('monitors spend per service and e-mails the budget address daily about an anomaly of at least budget.anomalyAlertUsd', () => {
    const template = guardrailsOf({ ...sandbox, budget: { ...sandbox.budget, anomalyAlertUsd: 50 } });
    const monitors = template.findResources('AWS::CE::AnomalyMonitor');
    expect(Object.values(monitors).map((monitor) => monitor.Properties)).toEqual([
      { MonitorName: `${PROJECT}-sandbox-services`, MonitorType: 'DIMENSIONAL', MonitorDimension: 'SERVICE' },
    ]);
    const subscriptions = Object.values(template.findResources('AWS::CE::AnomalySubscription')).map((subscription) => subscription.Properties);
    expect(subscriptions).toEqual([
      {
        SubscriptionName: `${PROJECT}-sandbox-anomalies`,
        MonitorArnList: [{ 'Fn::GetAtt': [Object.keys(monitors)[0], 'MonitorArn'] }],
        Frequency: 'DAILY',
        Subscribers: [{ Type: 'EMAIL', Address: 'platform-team@example.com' }],
        ThresholdExpression: JSON.stringify({ Dimensions: { Key: 'ANOMALY_TOTAL_IMPACT_ABSOLUTE', MatchOptions: ['GREATER_THAN_OR_EQUAL'], Values: ['50'] } }),
      },
    ]);
  });

  it.each(ENVIRONMENT_NAMES)('creates no anomaly monitor in the shipped %s environment (an account holds only one)', (env) => {
    const template = platformOf(env).template('costGuardrails');
    template.resourceCountIs('AWS::CE::AnomalyMonitor', 0);
    template.resourceCountIs('AWS::CE::AnomalySubscription', 0);
  });
});

describe('cost allocation tags', () => {
  /** Every CloudFormation resource that accepts tags, with its tags as CDK will render them. */
  const taggableResources = (root: IConstruct) =>
    root.node
      .findAll()
      .filter((construct): construct is CfnResource => CfnResource.isCfnResource(construct))
      .flatMap((resource) => {
        const tags = TagManager.of(resource);
        return tags ? [{ resource, tags }] : [];
      });

  it.each(ENVIRONMENT_NAMES)('puts project, environment and owner on every taggable resource of %s', (env) => {
    const { app, platform } = platformOf(env);
    app.synth(); // synthesis applies the tags
    const resources = STACK_CONCERNS.flatMap((concern) => taggableResources(platform[concern]));
    expect(resources.length).toBeGreaterThan(40);
    for (const { resource, tags } of resources) {
      expect([resource.node.path, tags.tagValues()]).toEqual([
        resource.node.path,
        expect.objectContaining({ project: PROJECT, environment: env, owner: 'platform-team' }),
      ]);
    }
  });

  it('tags with the owner given with -c owner', () => {
    const fixture = withOptions();
    fixture.template('network'); // synthesis applies the tags
    const [vpc] = taggableResources(fixture.platform.network).filter(({ resource }) => resource.cfnResourceType === 'AWS::EC2::VPC');
    expect(vpc.tags.tagValues()).toMatchObject({ owner: 'team-payments' });
  });
});
