// A namespace import, not `{ z }`: esbuild can then tree-shake zod, whose `z` object drags in all its
// locales (the notifier bundle: ~300 KB instead of ~660 KB minified).
import * as z from 'zod';
import { ID_PATTERN } from '../../services/kit/ids';

/**
 * The events the orders service publishes to EventBridge, shared by the producer (services/orders,
 * through its outbox relay) and the consumers (functions/notifier). Change them here, in one place,
 * and both sides are type-checked against the change.
 */
export const ORDER_EVENTS_SOURCE = 'hybrid-platform.orders';
export const ORDER_PLACED = 'OrderPlaced';

export const orderPlacedDetailSchema = z.strictObject({
  orderId: z.uuid(),
  customerEmail: z.email(),
  items: z
    .array(
      z.strictObject({
        // The catalog's product id, in the services' one id format (services/kit/ids.ts, a lone constant: the
        // notifier's bundle gains nothing else).
        productId: z.string().regex(new RegExp(ID_PATTERN), 'must be a product id (a UUID)'),
        quantity: z.int().min(1).max(1000),
        // The catalog's price when the order was placed, in `currency`, as is every item's.
        unitPriceCents: z.int().min(0),
      }),
    )
    .min(1)
    .max(100),
  totalCents: z.int().min(0),
  currency: z.enum(['USD', 'EUR', 'GBP']),
  placedAt: z.iso.datetime(),
});

export type OrderPlacedDetail = z.infer<typeof orderPlacedDetailSchema>;

/** The EventBridge envelope as a consumer receives it (through SQS, the message body is this JSON). */
export const orderPlacedEventSchema = z.object({
  id: z.string().min(1),
  source: z.literal(ORDER_EVENTS_SOURCE),
  'detail-type': z.literal(ORDER_PLACED),
  detail: orderPlacedDetailSchema,
});

export type OrderPlacedEvent = z.infer<typeof orderPlacedEventSchema>;
