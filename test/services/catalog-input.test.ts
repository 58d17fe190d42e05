import { BODY_LIMIT_BYTES } from '../../services/kit';
import { startCatalog, validProduct, type TestCatalog } from './catalog-support';

/**
 * Bad input is refused with a 4xx and a reason, never a 5xx, and writes nothing: each case counts
 * the products and checks one product's recorded image before and after.
 */

let catalog: TestCatalog;
let productId: string;
beforeAll(async () => {
  catalog = await startCatalog();
  const created = await catalog.service.app.inject({ method: 'POST', url: '/products', payload: validProduct });
  expect(created.statusCode).toBe(201);
  productId = created.json().id;
});
afterAll(() => catalog?.stop());

const snapshot = async () => {
  const { rows } = await catalog.service.pool.query('SELECT count(*)::int AS products, count(image_key)::int AS images FROM products');
  return rows[0];
};

const json = { 'content-type': 'application/json' };
const body = (value: unknown) => JSON.stringify(value);
const NIL_ID = '00000000-0000-4000-8000-000000000000';

interface Case {
  method: 'GET' | 'POST';
  url: string | (() => string);
  payload?: string;
  headers?: Record<string, string>;
  status: number;
  /** Part of the reason the response must give. */
  reason: RegExp;
  /** The JSON path the response must name as the offending field, when one is to blame. */
  field?: string;
}

