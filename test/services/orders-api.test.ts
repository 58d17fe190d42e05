import { randomUUID } from 'node:crypto';
import { ORDER_PLACED, orderPlacedDetailSchema } from '../../functions/shared/order-events';
import { orderRequest, rowCounts, useOrdersService } from './orders-fixtures';

const orders = useOrdersService();

const postOrder = (payload: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  orders.service.app.inject({ method: 'POST', url: '/orders', headers, payload: typeof payload === 'string' ? payload : JSON.stringify(payload) });

describe('POST /orders and GET /orders/:id', () => {
  it('places an order at the catalog\'s prices and currency, computing the total itself, and reads it back', async () => {
    const created = await postOrder(orderRequest(orders.catalog));

    expect(created.statusCode).toBe(201);
    const order = created.json();
    expect(order).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      customerEmail: 'ada@example.com',
      currency: 'EUR',
      items: [
        { productId: orders.catalog.tea.id, quantity: 2, unitPriceCents: 1250 },
        { productId: orders.catalog.cup.id, quantity: 3, unitPriceCents: 199 },
      ],
      totalCents: 2 * 1250 + 3 * 199,
      createdAt: expect.any(String),
    });
    expect(created.headers.location).toBe(`/orders/${order.id}`);

    const read = await orders.service.app.inject({ method: 'GET', url: `/orders/${order.id}` });
    expect(read.statusCode).toBe(200);
    expect(read.json()).toEqual(order);

    const { rows } = await orders.service.pool.query('SELECT total_cents, currency, customer_email FROM orders WHERE id = $1', [order.id]);
    expect(rows).toEqual([{ total_cents: '3097', currency: 'EUR', customer_email: 'ada@example.com' }]);
  });

  it('writes an OrderPlaced event that satisfies the shared contract, pending, next to the order', async () => {
    const created = await postOrder(orderRequest(orders.catalog));
    const order = created.json();

    const { rows } = await orders.service.pool.query('SELECT aggregate_id, event_type, payload, sent_at, attempts FROM outbox');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ aggregate_id: order.id, event_type: ORDER_PLACED, sent_at: null, attempts: 0 });
    const detail = orderPlacedDetailSchema.parse(rows[0].payload);
    expect(detail).toEqual({
      orderId: order.id,
      customerEmail: order.customerEmail,
      items: order.items,
      totalCents: order.totalCents,
      currency: order.currency,
      placedAt: order.createdAt,
      // The request's trace context, as the response told the client.
      traceContext: { traceparent: created.headers.traceparent },
    });
  });

  it('answers 404 with a reason for an order that does not exist', async () => {
    const response = await orders.service.app.inject({ method: 'GET', url: `/orders/${randomUUID()}` });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ error: 'Not Found', message: expect.stringMatching(/No order/) });
  });

  it('works through a real listening socket', async () => {
    const created = await fetch(`${orders.service.url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(orderRequest(orders.catalog, { items: [{ productId: orders.catalog.mug.id, quantity: 7 }] })),
    });
    expect(created.status).toBe(201);
    const order = (await created.json()) as { id: string; totalCents: number };
    expect(order.totalCents).toBe(7 * 900);

    const read = await fetch(`${orders.service.url}/orders/${order.id}`);
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ id: order.id, currency: 'USD', totalCents: 7 * 900 });
    expect(await rowCounts(orders.service.pool)).toEqual({ orders: 1, outbox: 1 });
  });
});

describe('pricing by the catalog', () => {
  it('takes the price the catalog has when the order is placed', async () => {
    await orders.catalog.setPrice(orders.catalog.cup, 249);
    try {
      const order = (await postOrder(orderRequest(orders.catalog))).json();

      expect(order.items[1]).toEqual({ productId: orders.catalog.cup.id, quantity: 3, unitPriceCents: 249 });
      expect(order.totalCents).toBe(2 * 1250 + 3 * 249);
    } finally {
      await orders.catalog.setPrice(orders.catalog.cup, orders.catalog.cup.priceCents);
    }
  });

  it('records a product id given in upper case as the catalog spells it', async () => {
    const created = await postOrder(orderRequest(orders.catalog, { items: [{ productId: orders.catalog.tea.id.toUpperCase(), quantity: 1 }] }));

    expect(created.statusCode).toBe(201);
    expect(created.json().items).toEqual([{ productId: orders.catalog.tea.id, quantity: 1, unitPriceCents: 1250 }]);
  });

  it('refuses with 422 an order of a product the catalog does not have, naming it, and writes nothing', async () => {
    const missing = randomUUID();
    const response = await postOrder(orderRequest(orders.catalog, { items: [{ productId: orders.catalog.tea.id, quantity: 1 }, { productId: missing, quantity: 1 }] }));

    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual({ error: 'Unprocessable Entity', message: `No product ${missing} in the catalog`, field: 'body/items/1/productId' });
    expect(await rowCounts(orders.service.pool)).toEqual({ orders: 0, outbox: 0 });
  });

  it('refuses with 422 an order whose products are priced in different currencies, naming them, and writes nothing', async () => {
    const items = [orders.catalog.tea, orders.catalog.cup, orders.catalog.mug].map((product) => ({ productId: product.id, quantity: 1 }));
    const response = await postOrder(orderRequest(orders.catalog, { items }));

    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual({
      error: 'Unprocessable Entity',
      message: `An order is paid in one currency, but its products are priced in several (EUR: ${orders.catalog.tea.id}, ${orders.catalog.cup.id}; USD: ${orders.catalog.mug.id})`,
      field: 'body/items/2/productId',
    });
    expect(await rowCounts(orders.service.pool)).toEqual({ orders: 0, outbox: 0 });
  });
});

describe('bad input: 4xx with a reason, never 5xx, and nothing written', () => {
  // Refused before the catalog is asked: the id needs to be no product's.
  const item = { productId: randomUUID(), quantity: 1 };
  const body = (overrides: Record<string, unknown> = {}) => ({ customerEmail: 'ada@example.com', items: [item], ...overrides });
  // Objects, not arrays: jest would pass `done` to a test function with more parameters than a row has.
  const cases: { name: string; payload: string | object; status: number; reason: RegExp; headers?: Record<string, string> }[] = [
    { name: 'malformed JSON', payload: '{"customerEmail": "ada@example.com", ', status: 400, reason: /JSON/i },
    { name: 'an empty body', payload: '', status: 400, reason: /empty/i },
    { name: 'a JSON null', payload: 'null', status: 400, reason: /body must be object/ },
    { name: 'a JSON array', payload: '[]', status: 400, reason: /body must be object/ },
    { name: 'a body that is not JSON', payload: 'customerEmail=ada', status: 415, reason: /Unsupported Media Type/, headers: { 'content-type': 'application/x-www-form-urlencoded' } },
    { name: 'a body over 1 MiB', payload: body({ items: [{ ...item, productId: 'x'.repeat(1024 * 1024) }] }), status: 413, reason: /too large/i },
    { name: 'a missing field', payload: { customerEmail: 'ada@example.com' }, status: 400, reason: /body\/items is required/ },
    { name: 'an unknown field', payload: body({ totalCents: 1 }), status: 400, reason: /body\/totalCents is not allowed/ },
    { name: 'a currency chosen by the client', payload: body({ currency: 'EUR' }), status: 400, reason: /body\/currency is not allowed/ },
    { name: 'a price chosen by the client', payload: body({ items: [{ ...item, unitPriceCents: 1 }] }), status: 400, reason: /body\/items\/0\/unitPriceCents is not allowed/ },
    { name: 'an unknown field in an item', payload: body({ items: [{ ...item, discountCents: 50 }] }), status: 400, reason: /body\/items\/0\/discountCents is not allowed/ },
    { name: 'a quantity as a string', payload: body({ items: [{ ...item, quantity: '2' }] }), status: 400, reason: /quantity must be integer/ },
    { name: 'items that are not a list', payload: body({ items: item }), status: 400, reason: /items must be array/ },
    { name: 'an e-mail that is a number', payload: body({ customerEmail: 42 }), status: 400, reason: /customerEmail must be string/ },
    { name: 'empty items', payload: body({ items: [] }), status: 400, reason: /items must NOT have fewer than 1 items/ },
    { name: 'too many items', payload: body({ items: Array(101).fill(item) }), status: 400, reason: /items must NOT have more than 100 items/ },
    { name: 'a negative quantity', payload: body({ items: [{ ...item, quantity: -1 }] }), status: 400, reason: /quantity must be >= 1/ },
    { name: 'a zero quantity', payload: body({ items: [{ ...item, quantity: 0 }] }), status: 400, reason: /quantity must be >= 1/ },
    { name: 'a quantity above the contract', payload: body({ items: [{ ...item, quantity: 1001 }] }), status: 400, reason: /quantity must be <= 1000/ },
    { name: 'an empty product id', payload: body({ items: [{ ...item, productId: '' }] }), status: 400, reason: /productId must match pattern/ },
    { name: 'a product id that is not a uuid', payload: body({ items: [{ ...item, productId: 'sku-1' }] }), status: 400, reason: /productId must match pattern/ },
    { name: 'a malformed e-mail', payload: body({ customerEmail: 'not-an-email' }), status: 400, reason: /customerEmail must match format "email"/ },
    // Passes the JSON schema's e-mail format (RFC 5322 allows '#'), not the event contract's stricter
    // check, which is applied before the catalog is asked.
    { name: 'an e-mail the event contract refuses', payload: body({ customerEmail: 'ada#shop@example.com' }), status: 400, reason: /customerEmail: Invalid email/ },
  ];

  it.each(cases)('refuses $name', async ({ payload, status, reason, headers }) => {
    const response = await postOrder(payload, headers);

    expect(response.statusCode).toBe(status);
    // (A `field` may name the offending part besides.)
    expect(response.json()).toMatchObject({ error: expect.any(String), message: expect.stringMatching(reason) });
    expect(await rowCounts(orders.service.pool)).toEqual({ orders: 0, outbox: 0 });
  });

  const uuidReason = /id must match pattern/;
  it.each([
    { name: 'not a uuid', id: 'not-a-uuid', status: 400, reason: uuidReason },
    { name: 'a number', id: '12345', status: 400, reason: uuidReason },
    { name: 'almost a uuid', id: `${randomUUID()}0`, status: 400, reason: uuidReason },
    { name: 'SQL', id: encodeURIComponent("1' OR '1'='1"), status: 400, reason: uuidReason },
    { name: 'encoded nonsense', id: '%00%ff', status: 400, reason: /./ },
    // Fastify refuses path parameters over 100 characters before routing.
    { name: 'a very long id', id: 'a'.repeat(5000), status: 414, reason: /./ },
  ])('refuses an order id that is $name', async ({ id, status, reason }) => {
    const response = await orders.service.app.inject({ method: 'GET', url: `/orders/${id}` });
    expect(response.statusCode).toBe(status);
    // (Fastify answers URL-level errors itself, with its own code and statusCode fields besides these.)
    expect(response.json()).toMatchObject({ error: expect.any(String), message: expect.stringMatching(reason) });
  });

  it('still serves good requests after all that', async () => {
    expect((await postOrder(orderRequest(orders.catalog))).statusCode).toBe(201);
  });
});
