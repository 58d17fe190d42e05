import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { z } from 'zod';
import { ConfigError, defineService } from '../kit';
import { ordersMigrations } from './migrations';
import { startOutboxRelay } from './outbox-relay';
import { ordersRepository } from './repository';
import { registerOrderRoutes } from './routes';

/** The orders service's own environment, on top of the kit's (PORT, DATABASE_*, LOG_LEVEL, ...). */
export const ordersConfigShape = {
  /** Where OrderPlaced events go (the ConfigMap sets it, see k8s/values.ts). Required while the relay runs. */
  EVENT_BUS_NAME: z.string().min(1).optional(),
  /** Every replica runs a relay (they share the work through SKIP LOCKED); off for e.g. a read-only debugging replica. */
  OUTBOX_RELAY_ENABLED: z.stringbool().default(true),
  /** Pause between relay passes when the outbox has nothing more to send. */
  OUTBOX_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
};

export const ordersService = defineService({
  name: 'orders',
  migrations: ordersMigrations,
  configShape: ordersConfigShape,
  register: (app, { pool }) => registerOrderRoutes(app, ordersRepository(pool)),
  background: ({ pool, config, logger }) => {
    if (!config.OUTBOX_RELAY_ENABLED) {
      logger.warn('outbox relay disabled (OUTBOX_RELAY_ENABLED=false): placed orders are not published by this replica');
      return [];
    }
    if (!config.EVENT_BUS_NAME) {
      throw new ConfigError('Invalid environment:\n  - EVENT_BUS_NAME: required while OUTBOX_RELAY_ENABLED is true');
    }
    // Region and credentials from the environment: AWS_REGION in the ConfigMap, Pod Identity on EKS.
    const eventBridge = new EventBridgeClient({});
    const relay = startOutboxRelay(pool, eventBridge, config.EVENT_BUS_NAME, { pollMs: config.OUTBOX_POLL_MS, logger });
    return [
      {
        name: relay.name,
        async stop() {
          await relay.stop();
          eventBridge.destroy();
        },
      },
    ];
  },
});
