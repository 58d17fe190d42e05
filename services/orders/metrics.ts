import { Counter, Gauge, type Registry } from 'prom-client';
import { CIRCUIT_BREAKER_STATE, KIT_METRICS, UPSTREAM_FAILURE_REASONS, UPSTREAM_METRIC_LABELS, type UpstreamFailureReason } from '../kit/business-metrics';
import type { ResilientHttpClient } from '../kit/resilient-http-client';
import { ORDERS_METRICS, OUTBOX_RELAY_FAILURE_STAGES, OUTBOX_RELAY_STAGE_LABEL, type OutboxRelayFailureStage } from './business-metrics';

/** What the orders service counts as it happens; the gauges are read when scraped. */
export interface OrdersMetrics {
  orderPlaced(): void;
  catalogLookupFailed(reason: UpstreamFailureReason): void;
  relayFailed(stage: OutboxRelayFailureStage, count?: number): void;
}

/**
 * The orders service's business metrics on its registry (names: ./business-metrics.ts, and the kit's
 * for the breaker), but for the outbox gauges (./outbox-gauges.ts). `catalog` is the client whose
 * breaker state is reported.
 */
export function registerOrdersMetrics(registry: Registry, catalog: ResilientHttpClient): OrdersMetrics {
  const placed = new Counter({ name: ORDERS_METRICS.ordersPlaced, help: 'Orders placed', registers: [registry] });
  const lookupsFailed = new Counter({
    name: ORDERS_METRICS.catalogLookupsFailed,
    help: 'Catalog price lookups that got no usable answer, by reason',
    labelNames: [UPSTREAM_METRIC_LABELS.reason],
    registers: [registry],
  });
  const relayFailures = new Counter({
    name: ORDERS_METRICS.outboxRelayFailures,
    help: 'Outbox relay failures: events EventBridge did not accept (stage publish), failed sweeps (stage sweep)',
    labelNames: [OUTBOX_RELAY_STAGE_LABEL],
    registers: [registry],
  });
  // Every label value from 0, so that increase() and rate() see the first failure of each.
  for (const reason of UPSTREAM_FAILURE_REASONS) lookupsFailed.inc({ [UPSTREAM_METRIC_LABELS.reason]: reason }, 0);
  for (const stage of OUTBOX_RELAY_FAILURE_STAGES) relayFailures.inc({ [OUTBOX_RELAY_STAGE_LABEL]: stage }, 0);
  new Gauge({
    name: KIT_METRICS.circuitBreakerState,
    help: `Circuit breaker state by upstream: ${Object.entries(CIRCUIT_BREAKER_STATE).map(([state, value]) => `${value} ${state}`).join(', ')}`,
    labelNames: [UPSTREAM_METRIC_LABELS.upstream],
    registers: [registry],
    collect() {
      this.set({ [UPSTREAM_METRIC_LABELS.upstream]: catalog.name }, CIRCUIT_BREAKER_STATE[catalog.breakerState]);
    },
  });
  return {
    orderPlaced: () => placed.inc(),
    catalogLookupFailed: (reason) => lookupsFailed.inc({ [UPSTREAM_METRIC_LABELS.reason]: reason }),
    relayFailed: (stage, count = 1) => relayFailures.inc({ [OUTBOX_RELAY_STAGE_LABEL]: stage }, count),
  };
}
