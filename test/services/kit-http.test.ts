import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { DatabaseUnavailableError, HttpError } from '../../services/kit';
import { createHttpServer } from '../../services/kit/http';

// The kit's HTTP rules for errors (services/kit/http.ts, errors.ts, validation-errors.ts), on a bare
// server: no database, no service, routes that fail as a handler would.

let app: FastifyInstance;
/** Each request's logger, spied on: what the kit logs about a failure. */
let loggers: FastifyBaseLogger[];

beforeEach(async () => {
  app = createHttpServer({ service: 'http-fixture', logLevel: 'silent' });
  loggers = [];
  app.addHook('onRequest', (request, _reply, done) => {
    jest.spyOn(request.log, 'error');
    jest.spyOn(request.log, 'warn');
    loggers.push(request.log);
    done();
  });
  app.get<{ Querystring: { status?: string; plain?: string } }>('/fail', async (request) => {
    const status = request.query.status === undefined ? undefined : Number(request.query.status);
    if (request.query.plain !== undefined) throw Object.assign(new Error('internal detail'), { statusCode: status, field: 'body/x' });
    throw new HttpError(status ?? 500, 'internal detail', 'body/x');
  });
  // A validation error raised by hand, with no part named and no wording: as a fork's own validator might.
  app.get('/checked-by-hand', async () => {
    throw Object.assign(new Error('invalid'), { validation: [{ keyword: 'custom', instancePath: '/x', schemaPath: '#', params: {} }] });
  });
  app.get('/database', async () => {
    throw new DatabaseUnavailableError(new Error('connect ECONNREFUSED 10.0.0.1:5432'));
  });
  app.post(
    '/orders/:id',
    {
      schema: {
        params: { type: 'object', properties: { id: { type: 'string', pattern: '^o-' } } },
        querystring: { type: 'object', additionalProperties: false, properties: { dryRun: { type: 'boolean' } } },
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['currency'],
          properties: { currency: { type: 'string', enum: ['USD', 'EUR'] }, quantity: { type: 'integer', minimum: 1 } },
        },
      },
    },
    async () => ({ ok: true }),
  );
  // The request's logger is a pino child logger, which says what it binds to each line.
  app.get('/trace', async (request) => ({ ...request.traceContext, logged: (request.log as typeof request.log & { bindings(): Record<string, unknown> }).bindings().trace_id }));
  // Two ways to pay, both naming the amount: a request without one fails both alternatives alike.
  const amount = { type: 'integer', minimum: 1 };
  app.post(
    '/payments',
    { schema: { body: { anyOf: [{ type: 'object', required: ['amount', 'card'], properties: { amount } }, { type: 'object', required: ['amount', 'iban'], properties: { amount } }] } } },
    async () => ({ ok: true }),
  );
  await app.ready();
});

afterEach(() => app.close());

