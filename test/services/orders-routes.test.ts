import { ID_PATTERN, OPENAPI_PATH } from '../../services/kit';
import { orderRequest, rowCounts, useOrdersService } from './orders-fixtures';
import type { OpenApiDocument } from './support/openapi-expectations';

/**
 * The orders API's refusals, to the letter a client reads them, and its answers as its OpenAPI
 * document describes them. The orders service on a database of its own, pricing at a real catalog.
 */

const orders = useOrdersService();

const postOrder = (payload: object) => orders.service.app.inject({ method: 'POST', url: '/orders', payload });

describe('refusals', () => {
  it("refuses an e-mail the event contract refuses with a 400 that names the field and the contract's reason", async () => {
    // RFC 5322 allows '#', which is why the JSON schema lets it through; the contract does not.
    const response = await postOrder(orderRequest(orders.catalog, { customerEmail: 'ada#shop@example.com' }));

    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: 'Bad Request', message: 'body/customerEmail: Invalid email address', field: 'body/customerEmail' });
  });

  it('refuses an item without a quantity, naming the field, and writes nothing', async () => {
    const response = await postOrder(orderRequest(orders.catalog, { items: [{ productId: orders.catalog.tea.id }] }));

    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: 'Bad Request', message: 'body/items/0/quantity is required', field: 'body/items/0/quantity' });
    expect(await rowCounts(orders.service.pool)).toEqual({ orders: 0, outbox: 0 });
  });
});

/** The parts of a JSON schema these assertions read. */
interface SchemaNode {
  readonly properties: Record<string, SchemaNode & { readonly enum?: string[] }>;
  readonly items: SchemaNode;
}

describe('the OpenAPI document', () => {
  it('describes an order, as placing and reading one return it: no field beyond its own, each always present, the currencies listed', async () => {
    const document = (await orders.service.app.inject({ method: 'GET', url: OPENAPI_PATH })).json() as OpenApiDocument;
    const responseSchema = (path: string, method: string, status: string) => document.paths[path][method].responses[status].content?.['application/json'].schema as SchemaNode;
    const order = responseSchema('/orders', 'post', '201');

    expect(responseSchema('/orders/{id}', 'get', '200')).toEqual(order);
    expect(order).toMatchObject({ type: 'object', additionalProperties: false, required: ['id', 'customerEmail', 'currency', 'items', 'totalCents', 'createdAt'] });
    expect(order.properties.id).toEqual({ type: 'string', pattern: ID_PATTERN });
    expect(order.properties.currency.enum).toEqual(['USD', 'EUR', 'GBP']);
    expect(order.properties.createdAt).toEqual({ type: 'string', format: 'date-time' });
    expect(order.properties.items.items).toMatchObject({ additionalProperties: false, required: ['productId', 'quantity', 'unitPriceCents'] });
    expect(order.properties.items.items.properties.quantity).toEqual({ type: 'integer', minimum: 1, maximum: 1000 });
  });
});
