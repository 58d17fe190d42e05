import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { UpstreamUnavailableError, createResilientHttpClient, type ResilientHttpClient, type ResilientHttpClientOptions } from '../../services/kit';
import { retryDelayMs } from '../../services/kit/resilient-http-client';
import { waitFor } from './support/wait-for';

/** What the test upstream does with a request. */
type Behaviour = 'ok' | 'missing' | 'fail' | 'hang' | 'drop' | 'not-json' | 'empty' | 'echo' | 'stall';

/** A test upstream that follows a script, one behaviour per request, then `otherwise`. */
let script: Behaviour[] = [];
let otherwise: Behaviour = 'ok';
let received: string[] = [];
const held = new Set<ServerResponse>();
/** Every connection the upstream accepted, open or closed. */
const connections: Socket[] = [];
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    received.push(`${request.method} ${request.url}`);
    const behaviour = script.shift() ?? otherwise;
    const json = (status: number, body: string) => response.writeHead(status, { 'content-type': 'application/json' }).end(body);
    if (behaviour === 'ok') json(200, '{"answer":42}');
    else if (behaviour === 'missing') json(404, '{"error":"Not Found"}');
    else if (behaviour === 'fail') json(500, '{"error":"Internal Server Error"}');
    else if (behaviour === 'not-json') json(200, '<html>');
    else if (behaviour === 'empty') response.writeHead(204).end();
    else if (behaviour === 'echo') {
      // The request's body and content type, as the upstream received them.
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => (body += chunk));
      request.on('end', () => json(200, JSON.stringify({ contentType: request.headers['content-type'], body })));
    }
    else if (behaviour === 'drop') request.socket.destroy();
    else if (behaviour === 'stall') {
      // The status and half of the body, then nothing.
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '13' }).write('{"answ');
      held.add(response);
    } else held.add(response);
  });
  server.on('connection', (socket: Socket) => connections.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const clients: ResilientHttpClient[] = [];
beforeEach(() => {
  script = [];
  otherwise = 'ok';
  received = [];
  connections.length = 0;
});
afterEach(() => {
  for (const response of held) response.destroy();
  held.clear();
  for (const client of clients.splice(0)) client.close();
});

/**
 * A client of the test upstream with short timings; the breaker out of the way unless a test wants it.
 * The attempt timeout leaves a busy machine time for a first call (a retry would show in `received`);
 * the tests of timeouts set a short one.
 */
function client(options: Partial<ResilientHttpClientOptions> = {}): ResilientHttpClient {
  const made = createResilientHttpClient({ name: 'upstream', baseUrl, attemptTimeoutMs: 2000, retryBaseDelayMs: 5, breakerVolumeThreshold: 1000, ...options });
  clients.push(made);
  return made;
}

describe('answers', () => {
  it('resolves with the status and parsed JSON body of an answer below 500', async () => {
    await expect(client().request({ path: '/things/1' })).resolves.toEqual({ status: 200, body: { answer: 42 } });
    expect(received).toEqual(['GET /things/1']);
  });

  it('treats a 404 as an answer, not a failure: no retry', async () => {
    otherwise = 'missing';

    await expect(client().request({ path: '/things/2' })).resolves.toEqual({ status: 404, body: { error: 'Not Found' } });
    expect(received).toHaveLength(1);
  });

  it('fails on a body that is not JSON, without retrying: it would not change', async () => {
    otherwise = 'not-json';

    const failure = await client().request({ path: '/page' }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ reason: 'bad_answer', message: 'upstream unavailable: GET /page: HTTP 200 with a body that is not JSON' });
    expect(((failure as Error).cause as Error).cause).toBeInstanceOf(SyntaxError);
    expect(received).toHaveLength(1);
  });

  it('resolves an answer with an empty body, a 204 say, with no body', async () => {
    otherwise = 'empty';

    await expect(client().request({ method: 'DELETE', path: '/things/1' })).resolves.toEqual({ status: 204, body: undefined });
  });

  it('sends a request body as JSON', async () => {
    otherwise = 'echo';

    await expect(client().request({ method: 'POST', path: '/orders', body: { a: 1 } })).resolves.toEqual({ status: 200, body: { contentType: 'application/json', body: '{"a":1}' } });
  });
});

