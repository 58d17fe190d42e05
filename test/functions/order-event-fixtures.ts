import type { Context, SQSRecord } from 'aws-lambda';
import { createHash, randomUUID } from 'node:crypto';
import { ORDER_EVENTS_SOURCE, ORDER_PLACED, type OrderPlacedDetail } from '../../functions/shared/order-events';

/** Order events as a function behind an order-event queue receives them (infra/constructs/event-subscriber.ts). */

export function orderPlacedDetail(overrides: Partial<OrderPlacedDetail> = {}): OrderPlacedDetail {
  return {
    orderId: randomUUID(),
    customerEmail: 'ada.lovelace@example.com',
    items: [
      { productId: '3f2b8c1e-4d5a-4e6f-9a7b-8c9d0e1f2a3b', quantity: 2, unitPriceCents: 1250 },
      { productId: 'a1b2c3d4-e5f6-4789-8abc-def012345678', quantity: 1, unitPriceCents: 499 },
    ],
    totalCents: 2999,
    currency: 'EUR',
    placedAt: '2025-11-21T10:15:30.000Z',
    ...overrides,
  };
}

/** The EventBridge event as the rule's SQS target delivers it, in full. */
export function eventBridgeEnvelope(detail: unknown, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': ORDER_PLACED,
    source: ORDER_EVENTS_SOURCE,
    account: '123456789012',
    time: '2025-11-21T10:15:31Z',
    region: 'eu-west-1',
    resources: [],
    detail,
    ...overrides,
  };
}

export function sqsRecord(body: string, messageId: string = randomUUID(), functionName = 'notifier'): SQSRecord {
  return {
    messageId,
    receiptHandle: `AQEB${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '1763720131000',
      SenderId: 'AIDAEXAMPLEEVENTBRIDGE',
      ApproximateFirstReceiveTimestamp: '1763720131500',
    },
    messageAttributes: {},
    md5OfBody: createHash('md5').update(body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:eu-west-1:123456789012:${functionName}-queue`,
    awsRegion: 'eu-west-1',
  };
}

export function lambdaContext(remainingMillis = 30_000, functionName = 'notifier'): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2025/11/21/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: () => remainingMillis,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * Sends what the function prints (Powertools' JSON log lines and EMF metric documents) into `lines`
 * instead of the terminal, for the test to read. Call it in beforeEach; jest.restoreAllMocks() ends it.
 */
export function captureOutput(lines: string[]): void {
  for (const stream of [process.stdout, process.stderr]) {
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(chunk.toString());
      return true;
    });
  }
}
