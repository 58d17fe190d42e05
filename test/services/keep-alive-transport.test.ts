import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { AttemptTimeoutError, keepAliveTransport, type KeepAliveTransport } from '../../services/kit/keep-alive-transport';
import { localhostCertificate } from '../functions/cluster-sleeper-fixtures';
import { waitFor } from './support/wait-for';

// The kit's HTTP transport to another service (services/kit/keep-alive-transport.ts), against a real
// server on loopback; the resilient client above it has its own tests (resilient-http-client.test.ts).

interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  readonly socket: Socket;
}

let server: Server;
let received: Received[];
let answer: (request: IncomingMessage, response: ServerResponse) => void;
let transport: KeepAliveTransport;
let origin: string;

beforeEach(async () => {
  received = [];
  answer = (_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  server = createServer(async (request, response) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    received.push({ method: request.method!, url: request.url!, headers: request.headers, body, socket: request.socket });
    answer(request, response);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  transport = keepAliveTransport(`${origin}/api//`);
});

afterEach(async () => {
  transport.close();
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
});

it('sends a GET that asks for JSON, under the base URL\'s path, and resolves with the status and the whole body', async () => {
  answer = (_request, response) => response.writeHead(404).end('{"error":"Not Found"}');
  expect(await transport.send('GET', '/products/1', undefined, 5000)).toEqual({ status: 404, text: '{"error":"Not Found"}' });
  expect(received).toEqual([expect.objectContaining({ method: 'GET', url: '/api/products/1', body: '' })]);
  expect(received[0].headers).toMatchObject({ accept: 'application/json' });
  expect(received[0].headers).not.toHaveProperty('content-type');
});

it('sends a body as JSON, its length counted in bytes', async () => {
  const body = JSON.stringify({ name: 'café' });
  await transport.send('POST', '/orders', body, 5000);
  expect(received[0]).toMatchObject({ method: 'POST', body });
  expect(received[0].headers).toMatchObject({ accept: 'application/json', 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
});

it('reads a body that arrives in several chunks, multi-byte characters split between them included', async () => {
  const text = JSON.stringify({ name: 'é'.repeat(50_000) });
  answer = (_request, response) => {
    const bytes = Buffer.from(text);
    response.writeHead(200, { 'content-length': bytes.length });
    // Byte 10 is the first half of an é.
    response.write(bytes.subarray(0, 10));
    setTimeout(() => response.end(bytes.subarray(10)), 10);
  };
  expect((await transport.send('GET', '/big', undefined, 5000)).text).toBe(text);
});

it('keeps the connection alive between exchanges, and close() closes it', async () => {
  await transport.send('GET', '/one', undefined, 5000);
  await transport.send('GET', '/two', undefined, 5000);
  expect(received[1].socket).toBe(received[0].socket);
  const closed = once(received[0].socket, 'close');
  transport.close();
  await closed;
});

it('abandons an exchange at its timeout with an AttemptTimeoutError, and closes its connection', async () => {
  answer = () => {};
  const failure = await transport.send('GET', '/slow', undefined, 50).catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(AttemptTimeoutError);
  expect(failure).toMatchObject({ name: 'AttemptTimeoutError', message: 'no complete answer within 50 ms' });
  await waitFor('the connection to close', () => received[0].socket.destroyed);
});

it('abandons at its timeout an exchange that node ends with no event at all (a 101 to a plain GET)', async () => {
  const upgrading = createTcpServer((socket) => socket.once('data', () => socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n')));
  upgrading.listen(0, '127.0.0.1');
  await once(upgrading, 'listening');
  const toUpgrading = keepAliveTransport(`http://127.0.0.1:${(upgrading.address() as AddressInfo).port}`);
  try {
    await expect(toUpgrading.send('GET', '/', undefined, 100)).rejects.toThrow(AttemptTimeoutError);
  } finally {
    toUpgrading.close();
    upgrading.close();
  }
});

it('times out an answer whose body stops coming, too', async () => {
  answer = (_request, response) => response.writeHead(200, { 'content-length': '100' }).write('{"partial":');
  await expect(transport.send('GET', '/stalled', undefined, 50)).rejects.toThrow(AttemptTimeoutError);
});

it('rejects an answer cut off before its end', async () => {
  answer = (_request, response) => {
    response.writeHead(200, { 'content-length': '100' }).write('{"partial":');
    setTimeout(() => response.socket?.destroy(), 10);
  };
  await expect(transport.send('GET', '/cut', undefined, 5000)).rejects.toThrow('aborted');
});

it('rejects with the socket error when the connection drops before any answer', async () => {
  answer = (request) => request.socket.destroy();
  await expect(transport.send('GET', '/dropped', undefined, 5000)).rejects.toThrow(/socket hang up|ECONNRESET/);
});

it('leaves no timer behind an exchange, answered or failed, to hold the process for its timeout', async () => {
  // Only the transport's own timer is faked: node's sockets keep their real ones.
  jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
  try {
    await transport.send('GET', '/answered', undefined, 60_000);
    expect(jest.getTimerCount()).toBe(0);
    answer = (request) => request.socket.destroy();
    await expect(transport.send('GET', '/dropped', undefined, 60_000)).rejects.toThrow();
    expect(jest.getTimerCount()).toBe(0);
  } finally {
    jest.useRealTimers();
  }
});

it('reaches an IPv6 address given in brackets', async () => {
  const v6 = createServer((_request, response) => response.end('{"v6":true}'));
  v6.listen(0, '::1');
  await once(v6, 'listening');
  const overV6 = keepAliveTransport(`http://[::1]:${(v6.address() as AddressInfo).port}`);
  try {
    expect(await overV6.send('GET', '/', undefined, 5000)).toEqual({ status: 200, text: '{"v6":true}' });
  } finally {
    overV6.close();
    v6.close();
  }
});

it('speaks TLS to an https upstream, and verifies its certificate', async () => {
  const tls = createHttpsServer(localhostCertificate(), (_request, response) => response.end('{}'));
  tls.listen(0, '127.0.0.1');
  await once(tls, 'listening');
  const overTls = keepAliveTransport(`https://localhost:${(tls.address() as AddressInfo).port}`);
  try {
    await expect(overTls.send('GET', '/', undefined, 5000)).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
  } finally {
    overTls.close();
    tls.close();
  }
});
