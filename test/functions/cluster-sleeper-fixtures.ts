import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A self-signed certificate for `localhost`, made by openssl for this run: the fake API server's, and its own CA. */
export function localhostCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'cluster-sleeper-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost',
        '-addext', 'subjectAltName=DNS:localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One request as the fake API server received it. */
export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly authorization?: string;
  readonly contentType?: string;
  readonly body?: unknown;
}

interface FakeDeployment {
  /** Absent from the Deployment's spec when undefined (Kubernetes then runs 1). */
  replicas?: number;
  /** The minReplicas of its HPA; none when undefined. */
  readonly minReplicas?: number;
}

/**
 * A Kubernetes API server over real HTTPS, holding the Deployments and HPAs of one namespace: it
 * answers the list and scale calls the sleeper makes, records each request, and fails the paths it
 * is told to fail with a Kubernetes Status.
 */
export class FakeKubernetesApi {
  readonly requests: ReceivedRequest[] = [];
  readonly deployments = new Map<string, FakeDeployment>();
  /** Deployments of other namespaces (an add-on's), by `<namespace>/<name>`: read and scaled by name only. */
  readonly systemDeployments = new Map<string, FakeDeployment>();
  /** HPAs of the namespace beyond the Deployments' own (one targeting a StatefulSet, say). */
  readonly otherAutoscalers: object[] = [];
  /** Path (without query) -> the status code it answers with, for failing calls. */
  readonly failures = new Map<string, number>();
  private readonly server: Server;

  constructor(
    tls: { key: string; cert: string },
    private readonly namespace: string,
    private readonly selector: string,
  ) {
    this.server = createServer(tls, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const received: ReceivedRequest = {
          method: req.method!,
          url: req.url!,
          authorization: req.headers.authorization,
          contentType: req.headers['content-type'],
          ...(text && { body: JSON.parse(text) }),
        };
        this.requests.push(received);
        const [status, body] = this.answer(received);
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      });
    });
  }

  listen(): Promise<string> {
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => resolve(`https://localhost:${(this.server.address() as AddressInfo).port}`)));
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
  }

  reset(): void {
    this.requests.length = 0;
    this.deployments.clear();
    this.systemDeployments.clear();
    this.otherAutoscalers.length = 0;
    this.failures.clear();
  }

  private answer({ method, url, body }: ReceivedRequest): [number, unknown] {
    const { pathname, searchParams } = new URL(url, 'https://localhost');
    const failure = this.failures.get(pathname);
    if (failure) return [failure, { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: `injected failure of ${pathname}`, code: failure }];
    const apps = `/apis/apps/v1/namespaces/${this.namespace}/deployments`;
    if (method === 'GET' && pathname === apps) {
      if (searchParams.get('labelSelector') !== this.selector) return [200, { kind: 'DeploymentList', items: [] }];
      const items = [...this.deployments].map(([name, { replicas }]) => ({ metadata: { name, namespace: this.namespace }, spec: { replicas } }));
      return [200, { kind: 'DeploymentList', items }];
    }
    if (method === 'GET' && pathname === `/apis/autoscaling/v2/namespaces/${this.namespace}/horizontalpodautoscalers`) {
      const items = [...this.deployments]
        .filter(([, { minReplicas }]) => minReplicas !== undefined)
        .map(([name, { minReplicas }]) => ({ metadata: { name }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name }, minReplicas, maxReplicas: 6 } }));
      return [200, { kind: 'HorizontalPodAutoscalerList', items: [...items, ...this.otherAutoscalers] }];
    }
    const system = /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/deployments\/([^/]+)(\/scale)?$/.exec(pathname);
    const systemDeployment = system && system[1] !== this.namespace && this.systemDeployments.get(`${system[1]}/${system[2]}`);
    if (systemDeployment && method === 'GET' && !system[3]) return [200, { metadata: { name: system[2], namespace: system[1] }, spec: { replicas: systemDeployment.replicas } }];
    if (systemDeployment && method === 'PATCH' && system[3]) {
      systemDeployment.replicas = (body as { spec: { replicas: number } }).spec.replicas;
      return [200, { kind: 'Scale', apiVersion: 'autoscaling/v1', metadata: { name: system[2] }, spec: { replicas: systemDeployment.replicas } }];
    }
    const scale = new RegExp(`^${apps}/([^/]+)/scale$`).exec(pathname);
    const deployment = scale && this.deployments.get(scale[1]);
    if (method === 'PATCH' && deployment) {
      deployment.replicas = (body as { spec: { replicas: number } }).spec.replicas;
      return [200, { kind: 'Scale', apiVersion: 'autoscaling/v1', metadata: { name: scale[1] }, spec: { replicas: deployment.replicas } }];
    }
    return [404, { kind: 'Status', status: 'Failure', message: `${method} ${pathname} not found`, code: 404 }];
  }
}
