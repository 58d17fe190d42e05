import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { DatabaseUnavailableError, HttpError, errorBody } from './errors';
import { registerInputGuard } from './input-guard';
import { registerRequestTrace } from './request-trace';
import { describeValidation } from './validation-errors';

/** Request bodies above this are refused with 413 before they are parsed. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

export interface HttpOptions {
  readonly service: string;
  readonly logLevel: string;
}

/**
 * Fastify with the house rules: JSON logs (pino) carrying a request id (taken from X-Request-Id or
 * made up, and echoed back) and a W3C trace context (./request-trace.ts), request schemas that
 * REJECT unknown fields (Fastify's default would silently drop them), a 1 MiB body limit, JSON
 * bodies only (415 for anything else), no string PostgreSQL cannot store (./input-guard.ts), and
 * errors that tell a client what was wrong with its request (4xx with a reason and the field)
 * without leaking internals on a 5xx. Every error has the one shape of ./errors.ts.
 */
export function createHttpServer({ service, logLevel }: HttpOptions): FastifyInstance {
  const app = Fastify({
    logger: { level: logLevel, base: { service } },
    bodyLimit: BODY_LIMIT_BYTES,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: true } },
    // A path Fastify cannot decode (400) or a parameter over 100 characters (414) is refused before
    // routing; by default with a body of Fastify's own shape, here with ours.
    frameworkErrors: (error, request, reply) => sendError(error, request, reply),
  });

  // Fastify parses text/plain by default, and a JSON route then answered "body must be object" (400)
  // to a request whose only fault is its content type. Every route here takes JSON.
  app.removeContentTypeParser('text/plain');
  registerInputGuard(app);
  registerRequestTrace(app);

  // Callback hooks (here and in the rest of the kit): an async hook costs a promise and a turn of the
  // microtask queue per request, for work that is synchronous.
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    done(null, payload);
  });

  app.setErrorHandler(sendError);
  app.setNotFoundHandler((request, reply) => reply.status(404).send(errorBody(404, `No route for ${request.method} ${request.url}`)));
  return app;
}

function sendError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error.validation) {
    const { message, field } = describeValidation(error.validation, error.validationContext ?? 'request');
    return reply.status(400).send(errorBody(400, message, field));
  }
  const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode <= 599 ? error.statusCode : 500;
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    const given = request.headers['content-type'] ?? 'none';
    return reply.status(status).send(errorBody(status, `Unsupported Media Type: the body must be application/json (content-type: ${given})`));
  }
  if (status < 500) return reply.status(status).send(errorBody(status, error.message, error instanceof HttpError ? error.field : undefined));
  if ((error as Error) instanceof DatabaseUnavailableError) {
    const { retryAfterSeconds } = error as unknown as DatabaseUnavailableError;
    request.log.warn({ err: error }, 'database unavailable');
    return reply
      .status(503)
      .header('retry-after', String(retryAfterSeconds))
      .send(errorBody(503, `The database is unavailable right now; nothing was done. Retry in ${retryAfterSeconds} s.`));
  }
  request.log.error({ err: error }, 'request failed');
  return reply.status(status).send(errorBody(status, 'The request could not be completed; it has been logged.'));
}
