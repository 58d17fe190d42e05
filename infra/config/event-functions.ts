import { ORDER_PLACED, type OrderEventType } from '../../functions/shared/order-events';

/**
 * The functions that react to order events: each gets its own SQS queue (with a dead-letter queue)
 * fed by an EventBridge rule on the platform's bus, and runs `functions/<name>/handler.ts` on it with
 * partial batch failures (infra/constructs/event-subscriber.ts). This registry says what is
 * particular to each; the functions stack, the observability stack and the tests read it. Adding one
 * is an entry here plus `functions/<name>/` (`npm run new-service -- <name> --kind function` writes
 * both). The image-resizer is not here: S3, not the bus, triggers it.
 */

/**
 * The AWS access an event function can be given, by name; each is one policy plus the environment
 * variable that names its resource, both in the functions stack's one table (functions-stack.ts).
 */
export const EVENT_FUNCTION_GRANTS = ['idempotency-table', 'publish-notifications'] as const;
export type EventFunctionGrant = (typeof EVENT_FUNCTION_GRANTS)[number];

export interface EventFunctionDefinition {
  /** What it does, for the Lambda console and the catalog. */
  readonly description: string;
  /** The order events it receives (functions/shared/order-events.ts). */
  readonly detailTypes: readonly OrderEventType[];
  /** The AWS access its code needs, and nothing else. @default - none */
  readonly grants?: readonly EventFunctionGrant[];
}

export const EVENT_FUNCTIONS = {
  notifier: {
    description: 'Sends one notification per OrderPlaced event',
    detailTypes: [ORDER_PLACED],
    grants: ['idempotency-table', 'publish-notifications'],
  },
} as const satisfies Record<string, EventFunctionDefinition>;

export type EventFunctionName = keyof typeof EVENT_FUNCTIONS;
export const EVENT_FUNCTION_NAMES = Object.keys(EVENT_FUNCTIONS) as EventFunctionName[];
