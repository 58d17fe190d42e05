/**
 * Child process of bench/functions.ts: measures one cold init of a bundled handler, i.e. loading the
 * module and its first invocation, with the AWS SDK clients mocked at the client boundary.
 * Prints the milliseconds as JSON on stdout.
 *
 *   tsx bench/cold-init.ts <bundle.js> <empty|notifier|image-resizer>
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { sdkStreamMixin } from '@smithy/core/serde';
import { mockClient } from 'aws-sdk-client-mock';
import { Readable } from 'node:stream';
import { randomUUID } from 'node:crypto';

const [bundlePath, kind] = process.argv.slice(2);

// A 64x48 PNG, as an upload would be (sharp is loaded by the child only through the bundle).
const PNG_64x48 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAEAAAAAwCAIAAAAuKetIAAAACXBIWXMAAAPoAAAD6AG1e1JrAAAAfUlEQVRoge2SAQkAURSD1slOl9ZQF2M8/sAAOhY+T5O6AQuwviK7kHdJ3YAFWF+RXci7pG7AAqyvyC7kXVI3YAHWV2QX8i6pG7AA6yuyC3mX1A1YgPUV2YW8S+oGLMD6iuxC3iV1AxZgfUV2Ie+SugELsL4iu5B3Sd2AxwN+Vpy88fDIx5oAAAAASUVORK5CYII=',
  'base64',
);

const context = { awsRequestId: randomUUID(), functionName: kind, getRemainingTimeInMillis: () => 30_000 } as never;

const events: Record<string, () => unknown> = {
  empty: () => ({}),
  notifier: () => {
    mockClient(DynamoDBClient).resolves({});
    mockClient(SNSClient).on(PublishCommand).resolves({ MessageId: 'm-1' });
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
  'image-resizer': () => {
    const s3 = mockClient(S3Client);
    s3.on(HeadObjectCommand).resolves({ ContentLength: PNG_64x48.length, ContentType: 'image/png', ETag: '"e"' });
    s3.on(GetObjectCommand).callsFake(() => ({ Body: sdkStreamMixin(Readable.from([PNG_64x48])), ContentLength: PNG_64x48.length, ETag: '"e"' }));
    s3.on(PutObjectCommand).resolves({});
    return {
      Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'uploads' }, object: { key: 'uploads/bench.png', size: PNG_64x48.length, eTag: 'e' } } }],
    };
  },
};

async function main() {
  const event = events[kind]();
  const start = process.hrtime.bigint();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { handler } = require(bundlePath) as { handler: (event: unknown, context: unknown) => Promise<unknown> };
  await handler(event, context);
  process.stdout.write(JSON.stringify(Number(process.hrtime.bigint() - start) / 1e6));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
