/**
 * Child process of bench/functions.ts: measures one cold init of a bundled handler, i.e. loading the
 * AWS SDK modules it uses, the module itself and its first invocation, with the AWS SDK clients mocked
 * at the client boundary. Prints the milliseconds as JSON on stdout.
 *
 * Both a function and its baseline (bench/fixtures/*-baseline.ts) get the mocks and event of its kind.
 *
 * Run by Node.js itself (its type stripping), not tsx: tsx's loader hooks scan every module that is
 * loaded, the bundle too, which cost the 178 KB notifier bundle ~100 ms more than Lambda's plain
 * require does. Hence erasable TypeScript only, and the bundle loaded with Node's own require.
 *
 *   node bench/cold-init.mts <bundle.js> <notifier|image-resizer>
 */
import type * as DynamoDB from '@aws-sdk/client-dynamodb';
import type * as S3 from '@aws-sdk/client-s3';
import type * as SNS from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';

const [bundlePath, kind] = process.argv.slice(2);
// CommonJS, as the Lambda runtime loads a handler and the handler its AWS SDK modules.
const nodeRequire = createRequire(import.meta.url);

// A 64x48 PNG, as an upload would be (sharp is loaded by the child only through the bundle).
const PNG_64x48 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAEAAAAAwCAIAAAAuKetIAAAACXBIWXMAAAPoAAAD6AG1e1JrAAAAfUlEQVRoge2SAQkAURSD1slOl9ZQF2M8/sAAOhY+T5O6AQuwviK7kHdJ3YAFWF+RXci7pG7AAqyvyC7kXVI3YAHWV2QX8i6pG7AA6yuyC3mX1A1YgPUV2YW8S+oGLMD6iuxC3iV1AxZgfUV2Ie+SugELsL4iu5B3Sd2AxwN+Vpy88fDIx5oAAAAASUVORK5CYII=',
  'base64',
);

const context = { awsRequestId: randomUUID(), functionName: kind, getRemainingTimeInMillis: () => 30_000 } as never;

const msSince = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

/**
 * A kind of handler: the AWS SDK modules its handlers require, loaded within the measured time (on
 * Lambda they load at init too, and are the largest part a function and its baseline share), then,
 * not measured, their mocks and the event.
 */
function kindOf<Sdk>(loadSdk: () => Sdk, mockAndMakeEvent: (sdk: Sdk) => unknown): () => { sdkMs: number; event: unknown } {
  return () => {
    const start = process.hrtime.bigint();
    const sdk = loadSdk();
    const sdkMs = msSince(start);
    return { sdkMs, event: mockAndMakeEvent(sdk) };
  };
}

const kinds: Record<string, () => { sdkMs: number; event: unknown }> = {
  notifier: kindOf(
    () => ({
      dynamodb: nodeRequire('@aws-sdk/client-dynamodb') as typeof DynamoDB,
      sns: nodeRequire('@aws-sdk/client-sns') as typeof SNS,
    }),
    ({ dynamodb, sns }) => {
      mockClient(dynamodb.DynamoDBClient).resolves({});
      mockClient(sns.SNSClient).on(sns.PublishCommand).resolves({ MessageId: 'm-1' });
      const detail = {
        orderId: randomUUID(),
        customerEmail: 'buyer@example.com',
        items: [{ productId: randomUUID(), quantity: 2, unitPriceCents: 1250 }],
        totalCents: 2500,
        currency: 'USD',
        placedAt: new Date().toISOString(),
      };
      const body = JSON.stringify({ id: randomUUID(), source: 'hybrid-platform.orders', 'detail-type': 'OrderPlaced', detail });
      return { Records: [{ messageId: 'msg-1', body, attributes: {}, messageAttributes: {}, eventSource: 'aws:sqs' }] };
    },
  ),
  'image-resizer': kindOf(
    () => nodeRequire('@aws-sdk/client-s3') as typeof S3,
    ({ GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client }) => {
      const { sdkStreamMixin } = nodeRequire('@smithy/core/serde') as typeof import('@smithy/core/serde');
      const s3 = mockClient(S3Client);
      s3.on(HeadObjectCommand).resolves({ ContentLength: PNG_64x48.length, ContentType: 'image/png', ETag: '"e"' });
      s3.on(GetObjectCommand).callsFake(() => ({ Body: sdkStreamMixin(Readable.from([PNG_64x48])), ContentLength: PNG_64x48.length, ETag: '"e"' }));
      s3.on(PutObjectCommand).resolves({});
      return {
        Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'uploads' }, object: { key: 'uploads/bench.png', size: PNG_64x48.length, eTag: 'e' } } }],
      };
    },
  ),
};

async function main() {
  const { sdkMs, event } = kinds[kind]();
  const start = process.hrtime.bigint();
  const { handler } = nodeRequire(bundlePath) as { handler: (event: unknown, context: unknown) => Promise<unknown> };
  await handler(event, context);
  process.stdout.write(JSON.stringify(sdkMs + msSince(start)));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