const failWith = (query: string) => app.inject({ method: 'GET', url: `/fail?${query}` });
const order = (body: unknown, url = '/orders/o-1') => app.inject({ method: 'POST', url, payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

describe('a failing route', () => {
  it("answers a 4xx it raises as it is: reason phrase, message and field", async () => {
    const response = await failWith('status=409');
    expect(response.statusCode).toBe(409);
    expect(response.json()).toEqual({ error: 'Conflict', message: 'internal detail', field: 'body/x' });
  });

  it('answers a 4xx of any error with a status, but takes a field only from an HttpError', async () => {
    const response = await failWith('status=429&plain');
    expect(response.statusCode).toBe(429);
    expect(response.json()).toEqual({ error: 'Too Many Requests', message: 'internal detail' });
  });

  it('takes the statuses at both ends of the error range, 400 and 599, with a reason for a code Node has no name for', async () => {
    expect((await failWith('status=400')).statusCode).toBe(400);
    const last = await failWith('status=599&plain');
    expect(last.statusCode).toBe(599);
    expect(last.json()).toEqual({ error: 'Server Error', message: 'The request could not be completed; it has been logged.' });
    const unnamed = await failWith('status=499');
    expect(unnamed.json()).toMatchObject({ error: 'Client Error', message: 'internal detail' });
  });

  it.each(['399', '600', '200'])('answers a status outside 400-599 (%s) as a 500', async (status) => {
    const response = await failWith(`status=${status}&plain`);
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({ error: 'Internal Server Error', message: 'The request could not be completed; it has been logged.' });
  });

  it('answers an error without a status as a 500 that leaks nothing, and logs the error', async () => {
    const response = await failWith('plain');
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({ error: 'Internal Server Error', message: 'The request could not be completed; it has been logged.' });
    expect(loggers[0].error).toHaveBeenCalledWith({ err: expect.objectContaining({ message: 'internal detail' }) }, 'request failed');
  });

  it('answers a 5xx HttpError with its status, but not its message, and logs it', async () => {
    const response = await failWith('status=502');
    expect(response.statusCode).toBe(502);
    expect(response.json()).toEqual({ error: 'Bad Gateway', message: 'The request could not be completed; it has been logged.' });
    expect(loggers[0].error).toHaveBeenCalledWith({ err: expect.any(HttpError) }, 'request failed');
  });

  it('logs nothing for a 4xx: it is the client\'s', async () => {
    await failWith('status=404');
    expect(loggers[0].error).not.toHaveBeenCalled();
    expect(loggers[0].warn).not.toHaveBeenCalled();
  });

  it('answers an unavailable database with 503 and Retry-After, saying nothing was done, and warns', async () => {
    const response = await app.inject({ method: 'GET', url: '/database' });
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('1');
    expect(response.json()).toEqual({ error: 'Service Unavailable', message: 'The database is unavailable right now; nothing was done. Retry in 1 s.' });
    expect(loggers[0].warn).toHaveBeenCalledWith({ err: expect.any(DatabaseUnavailableError) }, 'database unavailable');
    expect(loggers[0].error).not.toHaveBeenCalled();
  });
});

describe('a body of the wrong type', () => {
  it('is refused with 415, naming its content type, or saying there was none', async () => {
    const typed = await app.inject({ method: 'POST', url: '/payments', payload: 'amount=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(typed.statusCode).toBe(415);
    expect(typed.json().message).toBe('Unsupported Media Type: the body must be application/json (content-type: application/x-www-form-urlencoded)');
    const untyped = await app.inject({ method: 'POST', url: '/payments', payload: 'amount=1' });
    expect(untyped.statusCode).toBe(415);
    expect(untyped.json().message).toBe('Unsupported Media Type: the body must be application/json (content-type: none)');
  });
});

describe('a path the router refuses before any route runs', () => {
  const order = (url: string) => app.inject({ method: 'POST', url, payload: { currency: 'EUR' } });

  it('is answered 400, in the kit\'s error shape, when it is not valid percent-encoding', async () => {
    const response = await order('/orders/%E0%A4%A');
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: 'Bad Request', message: "'/orders/%E0%A4%A' is not a valid url component" });
  });

  it('is answered 414, in the kit\'s error shape, when a path parameter passes 100 characters', async () => {
    const url = `/orders/o-${'x'.repeat(99)}`;
    const response = await order(url);
    expect(response.statusCode).toBe(414);
    expect(response.json()).toEqual({ error: 'URI Too Long', message: `'${url}' is exceeding the max param length` });
    expect((await order(`/orders/o-${'x'.repeat(98)}`)).statusCode).toBe(200);
  });
});

describe('the errors a route raises', () => {
  it('are named, for the logs', () => {
    expect(new HttpError(400, 'no').name).toBe('HttpError');
    expect(new DatabaseUnavailableError(new Error('refused')).name).toBe('DatabaseUnavailableError');
  });

  it('say why the database was unavailable, and keep the cause', () => {
    const cause = new Error('connect ECONNREFUSED 10.0.0.1:5432');
    const error = new DatabaseUnavailableError(cause);
    expect(error.message).toBe('database unavailable: connect ECONNREFUSED 10.0.0.1:5432');
    expect(error.cause).toBe(cause);
    expect(new DatabaseUnavailableError('timeout').message).toBe('database unavailable: timeout');
  });
});

describe('a request its schema refuses', () => {
  it('lists the values an enum takes', async () => {
    const response = await order({ currency: 'JPY' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: 'Bad Request', message: 'body/currency must be one of USD, EUR', field: 'body/currency' });
  });

  it("words any other rule as the validator does, after the field's path", async () => {
    expect((await order({ currency: 'USD', quantity: 0 })).json()).toEqual({ error: 'Bad Request', message: 'body/quantity must be >= 1', field: 'body/quantity' });
  });

  it('names the part of the request at fault: the path parameters, the query string', async () => {
    expect((await order({ currency: 'USD' }, '/orders/x-1')).json()).toMatchObject({ field: 'params/id', message: expect.stringMatching(/^params\/id must match pattern/) });
    expect((await order({ currency: 'USD' }, '/orders/o-1?dryRun=maybe')).json()).toMatchObject({ field: 'querystring/dryRun' });
    expect((await order({ currency: 'USD' }, '/orders/o-1?debug=1')).json()).toMatchObject({ field: 'querystring/debug', message: 'querystring/debug is not allowed' });
  });

  it('names the request as the place, and says "is not valid", for a validation error that names neither', async () => {
    const response = await app.inject({ method: 'GET', url: '/checked-by-hand' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: 'Bad Request', message: 'request/x is not valid', field: 'request/x' });
  });

  it('names a problem of the whole body after the body', async () => {
    expect((await order(['USD'])).json()).toEqual({ error: 'Bad Request', message: 'body must be object', field: 'body' });
  });

  it('escapes a key with a slash or a tilde as a JSON Pointer does, so that it stays one segment', async () => {
    expect((await order({ currency: 'USD', 'a/b~c': 1 })).json()).toMatchObject({ field: 'body/a~1b~0c', message: 'body/a~1b~0c is not allowed' });
  });

  it('writes a control character of a key as \\uXXXX, never raw', async () => {
    expect((await order({ currency: 'USD', 'x\u0001\u007f': 1 })).json()).toMatchObject({ field: 'body/x\\u0001\\u007f' });
  });

  it('says each problem once, when alternatives of the schema (anyOf) each report it', async () => {
    const response = await app.inject({ method: 'POST', url: '/payments', payload: '{}', headers: { 'content-type': 'application/json' } });
    expect(response.json()).toEqual({
      error: 'Bad Request',
      message: 'body/amount is required; body/card is required; body/iban is required; body must match a schema in anyOf',
      field: 'body/amount',
    });
  });
});

describe('the trace context of a request', () => {
  const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
  const trace = (headers: Record<string, string | string[]> = {}) => app.inject({ method: 'GET', url: '/trace', headers });

  it("continues the caller's trace with a span of its own, keeps its sampling decision, echoes it, and logs the trace id", async () => {
    const response = await trace({ traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-00` });
    const context = response.json();
    expect(context).toEqual({ traceId: TRACE_ID, spanId: expect.stringMatching(/^[0-9a-f]{16}$/), sampled: false, logged: TRACE_ID });
    expect(context.spanId).not.toBe('00f067aa0ba902b7');
    expect(response.headers.traceparent).toBe(`00-${TRACE_ID}-${context.spanId}-00`);
  });

  it('starts a new sampled trace for a request without one, or with a malformed one, and refuses neither', async () => {
    const cases: Record<string, string | string[]>[] = [{}, { traceparent: 'garbage' }, { traceparent: [`00-${TRACE_ID}-00f067aa0ba902b7-01`, `00-${TRACE_ID}-00f067aa0ba902b7-01`] }];
    for (const headers of cases) {
      const response = await trace(headers);
      expect(response.statusCode).toBe(200);
      const context = response.json();
      expect(context).toMatchObject({ sampled: true, logged: context.traceId });
      expect(context.traceId).not.toBe(TRACE_ID);
      expect(response.headers.traceparent).toBe(`00-${context.traceId}-${context.spanId}-01`);
    }
  });
});
