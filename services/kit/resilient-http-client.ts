import CircuitBreaker from 'opossum';
import type { CircuitBreakerState, UpstreamFailureReason } from './business-metrics';
import { AttemptTimeoutError, keepAliveTransport } from './keep-alive-transport';

/**
 * An HTTP client for calls from one service to another, built so that a caller can always answer
 * within a bound it knows in advance, however the other side fails:
 *
 * - every attempt is abandoned after `attemptTimeoutMs` (one timer covers the connect, the response
 *   and its body), over kept-alive connections (./keep-alive-transport.ts);
 * - a GET is retried after a network error, a timeout or a 5xx, at most `retries` times, each wait
 *   drawn with full jitter (uniform in [0, base × 2^(n-1))), so that callers who failed together do
 *   not retry together. Other methods are sent once: they need not be idempotent;
 * - an opossum circuit breaker over whole calls (retries included): once most recent calls failed, it
 *   fails new ones at once, without a request, and after `breakerResetTimeoutMs` lets one trial call
 *   through (half-open), which closes it again or re-opens it.
 *
 * So a call settles within the client's `worstCaseMs`:
 *   (retries + 1) × attemptTimeoutMs + retryBaseDelayMs × (2^retries − 1)
 * (plus the event loop's own delays), and at once while the breaker is open. With the defaults:
 * 3 × 1000 + 100 × 3 = 3300 ms.
 *
 * A response below 500 (a 404 included) is an answer, for the caller to interpret; a failure is an
 * UpstreamUnavailableError carrying how long the caller's own client should wait (Retry-After).
 */

export interface ResilientHttpClientOptions {
  /** Names the upstream in errors and the breaker, e.g. `catalog`. */
  readonly name: string;
  /** Where request paths are appended, e.g. `http://catalog.shop.svc.cluster.local`. */
  readonly baseUrl: string;
  /** One attempt (connect, response and body) is abandoned after this long. @default 1000 */
  readonly attemptTimeoutMs?: number;
  /** Further attempts of a GET after a network error, a timeout or a 5xx. @default 2 */
  readonly retries?: number;
  /** The wait before retry n is drawn uniformly from [0, retryBaseDelayMs × 2^(n-1)). @default 100 */
  readonly retryBaseDelayMs?: number;
  /** The breaker opens when more than this percentage of the calls in its window failed... @default 50 */
  readonly breakerErrorThresholdPercentage?: number;
  /** ...and at least this many calls were made in it: a single failure is no outage. @default 5 */
  readonly breakerVolumeThreshold?: number;
  /** The breaker's rolling window of call statistics. @default 10000 */
  readonly breakerWindowMs?: number;
  /** How long the breaker stays open before it lets one trial call through. @default 5000 */
  readonly breakerResetTimeoutMs?: number;
  /** Where the jitter comes from, in [0, 1): tests pass their own. @default Math.random */
  readonly random?: () => number;
}

export interface HttpAnswer {
  readonly status: number;
  /** The parsed JSON body; undefined when the body was empty. */
  readonly body: unknown;
}

export interface HttpRequest {
  /** @default 'GET' */
  readonly method?: string;
  /** Appended to the base URL, e.g. `/products/42`. */
  readonly path: string;
  /** Sent as JSON. */
  readonly body?: unknown;
}

/** The upstream could not answer: unreachable, too slow, failing (5xx), or its breaker is open. */
export class UpstreamUnavailableError extends Error {
  constructor(
    readonly upstream: string,
    /** Why, as the metrics count it. */
    readonly reason: UpstreamFailureReason,
    /** Whole seconds a client should wait before trying again: the time until the breaker half-opens, or 1. */
    readonly retryAfterSeconds: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'UpstreamUnavailableError';
  }
}

export interface ResilientHttpClient {
  /** The upstream's name, from the options. */
  readonly name: string;
  /** Resolves with any answer below 500; rejects with UpstreamUnavailableError, within `worstCaseMs`. */
  request(request: HttpRequest): Promise<HttpAnswer>;
  /** The longest a request takes to settle, from the options (see the module comment). */
  readonly worstCaseMs: number;
  /** The circuit breaker's state now, for the circuit_breaker_state gauge. */
  readonly breakerState: CircuitBreakerState;
  /** Stops the breaker's timers and closes the kept-alive connections. */
  close(): void;
}

const DEFAULTS = {
  attemptTimeoutMs: 1000,
  retries: 2,
  retryBaseDelayMs: 100,
  breakerErrorThresholdPercentage: 50,
  breakerVolumeThreshold: 5,
  breakerWindowMs: 10_000,
  breakerResetTimeoutMs: 5000,
};

type Settings = typeof DEFAULTS;

function settingsOf(options: ResilientHttpClientOptions): Settings {
  // Stryker disable next-line ObjectLiteral: the loop sets every key; the copy only gives the object its type
  const settings = { ...DEFAULTS };
  for (const key of Object.keys(DEFAULTS) as (keyof Settings)[]) {
    const value = options[key] ?? DEFAULTS[key];
    const least = key === 'retries' || key === 'retryBaseDelayMs' || key === 'breakerVolumeThreshold' ? 0 : 1;
    if (!Number.isInteger(value) || value < least) throw new RangeError(`${options.name} client: ${key} must be an integer >= ${least}, got ${value}`);
    settings[key] = value;
  }
  return settings;
}

