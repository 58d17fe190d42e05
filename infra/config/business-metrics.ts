/**
 * How the core services' business metrics (named in services/kit/business-metrics.ts) reach
 * CloudWatch: the namespace the CloudWatch agent publishes them in, the dimensions each data point
 * carries, and the scrape job. The agent's configuration (cluster stack) and the dashboard and alarms
 * (observability stack) both read it here.
 */

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
