import { BUSINESS_METRICS_NAMESPACE, publishedBusinessMetrics } from '../../infra/config/business-metrics';
import { CORE_SERVICE_REGISTRY } from '../../infra/config/core-services';
import { PROJECT } from '../../infra/config/naming';
import { KIT_METRICS } from '../../services/kit/business-metrics';
import { ORDERS_METRICS } from '../../services/orders/business-metrics';
import { platformOf } from './platform-fixture';
import { alarmOf, alarmResourceOf, businessDimensions, dashboardBodyOf, steadyStateOf } from './support/cloudwatch-template';

/**
 * The orders sample's business alarms and dashboard, as its registry entry declares them
 * (infra/config/core-services.ts): they go with the sample.
 */

const sandbox = platformOf('sandbox').template('observability');
const ordersDimensions = businessDimensions(`${PROJECT}-sandbox-cluster`, 'orders');

describe("the orders sample's steady state", () => {
  it('is the API 5xx rate, the API p99 latency and the outbox age, and nothing else', () => {
    expect(steadyStateOf(sandbox).members.sort()).toEqual(['ApiLatency', 'ApiServerErrors', 'OutboxStuck']);
  });

  it('says customers are affected when orders do not reach the event bus', () => {
    expect(steadyStateOf(sandbox).properties.AlarmDescription).toBe(
      'Customers are affected: API errors or latency, or orders not reaching the event bus. The stop condition of chaos experiments.',
    );
  });

  it('alarms when the oldest outbox event is older than 2 minutes for 3 minutes', () => {
    expect(alarmOf(sandbox, 'OutboxStuck')).toMatchObject({
      Namespace: BUSINESS_METRICS_NAMESPACE,
      MetricName: ORDERS_METRICS.outboxOldestPendingAge,
      Dimensions: ordersDimensions,
      Statistic: 'Maximum',
      Threshold: 120,
      EvaluationPeriods: 3,
    });
  });
});

describe("the orders sample's business alarms", () => {
  it.each([
    ['OutboxRelayFailing', ORDERS_METRICS.outboxRelayFailures, 'Sum', 0],
    ['CatalogLookupsFailing', ORDERS_METRICS.catalogLookupsFailed, 'Sum', 0],
    ['CatalogCircuitOpen', KIT_METRICS.circuitBreakerState, 'Maximum', 2],
  ])('%s watches %s (%s) against %d', (id, metricName, statistic, threshold) => {
    expect(alarmOf(sandbox, id)).toMatchObject({ Namespace: BUSINESS_METRICS_NAMESPACE, MetricName: metricName, Statistic: statistic, Threshold: threshold, Dimensions: ordersDimensions });
  });

  it('alarms when the circuit breaker is open, not half-open', () => {
    expect(alarmOf(sandbox, 'CatalogCircuitOpen')).toMatchObject({ ComparisonOperator: 'GreaterThanOrEqualToThreshold', Threshold: 2 });
  });

  it('alarms when orders placed fall below their anomaly band, since an idle sandbox has no fixed floor', () => {
    const properties = alarmOf(sandbox, 'OrdersDropped');
    expect(properties).toMatchObject({ ComparisonOperator: 'LessThanLowerThreshold', EvaluationPeriods: 3 });
    expect(JSON.stringify(properties.Metrics)).toContain('ANOMALY_DETECTION_BAND(m0, 3)');
    expect(JSON.stringify(properties.Metrics)).toContain(`"MetricName":"${ORDERS_METRICS.ordersPlaced}"`);
  });

  it('owns the anomaly model of the orders band (same metric, dimensions and stat), so cdk destroy deletes it after the alarm', () => {
    const detectors = Object.entries(sandbox.findResources('AWS::CloudWatch::AnomalyDetector'));
    expect(detectors).toHaveLength(1);
    const [detectorId, detector] = detectors[0];
    expect(detectorId).toBe('OrdersPlacedModel');
    expect(detector.Properties).toEqual({ Namespace: BUSINESS_METRICS_NAMESPACE, MetricName: ORDERS_METRICS.ordersPlaced, Dimensions: ordersDimensions, Stat: 'Sum' });
    const band = (alarmOf(sandbox, 'OrdersDropped').Metrics as { MetricStat?: { Metric: { Dimensions: unknown }; Stat: string } }[]).find((m) => m.MetricStat)!.MetricStat!;
    expect(band.Stat).toBe(detector.Properties.Stat);
    expect(band.Metric.Dimensions).toEqual(detector.Properties.Dimensions);
    expect(alarmResourceOf(sandbox, 'OrdersDropped').DependsOn).toContain(detectorId);
  });
});

describe("the orders sample's dashboard and metrics", () => {
  it('has the Orders and Outbox sections, first, with every orders metric and the circuit breaker', () => {
    const body = dashboardBodyOf(sandbox);
    expect(body.indexOf('## Orders')).toBeGreaterThan(-1);
    expect(body.indexOf('## Orders')).toBeLessThan(body.indexOf('## Outbox'));
    expect(body.indexOf('## Outbox')).toBeLessThan(body.indexOf('## API (load balancer)'));
    for (const name of [...Object.values(ORDERS_METRICS), KIT_METRICS.circuitBreakerState]) {
      expect([name, body.includes(name)]).toEqual([name, true]);
    }
  });

  it('publishes the orders metrics and the circuit breaker to CloudWatch, and nothing else', () => {
    expect(publishedBusinessMetrics(CORE_SERVICE_REGISTRY)).toEqual([...Object.values(ORDERS_METRICS), KIT_METRICS.circuitBreakerState]);
  });
});
