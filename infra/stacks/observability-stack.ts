import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import {
  BUSINESS_METRICS_NAMESPACE,
  type BusinessAlarm,
  type BusinessBandAlarm,
  type BusinessMetric,
  type BusinessMetricDimensions,
} from '../config/business-metrics';
import type { CoreServiceDefinition } from '../config/core-services';
import type { EnvironmentConfig } from '../config/environment-config';
import { physicalName } from '../config/naming';
import { keyLifecycleOf } from '../config/removal';
import { AlarmTopic } from '../constructs/alarm-topic';
import { PlatformDashboard, type DashboardSection } from '../constructs/platform-dashboard';

/** A Lambda job and the queue where the events it gave up on end up. */
export interface ObservedFunction {
  readonly name: string;
  readonly function: lambda.Function;
  readonly deadLetters: sqs.IQueue;
}

export interface ObservabilityStackProps extends StackProps {
  readonly config: EnvironmentConfig;
  /** The EKS cluster's name: the `ClusterName` dimension of the business metrics. */
  readonly clusterName: string;
  /** The Kubernetes namespace of the core APIs: the `Namespace` dimension of the business metrics. */
  readonly appNamespace: string;
  /** The `LoadBalancer` dimension of the core APIs' ALB (see IngressLoadBalancer). */
  readonly apiLoadBalancerDimension: string;
  readonly functions: readonly ObservedFunction[];
  readonly database: rds.DatabaseCluster;
  /** The core services by name: the business alarms and dashboard sections each one declares are built here. */
  readonly services: Readonly<Record<string, CoreServiceDefinition>>;
}

/** One alarm of the platform: what it watches, when it fires, and whether it defines the steady state. */
interface AlarmSpec extends Pick<cloudwatch.AlarmProps, 'metric' | 'threshold' | 'evaluationPeriods' | 'datapointsToAlarm' | 'alarmDescription'> {
  readonly id: string;
  readonly comparisonOperator?: cloudwatch.ComparisonOperator;
  /** Part of the steady state: any of these in ALARM puts the composite in ALARM (and stops experiments). */
  readonly steadyState?: boolean;
}

const ONE_MINUTE = Duration.minutes(1);
const FIVE_MINUTES = Duration.minutes(5);

const THRESHOLD_COMPARISONS: Record<NonNullable<BusinessAlarm['comparison']>, cloudwatch.ComparisonOperator> = {
  above: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
  'at-or-above': cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  below: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
  'at-or-below': cloudwatch.ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD,
};
const BAND_COMPARISONS: Record<BusinessBandAlarm['direction'], cloudwatch.ComparisonOperator> = {
  below: cloudwatch.ComparisonOperator.LESS_THAN_LOWER_THRESHOLD,
  above: cloudwatch.ComparisonOperator.GREATER_THAN_UPPER_THRESHOLD,
  outside: cloudwatch.ComparisonOperator.LESS_THAN_LOWER_OR_GREATER_THAN_UPPER_THRESHOLD,
};

/** Customer impact, each judged over three minutes so that one slow minute does not stop an experiment. */
const API_SERVER_ERROR_PERCENT = 5;
const API_P99_LATENCY_SECONDS = 1;
/** Alarm at this share of what the database and functions can take. */
const NEAR_LIMIT = 0.8;

/**
 * Steady state as code: a dashboard of the platform's signals, alarms on them e-mailed to the owner,
 * and one composite alarm, `steadyState`, that is in ALARM whenever customers are affected: the
 * stop condition of chaos experiments. The load balancer, functions and database are the platform's
 * own; the business alarms and dashboard sections are what each core service's registry entry
 * declares (`businessMetrics`), so a service's go with its entry.
 *
 * Everything it watches comes in as constructs of the other stacks, read through weak cross-stack
 * references (cdk.json sets @aws-cdk/core:defaultCrossStackReferences "weak": Fn::GetStackOutput, no
 * exports), which CloudFormation does not guard. This stack deploys after them because the CDK CLI
 * orders stacks by those references, and is deleted before them only when they go together in
 * `cdk destroy --all`, in the CLI's reverse dependency order.
 */
