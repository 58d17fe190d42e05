import { request } from 'node:https';

/** A failed Kubernetes API call: its status, and the message of the Status object the API returned. */
export class KubernetesApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    detail: string,
  ) {
    super(`${method} ${path}: ${status} ${detail}`);
    this.name = 'KubernetesApiError';
  }
}

export interface KubernetesApiOptions {
  /** The API server's base URL, e.g. EKS DescribeCluster's `endpoint`. */
  readonly endpoint: string;
  /** The PEM certificate of the cluster's CA: the server's certificate is checked against it alone. */
  readonly certificateAuthority: string;
  readonly token: string;
  /** @default 10 s per request */
  readonly timeoutMs?: number;
}

/**
 * The few Kubernetes API calls the sleeper makes, over node:https: no client library (the official
 * one is ~2 MB bundled) for a GET and a PATCH.
 */
export class KubernetesApi {
  constructor(private readonly options: KubernetesApiOptions) {}

  get<T>(path: string): Promise<T> {
    return this.call<T>('GET', path);
  }

  /** A JSON merge patch (RFC 7386). */
  mergePatch<T>(path: string, patch: unknown): Promise<T> {
    return this.call<T>('PATCH', path, patch);
  }

  private call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise<T>((resolve, reject) => {
      const req = request(
        new URL(path, this.options.endpoint),
        {
          method,
          ca: this.options.certificateAuthority,
          timeout: this.options.timeoutMs ?? 10_000,
          headers: {
            authorization: `Bearer ${this.options.token}`,
            accept: 'application/json',
            ...(payload !== undefined && { 'content-type': 'application/merge-patch+json', 'content-length': Buffer.byteLength(payload) }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status < 200 || status >= 300) return reject(new KubernetesApiError(method, path, status, statusMessageOf(text)));
            try {
              resolve(JSON.parse(text) as T);
            } catch {
              reject(new KubernetesApiError(method, path, status, 'the response is not JSON'));
            }
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no response within ${this.options.timeoutMs ?? 10_000} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }
}

/** The `message` of a Kubernetes Status object, or the start of whatever else came back. */
function statusMessageOf(text: string): string {
  try {
    const status = JSON.parse(text) as { message?: unknown };
    if (typeof status.message === 'string') return status.message;
  } catch {
    // not JSON: a proxy's or load balancer's page
  }
  return text.slice(0, 200);
}
