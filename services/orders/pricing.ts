import type { OrderPlacedDetail } from '../../functions/shared/order-events';
import { UpstreamUnavailableError } from '../kit/resilient-http-client';
import type { CatalogClient, CatalogPrice } from './catalog-client';

const retryAfterOf = (failure: unknown) => (failure instanceof UpstreamUnavailableError ? failure.retryAfterSeconds : 0);

/** An item as a client orders it: which product, how many. The price is the catalog's. */
export interface RequestedItem {
  readonly productId: string;
  readonly quantity: number;
}

export type PricedOrder = Pick<OrderPlacedDetail, 'items' | 'totalCents' | 'currency'>;

/** Why the catalog's answers cannot make this order: the client's to fix (a 422). */
export interface PricingProblem {
  readonly message: string;
  /** The JSON path of the first item concerned, as the kit writes fields: e.g. `body/items/0/productId`. */
  readonly field: string;
}

export type PricingResult = { readonly ok: true; readonly order: PricedOrder } | { readonly ok: false; readonly problem: PricingProblem };

/**
 * Prices the items at the catalog's current prices: one lookup per distinct product, all at once, so
 * that pricing takes as long as one lookup, not one per item. Rejects (with the catalog client's
 * UpstreamUnavailableError) if any lookup could not be answered, after all have settled: no order is
 * judged on part of its products.
 */
export async function priceOrder(catalog: CatalogClient, items: readonly RequestedItem[]): Promise<PricingResult> {
  // The id format allows upper-case hex; the catalog (PostgreSQL's uuid) does not tell the spellings apart.
  const keyOf = (item: RequestedItem) => item.productId.toLowerCase();
  const ids = [...new Set(items.map(keyOf))];
  const settled = await Promise.allSettled(ids.map((id) => catalog.priceOf(id)));
  const failures = settled.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
  // The longest wait any lookup asks for: one that failed just as the breaker opened says 1 s, while
  // the breaker then refuses every lookup until it half-opens.
  if (failures.length > 0) throw failures.reduce((longest, failure) => (retryAfterOf(failure) > retryAfterOf(longest) ? failure : longest));
  const prices = new Map<string, CatalogPrice | undefined>(settled.map((result, index) => [ids[index], (result as PromiseFulfilledResult<CatalogPrice | undefined>).value]));

  const unknown = items.flatMap((item, index) => (prices.get(keyOf(item)) === undefined ? [{ item, index }] : []));
  if (unknown.length > 0) {
    const names = [...new Set(unknown.map(({ item }) => item.productId))];
    return { ok: false, problem: { message: `No product ${names.join(', ')} in the catalog`, field: `body/items/${unknown[0].index}/productId` } };
  }

  const priced = items.map((item) => ({ item, price: prices.get(keyOf(item))! }));
  const { currency } = priced[0].price;
  const firstOther = priced.findIndex(({ price }) => price.currency !== currency);
  if (firstOther >= 0) {
    const byCurrency = new Map<string, Set<string>>();
    for (const { item, price } of priced) byCurrency.set(price.currency, (byCurrency.get(price.currency) ?? new Set()).add(item.productId));
    const listing = [...byCurrency].map(([code, products]) => `${code}: ${[...products].join(', ')}`).join('; ');
    return {
      ok: false,
      problem: { message: `An order is paid in one currency, but its products are priced in several (${listing})`, field: `body/items/${firstOther}/productId` },
    };
  }

  return {
    ok: true,
    order: {
      items: priced.map(({ item, price }) => ({ productId: price.productId, quantity: item.quantity, unitPriceCents: price.unitPriceCents })),
      totalCents: priced.reduce((sum, { item, price }) => sum + item.quantity * price.unitPriceCents, 0),
      currency,
    },
  };
}
