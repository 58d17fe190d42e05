/** One try of a POST /orders on one replica. */
export interface Attempt {
  readonly target: string;
  /** HTTP status; 0 when no answer came (refused, reset, timed out). */
  readonly status: number;
  readonly ms: number;
  /** Why no answer came, e.g. ECONNREFUSED, TimeoutError. */
  readonly failure?: string;
}

/** One order a client wanted placed, after its retries. */
export interface OrderOutcome {
  /** Unique per logical order: how PostgreSQL's rows are matched to what the client saw (see `duplicates` in ./ledger.ts). */
  readonly customerEmail: string;
  /** When the first attempt was sent, ms since the load started. */
  readonly sentAt: number;
  /** When the outcome was known, ms since the load started. */
  readonly settledAt: number;
  /** The last attempt's: 201 placed; 0 when no attempt got an answer. */
  readonly status: number;
  /** The last attempt's, in ms. */
  readonly latencyMs: number;
  readonly retryAfter?: string;
  /** From a 201's body. */
  readonly orderId?: string;
  readonly attempts: readonly Attempt[];
  /**
   * An attempt got no answer after its request may have reached a replica (anything but a refused
   * connection): the order may have been placed although the client never heard, and a retry may place it twice.
   */
  readonly ambiguous: boolean;
}

export interface LoadOptions {
  /** The replicas, taken round-robin. */
  readonly targets: readonly string[];
  readonly ratePerSecond: number;
  /** The load stops sending by itself after this long, if stop() was not called before. */
  readonly maxDurationMs: number;
  /**
   * Further attempts after one that got no answer, each on the replica after the one that failed.
   * An answer (any status, a 5xx included) is final: it says what the replica did.
   */
  readonly retries: number;
  readonly attemptTimeoutMs: number;
  readonly productIds: readonly string[];
  /** Tells this run's customers apart. */
  readonly label: string;
}

export interface OrderLoad {
  /** Settled orders so far, in the order they settled. */
  readonly outcomes: readonly OrderOutcome[];
  /** ms since the load started. */
  now(): number;
  /** Stops sending now; resolves with every outcome, by when sent, once the orders in flight have settled. */
  stop(): Promise<readonly OrderOutcome[]>;
  /** The same, once maxDurationMs is over. */
  finished(): Promise<readonly OrderOutcome[]>;
}

const failureOf = (error: unknown): string => {
  const { name, cause } = error as { name?: string; cause?: { code?: string } };
  return cause?.code ?? name ?? String(error);
};

/**
 * Open-loop load: one new order every 1000 / ratePerSecond ms, whatever the answers take, as
 * independent clients would send them. Each order is for two products, by a customer of its own.
 */
export function startOrderLoad(options: LoadOptions): OrderLoad {
  const started = performance.now();
  const now = () => performance.now() - started;
  const outcomes: OrderOutcome[] = [];
  const inFlight = new Set<Promise<void>>();
  let next = 0;
  let sent = 0;
  let stopped = false;
  let ranOut: () => void;
  const outOfTime = new Promise<void>((resolve) => (ranOut = resolve));

  const attempt = async (target: string, body: string): Promise<Attempt & { response?: Response; json?: { id?: string } }> => {
    const begun = performance.now();
    try {
      const response = await fetch(`${target}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(options.attemptTimeoutMs),
      });
      const json = (await response.json()) as { id?: string };
      return { target, status: response.status, ms: performance.now() - begun, response, json };
    } catch (error) {
      return { target, status: 0, ms: performance.now() - begun, failure: failureOf(error) };
    }
  };

  const placeOrder = async (n: number) => {
    const sentAt = now();
    const customerEmail = `${options.label}-${n}@chaos.example.com`;
    const body = JSON.stringify({
      customerEmail,
      items: [
        { productId: options.productIds[n % options.productIds.length], quantity: 1 + (n % 3) },
        { productId: options.productIds[(n + 1) % options.productIds.length], quantity: 1 },
      ],
    });
    const attempts: Attempt[] = [];
    let targetIndex = next++ % options.targets.length;
    for (;;) {
      const { response, json, ...tried } = await attempt(options.targets[targetIndex], body);
      attempts.push(tried);
      if (tried.status !== 0 || attempts.length > options.retries) {
        outcomes.push({
          customerEmail,
          sentAt,
          settledAt: now(),
          status: tried.status,
          latencyMs: tried.ms,
          retryAfter: response?.headers.get('retry-after') ?? undefined,
          orderId: tried.status === 201 ? json?.id : undefined,
          attempts,
          ambiguous: attempts.some((a) => a.status === 0 && a.failure !== 'ECONNREFUSED'),
        });
        return;
      }
      targetIndex = (targetIndex + 1) % options.targets.length;
    }
  };

  const intervalMs = 1000 / options.ratePerSecond;
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    if (stopped) return;
    if (now() >= options.maxDurationMs) return ranOut();
    const order = placeOrder(sent++).finally(() => inFlight.delete(order));
    inFlight.add(order);
    timer = setTimeout(tick, Math.max(0, sent * intervalMs - now()));
  };
  tick();

  const stop = async () => {
    stopped = true;
    ranOut();
    clearTimeout(timer);
    while (inFlight.size > 0) await Promise.all(inFlight);
    return [...outcomes].sort((a, b) => a.sentAt - b.sentAt);
  };
  return { outcomes, now, stop, finished: () => outOfTime.then(stop) };
}

/**
 * The first order placed (201) of those sent at or after `since` (ms since the load started), once
 * there is one; undefined if none within `timeoutMs`.
 */
export async function firstPlacedSince(load: OrderLoad, since: number, timeoutMs: number): Promise<OrderOutcome | undefined> {
  const found = () => load.outcomes.find((o) => o.status === 201 && o.sentAt >= since);
  const deadline = performance.now() + timeoutMs;
  while (!found() && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  return found();
}

/** The p-th percentile (0-100) by nearest rank; 0 for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Failed orders (anything but 201) over all, 0 to 1. */
export function errorRate(outcomes: readonly OrderOutcome[]): number {
  return outcomes.length === 0 ? 0 : outcomes.filter((o) => o.status !== 201).length / outcomes.length;
}

/** `a=1 b=2.5` for the per-run console line. */
export function figures(values: Record<string, number | string | boolean | undefined>): string {
  return Object.entries(values)
    .map(([key, value]) => `${key}=${typeof value === 'number' && !Number.isInteger(value) ? value.toFixed(value < 1 ? 3 : 0) : String(value)}`)
    .join(' ');
}
