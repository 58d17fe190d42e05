import { EventBridgeClient, PutEventsCommand, type PutEventsCommandOutput } from '@aws-sdk/client-eventbridge';
import { randomUUID } from 'node:crypto';

/**
 * DELIBERATELY BROKEN, for the chaos tests' broken variant only (./orders-fire-and-forget-main.ts):
 * every PutEvents is answered "accepted" at once while the real call goes out in the background. The
 * relay then commits its rows as sent before EventBridge has them: an acknowledgement before the
 * event is handed over, which loses whatever a process killed in between had in flight.
 */
const send = EventBridgeClient.prototype.send;
const realSend = send as (this: EventBridgeClient, ...args: unknown[]) => Promise<unknown>;
EventBridgeClient.prototype.send = function (this: EventBridgeClient, command: unknown, ...rest: unknown[]): Promise<unknown> {
  if (!(command instanceof PutEventsCommand)) return realSend.call(this, command, ...rest);
  realSend.call(this, command).catch(() => undefined);
  const output: PutEventsCommandOutput = { $metadata: {}, FailedEntryCount: 0, Entries: (command.input.Entries ?? []).map(() => ({ EventId: randomUUID() })) };
  return Promise.resolve(output);
} as typeof send;
