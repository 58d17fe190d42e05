import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { BODY_LIMIT_BYTES, ID_PATTERN } from '../../../services/kit';
import type { RecordedRoute } from './recorded-routes';

/**
 * fast-check arbitraries for requests to a route, derived from the route's own schemas: mostly
 * values of the declared shape (so that requests get past the validator and reach the handler, the
 * database and the other services), each part now and then replaced by anything at all. Strings
 * carry what PostgreSQL cannot store (U+0000, lone surrogates), bodies come as huge numbers, wrong
 * types, unknown keys, deep nesting up to the body limit, and not JSON at all.
 */

type Schema = {
  type?: string | string[];
  enum?: unknown[];
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
};

export interface RequestHints {
  /** Ids that exist (e.g. products), used now and then where the schema takes an id. */
  readonly ids?: readonly string[];
}

/** One character: mostly any code point, often one PostgreSQL cannot store. */
const nastyChar = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.constantFrom('\u0000', '\ud800', '\udbff', '\udc00', '\udfff', '\ufffe', '\u202e') },
);
export const nastyString = (maxLength = 40) => fc.string({ unit: nastyChar, maxLength });

const hugeNumber = fc.constantFrom(1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, -(2 ** 63), 2 ** 64, 5e-324, -0, 0.1);
const anything: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3, stringUnit: nastyChar }),
  hugeNumber,
  nastyString(),
);

function conforming(schema: Schema | undefined, hints: RequestHints): fc.Arbitrary<unknown> {
  if (!schema) return anything;
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const type = [schema.type].flat()[0];
  switch (type) {
    case 'string':
      if (schema.pattern === ID_PATTERN) return hints.ids?.length ? fc.oneof({ weight: 1, arbitrary: fc.uuid() }, { weight: 3, arbitrary: fc.constantFrom(...hints.ids) }) : fc.uuid();
      if (schema.format === 'email') return fc.oneof(fc.emailAddress(), fc.constant('ada@example.com'));
      return fc.string({ unit: nastyChar, minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 40, 40) });
    case 'integer':
      return fc
        .bigInt({ min: BigInt(schema.minimum ?? -(2 ** 53)), max: BigInt(schema.maximum ?? 2 ** 53) })
        .map(Number);
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(valueFor(schema.items, hints), { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 4, 4) });
    case 'object': {
      const properties = Object.fromEntries(Object.entries(schema.properties ?? {}).map(([key, property]) => [key, valueFor(property, hints)]));
      const known = fc.record(properties, { requiredKeys: schema.required ?? [] });
      const unknown = fc.dictionary(nastyString(12), anything, { maxKeys: 2 });
      return fc.oneof({ weight: 9, arbitrary: known }, { weight: 1, arbitrary: fc.tuple(known, unknown).map(([a, b]) => ({ ...b, ...a })) });
    }
    default:
      return anything;
  }
}

/** A value for the schema: mostly of its shape, sometimes anything. */
function valueFor(schema: Schema | undefined, hints: RequestHints): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 19, arbitrary: conforming(schema, hints) }, { weight: 1, arbitrary: anything });
}

/** JSON nested as deep as the body limit allows, in objects or arrays. */
const deeplyNested = fc.tuple(fc.integer({ min: 1, max: Math.floor((BODY_LIMIT_BYTES - 16) / 6) }), fc.boolean()).map(([depth, arrays]) =>
  arrays ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth),
);
/** Numbers JSON.parse turns into Infinity, or rounds. */
const hugeNumbersText = fc.constantFrom('1e400', '-1e400', '123456789012345678901234567890', '{"priceCents":1e400}', '{"quantity":1e309}', '[1e-400]');

function bodyFor(schema: Schema | undefined, hints: RequestHints): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { weight: 12, arbitrary: valueFor(schema, hints).map((value) => JSON.stringify(value)) },
    { weight: 1, arbitrary: deeplyNested },
    { weight: 1, arbitrary: hugeNumbersText },
    { weight: 1, arbitrary: nastyString(200) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

// UTF-8 bytes, each %XX: lone surrogates included (they become U+FFFD, as in any real client).
const percentEncode = (text: string) => [...Buffer.from(text, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
const rawUrlPiece = fc.constantFrom('%', '%zz', '%E0%A4%A', '%00', '%ED%A0%80', '%C0%80', '..', '%2F', '%2e%2e', 'a'.repeat(150));

/** A path parameter or query value, already URL-encoded. */
function urlValue(schema: Schema | undefined, hints: RequestHints): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: valueFor(schema, hints).map((value) => percentEncode(typeof value === 'string' ? value : JSON.stringify(value) ?? '')) },
    { weight: 2, arbitrary: fc.nat({ max: 20_000 }).map(String) },
    { weight: 1, arbitrary: rawUrlPiece },
  );
}

function queryFor(schema: Schema | undefined, hints: RequestHints): fc.Arbitrary<string> {
  const names = Object.keys(schema?.properties ?? {});
  const name = names.length > 0 ? fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...names) }, { weight: 1, arbitrary: nastyString(10) }) : nastyString(10);
  const pair = fc.tuple(name, urlValue(undefined, hints)).map(([key, value]) => `${percentEncode(key)}=${value}`);
  return fc.oneof(
    { weight: 5, arbitrary: fc.constant('') },
    { weight: 5, arbitrary: fc.array(pair, { minLength: 1, maxLength: 3 }).map((pairs) => `?${pairs.join('&')}`) },
    { weight: 1, arbitrary: rawUrlPiece.map((piece) => `?${piece}=${piece}`) },
  );
}

const contentType = fc.oneof(
  { weight: 12, arbitrary: fc.constant('application/json') },
  { weight: 1, arbitrary: fc.constantFrom('application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'application/xml', undefined) },
);

/** Requests to one route: its method, its URL template filled in, a query string, a body for what takes one. */
export function requestsFor(route: RecordedRoute, hints: RequestHints = {}): fc.Arbitrary<InjectOptions> {
  const paramsSchema = route.schema.params as Schema | undefined;
  const names = [...route.url.matchAll(/:([A-Za-z0-9_]+)/g)].map((match) => match[1]);
  const params = fc.tuple(...names.map((name) => urlValue(paramsSchema?.properties?.[name], hints)));
  const takesBody = !['GET', 'HEAD'].includes(route.method);
  return fc
    .record({
      params,
      query: queryFor(route.schema.querystring as Schema | undefined, hints),
      payload: takesBody ? bodyFor(route.schema.body as Schema | undefined, hints) : fc.constant(undefined),
      contentType: takesBody ? contentType : fc.constant(undefined),
    })
    .map(({ params: values, query, payload, contentType: type }) => {
      let index = 0;
      const path = route.url.replace(/:([A-Za-z0-9_]+)/g, () => values[index++]);
      return {
        method: route.method as InjectOptions['method'],
        url: `${path}${query}`,
        ...(payload === undefined ? {} : { payload }),
        headers: type === undefined ? {} : { 'content-type': type },
      };
    });
}
