import { ID_PATTERN, OPENAPI_PATH } from '../../services/kit';
import { FIND_PRODUCT } from '../../services/catalog/repository';
import { startCatalog, validProduct, type TestCatalog } from './catalog-support';
import type { OpenApiDocument } from './support/openapi-expectations';

/**
 * The catalog's paging at its edges, its product lookup as the database sees it, and the API as its
 * OpenAPI document describes it to clients. A real catalog on a database of its own.
 */

let catalog: TestCatalog;
beforeAll(async () => {
  // One connection: what a request leaves on it (a prepared statement) is then what the test sees.
  catalog = await startCatalog({ DATABASE_POOL_SIZE: '1' });
});
afterAll(() => catalog?.stop());

const get = (url: string) => catalog.service.app.inject({ method: 'GET', url });

describe('paging', () => {
  it('names every bad page parameter in its message, and the first one as the field', async () => {
    const response = await get('/products?limit=0&offset=10001');

    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error: 'Bad Request',
      message: 'querystring/limit must be given once, as an integer from 1 to 100; querystring/offset must be given once, as an integer from 0 to 10000',
      field: 'querystring/limit',
    });
  });

  it('serves the deepest page it allows, at offset 10000', async () => {
    const response = await get('/products?offset=10000');

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ products: [], limit: 20, offset: 10_000 });
  });
});

describe('the product lookup', () => {
  it('is prepared once per connection, as a named statement', async () => {
    const created = await catalog.service.app.inject({ method: 'POST', url: '/products', payload: validProduct });
    for (let lookup = 0; lookup < 2; lookup++) expect((await get(`/products/${created.json().id}`)).statusCode).toBe(200);

    const { rows } = await catalog.service.pool.query('SELECT name, statement FROM pg_prepared_statements');
    expect(rows).toEqual([{ name: 'catalog.find-product', statement: FIND_PRODUCT.text }]);
  });
});

describe('the OpenAPI document', () => {
  const served = async () => (await get(OPENAPI_PATH)).json() as OpenApiDocument;
  const responseSchema = async (path: string, method: string, status: string) =>
    (await served()).paths[path][method].responses[status].content?.['application/json'].schema;

  /** A product as every route that returns one shows it. */
  const product = {
    type: 'object',
    required: ['id', 'name', 'description', 'priceCents', 'currency', 'imageKey', 'thumbnails', 'createdAt'],
    properties: {
      id: { type: 'string', pattern: ID_PATTERN },
      name: { type: 'string' },
      description: { type: 'string' },
      priceCents: { type: 'integer' },
      currency: { type: 'string' },
      imageKey: { type: 'string', nullable: true },
      thumbnails: { type: 'object', additionalProperties: { type: 'string' } },
      createdAt: { type: 'string' },
    },
  };

  it('describes the page parameters, each with its range and default', async () => {
    expect((await served()).paths['/products'].get.parameters).toEqual([
      { in: 'query', name: 'limit', required: false, schema: {}, description: 'Products per page, an integer from 1 to 100; default 20.' },
      { in: 'query', name: 'offset', required: false, schema: {}, description: 'Products to skip, an integer from 0 to 10000; default 0.' },
    ]);
  });

  it('describes a product, as reading and creating one return it: every field typed, and always present', async () => {
    expect(await responseSchema('/products/{id}', 'get', '200')).toEqual(product);
    expect(await responseSchema('/products', 'post', '201')).toEqual(product);
  });

  it('describes a page of products with the limit and offset it was read with', async () => {
    expect(await responseSchema('/products', 'get', '200')).toEqual({
      type: 'object',
      required: ['products', 'limit', 'offset'],
      properties: { products: { type: 'array', items: product }, limit: { type: 'integer' }, offset: { type: 'integer' } },
    });
  });

  it('describes an image upload: the URL to PUT the image to, its key, and for how many seconds the URL is good', async () => {
    expect(await responseSchema('/products/{id}/image', 'post', '201')).toEqual({
      type: 'object',
      required: ['uploadUrl', 'key', 'expiresIn'],
      properties: { uploadUrl: { type: 'string' }, key: { type: 'string' }, expiresIn: { type: 'integer' } },
    });
  });
});