const cases: Record<string, Case> = {
  'malformed JSON': { method: 'POST', url: '/products', payload: '{"name": "Cup",', headers: json, status: 400, reason: /json/i },
  'an empty JSON body': { method: 'POST', url: '/products', payload: '', headers: json, status: 400, reason: /empty/i },
  'a body that is not JSON': { method: 'POST', url: '/products', payload: 'name=Cup', headers: { 'content-type': 'application/x-www-form-urlencoded' }, status: 415, reason: /unsupported media type/i },
  'a plain-text body': { method: 'POST', url: '/products', payload: 'Cup', headers: { 'content-type': 'text/plain' }, status: 415, reason: /must be application\/json/ },
  'a JSON array': { method: 'POST', url: '/products', payload: '[]', headers: json, status: 400, reason: /object/, field: 'body' },
  'a price as a string': { method: 'POST', url: '/products', payload: body({ ...validProduct, priceCents: '1250' }), headers: json, status: 400, reason: /priceCents.*integer/, field: 'body/priceCents' },
  'a name as a number': { method: 'POST', url: '/products', payload: body({ ...validProduct, name: 42 }), headers: json, status: 400, reason: /name.*string/, field: 'body/name' },
  'a null description': { method: 'POST', url: '/products', payload: body({ ...validProduct, description: null }), headers: json, status: 400, reason: /description.*string/, field: 'body/description' },
  'an unknown field': { method: 'POST', url: '/products', payload: body({ ...validProduct, stock: 3 }), headers: json, status: 400, reason: /^body\/stock is not allowed$/, field: 'body/stock' },
  'a prototype-polluting field': { method: 'POST', url: '/products', payload: '{"name":"Cup","priceCents":1,"currency":"EUR","__proto__":{"admin":true}}', headers: json, status: 400, reason: /json/i },
  'a missing name': { method: 'POST', url: '/products', payload: body({ priceCents: 100, currency: 'EUR' }), headers: json, status: 400, reason: /^body\/name is required$/, field: 'body/name' },
  'a blank name': { method: 'POST', url: '/products', payload: body({ ...validProduct, name: ' \t ' }), headers: json, status: 400, reason: /name/, field: 'body/name' },
  'a name with a NUL character': { method: 'POST', url: '/products', payload: body({ ...validProduct, name: 'Cup\u0000' }), headers: json, status: 400, reason: /name/, field: 'body/name' },
  'a name with a lone surrogate': { method: 'POST', url: '/products', payload: body({ ...validProduct, name: 'Cup \ud800' }), headers: json, status: 400, reason: /^body\/name: .*surrogate/, field: 'body/name' },
  'a NUL character deep in an unknown field': {
    method: 'POST',
    url: '/products',
    payload: body({ ...validProduct, extra: { tags: ['ok', 'b\u0000d'] } }),
    headers: json,
    status: 400,
    reason: /^body\/extra\/tags\/1: .*NUL/,
    field: 'body/extra/tags/1',
  },
  'a NUL character in a field name': { method: 'POST', url: '/products', payload: body({ ...validProduct, 'na\u0000me': 'x' }), headers: json, status: 400, reason: /name.*NUL/, field: 'body/na\\u0000me' },
  'a description with a NUL character': { method: 'POST', url: '/products', payload: body({ ...validProduct, description: 'a\u0000b' }), headers: json, status: 400, reason: /description/, field: 'body/description' },
  'a name too long': { method: 'POST', url: '/products', payload: body({ ...validProduct, name: 'x'.repeat(201) }), headers: json, status: 400, reason: /name.*200/, field: 'body/name' },
  'a negative price': { method: 'POST', url: '/products', payload: body({ ...validProduct, priceCents: -1 }), headers: json, status: 400, reason: /priceCents.*>= 0/, field: 'body/priceCents' },
  'a fractional price': { method: 'POST', url: '/products', payload: body({ ...validProduct, priceCents: 12.5 }), headers: json, status: 400, reason: /priceCents.*integer/, field: 'body/priceCents' },
  'a price too large': { method: 'POST', url: '/products', payload: body({ ...validProduct, priceCents: 1e16 }), headers: json, status: 400, reason: /priceCents/, field: 'body/priceCents' },
  'a lowercase currency': { method: 'POST', url: '/products', payload: body({ ...validProduct, currency: 'eur' }), headers: json, status: 400, reason: /^body\/currency must be one of USD, EUR, GBP$/, field: 'body/currency' },
  'a currency orders cannot take': { method: 'POST', url: '/products', payload: body({ ...validProduct, currency: 'JPY' }), headers: json, status: 400, reason: /currency/, field: 'body/currency' },
  'a body over 1 MiB': {
    method: 'POST',
    url: '/products',
    payload: body({ ...validProduct, description: 'x'.repeat(BODY_LIMIT_BYTES) }),
    headers: json,
    status: 413,
    reason: /too large/i,
  },

  'an id that is not a UUID': { method: 'GET', url: '/products/espresso-cup', status: 400, reason: /id/, field: 'params/id' },
  'a URN for an id': { method: 'GET', url: `/products/urn:uuid:${NIL_ID}`, status: 400, reason: /id/, field: 'params/id' },
  'an id with a NUL byte': { method: 'GET', url: `/products/${NIL_ID}%00`, status: 400, reason: /id/, field: 'params/id' },
  'a SQL-ish id': { method: 'GET', url: "/products/1'%20OR%20'1'='1", status: 400, reason: /id/, field: 'params/id' },
  'an id over 100 characters': { method: 'GET', url: `/products/${'a'.repeat(101)}`, status: 414, reason: /max param length/ },
  'an id that is not valid percent-encoding': { method: 'GET', url: '/products/%E0%A4%A', status: 400, reason: /not a valid url component/ },

  'a zero limit': { method: 'GET', url: '/products?limit=0', status: 400, reason: /limit.*1 to 100/, field: 'querystring/limit' },
  'a limit over 100': { method: 'GET', url: '/products?limit=101', status: 400, reason: /limit.*1 to 100/, field: 'querystring/limit' },
  'a limit that is not a number': { method: 'GET', url: '/products?limit=ten', status: 400, reason: /limit/, field: 'querystring/limit' },
  'a fractional limit': { method: 'GET', url: '/products?limit=1.5', status: 400, reason: /limit/, field: 'querystring/limit' },
  'a repeated limit': { method: 'GET', url: '/products?limit=1&limit=2', status: 400, reason: /limit.*once/, field: 'querystring/limit' },
  'a negative offset': { method: 'GET', url: '/products?offset=-1', status: 400, reason: /offset/, field: 'querystring/offset' },
  'an offset too deep': { method: 'GET', url: '/products?offset=10001', status: 400, reason: /offset.*10000/, field: 'querystring/offset' },
  'a NUL character in a query parameter': { method: 'GET', url: '/products?limit=1%00', status: 400, reason: /NUL/, field: 'querystring/limit' },
  'an unknown query parameter': { method: 'GET', url: '/products?sort=price', status: 400, reason: /^querystring\/sort is not allowed$/, field: 'querystring/sort' },

  'an unsupported image type': { method: 'POST', url: () => `/products/${productId}/image`, payload: body({ contentType: 'image/gif' }), headers: json, status: 400, reason: /^body\/contentType must be one of image\/png, image\/jpeg, image\/webp$/, field: 'body/contentType' },
  'an image type in the wrong case': { method: 'POST', url: () => `/products/${productId}/image`, payload: body({ contentType: 'IMAGE/PNG' }), headers: json, status: 400, reason: /contentType/, field: 'body/contentType' },
  'an image type as a number': { method: 'POST', url: () => `/products/${productId}/image`, payload: body({ contentType: 7 }), headers: json, status: 400, reason: /contentType/, field: 'body/contentType' },
  'no image type': { method: 'POST', url: () => `/products/${productId}/image`, payload: body({}), headers: json, status: 400, reason: /contentType/, field: 'body/contentType' },
  'an unknown field beside the image type': { method: 'POST', url: () => `/products/${productId}/image`, payload: body({ contentType: 'image/png', key: 'uploads/evil.png' }), headers: json, status: 400, reason: /^body\/key is not allowed$/, field: 'body/key' },
  'malformed JSON for an upload': { method: 'POST', url: () => `/products/${productId}/image`, payload: '{"contentType":', headers: json, status: 400, reason: /json/i },
  'an upload for a bad id': { method: 'POST', url: '/products/not-a-uuid/image', payload: body({ contentType: 'image/png' }), headers: json, status: 400, reason: /id/, field: 'params/id' },
  'an upload for a missing product': { method: 'POST', url: `/products/${NIL_ID}/image`, payload: body({ contentType: 'image/png' }), headers: json, status: 404, reason: /No product/ },
};