describe('retries', () => {
  it('retries a GET after a 5xx and resolves with the answer that follows', async () => {
    script = ['fail', 'fail'];

    await expect(client({ retries: 2 }).request({ path: '/x' })).resolves.toMatchObject({ status: 200 });
    expect(received).toHaveLength(3);
  });

  it('retries a HEAD as it retries a GET: neither changes anything', async () => {
    script = ['fail'];

    await expect(client().request({ method: 'HEAD', path: '/x' })).resolves.toMatchObject({ status: 200 });
    expect(received).toEqual(['HEAD /x', 'HEAD /x']);
  });

  it('retries a GET after a network error', async () => {
    script = ['drop'];

    await expect(client().request({ path: '/x' })).resolves.toMatchObject({ status: 200 });
    expect(received).toHaveLength(2);
  });

  it('keeps the network error of the last attempt as the cause of its failure', async () => {
    otherwise = 'drop';

    const failure = await client({ retries: 0 }).request({ path: '/x' }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ reason: 'unavailable', message: expect.stringMatching(/^upstream unavailable: GET \/x: /) });
    expect(((failure as Error).cause as Error).cause).toMatchObject({ message: expect.stringMatching(/socket hang up|ECONNRESET/) });
  });

  it('abandons an attempt at its timeout and retries it', async () => {
    script = ['hang'];

    await expect(client({ attemptTimeoutMs: 200 }).request({ path: '/x' })).resolves.toMatchObject({ status: 200 });
    expect(received).toHaveLength(2);
    await waitFor('the abandoned request to be closed', () => [...held].every((response) => response.destroyed || response.closed));
  });

  it('draws one jittered wait per retry', async () => {
    otherwise = 'fail';
    const random = jest.fn(() => 0.5);

    await expect(client({ retries: 3, random }).request({ path: '/x' })).rejects.toThrow(UpstreamUnavailableError);
    expect(received).toHaveLength(4);
    expect(random).toHaveBeenCalledTimes(3);
  });

  it('gives up after its retries with an UpstreamUnavailableError naming the upstream and the last failure', async () => {
    otherwise = 'fail';

    const failure = await client({ retries: 2 }).request({ path: '/x' }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(UpstreamUnavailableError);
    expect(failure).toMatchObject({ name: 'UpstreamUnavailableError', upstream: 'upstream', retryAfterSeconds: 1, message: 'upstream unavailable: GET /x: HTTP 500' });
    expect(received).toHaveLength(3);
  });

  it('sends a POST once, even when it fails: it need not be idempotent', async () => {
    otherwise = 'fail';

    await expect(client({ retries: 2 }).request({ method: 'POST', path: '/orders', body: { a: 1 } })).rejects.toThrow(/HTTP 500/);
    expect(received).toEqual(['POST /orders']);
  });
});

describe('connections', () => {
  it('keeps one connection alive for consecutive calls', async () => {
    const keeping = client();
    for (let call = 0; call < 3; call++) await expect(keeping.request({ path: '/x' })).resolves.toMatchObject({ status: 200 });

    expect(received).toHaveLength(3);
    expect(connections).toHaveLength(1);
  });

  it('abandons an answer whose body stops coming at the attempt timeout, and closes its connection', async () => {
    otherwise = 'stall';

    await expect(client({ retries: 0, attemptTimeoutMs: 200 }).request({ path: '/slow' })).rejects.toThrow('upstream unavailable: GET /slow: no complete answer within 200 ms');
    await waitFor('the stalled connection to be closed', () => connections.every((socket) => socket.destroyed));
  });

  it('sends nothing once closed: its breaker refuses every call', async () => {
    const closed = client();
    closed.close();

    await expect(closed.request({ path: '/x' })).rejects.toThrow(UpstreamUnavailableError);
    expect(received).toEqual([]);
  });

  it('closes its kept-alive connections when closed', async () => {
    const closing = client();
    await closing.request({ path: '/x' });
    expect(connections.some((socket) => !socket.destroyed)).toBe(true);

    closing.close();

    await waitFor('the kept-alive connection to be closed', () => connections.every((socket) => socket.destroyed));
  });
});

