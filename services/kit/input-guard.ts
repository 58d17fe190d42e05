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
  app.addHook('preValidation', async (request) => {
    const problem = findUnstorable(request);
    if (problem) throw new HttpError(400, problem.message, problem.field);
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
  readonly key: string | number;
}

function findUnstorable(request: FastifyRequest): Problem | undefined {
  const parts: [string, unknown][] = [
    ['params', request.params],
    ['querystring', request.query],
    ['body', request.body],
  ];
  for (const [part, value] of parts) {
    const problem = firstUnstorable(part, value);
    if (problem) return problem;
  }
  return undefined;
}

/**
 * Depth-first, with a stack of its own rather than recursion: a 1 MiB body can nest half a million
 * levels deep, far beyond the call stack.
 */
function firstUnstorable(part: string, root: unknown): Problem | undefined {
  const pending: { value: unknown; place?: Place }[] = [{ value: root }];
  while (pending.length > 0) {
    const { value, place } = pending.pop()!;
    if (typeof value === 'string') {
      if (UNSTORABLE.test(value)) return describe(part, place, value, 'value');
    } else if (Array.isArray(value)) {
      for (let index = value.length - 1; index >= 0; index--) pending.push({ value: value[index], place: { parent: place, key: index } });
    } else if (typeof value === 'object' && value !== null) {
      const entries = Object.entries(value);
      const badKey = entries.find(([key]) => UNSTORABLE.test(key));
      if (badKey) return describe(part, { parent: place, key: badKey[0] }, badKey[0], 'name');
      for (let index = entries.length - 1; index >= 0; index--) pending.push({ value: entries[index][1], place: { parent: place, key: entries[index][0] } });
    }
  }
  return undefined;
}

function describe(part: string, place: Place | undefined, text: string, what: 'value' | 'name'): Problem {
  const keys: (string | number)[] = [];
  for (let at = place; at; at = at.parent) keys.unshift(at.key);
  const field = fieldPath(part, keys);
  const culprit = text.includes('\u0000') ? 'U+0000 (NUL)' : 'a lone UTF-16 surrogate (half of a pair)';
  return { field, message: `${field}: its ${what} contains ${culprit}, which cannot be stored` };
}
