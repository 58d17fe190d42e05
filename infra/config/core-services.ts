/**
 * The core APIs that run on Kubernetes: the one place that says what is particular to each. The
 * cluster stack (image, Pod Identity role, grants), the charts (workload, routes, NetworkPolicies),
 * the chart values (environment), the observability stack (business alarms, dashboard sections),
 * `npm run dev` and the tests all read this registry; everything else is the platform's default.
 * Adding a service is one entry here plus `services/<name>/` (`npm run new-service -- <name> --kind
 * api` writes both).
 */

import { CIRCUIT_BREAKER_STATE, KIT_METRICS } from '../../services/kit/business-metrics';
import { ORDERS_METRICS, OUTBOX_STUCK_AFTER_SECONDS } from '../../services/orders/business-metrics';
import { businessMetricsProblems, type ServiceBusinessMetrics } from './business-metrics';

/** The namespace every core API runs in, labelled for Pod Security Standards `restricted`. */
export const APP_NAMESPACE = 'shop';

/**
 * The AWS access a core service can be given, by name. Each maps to exactly one policy, in one
 * place: infra/constructs/core-service-access.ts.
 */
export const CORE_SERVICE_GRANTS = ['presign-uploads', 'publish-events'] as const;
export type CoreServiceGrant = (typeof CORE_SERVICE_GRANTS)[number];

/**
 * What the AWS side knows that a service may need as environment: its value comes from the stacks
 * on EKS (k8s/values.ts) and from a local stand-in under `npm run dev` (scripts/dev.ts).
 */
export const PLATFORM_INPUTS = ['uploadsBucket', 'eventBusName'] as const;
export type PlatformInput = (typeof PLATFORM_INPUTS)[number];

export interface CoreServiceDefinition {
  /** The path prefix the shared load balancer routes to the service, e.g. `/products`. */
  readonly publicPath: string;
  /** Whether it connects to the shared PostgreSQL: DATABASE_* settings, the secret, the database NetworkPolicy. */
  readonly usesDatabase: boolean;
  /** Platform inputs it reads, by environment variable name. @default - none */
  readonly environment?: Readonly<Record<string, PlatformInput>>;
  /** The AWS access its code needs, and nothing else. @default - none */
  readonly grants?: readonly CoreServiceGrant[];
  /**
   * Other core APIs it calls over HTTP: each one's base URL arrives as `<NAME>_URL` (e.g.
   * CATALOG_URL), and the platform chart opens exactly these connections. @default - none
   */
  readonly calls?: readonly string[];
  /** Its port under `npm run dev`; every service has its own. */
  readonly localPort: number;
  /** Environment only `npm run dev` sets, for what has no local stand-in. @default - none */
  readonly localEnvironment?: Readonly<Record<string, string>>;
  /**
   * The business metrics it publishes to CloudWatch, and the alarms and dashboard graphs on them
   * (infra/config/business-metrics.ts): the observability stack builds them for it, next to the
   * platform's own (load balancer, functions, database). @default - none
   */
  readonly businessMetrics?: ServiceBusinessMetrics;
  /**
   * Chaos experiments that delete some of its pods, by experiment template id (e.g. `OrdersPodDelete`):
   * the chaos stack makes each an AWS FIS template (infra/stacks/chaos-stack.ts). @default - none
   */
  readonly podDeletions?: Readonly<Record<string, PodDeletionExperiment>>;
}

/** An `aws:eks:pod-delete` experiment on one core API's pods. */
export interface PodDeletionExperiment {
  /** What must stay true while the pods are gone, as one testable sentence: the template's description. */
  readonly hypothesis: string;
  /** Which of the service's pods are deleted. */
  readonly selectionMode: 'ALL' | `COUNT(${number})` | `PERCENT(${number})`;
  /** @default - the pods' own grace period: they shut down as in a rollout */
  readonly gracePeriodSeconds?: number;
}

