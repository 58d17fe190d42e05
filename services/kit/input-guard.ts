import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError, fieldPath } from './errors';

/**
 * Refuses, with a 400 naming the field, any string in a request that PostgreSQL cannot store: U+0000
 * (text and jsonb refuse it outright) and a UTF-16 surrogate without its pair (not Unicode at all:
 * node-postgres would quietly turn it into U+FFFD in text, and jsonb refuses its `\uD800` escape).
 * Left to the database, either one is a 500 after the request has half happened; here it is a 400
 * before any handler runs. Every string is checked, keys included, at any depth, in the body, the
 * query string and the path parameters, for every route, so that no service has to repeat it field
 * by field in its schemas.
 *
 * It runs at preValidation: after parsing, before the schemas, so that the answer is the same
 * whatever else is wrong with the request.
 */
export function registerInputGuard(app: FastifyInstance): void {
  // A callback hook, not an async one: no promise and no extra turn of the event loop per request.
  app.addHook('preValidation', (request, _reply, done) => {
    const problem = findUnstorable(request);
    done(problem && new HttpError(400, problem.message, problem.field));
  });
}

// A NUL, a high surrogate not followed by a low one, or a low one not preceded by a high one.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

interface Problem {
  readonly field: string;
  readonly message: string;
}

/** Where a value sits: its parent's place and its own key, so a path is only built for the culprit. */
interface Place {
  readonly parent?: Place;
  readonly key: string;
}

function findUnstorable(request: FastifyRequest): Problem | undefined {
  return firstUnstorable('params', request.params) ?? firstUnstorable('querystring', request.query) ?? firstUnstorable('body', request.body);
}

/**
 * Whether any string in `root`, key or value, is unstorable: the check every request pays, so it
 * keeps no path and allocates one stack (not a place per value, nor an entry pair per property);
 * the path is looked for only once there is something to report.
 */
function containsUnstorable(root: unknown): boolean {
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value === 'string') {
      if (UNSTORABLE.test(value)) return true;
    } else if (Array.isArray(value)) {
      for (const item of value) pending.push(item);
    } else if (typeof value === 'object' && value !== null) {
      for (const key in value) {
        if (!Object.hasOwn(value, key)) continue;
        if (UNSTORABLE.test(key)) return true;
        pending.push((value as Record<string, unknown>)[key]);
      }
    }
  }
  return false;
}

/**
 * Depth-first, with a stack of its own rather than recursion: a 1 MiB body can nest half a million
 * levels deep, far beyond the call stack.
 */
function firstUnstorable(part: string, root: unknown): Problem | undefined {
  if (!containsUnstorable(root)) return undefined;
  const pending: { value: unknown; place?: Place }[] = [{ value: root }];
  while (pending.length > 0) {
    const { value, place } = pending.pop()!;
    if (typeof value === 'string') {
      if (UNSTORABLE.test(value)) return describe(part, place, value, 'value');
    } else if (value !== null && value !== undefined) {
      // An object, or an array: its entries are its indices (as keys, written alike in a path). A
      // number or a boolean has none.
      const entries = Object.entries(value);
      const badKey = entries.find(([key]) => UNSTORABLE.test(key));
      if (badKey) return describe(part, { parent: place, key: badKey[0] }, badKey[0], 'name');
      for (let index = entries.length - 1; index >= 0; index--) pending.push({ value: entries[index][1], place: { parent: place, key: entries[index][0] } });
    }
  }
  return undefined;
}

function describe(part: string, place: Place | undefined, text: string, what: 'value' | 'name'): Problem {
  // From the culprit up, then reversed: unshift() at each level made a path half a million levels deep
  // (a 1 MiB body of brackets) cost quadratic time, tens of seconds of one request's CPU.
  const keys: string[] = [];
  for (let at = place; at; at = at.parent) keys.push(at.key);
  keys.reverse();
  const field = fieldPath(part, keys);
  const culprit = text.includes('\u0000') ? 'U+0000 (NUL)' : 'a lone UTF-16 surrogate (half of a pair)';
  return { field, message: `${field}: its ${what} contains ${culprit}, which cannot be stored` };
}
