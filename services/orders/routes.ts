import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { idSchema } from '../kit';
import { orderPlacedDetailSchema, type OrderPlacedDetail } from '../../functions/shared/order-events';
import type { Order, OrderItem, OrdersRepository } from './repository';

/**
 * The request limits mirror the OrderPlaced contract (functions/shared/order-events.ts), so that what
 * the API accepts always makes a valid event; the event is still checked against the contract itself
 * before anything is written. Prices are capped as well, so that a total (at most 100 items x 1000 x
 * the price) stays an exact JavaScript integer.
 */
const CURRENCIES = ['USD', 'EUR', 'GBP'] as const satisfies readonly OrderPlacedDetail['currency'][];
export const MAX_UNIT_PRICE_CENTS = 1_000_000_000;

const itemSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['productId', 'quantity', 'unitPriceCents'],
  properties: {
    productId: { type: 'string', minLength: 1, maxLength: 64 },
    quantity: { type: 'integer', minimum: 1, maximum: 1000 },
    unitPriceCents: { type: 'integer', minimum: 0, maximum: MAX_UNIT_PRICE_CENTS },
  },
} as const;

const orderSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'customerEmail', 'currency', 'items', 'totalCents', 'createdAt'],
  properties: {
    id: idSchema,
    customerEmail: { type: 'string' },
    currency: { type: 'string', enum: CURRENCIES },
    items: { type: 'array', items: itemSchema },
    totalCents: { type: 'integer' },
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const;

const placeOrderBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['customerEmail', 'currency', 'items'],
  properties: {
    customerEmail: { type: 'string', format: 'email', maxLength: 254 },
    currency: { type: 'string', enum: CURRENCIES },
    items: { type: 'array', minItems: 1, maxItems: 100, items: itemSchema },
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
  currency: OrderPlacedDetail['currency'];
  items: OrderItem[];
}

export function registerOrderRoutes(app: FastifyInstance, orders: OrdersRepository): void {
  app.post<{ Body: PlaceOrderBody; Reply: Order | { error: string; message: string } }>(
    '/orders',
    { schema: { body: placeOrderBodySchema, response: { 201: orderSchema } } },
    async (request, reply) => {
      const { customerEmail, currency, items } = request.body;
      // The event is complete before the transaction starts: the id is ours, not the database's.
      const candidate: OrderPlacedDetail = {
        orderId: randomUUID(),
        customerEmail,
        items: items.map(({ productId, quantity, unitPriceCents }) => ({ productId, quantity, unitPriceCents })),
        totalCents: items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0),
        currency,
        placedAt: new Date().toISOString(),
      };
      const event = orderPlacedDetailSchema.safeParse(candidate);
      if (!event.success) {
        // The JSON schema above lets through a few things the contract refuses (its e-mail check is
        // stricter, e.g. it wants a dot in the domain): still the client's mistake, so a 400.
        const reasons = event.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`);
        return reply.status(400).send({ error: 'Bad Request', message: `body ${reasons.join('; ')}` });
      }
      const order = await orders.placeOrder(event.data);
      return reply.status(201).header('location', `/orders/${order.id}`).send(order);
    },
  );

  app.get<{ Params: { id: string }; Reply: Order | { error: string; message: string } }>(
    '/orders/:id',
    { schema: { params: orderIdParamsSchema, response: { 200: orderSchema } } },
    async (request, reply) => {
      const order = await orders.findOrder(request.params.id);
      if (!order) return reply.status(404).send({ error: 'Not Found', message: `No order ${request.params.id}` });
      return order;
    },
  );
}
