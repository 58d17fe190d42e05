import http from 'node:http';
import https from 'node:https';

/** An exchange abandoned at its timeout: told apart from other failures, which the metrics count separately. */
export class AttemptTimeoutError extends Error {
  override readonly name = 'AttemptTimeoutError';
}

/** What came back: the status and the whole body, as text. */
export interface RawAnswer {
  readonly status: number;
  readonly text: string;
}

export interface KeepAliveTransport {
  /**
   * One exchange, settled within `timeoutMs` (connect, answer and body alike): after that the
   * request is abandoned, its connection closed, and the promise rejects.
   */
  send(method: string, path: string, body: string | undefined, timeoutMs: number): Promise<RawAnswer>;
  /** Closes the kept-alive connections. */
  close(): void;
}

/**
 * HTTP to one upstream over node:http(s) with one keep-alive agent, instead of `fetch`: about half
 * the CPU per call (no WHATWG Request, Response and streams per call, and no AbortSignal.timeout,
 * whose timer still fires and builds a DOMException a second after every call has finished). On the
 * bench machine that is a quarter less CPU per order in the orders service. Connections are kept
 * alive and reused; the agent follows the upstream's `Keep-Alive: timeout` hint, and an upstream that
 * is draining answers with `Connection: close`, which closes that connection.
 */
export function keepAliveTransport(baseUrl: string): KeepAliveTransport {
  const base = new URL(baseUrl);
  const client = base.protocol === 'https:' ? https : http;
  const agent = new client.Agent({ keepAlive: true });
  const prefix = base.pathname.replace(/\/+$/, '');
  // The URL keeps an IPv6 address in brackets; the request options want it bare.
  const hostname = base.hostname.startsWith('[') ? base.hostname.slice(1, -1) : base.hostname;

  const send = (method: string, path: string, body: string | undefined, timeoutMs: number) =>
    new Promise<RawAnswer>((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders =
        body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
      const request = client.request({ agent, hostname, port: base.port, path: prefix + path, method, headers });
      // Settles the exchange itself, before the error the destroyed request emits on a later tick: a
      // request already destroyed (an answer node gives no 'response' for, a 101 say) emits nothing.
      const timer = setTimeout(() => {
        request.destroy();
        fail(new AttemptTimeoutError(`no complete answer within ${timeoutMs} ms`));
      }, timeoutMs);
      // The first of these settles the promise; whatever follows (a second error) changes nothing.
      // Listened to with on(), not once(): an error with no listener would crash. An answer cut off
      // midway is one of them: the response emits an error ('aborted'); anything that ends an exchange
      // with no event at all is settled by the timer above.
      const fail = (error: Error) => {
        clearTimeout(timer);
        reject(error);
      };
      request.on('error', fail);
      request.once('response', (response) => {
        let text = '';
        // Stryker disable next-line StringLiteral: no encoding named is node's default, utf8
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('error', fail);
        response.once('end', () => {
          clearTimeout(timer);
          resolve({ status: response.statusCode ?? 0, text });
        });
      });
      request.end(body);
    });

  return { send, close: () => agent.destroy() };
}
