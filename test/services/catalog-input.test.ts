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
}

const cases: Record<string, Case> = {
  'malformed JSON': { method: 'POST', url: '/products', payload: '{"name": "Cup",', headers: json, status: 400, reason: /json/i },
  'an empty JSON body': { method: 'POST', url: '/products', payload: '', headers: json, status: 400, reason: /empty/i },
  'a body that is not JSON': { method: 'POST', url: '/products', payload: 'name=Cup', headers: { 'content-type': 'application/x-www-form-urlencoded' }, status: 415, reason: /unsupported media type/i },
  'a JSON array': { method: 'POST', url: '/products', payload: '[]', headers: json, status: 400, reason: /object/ },
  'a price as a string': { method: 'POST', url: '/products', payload: body({ ...validProduct, priceCents: '1250' }), headers: json, status: 400, reason: /priceCents.*integer/ },
  'a name as a number': { method: 'POST', url: '/products', payload: body({ ...validProduct, name: 42 }), headers: json, status: 400, reason: /name.*string/ },
  'a null description': { method: 'POST', url: '/products', payload: body({ ...validProduct, description: null }), headers: json, status: 400, reason: /description.*string/ },
  'an unknown field': { method: 'POST', url: '/products', payload: body({ ...validProduct, stock: 3 }), headers: json, status: 400, reason: /additional properties/ },
  'a prototype-polluting field': { method: 'POST', url: '/products', payload: '{"name":"Cup","priceCents":1,"currency":"EUR","__proto__":{"admin":true}}', headers: json, status: 400, reason: /json/i },
  'a missing name': { method: 'POST', url: '/products', payload: body({ priceCents: 100, currency: 'EUR' }), headers: json, status: 400, reason: /name/ },
  'a blank name': { method: 'POST', url: '/products', payload: body({ ...validProduct, name: ' \t ' }), headers: json, status: 400, reason: /name/ },
  'a name with a NUL character': { method: 'POST', url: '/products', payload: body({ ...validProduct, name: 'Cup\u0000' }), headers: json, status: 400, reason: /name/ },
  'a description with a NUL character': { method: 'POST', url: '/products', payload: body({ ...validProduct, description: 'a\u0000b' }), headers: json, status: 400, reason: /description/ },
  'a name too long': { method: 'POST', url: '/products', payload: body({ ...validProduct, name: 'x'.repeat(201) }), headers: json, status: 400, reason: /name.*200/ },
  'a negative price': { method: 'POST', url: '/products', payload: body({ ...validProduct, priceCents: -1 }), headers: json, status: 400, reason: /priceCents.*>= 0/ },
  'a fractional price': { method: 'POST', url: '/products', payload: body({ ...validProduct, priceCents: 12.5 }), headers: json, status: 400, reason: /priceCents.*integer/ },
  'a price too large': { method: 'POST', url: '/products', payload: body({ ...validProduct, priceCents: 1e16 }), headers: json, status: 400, reason: /priceCents/ },
  'a lowercase currency': { method: 'POST', url: '/products', payload: body({ ...validProduct, currency: 'eur' }), headers: json, status: 400, reason: /currency/ },
  'a currency orders cannot take': { method: 'POST', url: '/products', payload: body({ ...validProduct, currency: 'JPY' }), headers: json, status: 400, reason: /currency/ },
  'a body over 1 MiB': {
    method: 'POST',
    url: '/products',
    payload: body({ ...validProduct, description: 'x'.repeat(BODY_LIMIT_BYTES) }),
    headers: json,
    status: 413,
    reason: /too large/i,
  },

  'an id that is not a UUID': { method: 'GET', url: '/products/espresso-cup', status: 400, reason: /id/ },
  'a URN for an id': { method: 'GET', url: `/products/urn:uuid:${NIL_ID}`, status: 400, reason: /id/ },
  'an id with a NUL byte': { method: 'GET', url: `/products/${NIL_ID}%00`, status: 400, reason: /id/ },
  'a SQL-ish id': { method: 'GET', url: "/products/1'%20OR%20'1'='1", status: 400, reason: /id/ },

  'a zero limit': { method: 'GET', url: '/products?limit=0', status: 400, reason: /limit.*1 to 100/ },
  'a limit over 100': { method: 'GET', url: '/products?limit=101', status: 400, reason: /limit.*1 to 100/ },
  'a limit that is not a number': { method: 'GET', url: '/products?limit=ten', status: 400, reason: /limit/ },
  'a fractional limit': { method: 'GET', url: '/products?limit=1.5', status: 400, reason: /limit/ },
  'a repeated limit': { method: 'GET', url: '/products?limit=1&limit=2', status: 400, reason: /limit.*once/ },
  'a negative offset': { method: 'GET', url: '/products?offset=-1', status: 400, reason: /offset/ },
  'an offset too deep': { method: 'GET', url: '/products?offset=10001', status: 400, reason: /offset.*10000/ },
  'an unknown query parameter': { method: 'GET', url: '/products?sort=price', status: 400, reason: /sort/ },

  'an unsupported image type': { method: 'POST', url: () => `/products/${productId}/image`, payload: body({ contentType: 'image/gif' }), headers: json, status: 400, reason: /contentType.*allowed values/ },
  'an image type in the wrong case': { method: 'POST', url: () => `/products/${productId}/image`, payload: body({ contentType: 'IMAGE/PNG' }), headers: json, status: 400, reason: /contentType/ },
  'an image type as a number': { method: 'POST', url: () => `/products/${productId}/image`, payload: body({ contentType: 7 }), headers: json, status: 400, reason: /contentType/ },
  'no image type': { method: 'POST', url: () => `/products/${productId}/image`, payload: body({}), headers: json, status: 400, reason: /contentType/ },
  'an unknown field beside the image type': { method: 'POST', url: () => `/products/${productId}/image`, payload: body({ contentType: 'image/png', key: 'uploads/evil.png' }), headers: json, status: 400, reason: /additional properties/ },
  'malformed JSON for an upload': { method: 'POST', url: () => `/products/${productId}/image`, payload: '{"contentType":', headers: json, status: 400, reason: /json/i },
  'an upload for a bad id': { method: 'POST', url: '/products/not-a-uuid/image', payload: body({ contentType: 'image/png' }), headers: json, status: 400, reason: /id/ },
  'an upload for a missing product': { method: 'POST', url: `/products/${NIL_ID}/image`, payload: body({ contentType: 'image/png' }), headers: json, status: 404, reason: /No product/ },
};

describe('bad input', () => {
  it.each(Object.entries(cases))('refuses %s with a reason, and writes nothing', async (_name, { method, url, payload, headers, status, reason }) => {
    const before = await snapshot();
    const imageBefore = (await catalog.service.pool.query('SELECT image_key FROM products WHERE id = $1', [productId])).rows[0].image_key;

    const response = await catalog.service.app.inject({ method, url: typeof url === 'function' ? url() : url, payload, headers });

    expect({ status: response.statusCode, body: response.json() }).toEqual({
      status,
      body: { error: expect.any(String), message: expect.stringMatching(reason) },
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
