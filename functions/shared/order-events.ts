// Zod Mini, zod's tree-shakable API (functions and `.check()` instead of methods): what the notifier
// bundles of zod shrinks from ~90 KB to ~26 KB. Its schemas are zod schemas: the services use them
// with classic zod alike. A namespace import, not `{ z }`, which would drag in every locale.
import * as z from 'zod/mini';
import { ID_PATTERN } from '../../services/kit/ids';
import { parseTraceparent } from '../../services/kit/trace-context';

/**
 * The events the orders service publishes to EventBridge, shared by the producer (services/orders,
 * through its outbox relay) and the consumers (functions/notifier). Change them here, in one place,
 * and both sides are type-checked against the change.
 */
/**
 * Deliberately not derived from PROJECT (infra/config/naming.ts), so it keeps this value in a renamed
 * fork: naming.ts imports aws-cdk-lib, which must stay out of the function bundles and the service
 * images. It only has to be one value that the producer, the rule (infra/constructs/event-subscriber.ts)
 * and the consumers agree on, and all three read it from here; the events travel on the environment's
 * own bus (`<project>-<env>-events`), so the source needs no project name to be told apart.
 */
export const ORDER_EVENTS_SOURCE = 'hybrid-platform.orders';
export const ORDER_PLACED = 'OrderPlaced';
/** Every detail-type the orders service publishes: what an event function may subscribe to. */
export const ORDER_EVENT_TYPES = [ORDER_PLACED] as const;
export type OrderEventType = (typeof ORDER_EVENT_TYPES)[number];

/**
 * The trace the event belongs to: the W3C context of the request that placed the order, so that a
 * consumer logs and passes on the order's trace whatever becomes of the X-Ray header on the way
 * (services/kit/trace-context.ts). Optional: events written before it existed have none.
 */
export const traceContextSchema = z.strictObject({
  traceparent: z.string().check(z.refine((value) => parseTraceparent(value) !== undefined, 'must be a W3C traceparent (00-<trace id>-<span id>-<flags>)')),
});

export const orderPlacedDetailSchema = z.strictObject({
  orderId: z.uuid(),
  customerEmail: z.email(),
  items: z
    .array(
      z.strictObject({
        // The catalog's product id, in the services' one id format (services/kit/ids.ts, a lone constant: the
        // notifier's bundle gains nothing else).
        productId: z.string().check(z.regex(new RegExp(ID_PATTERN), 'must be a product id (a UUID)')),
        quantity: z.int().check(z.minimum(1), z.maximum(1000)),
        // The catalog's price when the order was placed, in `currency`, as is every item's.
        unitPriceCents: z.int().check(z.minimum(0)),
      }),
    )
    .check(z.minLength(1), z.maxLength(100)),
  totalCents: z.int().check(z.minimum(0)),
  currency: z.enum(['USD', 'EUR', 'GBP']),
  placedAt: z.iso.datetime(),
  traceContext: z.optional(traceContextSchema),
});

export type OrderPlacedDetail = z.infer<typeof orderPlacedDetailSchema>;

/** The EventBridge envelope as a consumer receives it (through SQS, the message body is this JSON). */
export const orderPlacedEventSchema = z.object({
  id: z.string().check(z.minLength(1)),
  source: z.literal(ORDER_EVENTS_SOURCE),
  'detail-type': z.literal(ORDER_PLACED),
  detail: orderPlacedDetailSchema,
});

export type OrderPlacedEvent = z.infer<typeof orderPlacedEventSchema>;
