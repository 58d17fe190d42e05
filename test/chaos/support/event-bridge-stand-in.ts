import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One entry EventBridge accepted, as the relay sent it. */
export interface AcceptedEntry {
  readonly busName: string;
  readonly source: string;
  readonly detailType: string;
  /** The OrderPlaced detail's orderId: the consumers' idempotency key. */
  readonly orderId: string;
}

export interface EventBridgeStandIn {
  /** For AWS_ENDPOINT_URL_EVENTBRIDGE, e.g. http://127.0.0.1:43121 */
  readonly url: string;
  /** Every entry accepted so far, duplicates included, in the order accepted. */
  readonly accepted: readonly AcceptedEntry[];
  /** How long the oldest PutEvents for `busName` not yet answered has been held, in ms; 0 if none. */
  heldMs(busName: string): number;
  /**
   * Answers for `busName` wait, past their delay, until the function returned is called: a test can
   * kill the publisher while a call of its is surely in flight, however busy the machine.
   */
  holdAnswers(busName: string): () => void;
  /** Every PutEvents held for `busName` has lost its sender (the publisher died mid-call); true if none is held. */
  sendersGone(busName: string): boolean;
  /** PutEvents received and not answered yet, any bus. */
  readonly inFlight: number;
  /** Requests whose sender went away before the answer: nothing of them was accepted. */
  readonly abandoned: number;
  close(): Promise<void>;
}

const JSON_1_1 = 'application/x-amz-json-1.1';

/**
 * EventBridge's PutEvents over HTTP, as the real SDK client speaks it (AWS JSON 1.1: POST /, the
 * operation in X-Amz-Target, a SigV4 Authorization header), for the services run as processes with
 * AWS_ENDPOINT_URL_EVENTBRIDGE pointing here.
 *
 * A request is held `answerDelayMs` before it is answered, and its entries count as accepted only if
 * the sender is still there to get the answer: a publisher that dies mid-call has published nothing,
 * so a test can tell an event re-published after a crash from one lost in it.
 */
export async function startEventBridgeStandIn({ answerDelayMs = 0 } = {}): Promise<EventBridgeStandIn> {
  const accepted: AcceptedEntry[] = [];
  const held = new Map<object, { busName: string; since: number; gone: () => boolean }>();
  const frozen = new Map<string, (() => void)[]>();
  let abandoned = 0;

  const refuse = (response: ServerResponse, status: number, type: string, message: string): void => {
    response.writeHead(status, { 'content-type': JSON_1_1 }).end(JSON.stringify({ __type: type, message }));
  };

  const handle = (request: IncomingMessage, response: ServerResponse, body: string): void => {
    if (request.method !== 'POST' || request.url !== '/') return refuse(response, 404, 'UnknownOperationException', `${request.method} ${request.url}`);
    if (request.headers['x-amz-target'] !== 'AWSEvents.PutEvents') return refuse(response, 400, 'UnknownOperationException', `X-Amz-Target ${request.headers['x-amz-target']}`);
    if (request.headers['content-type'] !== JSON_1_1) return refuse(response, 400, 'SerializationException', `content-type ${request.headers['content-type']}`);
    if (!request.headers.authorization?.startsWith('AWS4-HMAC-SHA256 Credential=')) return refuse(response, 403, 'MissingAuthenticationTokenException', 'not signed');
    const entries = (JSON.parse(body) as { Entries?: { EventBusName?: string; Source?: string; DetailType?: string; Detail?: string }[] }).Entries ?? [];
    if (entries.length < 1 || entries.length > 10) return refuse(response, 400, 'ValidationException', `${entries.length} entries (1 to 10)`);
    const received = entries.map((entry) => ({
      busName: entry.EventBusName ?? 'default',
      source: entry.Source ?? '',
      detailType: entry.DetailType ?? '',
      orderId: (JSON.parse(entry.Detail ?? '{}') as { orderId?: string }).orderId ?? '',
    }));

    const key = {};
    const busName = received[0].busName;
    let senderGone = false;
    held.set(key, { busName, since: Date.now(), gone: () => senderGone || response.destroyed });
    response.once('close', () => (senderGone ||= !response.writableEnded));
    const answer = () => {
      held.delete(key);
      if (senderGone || response.destroyed) {
        abandoned++;
        return;
      }
      accepted.push(...received);
      response
        .writeHead(200, { 'content-type': JSON_1_1 })
        .end(JSON.stringify({ FailedEntryCount: 0, Entries: received.map(() => ({ EventId: randomUUID() })) }));
    };
    setTimeout(() => {
      const waiting = frozen.get(busName);
      if (waiting) waiting.push(answer);
      else answer();
    }, answerDelayMs);
  };

  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      try {
        handle(request, response, body);
      } catch (error) {
        refuse(response, 400, 'SerializationException', (error as Error).message);
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    accepted,
    heldMs(busName) {
      const since = Math.min(...[...held.values()].filter((request) => request.busName === busName).map((request) => request.since));
      return Number.isFinite(since) ? Date.now() - since : 0;
    },
    holdAnswers(busName) {
      frozen.set(busName, []);
      return () => {
        const waiting = frozen.get(busName) ?? [];
        frozen.delete(busName);
        for (const answer of waiting) answer();
      };
    },
    sendersGone(busName) {
      return [...held.values()].every((request) => request.busName !== busName || request.gone());
    },
    get inFlight() {
      return held.size;
    },
    get abandoned() {
      return abandoned;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
