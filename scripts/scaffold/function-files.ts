import type { Names } from './names';

/**
 * The files of a new event function, in the notifier's shape: a handler on the platform's order-event
 * batch handler (validation, partial batch failures, per-record log keys), Powertools logs and
 * metrics, and a test that invokes the real handler with SQS batches of real-shaped events. A working
 * starting point: it logs and counts each placed order.
 */
export function functionFiles(names: Names): Record<string, string> {
  const { kebab } = names;
  return {
    [`functions/${kebab}/handler.ts`]: `import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { orderEventBatchHandler } from '../shared/order-event-batch';
import type { OrderPlacedEvent } from '../shared/order-events';

/**
 * ${kebab} (scaffolded by \`npm run new-service\`): runs once per placed order.
 *
 *   event bus ──rule (OrderPlaced)──> SQS (+DLQ) ──> this function
 *
 * Its registry entry (the events it receives, its AWS access) is in infra/config/event-functions.ts.
 * Delivery is at least once: make the work idempotent (the notifier shows how, with Powertools).
 */

// Service name and metrics namespace come from POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE (PlatformFunction).
const logger = new Logger();
const metrics = new Metrics();

/** The work for one order. Throw to have the record retried, and dead-lettered after five receives. */
async function handleOrderPlaced(event: OrderPlacedEvent): Promise<void> {
  const { items, totalCents, currency } = event.detail;
  logger.info('Received a placed order', { items: items.length, totalCents, currency });
  metrics.addMetric('OrdersReceived', MetricUnit.Count, 1);
}

export const handler = orderEventBatchHandler({ logger, metrics, handle: handleOrderPlaced });
`,
    [`test/functions/${kebab}.test.ts`]: `import { handler } from '../../functions/${kebab}/handler';
import { captureOutput, eventBridgeEnvelope, lambdaContext, orderPlacedDetail, sqsRecord } from './order-event-fixtures';

/** The ${kebab} handler, invoked as Lambda invokes it: SQS batches of EventBridge envelopes. */
describe('${kebab} handler', () => {
  let printed: string[];
  beforeEach(() => {
    printed = [];
    captureOutput(printed);
  });
  afterEach(() => jest.restoreAllMocks());

  const invoke = (bodies: string[]) => handler({ Records: bodies.map((body, index) => sqsRecord(body, \`message-\${index}\`, '${kebab}')) }, lambdaContext(30_000, '${kebab}'));

  it('processes every valid order of a batch', async () => {
    const response = await invoke([JSON.stringify(eventBridgeEnvelope(orderPlacedDetail())), JSON.stringify(eventBridgeEnvelope(orderPlacedDetail()))]);
    expect(response.batchItemFailures).toEqual([]);
    expect(printed.filter((line) => line.includes('Received a placed order'))).toHaveLength(2);
  });

  it('reports each bad record as a batch item failure, alone, and logs why without its values', async () => {
    const response = await invoke([
      JSON.stringify(eventBridgeEnvelope(orderPlacedDetail())),
      'not json',
      JSON.stringify(eventBridgeEnvelope({ ...orderPlacedDetail(), customerEmail: 'secret-not-an-email' })),
    ]);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'message-1' }, { itemIdentifier: 'message-2' }]);
    const rejections = printed.filter((line) => line.includes('Rejected the event'));
    expect(rejections).toHaveLength(2);
    expect(rejections.join('')).toContain('customerEmail');
    expect(rejections.join('')).not.toContain('secret-not-an-email');
  });
});
`,
  };
}
