import { createHash, createHmac } from 'node:crypto';
import { startService, type RunningService } from '../../services/kit';
import { catalogService } from '../../services/catalog/service';
import { freshDatabase } from './support/database';
import { testServiceEnv } from './support/service-env';

/**
 * Shared by the catalog tests: a catalog on a fresh database, fixed dummy AWS credentials (presigning
 * is local: nothing here talks to AWS), and an independent SigV4 check of presigned URLs.
 */

export const TEST_BUCKET = 'catalog-test-uploads';
export const TEST_REGION = 'eu-west-1';
// AWS's documentation example keys: well-formed, and valid nowhere.
export const TEST_ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
export const TEST_SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

/** The SDK's default credential chain takes these first, before anything that would use the network. */
export function useDummyCredentials(): void {
  process.env.AWS_ACCESS_KEY_ID = TEST_ACCESS_KEY_ID;
  process.env.AWS_SECRET_ACCESS_KEY = TEST_SECRET_ACCESS_KEY;
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
}

export interface TestCatalog {
  readonly service: RunningService;
  stop(): Promise<void>;
}

/** A catalog's environment in the tests: the test bucket and region. */
export function catalogEnv(databaseUrl: string, overrides: Record<string, string> = {}): Record<string, string> {
  return testServiceEnv(databaseUrl, { UPLOADS_BUCKET: TEST_BUCKET, AWS_REGION: TEST_REGION, ...overrides });
}

export async function startCatalog(env: Record<string, string> = {}): Promise<TestCatalog> {
  useDummyCredentials();
  const database = await freshDatabase();
  try {
    const service = await startService(catalogService, catalogEnv(database.url, env));
    return {
      service,
      async stop() {
        await service.shutdown();
        await database.drop();
      },
    };
  } catch (error) {
    await database.drop();
    throw error;
  }
}

export const validProduct = { name: 'Espresso cup', description: 'Porcelain, 80 ml', priceCents: 1250, currency: 'EUR' };

// RFC 3986 unreserved characters stay, everything else is %XX (what SigV4 calls URI-encoding).
const uriEncode = (value: string) => encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/**
 * Recomputes a presigned URL's SigV4 signature from its own parts, written from the SigV4
 * specification rather than with the SDK: the signature S3 would expect for a request with this
 * method and these header values (each header the URL says it signed must be given).
 */
export function expectedSignature(url: URL, method: string, headers: Record<string, string>, secretAccessKey = TEST_SECRET_ACCESS_KEY): string {
  const query = [...url.searchParams.entries()]
    .filter(([name]) => name !== 'X-Amz-Signature')
    .map(([name, value]) => [uriEncode(name), uriEncode(value)])
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  const signedHeaders = (url.searchParams.get('X-Amz-SignedHeaders') ?? '').split(';');
  const canonicalHeaders = signedHeaders
    .map((name) => {
      const value = name === 'host' ? url.host : headers[name];
      if (value === undefined) throw new Error(`the URL signs header ${name}; give its value`);
      return `${name}:${value.trim()}\n`;
    })
    .join('');
  // S3 does not normalise or re-encode the path: the canonical URI is the path as sent.
  const canonicalRequest = [method, url.pathname, query, canonicalHeaders, signedHeaders.join(';'), 'UNSIGNED-PAYLOAD'].join('\n');

  const credential = url.searchParams.get('X-Amz-Credential') ?? '';
  const scope = credential.slice(credential.indexOf('/') + 1);
  const [date, region, service] = scope.split('/');
  const stringToSign = ['AWS4-HMAC-SHA256', url.searchParams.get('X-Amz-Date'), scope, sha256(canonicalRequest)].join('\n');
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), region), service), 'aws4_request');
  return createHmac('sha256', signingKey).update(stringToSign).digest('hex');
}
