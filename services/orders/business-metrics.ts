/**
 * The names and label values of the orders service's business metrics (Prometheus, at its /metrics),
 * in one place: the service creates its metrics from these, and its registry entry
 * (infra/config/core-services.ts) declares its alarms and dashboard graphs on the same constants, so
 * that a renamed metric breaks the build instead of silencing an alarm. Data only, with no imports:
 * synthesis loads nothing of the service's runtime by importing it.
 */

/** Prometheus metric names, as the orders service registers them (with the default label `service`). */
export const ORDERS_METRICS = {
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
  /** Counter, label `reason` (the kit's UPSTREAM_FAILURE_REASONS): catalog price lookups (one per distinct product of an order) that got no usable answer. */
  catalogLookupsFailed: 'catalog_lookups_failed_total',
} as const;

/** The label of `outbox_relay_failures_total`. */
export const OUTBOX_RELAY_STAGE_LABEL = 'stage';

/** publish: one per event EventBridge did not accept (it is retried); sweep: one per relay sweep that failed (e.g. the database). */
export const OUTBOX_RELAY_FAILURE_STAGES = ['publish', 'sweep'] as const;
export type OutboxRelayFailureStage = (typeof OUTBOX_RELAY_FAILURE_STAGES)[number];

/** The relay publishes right after commit: an outbox event older than this means publishing is stuck (its alarm: the orders registry entry). */
export const OUTBOX_STUCK_AFTER_SECONDS = 120;