/** The bound stated in the module comment; the delays are drawn below their caps, so it is never reached exactly. */
function worstCaseMs(options: ResilientHttpClientOptions): number {
  const { retries, attemptTimeoutMs, retryBaseDelayMs } = settingsOf(options);
  return (retries + 1) * attemptTimeoutMs + retryBaseDelayMs * (2 ** retries - 1);
}

/** Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): the wait before retry n (1-based). */
export function retryDelayMs(retry: number, baseMs: number, random: () => number): number {
  return Math.floor(random() * baseMs * 2 ** (retry - 1));
}

/** A failure worth another attempt: the network, a timeout, or a 5xx. */
class TransientFailure extends Error {
  constructor(
    readonly reason: Extract<UpstreamFailureReason, 'timeout' | 'unavailable'>,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Why a call failed, from what the breaker rejected with. */
function reasonOf(error: unknown): UpstreamFailureReason {
  if (CircuitBreaker.isOurError(error as Error)) return 'circuit_open';
  // Besides transient failures, an attempt fails only with an answer that is not JSON.
  return error instanceof TransientFailure ? error.reason : 'bad_answer';
}

/** GET and HEAD change nothing (RFC 9110, safe methods): sending one twice is harmless. */
const RETRIED_METHODS = new Set(['GET', 'HEAD']);

export function createResilientHttpClient(options: ResilientHttpClientOptions): ResilientHttpClient {
  const settings = settingsOf(options);
  const random = options.random ?? Math.random;

  const transport = keepAliveTransport(options.baseUrl);

  const attempt = async ({ method = 'GET', path, body }: HttpRequest): Promise<HttpAnswer> => {
    let status: number;
    let text: string;
    try {
      // No body for none: JSON.stringify(undefined) is undefined (though typed as a string).
      ({ status, text } = await transport.send(method, path, JSON.stringify(body), settings.attemptTimeoutMs));
    } catch (error) {
      const reason = error instanceof AttemptTimeoutError ? 'timeout' : 'unavailable';
      throw new TransientFailure(reason, `${method} ${path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    if (status >= 500) throw new TransientFailure('unavailable', `${method} ${path}: HTTP ${status}`);
    // Not transient: a malformed answer would be malformed again. It still counts against the breaker.
    try {
      return { status, body: text === '' ? undefined : JSON.parse(text) };
    } catch (error) {
      throw new Error(`${method} ${path}: HTTP ${status} with a body that is not JSON`, { cause: error });
    }
  };

  const withRetries = async (request: HttpRequest): Promise<HttpAnswer> => {
    const attempts = RETRIED_METHODS.has(request.method ?? 'GET') ? settings.retries + 1 : 1;
    for (let made = 1; ; made++) {
      try {
        return await attempt(request);
      } catch (error) {
        if (!(error instanceof TransientFailure) || made === attempts) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, retryDelayMs(made, settings.retryBaseDelayMs, random)));
    }
  };

  const breaker = new CircuitBreaker(withRetries, {
    name: options.name,
    // The attempts time out themselves: opossum's timeout would leave them running in the background.
    timeout: false,
    errorThresholdPercentage: settings.breakerErrorThresholdPercentage,
    volumeThreshold: settings.breakerVolumeThreshold,
    rollingCountTimeout: settings.breakerWindowMs,
    resetTimeout: settings.breakerResetTimeoutMs,
    // Stryker disable next-line BooleanLiteral: a cost, not a behaviour: nothing reads the snapshots, emitted each second
    enableSnapshots: false,
    // Nothing reads latency percentiles; kept, they cost an array push per call, and a concatenation
    // and sort of every latency in the window on each failure, just when the upstream is struggling.
    // Stryker disable next-line BooleanLiteral: a cost, not a behaviour (above)
    rollingPercentilesEnabled: false,
  });
  let openedAt = 0;
  breaker.on('open', () => (openedAt = Date.now()));
  const retryAfterSeconds = () => (breaker.opened ? Math.max(1, Math.ceil((openedAt + settings.breakerResetTimeoutMs - Date.now()) / 1000)) : 1);

  return {
    name: options.name,
    worstCaseMs: worstCaseMs(options),
    get breakerState() {
      return breaker.opened ? 'open' : breaker.halfOpen ? 'halfOpen' : 'closed';
    },
    async request(request) {
      try {
        return await breaker.fire(request);
      } catch (error) {
        const reason = CircuitBreaker.isOurError(error as Error) ? 'circuit breaker open' : error instanceof Error ? error.message : String(error);
        throw new UpstreamUnavailableError(options.name, reasonOf(error), retryAfterSeconds(), `${options.name} unavailable: ${reason}`, { cause: error });
      }
    },
    close: () => {
      breaker.shutdown();
      transport.close();
    },
  };
}
