import type { FastifyInstance } from 'fastify';
import { formatTraceparent, parseTraceparent, startSpan, type TraceContext } from './trace-context';

declare module 'fastify' {
  interface FastifyRequest {
    /** This request's span in the caller's trace, or in a new one: what the service passes on (e.g. in its events). */
    traceContext: TraceContext;
  }
}

/**
 * Gives every request a W3C trace context: a child of the caller's `traceparent`, or a new trace,
 * echoed back in the `traceparent` response header and bound to the request's log lines as trace_id.
 *
 * A malformed `traceparent` is ignored and a new trace started, never refused with a 4xx: the
 * specification asks receivers to do so, and a caller's broken tracing is no reason to fail its request.
 */
export function registerRequestTrace(app: FastifyInstance): void {
  app.decorateRequest('traceContext', null as unknown as TraceContext);
  app.addHook('onRequest', (request, reply, done) => {
    const header = request.headers.traceparent;
    request.traceContext = startSpan(parseTraceparent(typeof header === 'string' ? header : undefined));
    request.log = request.log.child({ trace_id: request.traceContext.traceId });
    reply.header('traceparent', formatTraceparent(request.traceContext));
    done();
  });
}
