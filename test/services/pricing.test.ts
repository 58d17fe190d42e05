import { UpstreamUnavailableError } from '../../services/kit/resilient-http-client';
import type { CatalogClient } from '../../services/orders/catalog-client';
import { priceOrder } from '../../services/orders/pricing';

const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';

/** A catalog whose lookups fail with the given Retry-After, per product. */
const failingCatalog = (retryAfterSeconds: Record<string, number>): CatalogClient => ({
  priceOf: async (productId) => {
    throw new UpstreamUnavailableError('catalog', 'unavailable', retryAfterSeconds[productId], `no answer for ${productId}`);
  },
});

describe('pricing an order when the catalog cannot answer', () => {
  it.each([
    [{ [A]: 1, [B]: 5 }, 5],
    [{ [A]: 5, [B]: 1 }, 5],
  ])('asks the client to wait as long as the longest of the failed lookups asks (%j)', async (retryAfter, expected) => {
    const failure = await priceOrder(failingCatalog(retryAfter), [
      { productId: A, quantity: 1 },
      { productId: B, quantity: 1 },
    ]).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UpstreamUnavailableError);
    expect((failure as UpstreamUnavailableError).retryAfterSeconds).toBe(expected);
  });
});
