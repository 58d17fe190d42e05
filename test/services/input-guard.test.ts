import type { FastifyInstance } from 'fastify';
import { createHttpServer } from '../../services/kit/http';

// The kit's input guard (services/kit/input-guard.ts) on a bare server: every string of a request,
// keys included, at any depth, is checked for what PostgreSQL cannot store. The services' own tests
// (catalog-input, property-*) show it on their routes.

let app: FastifyInstance;

beforeAll(async () => {
  app = createHttpServer({ service: 'guard-fixture', logLevel: 'silent' });
  // Takes any JSON at all, so that only the guard can refuse it.
  app.post('/anything/:id', async (request) => ({ received: request.body ?? null }));
  await app.ready();
});
afterAll(() => app.close());

const send = (body: string, url = '/anything/1') => app.inject({ method: 'POST', url, payload: body, headers: { 'content-type': 'application/json' } });
const refusal = async (body: string, url?: string) => {
  const response = await send(body, url);
  expect(response.statusCode).toBe(400);
  return response.json() as { error: string; message: string; field: string };
};

it('lets through strings it can store, a surrogate pair (an emoji) included, in keys and values', async () => {
  const body = JSON.stringify({ 'caf\u00e9 \ud83d\ude00': ['ok', { nested: '\ud83d\ude00', n: 1, none: null, yes: true }] });
  const response = await send(body);
  expect(response.statusCode).toBe(200);
  expect(response.json()).toEqual({ received: JSON.parse(body) });
});

it('refuses a body that is one string holding a NUL, naming the body, and takes one without', async () => {
  expect(await refusal('"a\\u0000b"')).toEqual({ error: 'Bad Request', message: 'body: its value contains U+0000 (NUL), which cannot be stored', field: 'body' });
  expect((await send('"ab"')).json()).toEqual({ received: 'ab' });
});

it('names the first culprit in document order, in arrays and in objects', async () => {
  expect((await refusal('["\\u0000a", "\\u0000b"]')).field).toBe('body/0');
  expect((await refusal('{"a": "ok", "b": ["x", "y\\u0000"], "c": "\\u0000"}')).field).toBe('body/b/1');
});

it('finds a culprit that is the only item of an array', async () => {
  expect((await refusal('{"list": ["\\u0000"]}')).field).toBe('body/list/0');
});

it('looks past null values to the culprit beside them', async () => {
  expect((await refusal('{"a": null, "b": [null, "\\u0000"]}')).field).toBe('body/b/1');
});

it('says whether the name or the value holds it, and which of the two it is', async () => {
  expect((await refusal('{"x": {"k\\u0000": 1}}')).message).toBe('body/x/k\\u0000: its name contains U+0000 (NUL), which cannot be stored');
  expect((await refusal('{"x": "\\ud800"}')).message).toBe('body/x: its value contains a lone UTF-16 surrogate (half of a pair), which cannot be stored');
});

it.each([
  ['a high surrogate at the end', '"a\\ud800"'],
  ['a high surrogate before a character that is not a low one', '"\\ud800a"'],
  ['a low surrogate alone', '"\\udc00"'],
  ['a low surrogate after another low one', '"\\ud83d\\ude00\\ude00"'],
])('refuses %s', async (_case, body) => {
  expect((await refusal(body)).message).toMatch(/lone UTF-16 surrogate/);
});

it('checks the path parameters and the query string too, before the body', async () => {
  expect((await refusal('"\\u0000"', '/anything/a%00b?q=%00')).field).toBe('params/id');
  expect((await refusal('"\\u0000"', '/anything/1?q=%00')).field).toBe('querystring/q');
});

it('finds a culprit nested far deeper than the call stack could recurse', async () => {
  const depth = 200_000;
  const body = `${'['.repeat(depth)}"\\u0000"${']'.repeat(depth)}`;
  const { field } = await refusal(body);
  expect(field.split('/')).toHaveLength(depth + 1);
});
