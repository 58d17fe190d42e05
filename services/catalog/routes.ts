import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { orderPlacedDetailSchema } from '../../functions/shared/order-events';
import { errorBody, HttpError, idSchema, type ServiceDeps } from '../kit';
import type { CatalogConfigShape } from './config';
import { thumbnailKeysFor, UPLOAD_CONTENT_TYPES, uploadKeyFor, type UploadContentType } from './images';
import type { Presigner } from './presign';
import type { CatalogRepository, Product } from './repository';

/** Prices are bounded so that an order (up to 100 lines of up to 1000 each) stays exact below 2^53. */
export const MAX_PRICE_CENTS = 10_000_000_000;
/** The currencies the orders service accepts (functions/shared/order-events.ts): a product in any other could not be ordered. */
export const CURRENCIES = orderPlacedDetailSchema.shape.currency.options;
export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;
/** Deep OFFSET pages get slow; a client that needs more should filter (a future cursor), not skip. */
export const MAX_OFFSET = 10_000;

// A name a shopper can see: at least one character that is not white space. (What PostgreSQL cannot
// store at all, e.g. U+0000, the kit refuses for every field: services/kit/input-guard.ts.)
const VISIBLE = '\\S';

const idParams = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: idSchema },
} as const;

const createProductBody = {
  type: 'object',
  required: ['name', 'priceCents', 'currency'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200, pattern: VISIBLE },
    description: { type: 'string', maxLength: 5000 },
    priceCents: { type: 'integer', minimum: 0, maximum: MAX_PRICE_CENTS },
    currency: { type: 'string', enum: CURRENCIES },
  },
} as const;

interface CreateProductBody {
  name: string;
  description?: string;
  priceCents: number;
  currency: string;
}

const imageBody = {
  type: 'object',
  required: ['contentType'],
  additionalProperties: false,
  properties: { contentType: { type: 'string', enum: Object.keys(UPLOAD_CONTENT_TYPES) } },
} as const;

const productResponse = {
  type: 'object',
  required: ['id', 'name', 'description', 'priceCents', 'currency', 'imageKey', 'thumbnails', 'createdAt'],
  properties: {
    id: idSchema,
    name: { type: 'string' },
    description: { type: 'string' },
    priceCents: { type: 'integer' },
    currency: { type: 'string' },
    imageKey: { type: ['string', 'null'] },
    /** Width (as a string) to a presigned GET URL of that thumbnail; {} without an image. */
    thumbnails: { type: 'object', additionalProperties: { type: 'string' } },
    createdAt: { type: 'string' },
  },
} as const;

const listResponse = {
  type: 'object',
  required: ['products', 'limit', 'offset'],
  properties: { products: { type: 'array', items: productResponse }, limit: { type: 'integer' }, offset: { type: 'integer' } },
} as const;

const uploadResponse = {
  type: 'object',
  required: ['uploadUrl', 'key', 'expiresIn'],
  properties: { uploadUrl: { type: 'string' }, key: { type: 'string' }, expiresIn: { type: 'integer' } },
} as const;

/**
 * Which query parameters there are, for the validator (anything else is refused) and the OpenAPI
 * document. Their values are parsed by pageQuery below: they arrive as strings (the kit's validator
 * does not coerce), or as an array when repeated.
 */
const pageQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { description: `Products per page, an integer from 1 to ${MAX_PAGE_SIZE}; default ${DEFAULT_PAGE_SIZE}.` },
    offset: { description: `Products to skip, an integer from 0 to ${MAX_OFFSET}; default 0.` },
  },
} as const;

const pageNumber = (name: string, min: number, max: number, fallback: number) =>
  z
    .unknown()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined) return fallback;
      // A parameter given twice arrives as a list, whose text ("1,2") is no number.
      const text = String(raw);
      if (/^\d{1,9}$/.test(text) && Number(text) >= min && Number(text) <= max) return Number(text);
      ctx.addIssue({
        // Stryker disable next-line StringLiteral: the only code the type takes here; the answer shows the message alone
        code: 'custom',
        message: `${name} must be given once, as an integer from ${min} to ${max}`,
      });
      return z.NEVER;
    });

const pageQuery = z.object({
  limit: pageNumber('querystring/limit', 1, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE),
  offset: pageNumber('querystring/offset', 0, MAX_OFFSET, 0),
});

/** A product with a presigned GET URL per thumbnail, by width. */
type PresentedProduct = Product & { thumbnails: Record<string, string> };

const notFound = (reply: FastifyReply, id: string) => reply.status(404).send(errorBody(404, `No product ${id}`));

export interface CatalogRoutesOptions {
  readonly repository: CatalogRepository;
  readonly presigner: Presigner;
  readonly config: ServiceDeps<CatalogConfigShape>['config'];
}

export function registerCatalogRoutes(app: FastifyInstance, { repository, presigner, config }: CatalogRoutesOptions): void {
  /**
   * The product as the API shows it: with presigned URLs of its thumbnails. Without an image, nothing
   * to sign and nothing to wait for: no promises (they were a kilobyte of garbage per lookup, the
   * lookup behind every order).
   */
  const present = (product: Product): PresentedProduct | Promise<PresentedProduct> => {
    if (product.imageKey === null) return { ...product, thumbnails: {} };
    const keys = thumbnailKeysFor(product.imageKey, config.THUMBNAIL_SIZES, config.THUMBNAIL_FORMAT);
    return Promise.all(keys.map(async ([width, key]) => [String(width), await presigner.downloadUrl(key)] as const)).then((entries) => ({
      ...product,
      thumbnails: Object.fromEntries(entries),
    }));
  };

  app.get('/products', { schema: { querystring: pageQuerySchema, response: { 200: listResponse } } }, async (request) => {
    const query = pageQuery.safeParse(request.query ?? {});
    if (!query.success) {
      throw new HttpError(400, query.error.issues.map((issue) => issue.message).join('; '), `querystring/${String(query.error.issues[0].path[0])}`);
    }
    const products = await repository.listProducts(query.data);
    return { products: await Promise.all(products.map(present)), ...query.data };
  });

  app.get<{ Params: { id: string } }>('/products/:id', { schema: { params: idParams, response: { 200: productResponse } } }, async (request, reply) => {
    const product = await repository.findProduct(request.params.id);
    if (product === undefined) return notFound(reply, request.params.id);
    return present(product);
  });

  app.post<{ Body: CreateProductBody }>('/products', { schema: { body: createProductBody, response: { 201: productResponse } } }, async (request, reply) => {
    const { name, description = '', priceCents, currency } = request.body;
    const product = await repository.createProduct({ name, description, priceCents, currency });
    return reply.status(201).header('location', `/products/${product.id}`).send(await present(product));
  });

  /**
   * Starts an image upload: a presigned PUT URL the client uploads the image to, directly to S3,
   * with exactly the Content-Type it asked for. The key is recorded on the product now (the upload
   * itself never reaches the service); the image-resizer makes the thumbnails once it lands.
   */
  app.post<{ Params: { id: string }; Body: { contentType: UploadContentType } }>(
    '/products/:id/image',
    { schema: { params: idParams, body: imageBody, response: { 201: uploadResponse } } },
    async (request, reply) => {
      const { id } = request.params;
      const key = uploadKeyFor(id, request.body.contentType);
      // Signed first: if signing fails (no credentials), nothing has been recorded.
      const uploadUrl = await presigner.uploadUrl(key, request.body.contentType);
      if (!(await repository.setImageKey(id, key))) return notFound(reply, id);
      return reply.status(201).send({ uploadUrl, key, expiresIn: config.UPLOAD_URL_TTL_SECONDS });
    },
  );
}
