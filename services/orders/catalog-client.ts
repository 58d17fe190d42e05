import { z } from 'zod';
import { orderPlacedDetailSchema, type OrderPlacedDetail } from '../../functions/shared/order-events';
import { ID_PATTERN, UpstreamUnavailableError, type ResilientHttpClient } from '../kit';
import type { UpstreamFailureReason } from '../kit/business-metrics';

/**
 * The catalog's cap on a price (MAX_PRICE_CENTS in services/catalog/routes.ts). A price above it
 * would be a broken catalog; under it, a total of 100 items × 1000 × the price stays an exact
 * JavaScript integer.
 */
const MAX_UNIT_PRICE_CENTS = 10_000_000_000;

/** The part of the catalog's `GET /products/:id` answer that prices an order; the rest is ignored. */
const productPrice = z.object({
  id: z.string().regex(new RegExp(ID_PATTERN)),
  priceCents: z.int().min(0).max(MAX_UNIT_PRICE_CENTS),
  currency: orderPlacedDetailSchema.shape.currency,
});

export interface CatalogPrice {
  /** The catalog's spelling of the id (PostgreSQL's: lower case). */
  readonly productId: string;
  readonly unitPriceCents: number;
  readonly currency: OrderPlacedDetail['currency'];
}

export interface CatalogClient {
  /**
   * A product's current price; undefined when the catalog has no such product. Rejects with
   * UpstreamUnavailableError when the catalog cannot say (see the kit's resilient HTTP client).
   */
  priceOf(productId: string): Promise<CatalogPrice | undefined>;
}

/**
 * The orders service's view of the catalog, over the kit's resilient HTTP client. `onLookupFailed`
 * hears why each lookup that could not be answered failed (the catalog_lookups_failed_total counter).
 */
export function catalogClient(http: ResilientHttpClient, onLookupFailed: (reason: UpstreamFailureReason) => void): CatalogClient {
  const lookUp = async (productId: string): Promise<CatalogPrice | undefined> => {
    const path = `/products/${encodeURIComponent(productId)}`;
    const answer = await http.request({ path });
    if (answer.status === 404) return undefined;
    const product = productPrice.safeParse(answer.body);
    if (answer.status !== 200 || !product.success) {
      // The catalog answered, but not as its contract says: nothing to price with, and no fault of the client.
      const reason = product.success ? '' : `: ${product.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`).join('; ')}`;
      throw new UpstreamUnavailableError('catalog', 'bad_answer', 1, `catalog: unexpected answer to GET ${path}: HTTP ${answer.status}${reason}`);
    }
    return { productId: product.data.id, unitPriceCents: product.data.priceCents, currency: product.data.currency };
  };
  return {
    async priceOf(productId) {
      try {
        return await lookUp(productId);
      } catch (error) {
        if (error instanceof UpstreamUnavailableError) onLookupFailed(error.reason);
        throw error;
      }
    },
  };
}
