/**
 * How the core services' business metrics (named next to the code that reports them, e.g.
 * services/orders/business-metrics.ts) reach CloudWatch: the namespace the CloudWatch agent publishes
 * them in, the dimensions each data point carries, the scrape job, and the shape in which a service's
 * registry entry (infra/config/core-services.ts) declares what to publish, alarm on and graph. The
 * agent's configuration (cluster stack) and the dashboard and alarms (observability stack) both read
 * it here.
 */

import type { CoreServiceDefinition } from './core-services';

/** Where the CloudWatch agent's Prometheus pipeline (EMF) publishes what it scrapes. */
export const BUSINESS_METRICS_NAMESPACE = 'ContainerInsights/Prometheus';

/**
 * Every business metric is published with these CloudWatch dimensions: `ClusterName` (added by the
 * agent), `Namespace` (the pod's Kubernetes namespace) and `service` (the registry's default label,
 * the emitting service's name). An alarm must name all three to find its metric. Other labels
 * (`stage`, `reason`, `upstream`) are no dimensions: their series add up in one metric.
 */
export const BUSINESS_METRIC_DIMENSIONS = ['ClusterName', 'Namespace', 'service'] as const;
export type BusinessMetricDimensions = Record<(typeof BUSINESS_METRIC_DIMENSIONS)[number], string>;

/** The Prometheus job that scrapes the core APIs; the agent turns only this job's metrics into CloudWatch metrics. */
export const CORE_API_SCRAPE_JOB = 'core-apis';

/** A business metric as CloudWatch stores it, per minute: its Prometheus name and how a period's data points aggregate. */
export interface BusinessMetric {
  readonly name: string;
  /** Sum for a counter (what was counted in the period); Maximum for a gauge every replica reports alike. */
  readonly statistic: 'Sum' | 'Maximum' | 'Minimum' | 'Average';
}

/** An alarm on a business metric against a fixed threshold, one data point a minute. */
export interface BusinessAlarm {
  /** Its construct id in the observability stack, e.g. `OutboxStuck`: unique across the registry. */
  readonly id: string;
  readonly metric: BusinessMetric;
  readonly threshold: number;
  /** @default 'above' */
  readonly comparison?: 'above' | 'at-or-above' | 'below' | 'at-or-below';
  /** The minutes it looks back over. */
  readonly evaluationPeriods: number;
  /** Of those, how many must breach. @default - all of them */
  readonly datapointsToAlarm?: number;
  readonly description: string;
  /**
   * Part of the steady state: the composite alarm (the stop condition of chaos experiments) is in
   * ALARM whenever this one is, and its description names `impact` (e.g. `orders not reaching the
   * event bus`). @default - not part of it
   */
  readonly steadyState?: { readonly impact: string };
}

/**
 * An alarm on a business metric leaving the band CloudWatch learns from its history, for what has no
 * fixed floor (an idle sandbox places no orders). The stack declares the band's model itself, as
 * `modelId`: CloudWatch would otherwise create one implicitly, which outlives the alarm.
 */
export interface BusinessBandAlarm {
  /** Its construct id in the observability stack, e.g. `OrdersDropped`: unique across the registry. */
  readonly id: string;
  /** The construct id of its anomaly model, e.g. `OrdersPlacedModel`: unique across the registry. */
  readonly modelId: string;
  readonly metric: BusinessMetric;
  /** The period of the metric and of its model, in minutes. */
  readonly periodMinutes: number;
  /** The band's width, in standard deviations. */
  readonly stdDevs: number;
  /** Which side of the band is trouble. */
  readonly direction: 'below' | 'above' | 'outside';
  /** The periods it looks back over (all must breach). */
  readonly evaluationPeriods: number;
  readonly description: string;
}

/** A titled row of the dashboard: one graph per entry, its metrics on the left axis and optionally others on the right. */
export interface BusinessDashboardSection {
  readonly title: string;
  readonly graphs: readonly { readonly title: string; readonly left: readonly BusinessMetric[]; readonly right?: readonly BusinessMetric[] }[];
}

/**
 * What a core service's registry entry declares about its business metrics. The observability stack
 * builds the alarms and sections of every entry that declares some, each metric with the `service`
 * dimension set to the entry's name.
 */
export interface ServiceBusinessMetrics {
  /** The metrics the CloudWatch agent turns into CloudWatch metrics (each one costs); the rest stays in the log group. */
  readonly published: readonly string[];
  /** @default - none */
  readonly alarms?: readonly BusinessAlarm[];
  /** @default - none */
  readonly bandAlarms?: readonly BusinessBandAlarm[];
  /** Its rows of the dashboard, above the platform's. @default - none */
  readonly dashboard?: readonly BusinessDashboardSection[];
}

type Declarations = Readonly<Record<string, CoreServiceDefinition>>;

/** Every metric the registry's entries publish, once, in their order: what the agent turns into CloudWatch metrics. */
export function publishedBusinessMetrics(registry: Declarations): string[] {
  return [...new Set(Object.values(registry).flatMap(({ businessMetrics }) => businessMetrics?.published ?? []))];
}

/** What the type cannot say about the entries' business metrics; each problem names the service and the key. */
export function businessMetricsProblems(registry: Declarations): string[] {
  const problems: string[] = [];
  const owners = new Map<string, string>();
  for (const [name, { businessMetrics }] of Object.entries(registry)) {
    if (!businessMetrics) continue;
    const { published, alarms = [], bandAlarms = [], dashboard = [] } = businessMetrics;
    const ids = [...alarms.map(({ id }) => id), ...bandAlarms.flatMap(({ id, modelId }) => [id, modelId])];
    for (const id of ids) {
      const owner = owners.get(id);
      if (owner) problems.push(`${name}.businessMetrics: the construct id ${id} is used twice (${owner === name ? 'by this entry' : `also by ${owner}`})`);
      owners.set(id, name);
    }
    const watched = [...alarms, ...bandAlarms].map(({ metric }) => metric);
    const graphed = dashboard.flatMap(({ graphs }) => graphs.flatMap(({ left, right = [] }) => [...left, ...right]));
    for (const metric of new Set([...watched, ...graphed].map(({ name: metricName }) => metricName))) {
      if (!published.includes(metric)) problems.push(`${name}.businessMetrics: ${metric} is alarmed on or graphed but not published, so CloudWatch never has it`);
    }
    for (const { id, evaluationPeriods, datapointsToAlarm } of alarms) {
      // Without datapointsToAlarm, CloudWatch needs every one of the evaluation periods.
      if ((datapointsToAlarm ?? evaluationPeriods) > evaluationPeriods) problems.push(`${name}.businessMetrics: ${id} needs ${datapointsToAlarm} of only ${evaluationPeriods} data points`);
    }
  }
  return problems;
}
