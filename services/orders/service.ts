import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { z } from 'zod';
import { ConfigError, createResilientHttpClient, defineService, type BackgroundTask, type ServiceDeps } from '../kit';
import { catalogClient } from './catalog-client';
import { registerOrdersMetrics, type OrdersMetrics } from './metrics';
import { ordersMigrations } from './migrations';
import { registerOutboxGauges } from './outbox-gauges';
import { startOutboxRelay, type OutboxRelay } from './outbox-relay';
import { ordersRepository } from './repository';
import { registerOrderRoutes } from './routes';

/** The orders service's own environment, on top of the kit's (PORT, DATABASE_*, LOG_LEVEL, ...). */
export const ordersConfigShape = {
  /** Where OrderPlaced events go (the ConfigMap sets it, see k8s/values.ts). Required while the relay runs. */
  EVENT_BUS_NAME: z.string().min(1).optional(),
  /** Every replica runs a relay (they share the work through SKIP LOCKED); off for e.g. a read-only debugging replica. */
  OUTBOX_RELAY_ENABLED: z.stringbool().default(true),
  /** The catalog, which prices every order: on EKS its Service (k8s/values.ts), locally its port (scripts/dev.ts). */
  CATALOG_URL: z.url({ protocol: /^https?$/ }),
  /**
   * The catalog calls' resilience (services/kit/resilient-http-client.ts). With these defaults an
   * order the catalog cannot price is refused with a 503 within 3 x 1000 + 100 x (1 + 2) = 3300 ms, and
   * at once while the breaker is open: far inside the load balancer's 60 s idle timeout, and short
   * enough that a client retrying after Retry-After is not left waiting.
   */
  CATALOG_TIMEOUT_MS: z.coerce.number().int().min(1).max(30_000).default(1000),
  CATALOG_RETRIES: z.coerce.number().int().min(0).max(5).default(2),
  CATALOG_RETRY_BASE_DELAY_MS: z.coerce.number().int().min(0).max(10_000).default(100),
  /** How long the breaker, once open, refuses orders before it lets one trial lookup through. */
  CATALOG_BREAKER_RESET_MS: z.coerce.number().int().min(1).max(300_000).default(5000),
};

export const ordersService = defineService({
  name: 'orders',
  migrations: ordersMigrations,
  configShape: ordersConfigShape,
  register: (app, deps) => {
    const catalogHttp = createResilientHttpClient({
      name: 'catalog',
      baseUrl: deps.config.CATALOG_URL,
      attemptTimeoutMs: deps.config.CATALOG_TIMEOUT_MS,
      retries: deps.config.CATALOG_RETRIES,
      retryBaseDelayMs: deps.config.CATALOG_RETRY_BASE_DELAY_MS,
      breakerResetTimeoutMs: deps.config.CATALOG_BREAKER_RESET_MS,
    });
    deps.logger.info({ catalogUrl: deps.config.CATALOG_URL, worstCaseMs: catalogHttp.worstCaseMs }, 'orders are priced by the catalog');
    const metrics = registerOrdersMetrics(deps.registry, catalogHttp);
    registerOutboxGauges(deps.registry, deps.pool, deps.logger);
    const relay = startRelay(deps, metrics);
    // The relay does not poll: each placed order wakes it once its transaction has committed.
    registerOrderRoutes(app, ordersRepository(deps.pool, { onOutboxCommitted: relay?.wake }), catalogClient(catalogHttp, metrics.catalogLookupFailed), metrics.orderPlaced);
    const catalogTask: BackgroundTask = { name: 'catalog-client', stop: async () => catalogHttp.close() };
    return relay ? [relay, catalogTask] : [catalogTask];
  },
});

function startRelay({ pool, config, logger }: ServiceDeps<typeof ordersConfigShape>, metrics: OrdersMetrics): (BackgroundTask & Pick<OutboxRelay, 'wake'>) | undefined {
  if (!config.OUTBOX_RELAY_ENABLED) {
    logger.warn('outbox relay disabled (OUTBOX_RELAY_ENABLED=false): placed orders are not published by this replica');
    return undefined;
  }
  if (!config.EVENT_BUS_NAME) {
    throw new ConfigError('Invalid environment:\n  - EVENT_BUS_NAME: required while OUTBOX_RELAY_ENABLED is true');
  }
  // Region and credentials from the environment: AWS_REGION in the ConfigMap, Pod Identity on EKS.
  const eventBridge = new EventBridgeClient({});
  const relay = startOutboxRelay(pool, eventBridge, config.EVENT_BUS_NAME, {
    logger,
    onPass: (result) => metrics.relayFailed('publish', result.failed),
    onSweepFailed: () => metrics.relayFailed('sweep'),
  });
  return {
    name: relay.name,
    wake: relay.wake,
    async stop() {
      await relay.stop();
      eventBridge.destroy();
    },
  };
}
