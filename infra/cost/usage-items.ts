import { amount, counted, steady, type CostItems, type CostLine } from './cost-line';
import type { Assumptions } from './assumptions';
import { PRICES } from './prices';
import { countOf, kubernetesObjects, referencedResource, resourcesOfType, type CfnResource, type CfnTemplate } from './template-inventory';

/**
 * The items billed per request or per resource-month: the serverless half at the assumed traffic,
 * CloudWatch alarms, metrics and dashboards, keys, secrets and stored assets. Which resources exist
 * (and so what is billed) comes from the template; how much they are used, from the assumptions.
 */

const million = 1e6;
const ordersPerMonth = (a: Assumptions) => a.ordersPerDay * a.daysPerMonth;
const uploadsPerMonth = (a: Assumptions) => a.uploadsPerDay * a.daysPerMonth;

/** The functions an SQS event source feeds (one run per order) and those S3 notifications invoke (one per upload). */
function triggeredFunctions(template: CfnTemplate): { perOrder: CfnResource[]; perUpload: CfnResource[]; polledQueues: number } {
  const mappings = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping');
  const perOrder = mappings.map((mapping) => referencedResource(template, mapping.Properties?.FunctionName)).filter((fn) => fn !== undefined);
  const perUpload = resourcesOfType(template, 'Custom::S3BucketNotifications').flatMap((notifications) => {
    const configuration = notifications.Properties?.NotificationConfiguration as { LambdaFunctionConfigurations?: { LambdaFunctionArn: unknown }[] } | undefined;
    return (configuration?.LambdaFunctionConfigurations ?? []).map((target) => referencedResource(template, target.LambdaFunctionArn)).filter((fn) => fn !== undefined);
  });
  return { perOrder, perUpload, polledQueues: mappings.length };
}

function gbSeconds(fn: CfnResource, seconds: number): { gbSeconds: number; price: number } {
  const memoryMb = (fn.Properties?.MemorySize as number | undefined) ?? 128;
  const arm = ((fn.Properties?.Architectures as string[] | undefined) ?? []).includes('arm64');
  return { gbSeconds: (memoryMb / 1024) * seconds, price: arm ? PRICES.lambdaArmGbSecond.usd : PRICES.lambdaX86GbSecond.usd };
}

export const lambdaFunctions: CostItems = (template, { assumptions }) => {
  const { perOrder, perUpload } = triggeredFunctions(template);
  const runs = [
    ...perOrder.map((fn) => ({ fn, invocations: ordersPerMonth(assumptions), seconds: assumptions.eventFunctionSeconds })),
    ...perUpload.map((fn) => ({ fn, invocations: uploadsPerMonth(assumptions), seconds: assumptions.uploadFunctionSeconds })),
  ];
  if (runs.length === 0) return [];
  const invocations = runs.reduce((total, run) => total + run.invocations, 0);
  const compute = runs.reduce((total, run) => {
    const { gbSeconds: perRun, price } = gbSeconds(run.fn, run.seconds);
    return total + run.invocations * perRun * price;
  }, 0);
  const logGb = (invocations * assumptions.functionLogBytesPerInvocation) / 1e9;
  return [
    steady('Lambda', `${counted(runs.length, 'function')} triggered, ${amount(invocations)} runs`, (invocations / million) * PRICES.lambdaRequestMillion.usd + compute),
    steady('function logs (CloudWatch)', `${amount(logGb)} GB ingested`, logGb * PRICES.logsIngestedGb.usd),
  ];
};

export const sqsQueues: CostItems = (template, { assumptions }) => {
  const queues = countOf(template, 'AWS::SQS::Queue');
  if (queues === 0) return [];
  const { polledQueues } = triggeredFunctions(template);
  const idlePolls = polledQueues * assumptions.sqsIdlePollsPerQueuePerMinute * 60 * assumptions.hoursPerMonth;
  const messages = polledQueues * ordersPerMonth(assumptions) * assumptions.sqsRequestsPerMessage;
  const requests = idlePolls + messages;
  if (requests === 0) return [];
  return [steady('SQS', `${counted(queues, 'queue')} (${polledQueues} polled), ${amount(requests / million)} million requests`, (requests / million) * PRICES.sqsRequestMillion.usd)];
};