export class ObservabilityStack extends Stack {
  readonly steadyState: cloudwatch.CompositeAlarm;
  readonly alarms: readonly cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: ObservabilityStackProps) {
    super(scope, id, props);
    const { config } = props;
    const alarmAction = new cloudwatchActions.SnsAction(
      new AlarmTopic(this, 'AlarmTopic', { email: config.budget.alertEmail, keyProps: keyLifecycleOf(config) }).topic,
    );

    // What each service declares in its registry entry (infra/config/core-services.ts), its metrics found by its name.
    const declared = Object.entries(props.services).flatMap(([service, { businessMetrics }]) => (businessMetrics ? [{ service, ...businessMetrics }] : []));
    const business = (service: string, { name, statistic }: BusinessMetric, period = ONE_MINUTE) =>
      new cloudwatch.Metric({
        namespace: BUSINESS_METRICS_NAMESPACE,
        metricName: name,
        dimensionsMap: { ClusterName: props.clusterName, Namespace: props.appNamespace, service } satisfies BusinessMetricDimensions,
        statistic,
        period,
      });
    const businessAlarms = declared.flatMap(({ service, alarms = [] }) =>
      alarms.map(
        (declaration): AlarmSpec => ({
          id: declaration.id,
          metric: business(service, declaration.metric),
          threshold: declaration.threshold,
          comparisonOperator: THRESHOLD_COMPARISONS[declaration.comparison ?? 'above'],
          evaluationPeriods: declaration.evaluationPeriods,
          datapointsToAlarm: declaration.datapointsToAlarm,
          alarmDescription: declaration.description,
          steadyState: declaration.steadyState !== undefined,
        }),
      ),
    );
    const customerImpacts = declared.flatMap(({ alarms = [] }) => alarms.flatMap(({ steadyState }) => (steadyState ? [steadyState.impact] : [])));

    const alb = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({ namespace: 'AWS/ApplicationELB', metricName, dimensionsMap: { LoadBalancer: props.apiLoadBalancerDimension }, statistic, period: ONE_MINUTE });
    const apiServerErrorRate = new cloudwatch.MathExpression({
      // No requests, no rate (the sandbox is often idle): FILL only the error counts.
      expression: '100 * (FILL(targetErrors, 0) + FILL(balancerErrors, 0)) / requests',
      usingMetrics: {
        targetErrors: alb('HTTPCode_Target_5XX_Count', cloudwatch.Stats.SUM),
        balancerErrors: alb('HTTPCode_ELB_5XX_Count', cloudwatch.Stats.SUM),
        requests: alb('RequestCount', cloudwatch.Stats.SUM),
      },
      label: 'API 5xx (% of requests)',
      period: ONE_MINUTE,
    });
    const apiLatencyP99 = alb('TargetResponseTime', cloudwatch.Stats.p(99));

    const database = props.database;
    const databaseCapacity = database.metricServerlessDatabaseCapacity({ period: ONE_MINUTE, statistic: cloudwatch.Stats.MAXIMUM });
    const databaseCapacityUsed = database.metricACUUtilization({ period: FIVE_MINUTES });
    const databaseConnections = database.metricDatabaseConnections({ period: ONE_MINUTE, statistic: cloudwatch.Stats.MAXIMUM });

    const specs: AlarmSpec[] = [
      {
        id: 'ApiServerErrors',
        metric: apiServerErrorRate,
        threshold: API_SERVER_ERROR_PERCENT,
        evaluationPeriods: 3,
        alarmDescription: `More than ${API_SERVER_ERROR_PERCENT}% of API requests answered 5xx for 3 minutes`,
        steadyState: true,
      },
      {
        id: 'ApiLatency',
        metric: apiLatencyP99,
        threshold: API_P99_LATENCY_SECONDS,
        evaluationPeriods: 3,
        alarmDescription: `API p99 latency above ${API_P99_LATENCY_SECONDS} s for 3 minutes`,
        steadyState: true,
      },
      // The services' own right after the API's: customer impact first in the dashboard's alarm status.
      ...businessAlarms,
      {
        id: 'DatabaseNearMaxCapacity',
        metric: databaseCapacityUsed,
        threshold: NEAR_LIMIT * 100,
        evaluationPeriods: 3,
        alarmDescription: `Aurora used more than ${NEAR_LIMIT * 100}% of its maximum ACUs (database.maxCapacity) for 15 minutes`,
      },
      {
        id: 'DatabaseConnectionsNearLimit',
        metric: databaseConnections,
        threshold: Math.floor(NEAR_LIMIT * maxConnectionsAt(config.database.maxCapacity)),
        evaluationPeriods: 3,
        alarmDescription: `Aurora connections above ${NEAR_LIMIT * 100}% of max_connections at ${config.database.maxCapacity} ACUs for 3 minutes`,
      },
      ...props.functions.flatMap(({ name, function: fn, deadLetters }): AlarmSpec[] => [
        { id: `${name}Throttled`, metric: fn.metricThrottles({ period: FIVE_MINUTES }), threshold: 0, evaluationPeriods: 1, alarmDescription: `${name} invocations were throttled` },
        {
          id: `${name}NearTimeout`,
          metric: fn.metricDuration({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.p(99) }),
          threshold: NEAR_LIMIT * timeoutOf(fn).toMilliseconds(),
          evaluationPeriods: 3,
          alarmDescription: `${name} p99 duration above ${NEAR_LIMIT * 100}% of its timeout for 15 minutes`,
        },
        {
          id: `${name}DeadLettersAging`,
          metric: deadLetters.metricApproximateAgeOfOldestMessage({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.MAXIMUM }),
          // Failed events are kept 14 days; a day unattended means nobody is redriving them.
          threshold: Duration.days(1).toSeconds(),
          evaluationPeriods: 1,
          alarmDescription: `${name} dead letters have waited more than a day for a redrive`,
        },
      ]),
    ];

    const alarms = specs.map(({ id, steadyState, comparisonOperator, ...spec }) => {
      const alarm = new cloudwatch.Alarm(this, id, {
        ...spec,
        comparisonOperator: comparisonOperator ?? cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        // Missing data is no traffic (an idle sandbox) or nothing to report, not an outage: the 5xx rate sees outages.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(alarmAction);
      return { alarm, steadyState };
    });
    const bandAlarms = declared.flatMap(({ service, bandAlarms: declarations = [] }) =>
      declarations.map((declaration) => {
        const metric = business(service, declaration.metric, Duration.minutes(declaration.periodMinutes));
        // The band's model, declared so that the stack owns it: for an alarm's band alone CloudWatch creates
        // a model implicitly, which outlives the alarm (and `cdk destroy`). Same metric and stat as the band.
        const model = new cloudwatch.CfnAnomalyDetector(this, declaration.modelId, {
          namespace: BUSINESS_METRICS_NAMESPACE,
          metricName: declaration.metric.name,
          dimensions: Object.entries(metric.dimensions ?? {}).map(([name, value]) => ({ name, value: String(value) })),
          stat: metric.statistic,
        });
        const alarm = new cloudwatch.AnomalyDetectionAlarm(this, declaration.id, {
          metric,
          stdDevs: declaration.stdDevs,
          comparisonOperator: BAND_COMPARISONS[declaration.direction],
          evaluationPeriods: declaration.evaluationPeriods,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          alarmDescription: declaration.description,
        });
        alarm.addAlarmAction(alarmAction);
        // Created first and deleted last: the alarm never finds its model missing and creates one implicitly.
        alarm.node.addDependency(model);
        return alarm;
      }),
    );
    this.alarms = [...alarms.map(({ alarm }) => alarm), ...bandAlarms];

    this.steadyState = new cloudwatch.CompositeAlarm(this, 'SteadyState', {
      compositeAlarmName: physicalName(config, 'steady-state'),
      alarmDescription: `Customers are affected: ${['API errors or latency', ...customerImpacts].join(', or ')}. The stop condition of chaos experiments.`,
      alarmRule: cloudwatch.AlarmRule.anyOf(...alarms.filter(({ steadyState }) => steadyState).map(({ alarm }) => alarm)),
    });
    this.steadyState.addAlarmAction(alarmAction);

    const sections: DashboardSection[] = [
      ...declared.flatMap(({ service, dashboard = [] }) =>
        dashboard.map(({ title, graphs }) => ({
          title,
          graphs: graphs.map((graph) => ({ title: graph.title, left: graph.left.map((metric) => business(service, metric)), right: graph.right?.map((metric) => business(service, metric)) })),
        })),
      ),
      { title: 'API (load balancer)', graphs: [{ title: 'Server errors', left: [apiServerErrorRate] }, { title: 'Latency p99 (s)', left: [apiLatencyP99] }] },
      ...props.functions.map(({ name, function: fn, deadLetters }) => ({
        title: `${name} (Lambda)`,
        graphs: [
          { title: 'Errors and throttles', left: [fn.metricErrors({ period: FIVE_MINUTES }), fn.metricThrottles({ period: FIVE_MINUTES })] },
          { title: 'Duration p99 (ms)', left: [fn.metricDuration({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.p(99) })] },
          { title: 'Dead letters', left: [deadLetters.metricApproximateNumberOfMessagesVisible()], right: [deadLetters.metricApproximateAgeOfOldestMessage()] },
        ],
      })),
      { title: 'Database (Aurora Serverless v2)', graphs: [{ title: 'Capacity (ACU)', left: [databaseCapacity], right: [databaseCapacityUsed] }, { title: 'Connections', left: [databaseConnections] }] },
    ];
    new PlatformDashboard(this, 'Dashboard', { dashboardName: physicalName(config, 'steady-state'), alarms: [this.steadyState, ...this.alarms], sections });
  }
}

/**
 * Aurora PostgreSQL's default max_connections, LEAST(DBInstanceClassMemory / 9531392, 5000), for a
 * Serverless v2 instance at `acu` capacity units of 2 GiB each: Serverless v2 sizes it by the maximum.
 */
function maxConnectionsAt(acu: number): number {
  return Math.min(Math.floor((acu * 2 * 1024 ** 3) / 9_531_392), 5000);
}

/** Lambda's own default timeout applies to a function that sets none. */
function timeoutOf(fn: lambda.Function): Duration {
  return fn.timeout ?? Duration.seconds(3);
}
