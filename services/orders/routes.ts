import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { orderPlacedDetailSchema, type OrderPlacedDetail } from '../../functions/shared/order-events';
import { idSchema, UpstreamUnavailableError } from '../kit';
import { formatTraceparent } from '../kit/trace-context';
import type { CatalogClient } from './catalog-client';
import { priceOrder, type PricingResult, type RequestedItem } from './pricing';
import type { Order, OrdersRepository } from './repository';

/**
 * A client says what it orders, never at what price: each product's price and currency come from the
 * catalog when the order is placed (pricing.ts). The request limits mirror the OrderPlaced contract
 * (functions/shared/order-events.ts), so that what the API accepts always makes a valid event; the
 * event is still checked against the contract itself before anything is written.
 */
const CURRENCIES = orderPlacedDetailSchema.shape.currency.options;
const QUANTITY = { type: 'integer', minimum: 1, maximum: 1000 } as const;

const requestedItemSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['productId', 'quantity'],
  properties: { productId: idSchema, quantity: QUANTITY },
} as const;

const orderSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'customerEmail', 'currency', 'items', 'totalCents', 'createdAt'],
  properties: {
    id: idSchema,
    customerEmail: { type: 'string' },
    currency: { type: 'string', enum: CURRENCIES },
    items: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['productId', 'quantity', 'unitPriceCents'],
        properties: { productId: idSchema, quantity: QUANTITY, unitPriceCents: { type: 'integer' } },
      },
    },
    totalCents: { type: 'integer' },
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const;

const placeOrderBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['customerEmail', 'items'],
  properties: {
    customerEmail: { type: 'string', format: 'email', maxLength: 254 },
    items: { type: 'array', minItems: 1, maxItems: 100, items: requestedItemSchema },
  },
} as const;

const orderIdParamsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: { id: idSchema },
} as const;

interface PlaceOrderBody {
  customerEmail: string;
  items: RequestedItem[];
}

interface ErrorBody {
  error: string;
  message: string;
  /** The JSON path of the offending part of the request, e.g. `body/items/0/productId`. */
  field?: string;
}

/** `onOrderPlaced`: called once an order and its event have been committed (the orders_placed_total counter). */
export function registerOrderRoutes(app: FastifyInstance, orders: OrdersRepository, catalog: CatalogClient, onOrderPlaced: () => void): void {
  app.post<{ Body: PlaceOrderBody; Reply: Order | ErrorBody }>(
    '/orders',
    { schema: { body: placeOrderBodySchema, response: { 201: orderSchema } } },
    async (request, reply) => {
      const { customerEmail, items } = request.body;
      // The JSON schema above lets through e-mails the contract refuses (its check is stricter, e.g. it
      // wants a dot in the domain): the client's mistake, told before the catalog is asked anything.
      const email = orderPlacedDetailSchema.shape.customerEmail.safeParse(customerEmail);
      if (!email.success) {
        return reply.status(400).send({ error: 'Bad Request', message: `body/customerEmail: ${email.error.issues[0].message}`, field: 'body/customerEmail' });
      }

      let pricing: PricingResult;
      try {
        pricing = await priceOrder(catalog, items);
      } catch (error) {
        if (!(error instanceof UpstreamUnavailableError)) throw error;
        request.log.warn({ err: error }, 'the catalog could not price the order');
        return reply
          .status(503)
          .header('retry-after', String(error.retryAfterSeconds))
          .send({ error: 'Service Unavailable', message: `The catalog cannot price the order right now; nothing was placed. Retry in ${error.retryAfterSeconds} s.` });
      }
      if (!pricing.ok) return reply.status(422).send({ error: 'Unprocessable Entity', ...pricing.problem });

      // The event is complete before the transaction starts: the id is ours, not the database's. What
      // the client sent has been validated and the catalog's answers checked, so an event the contract
      // refuses now is this service's bug: thrown, a logged 500.
      const event = orderPlacedDetailSchema.parse({
        orderId: randomUUID(),
        customerEmail,
        ...pricing.order,
        placedAt: new Date().toISOString(),
        // The request's span: the relay continues the trace from it (services/orders/outbox-relay.ts).
        traceContext: { traceparent: formatTraceparent(request.traceContext) },
      } satisfies OrderPlacedDetail);
      const order = await orders.placeOrder(event);
      onOrderPlaced();
      return reply.status(201).header('location', `/orders/${order.id}`).send(order);
    },
  );

  app.get<{ Params: { id: string }; Reply: Order | ErrorBody }>(
    '/orders/:id',
    { schema: { params: orderIdParamsSchema, response: { 200: orderSchema } } },
    async (request, reply) => {
      const order = await orders.findOrder(request.params.id);
      if (!order) return reply.status(404).send({ error: 'Not Found', message: `No order ${request.params.id}` });
      return order;
    },
  );
}