/** A topic that no alarm of the template notifies carries the per-order notifications; the alarm topics cost nothing at rest. */
export const snsTopics: CostItems = (template, { assumptions }) => {
  const topics = Object.entries(template.Resources ?? {}).filter(([, resource]) => resource.Type === 'AWS::SNS::Topic');
  if (topics.length === 0) return [];
  const alarmTargets = JSON.stringify(resourcesOfType(template, 'AWS::CloudWatch::Alarm').map((alarm) => alarm.Properties?.AlarmActions));
  const published = topics.filter(([id]) => !alarmTargets.includes(`"${id}"`)).length;
  const publishes = published * ordersPerMonth(assumptions);
  if (publishes === 0) return [];
  return [steady('SNS', `${counted(topics.length, 'topic')}, ${amount(publishes)} publishes`, (publishes / million) * PRICES.snsPublishMillion.usd)];
};

export const eventBuses: CostItems = (template, { assumptions }) => {
  const buses = countOf(template, 'AWS::Events::EventBus');
  if (buses === 0) return [];
  const events = buses * ordersPerMonth(assumptions);
  return [steady('EventBridge', `${counted(buses, 'bus', 'buses')}, ${amount(events)} events`, (events / million) * PRICES.eventBridgeEventMillion.usd)];
};

export const dynamoDbTables: CostItems = (template, { assumptions }) => {
  const tables = [...resourcesOfType(template, 'AWS::DynamoDB::Table'), ...resourcesOfType(template, 'AWS::DynamoDB::GlobalTable')].filter(
    (table) => table.Properties?.BillingMode === 'PAY_PER_REQUEST',
  ).length;
  if (tables === 0) return [];
  const writes = tables * ordersPerMonth(assumptions) * assumptions.idempotencyWritesPerOrder;
  const reads = tables * ordersPerMonth(assumptions) * assumptions.idempotencyReadsPerOrder;
  const usd = (writes / million) * PRICES.dynamoDbWriteMillion.usd + (reads / million) * PRICES.dynamoDbReadMillion.usd;
  return [steady('DynamoDB on demand', `${counted(tables, 'table')}, ${amount(writes)} writes + ${amount(reads)} reads`, usd)];
};

export const s3Buckets: CostItems = (template, { assumptions }) => {
  const buckets = countOf(template, 'AWS::S3::Bucket');
  if (buckets === 0) return [];
  const uploads = triggeredFunctions(template).perUpload.length > 0 ? uploadsPerMonth(assumptions) : 0;
  const puts = uploads * (1 + assumptions.thumbnailsPerUpload);
  const usd = assumptions.s3StorageGb * PRICES.s3GbMonth.usd + (puts / 1000) * PRICES.s3PutThousand.usd + (uploads / 1000) * PRICES.s3GetThousand.usd;
  return [steady('S3', `${counted(buckets, 'bucket')}, ${amount(assumptions.s3StorageGb)} GB + ${amount(puts)} PUTs`, usd)];
};

/** Images in the CDK bootstrap repository (one per core service the charts run) and the CDK assets bucket. */
export const storedAssets: CostItems = (template, { assumptions }) => {
  const services = kubernetesObjects(template).filter((object) => object.kind === 'Deployment').length;
  if (services === 0) return [];
  const ecrGb = services * assumptions.ecrGbPerService;
  const usd = ecrGb * PRICES.ecrGbMonth.usd + assumptions.assetStorageGb * PRICES.s3GbMonth.usd;
  return [steady('ECR images and CDK assets', `${amount(ecrGb)} GB in ECR (${counted(services, 'service')}) + ${amount(assumptions.assetStorageGb)} GB in S3`, usd)];
};