describe('retryDelayMs: full jitter', () => {
  it.each([
    { retry: 1, random: 0, expected: 0 },
    { retry: 1, random: 0.999, expected: 99 },
    { retry: 2, random: 0.5, expected: 100 },
    { retry: 3, random: 0.999, expected: 399 },
  ])('draws the wait before retry $retry from [0, 100 x 2^(retry-1)): $expected ms at $random', ({ retry, random, expected }) => {
    expect(retryDelayMs(retry, 100, () => random)).toBe(expected);
  });
});

describe('the circuit breaker', () => {
  /** A client whose breaker opens after three failed calls, and half-opens after `resetMs`. */
  async function openBreaker(resetMs: number): Promise<ResilientHttpClient> {
    const breaking = client({ retries: 0, breakerVolumeThreshold: 3, breakerResetTimeoutMs: resetMs });
    otherwise = 'fail';
    for (let call = 0; call < 3; call++) await expect(breaking.request({ path: '/x' })).rejects.toThrow(/HTTP 500/);
    return breaking;
  }

  it('opens once enough calls failed, then fails at once without a request, saying when to try again', async () => {
    const breaking = await openBreaker(10_000);
    const before = received.length;

    const refused = await breaking.request({ path: '/x' }).catch((error: unknown) => error);

    expect(refused).toBeInstanceOf(UpstreamUnavailableError);
    expect(refused).toMatchObject({ message: 'upstream unavailable: circuit breaker open' });
    // Until it half-opens: 10 s at most, and far more than the 1 s of a plain failure.
    const { retryAfterSeconds } = refused as UpstreamUnavailableError;
    expect(retryAfterSeconds).toBeGreaterThan(5);
    expect(retryAfterSeconds).toBeLessThanOrEqual(10);
    expect(received).toHaveLength(before);
  });

  it('does not count answers below 500 as failures', async () => {
    const breaking = client({ retries: 0, breakerVolumeThreshold: 3 });
    otherwise = 'missing';
    for (let call = 0; call < 5; call++) await breaking.request({ path: '/x' });
    otherwise = 'ok';

    await expect(breaking.request({ path: '/x' })).resolves.toMatchObject({ status: 200 });
    expect(received).toHaveLength(6);
  });

  it('lets one trial call through after its reset time, and closes when it succeeds', async () => {
    const breaking = await openBreaker(50);
    const before = received.length;
    otherwise = 'ok';

    await waitFor('the trial call', async () => (await breaking.request({ path: '/x' }).catch(() => undefined))?.status === 200);
    expect(received).toHaveLength(before + 1);
    await expect(breaking.request({ path: '/x' })).resolves.toMatchObject({ status: 200 });
  });

  it('opens again when the trial call fails', async () => {
    const breaking = await openBreaker(50);
    const before = received.length;

    await waitFor('the trial call', async () => {
      await breaking.request({ path: '/x' }).catch(() => undefined);
      return received.length > before;
    });
    await expect(breaking.request({ path: '/x' })).rejects.toThrow('circuit breaker open');
    expect(received).toHaveLength(before + 1);
  });
});

describe('options', () => {
  it('states its worst case from its options: every attempt timing out, every wait at its cap', () => {
    expect(client({ attemptTimeoutMs: 1000, retries: 2, retryBaseDelayMs: 100 }).worstCaseMs).toBe(3 * 1000 + 100 + 200);
    expect(client({ attemptTimeoutMs: 250, retries: 0 }).worstCaseMs).toBe(250);
    expect(createResilientHttpClient({ name: 'defaults', baseUrl }).worstCaseMs).toBe(3300);
  });

  it('refuses an option that is not a whole number in range, naming it', () => {
    expect(() => client({ retries: -1 })).toThrow(new RangeError('upstream client: retries must be an integer >= 0, got -1'));
    expect(() => client({ attemptTimeoutMs: 0.5 })).toThrow(/attemptTimeoutMs must be an integer >= 1/);
  });

  it('takes 0 retries, a 0 delay and no minimum volume, but 0 for no timeout, window or threshold', () => {
    expect(() => client({ retries: 0, retryBaseDelayMs: 0, breakerVolumeThreshold: 0 })).not.toThrow();
    for (const setting of ['attemptTimeoutMs', 'breakerErrorThresholdPercentage', 'breakerWindowMs', 'breakerResetTimeoutMs'] as const) {
      expect(() => client({ [setting]: 0 })).toThrow(`upstream client: ${setting} must be an integer >= 1, got 0`);
    }
  });
});