describe('bad input', () => {
  it.each(Object.entries(cases))('refuses %s with a reason, and writes nothing', async (_name, { method, url, payload, headers, status, reason, field }) => {
    const before = await snapshot();
    const imageBefore = (await catalog.service.pool.query('SELECT image_key FROM products WHERE id = $1', [productId])).rows[0].image_key;

    const response = await catalog.service.app.inject({ method, url: typeof url === 'function' ? url() : url, payload, headers });

    expect({ status: response.statusCode, body: response.json() }).toEqual({
      status,
      body: { error: expect.any(String), message: expect.stringMatching(reason), ...(field === undefined ? {} : { field }) },
    });
    expect(await snapshot()).toEqual(before);
    expect((await catalog.service.pool.query('SELECT image_key FROM products WHERE id = $1', [productId])).rows[0].image_key).toBe(imageBefore);
  });

  it('refuses an oversized body over a real socket too', async () => {
    const before = await snapshot();
    const response = await fetch(`${catalog.service.url}/products`, {
      method: 'POST',
      headers: json,
      body: body({ ...validProduct, description: 'x'.repeat(BODY_LIMIT_BYTES + 1) }),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: 'Payload Too Large' });
    expect(await snapshot()).toEqual(before);
  });

  it('still takes good input after all that', async () => {
    const response = await catalog.service.app.inject({ method: 'POST', url: '/products', payload: validProduct });
    expect(response.statusCode).toBe(201);
  });
});
