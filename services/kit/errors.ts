import { STATUS_CODES } from 'node:http';

/**
 * The one error body of every service, for every 4xx and 5xx: `error` is the HTTP reason phrase,
 * `message` says what was wrong, and `field`, when one field is to blame, is its JSON path (e.g.
 * `body/items/0/productId`, `params/id`, `querystring/limit`), for a client to point at.
 */
export interface ErrorBody {
  readonly error: string;
  readonly message: string;
  readonly field?: string;
}

/** A refusal a route throws (or the kit raises): the error handler answers it as it is, with its statusCode and field. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/**
 * No connection to the database could be had (refused, timed out, the server starting up or full):
 * no statement was sent, so nothing was done, and the request can be retried as it is. Answered 503
 * with Retry-After, quickly, rather than as a 500 of unknown outcome (services/kit/database.ts).
 */
export class DatabaseUnavailableError extends Error {
  readonly retryAfterSeconds = 1;
  constructor(cause: unknown) {
    super(`database unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'DatabaseUnavailableError';
  }
}

/** A field left undefined is left out of the JSON, as is any undefined property. */
export function errorBody(status: number, message: string, field?: string): ErrorBody {
  return { error: STATUS_CODES[status] ?? (status <= 499 ? 'Client Error' : 'Server Error'), message, field };
}

/**
 * A field's JSON path from where it is in the request (`body`, `params`, `querystring`) and its keys,
 * each escaped as in a JSON Pointer (`~` as `~0`, `/` as `~1`), so a key with a slash stays one
 * segment. Characters a response should not echo raw (NUL, lone surrogates, other controls) are
 * written as `\uXXXX`.
 */
export function fieldPath(part: string, keys: readonly (string | number)[]): string {
  return [part, ...keys.map((key) => printable(String(key).replaceAll('~', '~0').replaceAll('/', '~1')))].join('/');
}

// Controls and surrogates not part of a pair (a lone one cannot even be encoded as UTF-8).
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function printable(text: string): string {
  return text.replace(UNPRINTABLE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