interface AlarmProperties {
  readonly Metrics?: { MetricStat?: { Metric: { Namespace: string; MetricName: string } } }[];
  readonly Namespace?: string;
  readonly MetricName?: string;
  readonly ThresholdMetricId?: string;
}

/** Standard alarms are billed per metric they read; an anomaly detection alarm as 3 per metric; a composite alarm per alarm. */
export const cloudWatchAlarms: CostItems = (template) => {
  const alarms = resourcesOfType(template, 'AWS::CloudWatch::Alarm').map((alarm) => alarm.Properties as AlarmProperties);
  const composites = countOf(template, 'AWS::CloudWatch::CompositeAlarm');
  if (alarms.length === 0 && composites === 0) return [];
  const metricsOf = (alarm: AlarmProperties) => (alarm.Metrics ? alarm.Metrics.filter((metric) => metric.MetricStat).length : 1);
  const anomaly = alarms.filter((alarm) => alarm.ThresholdMetricId);
  const standard = alarms.filter((alarm) => !alarm.ThresholdMetricId);
  const standardMetrics = standard.reduce((total, alarm) => total + metricsOf(alarm), 0);
  const anomalyMetrics = anomaly.reduce((total, alarm) => total + 3 * metricsOf(alarm), 0);
  const kinds = [counted(standard.length, 'standard alarm'), `${anomaly.length} anomaly detection`, `${composites} composite`].join(', ');
  const usd = (standardMetrics + anomalyMetrics) * PRICES.alarmMetricMonth.usd + composites * PRICES.compositeAlarmMonth.usd;
  return [steady('CloudWatch alarms', `${kinds} (${standardMetrics + anomalyMetrics} alarm metrics)`, usd)];
};

/** The metrics outside AWS's own namespaces that the template's alarms read: published by the platform, billed as custom metrics. */
export const customMetrics: CostItems = (template) => {
  const names = new Set<string>();
  for (const alarm of resourcesOfType(template, 'AWS::CloudWatch::Alarm').map((resource) => resource.Properties as AlarmProperties)) {
    const metrics = alarm.Metrics?.flatMap((metric) => (metric.MetricStat ? [metric.MetricStat.Metric] : [])) ?? [{ Namespace: alarm.Namespace, MetricName: alarm.MetricName }];
    for (const metric of metrics) if (metric.Namespace && !metric.Namespace.startsWith('AWS/')) names.add(`${metric.Namespace}/${metric.MetricName}`);
  }
  if (names.size === 0) return [];
  return [steady('custom metrics', `${counted(names.size, 'metric')} that alarms read`, names.size * PRICES.customMetricMonth.usd)];
};

/** Items billed per resource and month, counted by type. */
const PER_RESOURCE: readonly { type: string; item: string; noun: string; usd: number; note?: string }[] = [
  { type: 'AWS::CloudWatch::Dashboard', item: 'CloudWatch dashboards', noun: 'dashboard', usd: PRICES.dashboardMonth.usd },
  { type: 'AWS::KMS::Key', item: 'KMS keys', noun: 'key', usd: PRICES.kmsKeyMonth.usd },
  { type: 'AWS::SecretsManager::Secret', item: 'Secrets Manager', noun: 'secret', usd: PRICES.secretMonth.usd },
  { type: 'AWS::Budgets::Budget', item: 'AWS Budgets', noun: 'budget', usd: 0, note: 'the first two of an account are free' },
  { type: 'AWS::FIS::ExperimentTemplate', item: 'FIS experiment templates', noun: 'template', usd: 0, note: 'billed per action-minute when run' },
];

export const perResourceItems: CostItems = (template) =>
  PER_RESOURCE.flatMap(({ type, item, noun, usd, note }): CostLine[] => {
    const count = countOf(template, type);
    return count === 0 ? [] : [steady(item, `${counted(count, noun)}${note ? ` (${note})` : ''}`, count * usd)];
  });
