/**
 * The names, labels and label values of the services' business metrics (Prometheus, at each
 * service's /metrics), in one place: the services create their metrics from these, and the CDK
 * dashboards and alarms import the same constants, so that a renamed metric breaks the build instead
 * of silencing an alarm. Data only, with no imports: synthesis loads nothing of the services'
 * runtime (prom-client, opossum, pg) by importing it.
 */

/** Prometheus metric names, as the orders service registers them (with the default label `service`). */
export const BUSINESS_METRICS = {
  /** Counter: orders placed (order and outbox rows committed together). */
  ordersPlaced: 'orders_placed_total',
  /**
   * Gauge: outbox events not yet published to EventBridge, read from the outbox table when scraped.
   * Every replica reads the same table: aggregate across pods with max, not sum.
   */
  outboxPendingEvents: 'outbox_pending_events',
  /** Gauge: age in seconds of the oldest outbox event not yet published (0 when none); aggregate with max. */
  outboxOldestPendingAge: 'outbox_oldest_pending_age_seconds',
  /** Counter, label `stage` (OUTBOX_RELAY_FAILURE_STAGES): outbox relay failures. */
  outboxRelayFailures: 'outbox_relay_failures_total',
  /** Counter, label `reason` (UPSTREAM_FAILURE_REASONS): catalog price lookups (one per distinct product of an order) that got no usable answer. */
  catalogLookupsFailed: 'catalog_lookups_failed_total',
  /** Gauge, label `upstream` (e.g. `catalog`): a resilient HTTP client's circuit breaker state (CIRCUIT_BREAKER_STATE). */
  circuitBreakerState: 'circuit_breaker_state',
} as const;

/** The labels the business metrics carry besides `service`. */
export const BUSINESS_METRIC_LABELS = { stage: 'stage', reason: 'reason', upstream: 'upstream' } as const;

/** publish: one per event EventBridge did not accept (it is retried); sweep: one per relay sweep that failed (e.g. the database). */
export const OUTBOX_RELAY_FAILURE_STAGES = ['publish', 'sweep'] as const;
export type OutboxRelayFailureStage = (typeof OUTBOX_RELAY_FAILURE_STAGES)[number];

/**
 * Why a call to another service got no usable answer (services/kit/resilient-http-client.ts):
 * timeout: its last attempt was abandoned at the attempt timeout; unavailable: refused, cut off or a
 * 5xx; circuit_open: the breaker refused it without a request; bad_answer: an answer that breaks the
 * upstream's contract (not JSON, or not the expected shape).
 */
export const UPSTREAM_FAILURE_REASONS = ['timeout', 'unavailable', 'circuit_open', 'bad_answer'] as const;
export type UpstreamFailureReason = (typeof UPSTREAM_FAILURE_REASONS)[number];

/** The values of the `circuit_breaker_state` gauge. */
export const CIRCUIT_BREAKER_STATE = { closed: 0, halfOpen: 1, open: 2 } as const;
export type CircuitBreakerState = keyof typeof CIRCUIT_BREAKER_STATE;