export const CORE_SERVICE_REGISTRY = {
  catalog: {
    publicPath: '/products',
    usesDatabase: true,
    environment: { UPLOADS_BUCKET: 'uploadsBucket' },
    grants: ['presign-uploads'],
    localPort: 8081,
    // An outage seen from orders; why pods are deleted rather than cut off: infra/stacks/chaos-stack.ts.
    podDeletions: {
      CatalogOutage: {
        selectionMode: 'ALL',
        gracePeriodSeconds: 0,
        hypothesis:
          'While the catalog is unreachable (every catalog pod deleted at once, until new ones are ready), POST /orders fails fast: ' +
          '503 with Retry-After within 3.3 s, at once while the circuit breaker is open, nothing written; ordering recovers within 30 s of the catalog being ready.',
      },
    },
  },
  orders: {
    publicPath: '/orders',
    usesDatabase: true,
    environment: { EVENT_BUS_NAME: 'eventBusName' },
    grants: ['publish-events'],
    // Orders prices every order by asking the catalog.
    calls: ['catalog'],
    localPort: 8082,
    // Locally there is no event bus: placed orders stay in the outbox table.
    localEnvironment: { OUTBOX_RELAY_ENABLED: 'false' },
    businessMetrics: {
      published: [...Object.values(ORDERS_METRICS), KIT_METRICS.circuitBreakerState],
      alarms: [
        {
          id: 'OutboxStuck',
          metric: { name: ORDERS_METRICS.outboxOldestPendingAge, statistic: 'Maximum' },
          threshold: OUTBOX_STUCK_AFTER_SECONDS,
          evaluationPeriods: 3,
          description: `An order event waited more than ${OUTBOX_STUCK_AFTER_SECONDS} s in the outbox: orders are not reaching the event bus`,
          steadyState: { impact: 'orders not reaching the event bus' },
        },
        {
          id: 'OutboxRelayFailing',
          metric: { name: ORDERS_METRICS.outboxRelayFailures, statistic: 'Sum' },
          threshold: 0,
          evaluationPeriods: 5,
          datapointsToAlarm: 3,
          description: 'The outbox relay failed to publish in 3 of 5 minutes',
        },
        {
          id: 'CatalogLookupsFailing',
          metric: { name: ORDERS_METRICS.catalogLookupsFailed, statistic: 'Sum' },
          threshold: 0,
          evaluationPeriods: 5,
          datapointsToAlarm: 3,
          description: 'Orders could not price from the catalog in 3 of 5 minutes',
        },
        {
          id: 'CatalogCircuitOpen',
          metric: { name: KIT_METRICS.circuitBreakerState, statistic: 'Maximum' },
          threshold: CIRCUIT_BREAKER_STATE.open,
          comparison: 'at-or-above',
          evaluationPeriods: 2,
          description: "The orders service's circuit breaker to the catalog has been open for 2 minutes",
        },
      ],
      // Orders have no fixed floor (an idle sandbox places none): a drop below the learned band is the signal.
      bandAlarms: [
        {
          id: 'OrdersDropped',
          modelId: 'OrdersPlacedModel',
          metric: { name: ORDERS_METRICS.ordersPlaced, statistic: 'Sum' },
          periodMinutes: 5,
          stdDevs: 3,
          direction: 'below',
          evaluationPeriods: 3,
          description: 'Orders placed per 5 minutes fell below the expected band for 15 minutes',
        },
      ],
      dashboard: [
        {
          title: 'Orders',
          graphs: [
            { title: 'Orders placed per minute', left: [{ name: ORDERS_METRICS.ordersPlaced, statistic: 'Sum' }] },
            { title: 'Catalog look-ups failed', left: [{ name: ORDERS_METRICS.catalogLookupsFailed, statistic: 'Sum' }] },
            { title: 'Circuit breaker to the catalog (0 closed, 1 half-open, 2 open)', left: [{ name: KIT_METRICS.circuitBreakerState, statistic: 'Maximum' }] },
          ],
        },
        {
          title: 'Outbox',
          graphs: [
            { title: 'Pending events', left: [{ name: ORDERS_METRICS.outboxPendingEvents, statistic: 'Maximum' }] },
            { title: 'Oldest pending event (s)', left: [{ name: ORDERS_METRICS.outboxOldestPendingAge, statistic: 'Maximum' }] },
            { title: 'Relay failures', left: [{ name: ORDERS_METRICS.outboxRelayFailures, statistic: 'Sum' }] },
          ],
        },
      ],
    },
    podDeletions: {
      OrdersPodDelete: {
        selectionMode: 'PERCENT(50)',
        hypothesis:
          'Deleting half of the orders pods does not interrupt ordering: each deleted pod drains as in a rollout, the load balancer ' +
          'sends to the remaining ready pod, the Deployment replaces the deleted ones within 2 minutes, and no request fails beyond the steady state.',
      },
    },
  },
} as const satisfies Record<string, CoreServiceDefinition>;

