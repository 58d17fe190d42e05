import { thumbnailKey } from '../../functions/shared/thumbnail-contract';
import { expectedSignature, startCatalog, TEST_ACCESS_KEY_ID, TEST_BUCKET, TEST_REGION, validProduct, type TestCatalog } from './catalog-support';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const UUID_SOURCE = UUID.source.slice(1, -1);

// Not the defaults, so that the tests see the configuration being used.
const THUMBNAIL_SIZES = [200, 800];
const THUMBNAIL_FORMAT = 'jpeg';
const UPLOAD_TTL = 120;
const THUMBNAIL_TTL = 600;

let catalog: TestCatalog;
beforeAll(async () => {
  catalog = await startCatalog({
    THUMBNAIL_SIZES: THUMBNAIL_SIZES.join(','),
    THUMBNAIL_FORMAT,
    UPLOAD_URL_TTL_SECONDS: String(UPLOAD_TTL),
    THUMBNAIL_URL_TTL_SECONDS: String(THUMBNAIL_TTL),
  });
});
afterAll(() => catalog?.stop());

const inject = (method: 'GET' | 'POST', url: string, payload?: object) => catalog.service.app.inject({ method, url, ...(payload ? { payload } : {}) });
const createProduct = async (product: object = validProduct) => {
  const response = await inject('POST', '/products', product);
  expect(response.statusCode).toBe(201);
  return response.json();
};
const requestUpload = async (id: string, contentType: string) => {
  const response = await inject('POST', `/products/${id}/image`, { contentType });
  expect(response.statusCode).toBe(201);
  return response.json() as { uploadUrl: string; key: string; expiresIn: number };
};
const imageKeyInDatabase = async (id: string) =>
  (await catalog.service.pool.query<{ image_key: string | null }>('SELECT image_key FROM products WHERE id = $1', [id])).rows[0].image_key;

describe('products', () => {
  it('creates a product, stores it, and reads it back', async () => {
    const response = await inject('POST', '/products', validProduct);
    expect(response.statusCode).toBe(201);
    const created = response.json();
    expect(created).toEqual({ ...validProduct, id: expect.stringMatching(UUID), imageKey: null, thumbnails: {}, createdAt: expect.any(String) });
    expect(response.headers.location).toBe(`/products/${created.id}`);
    expect(Math.abs(Date.parse(created.createdAt) - Date.now())).toBeLessThan(60_000);

    const { rows } = await catalog.service.pool.query('SELECT name, description, price_cents, currency, image_key FROM products WHERE id = $1', [created.id]);
    expect(rows).toEqual([{ name: 'Espresso cup', description: 'Porcelain, 80 ml', price_cents: '1250', currency: 'EUR', image_key: null }]);

    const read = await inject('GET', `/products/${created.id}`);
    expect(read.statusCode).toBe(200);
    expect(read.json()).toEqual(created);
    // Ids are case-insensitive, as UUIDs are.
    expect((await inject('GET', `/products/${created.id.toUpperCase()}`)).json()).toEqual(created);
  });

  it('defaults the description to empty, and takes free prices and large ones', async () => {
    expect(await createProduct({ name: 'Sticker', priceCents: 0, currency: 'USD' })).toMatchObject({ description: '', priceCents: 0 });
    expect(await createProduct({ name: 'Yacht', priceCents: 10_000_000_000, currency: 'GBP' })).toMatchObject({ priceCents: 10_000_000_000 });
  });

  it('answers 404 with a reason for a product that does not exist', async () => {
    const response = await inject('GET', '/products/00000000-0000-4000-8000-000000000000');
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: 'Not Found', message: 'No product 00000000-0000-4000-8000-000000000000' });
  });

  it('lists products in creation order, a page at a time', async () => {
    await catalog.service.pool.query(
      "INSERT INTO products (name, price_cents, currency, created_at) SELECT 'Bulk ' || n, n, 'EUR', now() + n * interval '1 second' FROM generate_series(1, 25) AS n",
    );
    const { rows } = await catalog.service.pool.query<{ id: string }>('SELECT id FROM products ORDER BY created_at, id');
    const all = rows.map((row) => row.id);

    const firstPage = await inject('GET', '/products');
    expect(firstPage.statusCode).toBe(200);
    expect(firstPage.json()).toMatchObject({ limit: 20, offset: 0 });
    expect(firstPage.json().products.map((product: { id: string }) => product.id)).toEqual(all.slice(0, 20));

    const paged: string[] = [];
    for (let offset = 0; offset < all.length; offset += 7) {
      const page = await inject('GET', `/products?limit=7&offset=${offset}`);
      expect(page.json()).toMatchObject({ limit: 7, offset });
      paged.push(...page.json().products.map((product: { id: string }) => product.id));
    }
    expect(paged).toEqual(all);

    const bulk = (await inject('GET', `/products?limit=1&offset=${all.length - 1}`)).json().products[0];
    expect(bulk).toEqual({ id: all.at(-1), name: 'Bulk 25', description: '', priceCents: 25, currency: 'EUR', imageKey: null, thumbnails: {}, createdAt: expect.any(String) });
    expect((await inject('GET', `/products?offset=${all.length}`)).json().products).toEqual([]);
  });
});

