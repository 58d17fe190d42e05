import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { z } from 'zod';
import { ConfigError, defineService, type BackgroundTask, type ServiceDeps } from '../kit';
import { ordersMigrations } from './migrations';
import { startOutboxRelay, type OutboxRelay } from './outbox-relay';
import { ordersRepository } from './repository';
import { registerOrderRoutes } from './routes';

/** The orders service's own environment, on top of the kit's (PORT, DATABASE_*, LOG_LEVEL, ...). */
export const ordersConfigShape = {
  /** Where OrderPlaced events go (the ConfigMap sets it, see k8s/values.ts). Required while the relay runs. */
  EVENT_BUS_NAME: z.string().min(1).optional(),
  /** Every replica runs a relay (they share the work through SKIP LOCKED); off for e.g. a read-only debugging replica. */
  OUTBOX_RELAY_ENABLED: z.stringbool().default(true),
};

export const ordersService = defineService({
  name: 'orders',
  migrations: ordersMigrations,
  configShape: ordersConfigShape,
  register: (app, deps) => {
    const relay = startRelay(deps);
    // The relay does not poll: each placed order wakes it once its transaction has committed.
    registerOrderRoutes(app, ordersRepository(deps.pool, { onOutboxCommitted: relay?.wake }));
    return relay ? [relay] : [];
  },
});

function startRelay({ pool, config, logger }: ServiceDeps<typeof ordersConfigShape>): (BackgroundTask & Pick<OutboxRelay, 'wake'>) | undefined {
  if (!config.OUTBOX_RELAY_ENABLED) {
    logger.warn('outbox relay disabled (OUTBOX_RELAY_ENABLED=false): placed orders are not published by this replica');
    return undefined;
  }
  if (!config.EVENT_BUS_NAME) {
    throw new ConfigError('Invalid environment:\n  - EVENT_BUS_NAME: required while OUTBOX_RELAY_ENABLED is true');
  }
  // Region and credentials from the environment: AWS_REGION in the ConfigMap, Pod Identity on EKS.
  const eventBridge = new EventBridgeClient({});
  const relay = startOutboxRelay(pool, eventBridge, config.EVENT_BUS_NAME, { logger });
  return {
    name: relay.name,
    wake: relay.wake,
    async stop() {
      await relay.stop();
      eventBridge.destroy();
    },
  };
}