export type CoreServiceName = keyof typeof CORE_SERVICE_REGISTRY;
export const CORE_SERVICES = Object.keys(CORE_SERVICE_REGISTRY) as CoreServiceName[];

/** The registry entry of a service, as the general shape (the literal types are for names only). */
export function coreService(name: CoreServiceName): CoreServiceDefinition {
  return CORE_SERVICE_REGISTRY[name];
}

/** The environment variable that carries a called service's base URL: `catalog` -> `CATALOG_URL`. */
export function serviceUrlVariable(name: string): string {
  return `${name.toUpperCase().replace(/-/g, '_')}_URL`;
}

/**
 * The environment a registry entry gives its service wherever it runs: each platform input it reads,
 * by its variable, and the base URL of each service it calls (`<NAME>_URL`). The caller says what an
 * input's value and a service's URL are there: on EKS the stacks' values and cluster DNS
 * (k8s/values.ts), under `npm run dev` local stand-ins and ports (scripts/dev.ts).
 */
export function registryEnvironment(definition: CoreServiceDefinition, inputValue: (input: PlatformInput) => string, urlOf: (service: string) => string): Record<string, string> {
  return {
    ...Object.fromEntries(Object.entries(definition.environment ?? {}).map(([variable, input]) => [variable, inputValue(input)])),
    ...Object.fromEntries((definition.calls ?? []).map((called) => [serviceUrlVariable(called), urlOf(called)])),
  };
}

/** A Kubernetes DNS label (RFC 1123), which a service's name becomes in Deployments, Services and DNS. */
const DNS_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * The rules an entry must follow that the type cannot express; each problem names the service and
 * the key. Run on the registry by its test (and by the scaffold before it adds an entry).
 */
export function registryProblems(registry: Readonly<Record<string, CoreServiceDefinition>>): string[] {
  const problems: string[] = [];
  const entries = Object.entries(registry);
  const firstWith = (pick: (definition: CoreServiceDefinition) => unknown, name: string, value: unknown) =>
    entries.find(([other, definition]) => other !== name && pick(definition) === value)?.[0];
  for (const [name, definition] of entries) {
    if (!DNS_LABEL.test(name)) problems.push(`${name}: the name must be a DNS label (a-z, 0-9 and inner hyphens, starting with a letter, at most 63)`);
    if (!/^\/[a-z0-9][-a-z0-9/]*$/.test(definition.publicPath)) problems.push(`${name}.publicPath: must be a path like /products, got "${definition.publicPath}"`);
    const pathTwin = firstWith((other) => other.publicPath, name, definition.publicPath);
    if (pathTwin) problems.push(`${name}.publicPath: ${definition.publicPath} is also ${pathTwin}'s`);
    if (!Number.isInteger(definition.localPort) || definition.localPort < 1024 || definition.localPort > 65535) {
      problems.push(`${name}.localPort: must be an unprivileged port (1024-65535), got ${definition.localPort}`);
    }
    const portTwin = firstWith((other) => other.localPort, name, definition.localPort);
    if (portTwin) problems.push(`${name}.localPort: ${definition.localPort} is also ${portTwin}'s`);
    for (const called of definition.calls ?? []) {
      if (called === name) problems.push(`${name}.calls: a service does not call itself over the network`);
      else if (!(called in registry)) problems.push(`${name}.calls: "${called}" is not a core service (${Object.keys(registry).join(', ')})`);
    }
    for (const variable of [...Object.keys(definition.environment ?? {}), ...Object.keys(definition.localEnvironment ?? {})]) {
      if (!/^[A-Z_][A-Z0-9_]*$/.test(variable)) problems.push(`${name}: "${variable}" is not an environment variable name`);
    }
  }
  return [...problems, ...businessMetricsProblems(registry)];
}
