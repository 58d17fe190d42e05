import { buildPlatform, ENVIRONMENT_NAMES, platformOf, STACK_CONCERNS } from './platform-fixture';
import serializer, { maskTemplate } from './snapshot-serializer';

expect.addSnapshotSerializer(serializer);

describe.each(ENVIRONMENT_NAMES)('%s environment', (env) => {
  it.each(STACK_CONCERNS)('%s stack matches its snapshot', (concern) => {
    expect(platformOf(env).template(concern).toJSON()).toMatchSnapshot();
  });
});

describe('snapshot masking', () => {
  it('two independent synths give the same masked templates', () => {
    // Under the global setup the first comes from its process: this then also shows that the shared templates are this process's.
    const first = platformOf('sandbox');
    const second = buildPlatform('sandbox');
    for (const concern of STACK_CONCERNS) {
      expect(maskTemplate(second.template(concern).toJSON() as never)).toEqual(maskTemplate(first.template(concern).toJSON() as never));
    }
  });

  it('masks asset hashes and the CDK version-reporting resource', () => {
    const hash = 'a'.repeat(64);
    const masked = maskTemplate({
      Resources: { Fn: { Properties: { Code: { S3Key: `${hash}.zip` } } }, CDKMetadata: { Properties: { Analytics: 'v2:deflate64:xyz' } } },
      Conditions: { CDKMetadataAvailable: {} },
    });
    expect(JSON.stringify(masked)).not.toContain(hash);
    expect(masked.Resources).toEqual({ Fn: { Properties: { Code: { S3Key: '[ASSET-HASH].zip' } } } });
    expect(masked.Conditions).toEqual({});
  });

  it('keeps every other value, so a real change still shows', () => {
    const template = { Resources: { Bucket: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'not-a-hash' } } } };
    expect(maskTemplate(template)).toEqual(template);
  });
});
