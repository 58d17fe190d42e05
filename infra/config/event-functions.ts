import { ORDER_PLACED, type OrderEventType } from '../../functions/shared/order-events';

/**
 * The functions that react to order events: each gets its own SQS queue (with a dead-letter queue)
 * fed by an EventBridge rule on the platform's bus, and runs `functions/<name>/handler.ts` on it with
 * partial batch failures (infra/constructs/event-subscriber.ts). This registry says what is
 * particular to each; the functions stack, the observability stack and the tests read it. Adding one
 * is an entry here plus `functions/<name>/` (`npm run new-service -- <name> --kind function` writes
 * both). The image-resizer is not here: S3, not the bus, triggers it (infra/config/upload-functions.ts).
 */

/**
 * The AWS access an event function can be given, by name; each is one policy plus the environment
 * variable that names its resource, both in one table (infra/constructs/event-function-access.ts). The
 * resource exists only while some function has the grant.
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
  /**
   * Chaos experiments that fail some of its invocations, by experiment template id (e.g.
   * `NotifierInvocationErrors`): the functions stack then makes the function a target of the AWS FIS
   * Lambda actions, and the chaos stack makes each an AWS FIS template. @default - none
   */
  readonly invocationErrors?: Readonly<Record<string, InvocationErrorExperiment>>;
}

/** An `aws:lambda:invocation-error` experiment on one event function. */
export interface InvocationErrorExperiment {
  /** What must stay true while invocations fail, as one testable sentence: the template's description. */
  readonly hypothesis: string;
  /** How long invocations fail. */
  readonly durationMinutes: number;
  /** The share of invocations that fail, from 1 to 100. */
  readonly invocationPercentage: number;
  /** Whether a failed invocation fails before the handler runs (true) or after it ran (false). */
  readonly preventExecution: boolean;
}

export const EVENT_FUNCTIONS = {
  notifier: {
    description: 'Sends one notification per OrderPlaced event',
    detailTypes: [ORDER_PLACED],
    grants: ['idempotency-table', 'publish-notifications'],
    invocationErrors: {
      NotifierInvocationErrors: {
        durationMinutes: 5,
        invocationPercentage: 50,
        // Fail before the handler runs, so a failed invocation has no side effect to reason about.
        preventExecution: true,
        hypothesis:
          'With half of the notifier invocations failing for 5 minutes, no order notification is lost: failed batches return to ' +
          'the queue and are retried after the visibility timeout, none reaches the dead-letter queue, each order is notified once, and the NotifierErrors alarm fires.',
      },
    },
  },
} as const satisfies Record<string, EventFunctionDefinition>;

export type EventFunctionName = keyof typeof EVENT_FUNCTIONS;
export const EVENT_FUNCTION_NAMES = Object.keys(EVENT_FUNCTIONS) as EventFunctionName[];

/**
 * The grants some event function of `functions` has, in EVENT_FUNCTION_GRANTS order: the functions
 * stack creates only their resources, and the catalog lists only those.
 */
export function grantsInUse(functions: Readonly<Record<string, EventFunctionDefinition>>): EventFunctionGrant[] {
  return EVENT_FUNCTION_GRANTS.filter((grant) => Object.values(functions).some((definition) => definition.grants?.includes(grant)));
}
