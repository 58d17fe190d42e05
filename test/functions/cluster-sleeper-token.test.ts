import { createHash, createHmac } from 'node:crypto';
import { Sha256 } from '../../functions/cluster-sleeper/eks-token';

// The signing of a whole token is checked against the AWS recipe in cluster-sleeper.test.ts; here, the
// hash that SigV4 is handed, on the inputs SigV4 gives it.
const digest = async (hash: Sha256, ...chunks: string[]) => {
  for (const chunk of chunks) hash.update(Buffer.from(chunk));
  return Buffer.from(await hash.digest()).toString('hex');
};

describe("the cluster sleeper's SHA-256 for SigV4", () => {
  it('hashes what it is given, in chunks', async () => {
    expect(await digest(new Sha256(), 'GET\n', '/')).toBe(createHash('sha256').update('GET\n/').digest('hex'));
  });

  it('is an HMAC with a string key (the secret access key) or a byte key (the previous step of the signing key)', async () => {
    expect(await digest(new Sha256('AWS4secret'), '20261201')).toBe(createHmac('sha256', 'AWS4secret').update('20261201').digest('hex'));
    const key = new Uint8Array(createHmac('sha256', 'k').update('d').digest());
    expect(await digest(new Sha256(key), 'eu-west-1')).toBe(createHmac('sha256', key).update('eu-west-1').digest('hex'));
    // A view into a larger buffer: only its own bytes are the key.
    const inside = new Uint8Array([0xff, ...key, 0xff]).subarray(1, 1 + key.length);
    expect(await digest(new Sha256(inside), 'eu-west-1')).toBe(createHmac('sha256', key).update('eu-west-1').digest('hex'));
  });

  it('starts over, key kept, when reset', async () => {
    const hash = new Sha256('key');
    hash.update(Buffer.from('discarded'));
    hash.reset();
    expect(await digest(hash, 'kept')).toBe(createHmac('sha256', 'key').update('kept').digest('hex'));
  });
});
