import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { KubernetesApi, KubernetesApiError } from '../../functions/cluster-sleeper/kubernetes-api';
import { localhostCertificate } from './cluster-sleeper-fixtures';

/** What the server received of the last request: its method, path, headers and body. */
interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

const tls = localhostCertificate();
let answer: (res: ServerResponse) => void;
let received: Received | undefined;
let server: Server;
let endpoint: string;

beforeAll(async () => {
  server = createServer(tls, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      answer(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `https://localhost:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  received = undefined;
  answer = (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"kind":"Scale"}');
});

const api = (options: { timeoutMs?: number } = {}) => new KubernetesApi({ endpoint, certificateAuthority: tls.cert, token: 'k8s-aws-v1.token', ...options });
const reply = (status: number, body: string) => (answer = (res) => res.writeHead(status).end(body));
const rejection = (promise: Promise<unknown>) => promise.then(() => Promise.reject(new Error('expected a rejection')), (error: unknown) => error);

describe("the cluster sleeper's Kubernetes API client", () => {
  it('GETs a path with its bearer token, asking for JSON, and resolves with the parsed answer', async () => {
    await expect(api().get('/apis/apps/v1/namespaces/shop/deployments')).resolves.toEqual({ kind: 'Scale' });
    expect(received).toMatchObject({ method: 'GET', url: '/apis/apps/v1/namespaces/shop/deployments', body: '' });
    expect(received!.headers).toMatchObject({ authorization: 'Bearer k8s-aws-v1.token', accept: 'application/json' });
    expect(received!.headers['content-type']).toBeUndefined();
  });

  it('sends a merge patch as JSON with its content type and length', async () => {
    await api().mergePatch('/apis/apps/v1/namespaces/shop/deployments/orders/scale', { spec: { replicas: 0 } });
    expect(received).toMatchObject({ method: 'PATCH', url: '/apis/apps/v1/namespaces/shop/deployments/orders/scale', body: '{"spec":{"replicas":0}}' });
    expect(received!.headers).toMatchObject({ 'content-type': 'application/merge-patch+json', 'content-length': '23' });
  });

  it.each([300, 403, 404, 500])('rejects an answer with status %i with the message of the Status object the API returned', async (status) => {
    reply(status, JSON.stringify({ kind: 'Status', status: 'Failure', message: 'deployments.apps "orders" is forbidden', code: status }));
    const error = await rejection(api().get('/apis/apps/v1/namespaces/shop/deployments/orders'));
    expect(error).toBeInstanceOf(KubernetesApiError);
    expect(error).toMatchObject({
      name: 'KubernetesApiError',
      method: 'GET',
      path: '/apis/apps/v1/namespaces/shop/deployments/orders',
      status,
      message: `GET /apis/apps/v1/namespaces/shop/deployments/orders: ${status} deployments.apps "orders" is forbidden`,
    });
  });

  it("rejects a failed answer that is not a Status (a proxy's page) with the start of its text", async () => {
    reply(502, `<html>Bad Gateway${'.'.repeat(300)}</html>`);
    const error = await rejection(api().get('/version'));
    expect((error as Error).message).toBe(`GET /version: 502 <html>Bad Gateway${'.'.repeat(183)}`);
  });

  it('rejects a failed answer whose Status has no message with the start of its text', async () => {
    reply(500, '{"kind":"Status","code":500}');
    expect(((await rejection(api().get('/version'))) as Error).message).toBe('GET /version: 500 {"kind":"Status","code":500}');
  });

  it('rejects a successful answer that is not JSON', async () => {
    reply(200, 'ok');
    const error = await rejection(api().get('/healthz'));
    expect(error).toMatchObject({ status: 200, message: 'GET /healthz: 200 the response is not JSON' });
  });

  it('gives up on a server that does not answer in time, naming the call and the limit', async () => {
    answer = () => undefined;
    const error = await rejection(api({ timeoutMs: 200 }).get('/apis/apps/v1/namespaces/shop/deployments'));
    expect((error as Error).message).toBe('GET /apis/apps/v1/namespaces/shop/deployments: no response within 200 ms');
  });

  it('refuses a server whose certificate the given authority did not sign, sending nothing', async () => {
    const other = localhostCertificate();
    const error = await rejection(new KubernetesApi({ endpoint, certificateAuthority: other.cert, token: 'k8s-aws-v1.token' }).get('/version'));
    expect((error as Error).message).toMatch(/self[- ]signed certificate/);
    expect(received).toBeUndefined();
  });
});
