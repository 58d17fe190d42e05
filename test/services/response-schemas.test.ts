import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { catalogConfigShape } from '../../services/catalog/config';
import type { Presigner } from '../../services/catalog/presign';
import type { CatalogRepository, Product } from '../../services/catalog/repository';
import { registerCatalogRoutes } from '../../services/catalog/routes';
import { loadConfig } from '../../services/kit';
import { createHttpServer } from '../../services/kit/http';
import { registerOpenApi } from '../../services/kit/openapi';
import type { CatalogClient } from '../../services/orders/catalog-client';
import type { Order, OrdersRepository } from '../../services/orders/repository';
import { registerOrderRoutes } from '../../services/orders/routes';
import type { OpenApiDocument } from './support/openapi-expectations';

/**
 * Responses are written by their route's response schema (fast-json-stringify), not by
 * JSON.stringify: what the schema documents is what is sent. So a field missing from a schema would
 * vanish from every response, and a field the code happens to carry (a raw column, say) must never
 * reach a client. Here the routes run on stand-ins that return more than the API documents, and each
 * answer must have exactly the documented fields, with their values.
 */

/** What no response may carry: internal fields next to the documented ones. */
const INTERNAL = { price_cents: '1250', internalNote: 'not for clients' };

const product: Product = {
  id: randomUUID(),
  name: 'Espresso cup',
  description: 'Porcelain, 80 ml',
  priceCents: 1250,
  currency: 'EUR',
  imageKey: null,
  createdAt: new Date().toISOString(),
};
const withImage: Product = { ...product, id: randomUUID(), imageKey: `uploads/products/${product.id}/${randomUUID()}.png` };

const order: Order = {
  id: randomUUID(),
  customerEmail: 'ada@example.com',
  currency: 'EUR',
  items: [{ productId: product.id, quantity: 2, unitPriceCents: 1250 }],
  totalCents: 2500,
  createdAt: new Date().toISOString(),
};

const catalogRepository: CatalogRepository = {
  createProduct: async () => ({ ...product, ...INTERNAL }),
  findProduct: async (id) => ({ ...(id === withImage.id ? withImage : product), ...INTERNAL }),
  listProducts: async () => [{ ...product, ...INTERNAL }],
  setImageKey: async () => true,
};
const presigner: Presigner = {
  uploadUrl: async (key) => `https://uploads.example/${key}?signed`,
  downloadUrl: async (key) => `https://uploads.example/${key}?signed`,
};
const ordersRepository: OrdersRepository = {
  placeOrder: async (event) => ({ ...order, id: event.orderId, ...INTERNAL, items: [{ ...order.items[0], ...INTERNAL }] }),
  findOrder: async () => ({ ...order, ...INTERNAL, items: [{ ...order.items[0], ...INTERNAL }] }),
};
const catalogClient: CatalogClient = { priceOf: async (productId) => ({ productId, unitPriceCents: 1250, currency: 'EUR' }) };

async function start(register: (app: FastifyInstance) => void): Promise<{ app: FastifyInstance; document: OpenApiDocument }> {
  const app = createHttpServer({ service: 'schemas', logLevel: 'silent' });
  await registerOpenApi(app, 'schemas');
  register(app);
  await app.ready();
  return { app, document: app.swagger() as unknown as OpenApiDocument };
}

let catalog: Awaited<ReturnType<typeof start>>;
let orders: Awaited<ReturnType<typeof start>>;
beforeAll(async () => {
  const config = loadConfig(catalogConfigShape, { DATABASE_URL: 'postgres://schemas@127.0.0.1/schemas', UPLOADS_BUCKET: 'schema-uploads', AWS_REGION: 'eu-west-1' });
  catalog = await start((app) => registerCatalogRoutes(app, { repository: catalogRepository, presigner, config }));
  orders = await start((app) => registerOrderRoutes(app, ordersRepository, catalogClient, () => {}));
});
afterAll(async () => {
  await catalog?.app.close();
  await orders?.app.close();
});

type Schema = { properties?: Record<string, Schema>; items?: Schema };
/** The documented schema of a route's answer. */
const documented = (document: OpenApiDocument, method: string, path: string, status: string) =>
  document.paths[path][method].responses[status].content!['application/json'].schema as Schema;
const fields = (schema: Schema | undefined) => Object.keys(schema?.properties ?? {}).sort();

describe('every answer has exactly its documented fields', () => {
  it('GET /products/:id: a product, without the fields the repository adds', async () => {
    const response = await catalog.app.inject({ method: 'GET', url: `/products/${product.id}` });

    expect(response.statusCode).toBe(200);
    expect(Object.keys(response.json()).sort()).toEqual(fields(documented(catalog.document, 'get', '/products/{id}', '200')));
    expect(response.json()).toEqual({ ...product, thumbnails: {} });
  });

  it('GET /products/:id: a product with an image, with a URL per thumbnail width', async () => {
    const response = await catalog.app.inject({ method: 'GET', url: `/products/${withImage.id}` });

    expect(response.json()).toEqual({ ...withImage, thumbnails: { 128: expect.stringContaining('https://uploads.example/'), 512: expect.stringContaining('https://uploads.example/') } });
  });

  it('GET /products: the page and each product in it', async () => {
    const schema = documented(catalog.document, 'get', '/products', '200');
    const response = await catalog.app.inject({ method: 'GET', url: '/products' });

    expect(Object.keys(response.json()).sort()).toEqual(fields(schema));
    expect(Object.keys(response.json().products[0]).sort()).toEqual(fields(schema.properties!.products.items));
    expect(response.json()).toEqual({ products: [{ ...product, thumbnails: {} }], limit: 20, offset: 0 });
  });

  it('POST /products: the created product', async () => {
    const response = await catalog.app.inject({ method: 'POST', url: '/products', payload: { name: 'Espresso cup', priceCents: 1250, currency: 'EUR' } });

    expect(response.statusCode).toBe(201);
    expect(Object.keys(response.json()).sort()).toEqual(fields(documented(catalog.document, 'post', '/products', '201')));
  });

  it('POST /products/:id/image: the upload URL, its key and its lifetime', async () => {
    const response = await catalog.app.inject({ method: 'POST', url: `/products/${product.id}/image`, payload: { contentType: 'image/png' } });

    expect(response.statusCode).toBe(201);
    expect(Object.keys(response.json()).sort()).toEqual(fields(documented(catalog.document, 'post', '/products/{id}/image', '201')));
  });

  it('POST /orders: the order and each of its items', async () => {
    const schema = documented(orders.document, 'post', '/orders', '201');
    const response = await orders.app.inject({ method: 'POST', url: '/orders', payload: { customerEmail: order.customerEmail, items: [{ productId: product.id, quantity: 2 }] } });

    expect(response.statusCode).toBe(201);
    expect(Object.keys(response.json()).sort()).toEqual(fields(schema));
    expect(Object.keys(response.json().items[0]).sort()).toEqual(fields(schema.properties!.items.items));
    expect(response.json()).toEqual({ ...order, id: expect.any(String) });
  });

  it('GET /orders/:id: the order and each of its items', async () => {
    const schema = documented(orders.document, 'get', '/orders/{id}', '200');
    const response = await orders.app.inject({ method: 'GET', url: `/orders/${order.id}` });

    expect(Object.keys(response.json()).sort()).toEqual(fields(schema));
    expect(Object.keys(response.json().items[0]).sort()).toEqual(fields(schema.properties!.items.items));
    expect(response.json()).toEqual(order);
  });
});
