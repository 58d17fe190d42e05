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
  // Stryker disable next-line all: declares the property for V8's sake (one shape for every request); the hook sets it on each
  app.decorateRequest('traceContext', null as unknown as TraceContext);
  app.addHook('onRequest', (request, reply, done) => {
    // A string or absent: node joins a repeated header into one (set-cookie aside), typed as a list too.
    request.traceContext = startSpan(parseTraceparent(request.headers.traceparent as string | undefined));
    request.log = request.log.child({ trace_id: request.traceContext.traceId });
    reply.header('traceparent', formatTraceparent(request.traceContext));
    done();
  });
}
