/**
 * The names, labels and label values of the metrics the kit's own parts report (Prometheus, at each
 * service's /metrics), in one place: a service creates them from these, and a registry entry
 * (infra/config/core-services.ts) declares alarms and dashboard graphs on the same constants, so
 * that a renamed metric breaks the build instead of silencing an alarm. A service's own metrics are
 * named in its folder (e.g. services/orders/business-metrics.ts). Data only, with no imports:
 * synthesis loads nothing of the services' runtime (prom-client, opossum, pg) by importing it.
 */

/** Prometheus metric names (registered with the default label `service`). */
export const KIT_METRICS = {
  /** Gauge, label `upstream` (e.g. `catalog`): a resilient HTTP client's circuit breaker state (CIRCUIT_BREAKER_STATE). */
  circuitBreakerState: 'circuit_breaker_state',
} as const;

/** The labels of what a resilient HTTP client reports, besides `service`. */
export const UPSTREAM_METRIC_LABELS = { reason: 'reason', upstream: 'upstream' } as const;

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
