import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { randomUUID } from 'node:crypto';
import { orderPlacedDetailSchema } from '../../functions/shared/order-events';
import { relayOnce } from '../../services/orders/outbox-relay';
import { ordersRepository } from '../../services/orders/repository';
import { TEST_BUS, orderPlaced, orderRequest, useOrdersService } from './orders-fixtures';

/**
 * One order, one trace: the orders service gives each request a W3C trace context, keeps it with the
 * order's event in the outbox, and the relay hands it to EventBridge both as X-Ray's TraceHeader and
 * inside the event's detail. Real HTTP and PostgreSQL; EventBridge mocked at the SDK client.
 */

const eventBridge = mockClient(EventBridgeClient);
const client = new EventBridgeClient({ region: 'eu-west-1' });

const CALLER_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN_ID = '00f067aa0ba902b7';
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-(0[01])$/;

const orders = useOrdersService();

beforeEach(() => {
  eventBridge.reset();
  eventBridge.on(PutEventsCommand).callsFake(async (input) => ({ FailedEntryCount: 0, Entries: input.Entries!.map(() => ({ EventId: randomUUID() })) }));
});

const placeOrder = (headers: Record<string, string> = {}) =>
  fetch(`${orders.service.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(orderRequest(orders.catalog)) });

/** The traceparent the response carries, split into its fields. */
function responseTrace(response: Response): { traceId: string; spanId: string; flags: string } {
  const traceparent = response.headers.get('traceparent');
  expect(traceparent).toMatch(TRACEPARENT);
  const [, traceId, spanId, flags] = TRACEPARENT.exec(traceparent!)!;
  return { traceId, spanId, flags };
}

const storedTraceparents = async () =>
  (await orders.service.pool.query<{ traceparent: string | null }>("SELECT payload #>> '{traceContext,traceparent}' AS traceparent FROM outbox ORDER BY id")).rows.map((row) => row.traceparent);

describe('the trace context of a request', () => {
  it("continues the caller's trace: same trace id and sampling, a span of its own, echoed in the response", async () => {
    const response = await placeOrder({ traceparent: `00-${CALLER_TRACE_ID}-${CALLER_SPAN_ID}-01` });

    expect(response.status).toBe(201);
    const trace = responseTrace(response);
    expect(trace).toEqual({ traceId: CALLER_TRACE_ID, spanId: expect.any(String), flags: '01' });
    expect(trace.spanId).not.toBe(CALLER_SPAN_ID);
  });

  it("keeps a caller's decision not to sample", async () => {
    expect(responseTrace(await placeOrder({ traceparent: `00-${CALLER_TRACE_ID}-${CALLER_SPAN_ID}-00` })).flags).toBe('00');
  });

  it('starts a new, sampled trace for a request without one', async () => {
    const first = responseTrace(await placeOrder());
    const second = responseTrace(await placeOrder());

    expect(first.flags).toBe('01');
    expect(second.traceId).not.toBe(first.traceId);
  });

  it.each([
    ['garbage', 'not-a-traceparent'],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-${CALLER_SPAN_ID}-01`],
    ['upper case', `00-${CALLER_TRACE_ID.toUpperCase()}-${CALLER_SPAN_ID}-01`],
  ])('ignores a malformed traceparent (%s) and starts a new trace, rather than refusing the request', async (_case, traceparent) => {
    const response = await placeOrder({ traceparent });

    expect(response.status).toBe(201);
    expect(responseTrace(response).traceId).not.toBe(CALLER_TRACE_ID);
  });

  it('is given to every route, errors included', async () => {
    const response = await fetch(`${orders.service.url}/orders/${randomUUID()}`, { headers: { traceparent: `00-${CALLER_TRACE_ID}-${CALLER_SPAN_ID}-01` } });

    expect(response.status).toBe(404);
    expect(responseTrace(response).traceId).toBe(CALLER_TRACE_ID);
  });

  it("is stored with the order's event in the outbox, as the response gave it", async () => {
    const response = await placeOrder({ traceparent: `00-${CALLER_TRACE_ID}-${CALLER_SPAN_ID}-01` });

    expect(await storedTraceparents()).toEqual([response.headers.get('traceparent')]);
  });
});

describe('the relay', () => {
  it("publishes the event with X-Ray's TraceHeader, converted from the W3C ids, and the context in its detail", async () => {
    const response = await placeOrder({ traceparent: `00-${CALLER_TRACE_ID}-${CALLER_SPAN_ID}-01` });
    const { spanId } = responseTrace(response);

    expect(await relayOnce(orders.service.pool, client, TEST_BUS)).toMatchObject({ sent: 1 });

    const [entry] = eventBridge.commandCalls(PutEventsCommand)[0].args[0].input.Entries!;
    expect(entry.TraceHeader).toBe(`Root=1-4bf92f35-77b34da6a3ce929d0e0e4736;Parent=${spanId};Sampled=1`);
    const detail = orderPlacedDetailSchema.parse(JSON.parse(entry.Detail!));
    expect(detail.traceContext).toEqual({ traceparent: response.headers.get('traceparent') });
  });

  it('publishes an event written without a trace context (before there was one) without a TraceHeader', async () => {
    await ordersRepository(orders.service.pool).placeOrder(orderPlaced());

    expect(await relayOnce(orders.service.pool, client, TEST_BUS)).toMatchObject({ sent: 1 });

    const [entry] = eventBridge.commandCalls(PutEventsCommand)[0].args[0].input.Entries!;
    expect(entry).not.toHaveProperty('TraceHeader');
  });
});
