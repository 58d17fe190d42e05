import { EventBridgeClient, PutEventsCommand, type PutEventsCommandInput } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { randomUUID } from 'node:crypto';

/** EventBridge mocked at the SDK client boundary, accepting every event it is sent. */
export function acceptingEventBridge() {
  const eventBridge = mockClient(EventBridgeClient);
  const acceptAll = () =>
    eventBridge.on(PutEventsCommand).callsFake(async (input: PutEventsCommandInput) => ({
      FailedEntryCount: 0,
      Entries: input.Entries!.map(() => ({ EventId: randomUUID() })),
    }));
  acceptAll();
  return {
    eventBridge,
    /** Forgets the calls so far, and keeps accepting. */
    reset() {
      eventBridge.reset();
      acceptAll();
    },
    /** The order ids of every OrderPlaced published so far, in order. */
    publishedOrderIds: () =>
      eventBridge.commandCalls(PutEventsCommand).flatMap((call) => (call.args[0].input.Entries ?? []).map((entry) => JSON.parse(entry.Detail!).orderId as string)),
  };
}