describe('image uploads', () => {
  it('presigns a PUT of the image into uploads/products/<id>/, bound to its content type, and records the key', async () => {
    const product = await createProduct();
    const before = Date.now();
    const upload = await requestUpload(product.id, 'image/png');

    expect(upload.key).toMatch(new RegExp(`^uploads/products/${product.id}/${UUID_SOURCE}\\.png$`));
    expect(upload.expiresIn).toBe(UPLOAD_TTL);
    expect(await imageKeyInDatabase(product.id)).toBe(upload.key);

    const url = new URL(upload.uploadUrl);
    expect(url.protocol).toBe('https:');
    expect(url.host).toBe(`${TEST_BUCKET}.s3.${TEST_REGION}.amazonaws.com`);
    expect(url.pathname).toBe(`/${upload.key}`);
    const query = url.searchParams;
    expect(query.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(query.get('X-Amz-Expires')).toBe(String(UPLOAD_TTL));
    expect(query.get('X-Amz-Credential')).toMatch(new RegExp(`^${TEST_ACCESS_KEY_ID}/\\d{8}/${TEST_REGION}/s3/aws4_request$`));
    const signedAt = query.get('X-Amz-Date') ?? '';
    const signedAtMs = Date.parse(signedAt.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'));
    expect(signedAtMs).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(signedAtMs).toBeLessThanOrEqual(Date.now());
    expect(query.get('X-Amz-SignedHeaders')?.split(';').sort()).toEqual(['content-type', 'host']);
    expect(query.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    // A checksum of the empty body signed into the URL would make S3 refuse every real upload.
    expect([...query.keys()].filter((name) => name.toLowerCase().startsWith('x-amz-checksum') || name === 'x-amz-sdk-checksum-algorithm')).toEqual([]);

    // S3's own check: the signature is right for a PUT with Content-Type image/png, and for nothing else.
    expect(query.get('X-Amz-Signature')).toBe(expectedSignature(url, 'PUT', { 'content-type': 'image/png' }));
    expect(query.get('X-Amz-Signature')).not.toBe(expectedSignature(url, 'PUT', { 'content-type': 'text/html' }));
    expect(query.get('X-Amz-Signature')).not.toBe(expectedSignature(url, 'GET', { 'content-type': 'image/png' }));
  });

  it.each([
    ['image/jpeg', 'jpg'],
    ['image/webp', 'webp'],
  ])('names a %s upload .%s and signs that type', async (contentType, extension) => {
    const product = await createProduct();
    const upload = await requestUpload(product.id, contentType);
    expect(upload.key).toMatch(new RegExp(`^uploads/products/${product.id}/${UUID_SOURCE}\\.${extension}$`));
    const url = new URL(upload.uploadUrl);
    expect(url.searchParams.get('X-Amz-Signature')).toBe(expectedSignature(url, 'PUT', { 'content-type': contentType }));
  });

  it('gives every upload a new key, and the product the latest one', async () => {
    const product = await createProduct();
    const first = await requestUpload(product.id, 'image/png');
    const second = await requestUpload(product.id.toUpperCase(), 'image/png');
    expect(second.key).not.toBe(first.key);
    expect(second.key.startsWith(`uploads/products/${product.id}/`)).toBe(true);
    expect(await imageKeyInDatabase(product.id)).toBe(second.key);
    expect((await inject('GET', `/products/${product.id}`)).json().imageKey).toBe(second.key);
  });

  it('links the thumbnails the image-resizer writes for the image, with presigned GET URLs', async () => {
    const product = await createProduct();
    const { key } = await requestUpload(product.id, 'image/webp');

    const read = (await inject('GET', `/products/${product.id}`)).json();
    expect(read.imageKey).toBe(key);
    expect(Object.keys(read.thumbnails).sort()).toEqual(['200', '800']);
    for (const width of THUMBNAIL_SIZES) {
      const url = new URL(read.thumbnails[String(width)]);
      const expectedKey = thumbnailKey(key, width, THUMBNAIL_FORMAT);
      expect(expectedKey).toMatch(new RegExp(`^thumbnails/products/${product.id}/${UUID_SOURCE}-${width}\\.jpg$`));
      expect(url.host).toBe(`${TEST_BUCKET}.s3.${TEST_REGION}.amazonaws.com`);
      expect(url.pathname).toBe(`/${expectedKey}`);
      expect(url.searchParams.get('X-Amz-Expires')).toBe(String(THUMBNAIL_TTL));
      expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host');
      expect([...url.searchParams.keys()].sort()).toEqual(
        ['X-Amz-Algorithm', 'X-Amz-Content-Sha256', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-Signature', 'X-Amz-SignedHeaders', 'x-id'].sort(),
      );
      expect(url.searchParams.get('X-Amz-Signature')).toBe(expectedSignature(url, 'GET', {}));
    }

    // The list carries them too.
    const listed = (await inject('GET', '/products?limit=100')).json().products.find((entry: { id: string }) => entry.id === product.id);
    expect(Object.keys(listed.thumbnails).sort()).toEqual(['200', '800']);
    expect(new URL(listed.thumbnails['200']).pathname).toBe(`/${thumbnailKey(key, 200, THUMBNAIL_FORMAT)}`);
  });

  it('answers 404 for an upload to a product that does not exist, and records nothing', async () => {
    const response = await inject('POST', '/products/00000000-0000-4000-8000-000000000000/image', { contentType: 'image/png' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: 'Not Found', message: 'No product 00000000-0000-4000-8000-000000000000' });
    const { rows } = await catalog.service.pool.query("SELECT count(*)::int AS n FROM products WHERE id = '00000000-0000-4000-8000-000000000000'");
    expect(rows[0].n).toBe(0);
  });
});

describe('over a real socket', () => {
  it('creates a product, presigns its upload and reads it back', async () => {
    const base = catalog.service.url;
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const created = await fetch(`${base}/products`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(validProduct) });
    expect(created.status).toBe(201);
    expect(created.headers.get('x-request-id')).toMatch(UUID);
    const product = (await created.json()) as { id: string };

    const upload = await fetch(`${base}/products/${product.id}/image`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"contentType":"image/jpeg"}' });
    expect(upload.status).toBe(201);
    const { key, uploadUrl } = (await upload.json()) as { key: string; uploadUrl: string };
    expect(new URL(uploadUrl).pathname).toBe(`/${key}`);

    const read = await fetch(`${base}/products/${product.id}`);
    expect(read.status).toBe(200);
    expect(read.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await read.json()) as { thumbnails: Record<string, string> };
    expect(body).toMatchObject({ ...validProduct, id: product.id, imageKey: key });
    expect(new URL(body.thumbnails['800']).pathname).toBe(`/${thumbnailKey(key, 800, THUMBNAIL_FORMAT)}`);
  });
});
