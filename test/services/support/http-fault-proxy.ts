import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the proxy does with the next request. */
export type ProxyMode = 'forward' | 'fail' | 'hang' | 'garbage';

export interface HttpFaultProxy {
  /** Where it listens, e.g. http://127.0.0.1:43121 */
  readonly url: string;
  /**
   * forward: to the target, as it answers; fail: 500 at once; hang: accepted and never answered;
   * garbage: 200 with JSON of the wrong shape. Change it at any time.
   */
  mode: ProxyMode;
  /** Answers this many of the next requests with 503 whatever the mode, as a service briefly overloaded would. */
  failNext: number;
  /** Requests received so far. */
  readonly requests: number;
  /** Requests held by `hang` whose client has not given up yet. */
  readonly hanging: number;
  /** Stops listening and cuts every connection. */
  close(): Promise<void>;
}

/** An HTTP proxy in front of a service (GET only, as the orders service's catalog calls), failing on demand. */
export async function startHttpFaultProxy(targetUrl: string): Promise<HttpFaultProxy> {
  let requests = 0;
  const held = new Set<ServerResponse>();
  const server = createServer((request, response) => {
    requests++;
    if (proxy.failNext > 0) {
      proxy.failNext--;
      response.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"Service Unavailable","message":"injected"}');
    } else if (proxy.mode === 'fail') {
      response.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"Internal Server Error","message":"injected"}');
    } else if (proxy.mode === 'garbage') {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"unexpected":true}');
    } else if (proxy.mode === 'hang') {
      held.add(response);
      response.once('close', () => held.delete(response));
    } else {
      fetch(`${targetUrl}${request.url}`, { method: request.method }).then(
        async (upstream) => response.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' }).end(await upstream.text()),
        () => response.destroy(),
      );
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const proxy: HttpFaultProxy = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    mode: 'forward',
    failNext: 0,
    get requests() {
      return requests;
    },
    get hanging() {
      return held.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return proxy;
}

/** A URL where nothing listens: the port was free a moment ago, and is closed again. */
export async function unreachableUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
