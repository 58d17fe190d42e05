import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider, Checksum, SourceData } from '@smithy/types';
import { createHash, createHmac, type BinaryLike, type Hash, type Hmac } from 'node:crypto';

/** SHA-256 (and HMAC-SHA-256 with a secret) for SigV4, from node:crypto instead of another package. */
export class Sha256 implements Checksum {
  private hash: Hash | Hmac;

  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }

  update(data: Uint8Array): void {
    this.hash.update(data);
  }

  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }

  reset(): void {
    this.hash = this.fresh();
  }

  private fresh(): Hash | Hmac {
    if (this.secret === undefined) return createHash('sha256');
    // node:crypto takes every form of SourceData as a key (a string, an ArrayBuffer or a view of one);
    // its type lists no bare ArrayBuffer, which SigV4 never passes anyway (a string, then digests).
    return createHmac('sha256', this.secret as BinaryLike);
  }
}

/** How long the presigned URL inside a token is valid; EKS accepts a token for 15 minutes at most anyway. */
const TOKEN_EXPIRY_SECONDS = 60;

/**
 * A bearer token for the EKS cluster's Kubernetes API, as `aws eks get-token` and aws-iam-authenticator
 * make it: an STS GetCallerIdentity URL presigned with the caller's credentials and the cluster's
 * name in the signed `x-k8s-aws-id` header, base64url-encoded behind `k8s-aws-v1.`. EKS calls that URL
 * to learn the caller's IAM identity, then maps it through its access entries.
 */
export async function eksToken(clusterName: string, region: string, credentials: AwsCredentialIdentityProvider): Promise<string> {
  const hostname = `sts.${region}.amazonaws.com`;
  const signer = new SignatureV4({ service: 'sts', region, credentials, sha256: Sha256 });
  const signed = await signer.presign(
    {
      // Stryker disable StringLiteral: equivalent, @smithy's HttpRequest takes an empty method, protocol or path as these.
      method: 'GET',
      protocol: 'https:',
      hostname,
      path: '/',
      // Stryker restore StringLiteral
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
      headers: { host: hostname, 'x-k8s-aws-id': clusterName },
    },
    { expiresIn: TOKEN_EXPIRY_SECONDS },
  );
  const query = new URLSearchParams(Object.entries(signed.query ?? {}).map(([key, value]): [string, string] => [key, String(value)]));
  return `k8s-aws-v1.${Buffer.from(`https://${hostname}/?${query}`).toString('base64url')}`;
}
