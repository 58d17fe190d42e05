import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';

/** Request bodies above this are refused with 413 before they are parsed. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

export interface HttpOptions {
  readonly service: string;
  readonly logLevel: string;
}

/**
 * Fastify with the house rules: JSON logs (pino) carrying a request id (taken from X-Request-Id or
 * made up, and echoed back), request schemas that REJECT unknown fields (Fastify's default would
 * silently drop them), a 1 MiB body limit, and errors that tell a client what was wrong with its
 * request (4xx with a reason) without leaking internals on a 5xx.
 */
export function createHttpServer({ service, logLevel }: HttpOptions): FastifyInstance {
  const app = Fastify({
    logger: { level: logLevel, base: { service } },
    bodyLimit: BODY_LIMIT_BYTES,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: true } },
  });

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.validation) {
      return reply.status(400).send({ error: 'Bad Request', message: `${error.validationContext ?? 'request'} ${error.message.replace(/^(body|params|querystring|headers)\s*/, '')}` });
    }
    const status = error.statusCode ?? 500;
    if (status < 500) {
      return reply.status(status).send({ error: httpReason(status), message: error.message });
    }
    request.log.error({ err: error }, 'request failed');
    return reply.status(500).send({ error: 'Internal Server Error', message: 'The request could not be completed; it has been logged.' });
  });

  app.setNotFoundHandler((request, reply) => reply.status(404).send({ error: 'Not Found', message: `No route for ${request.method} ${request.url}` }));
  return app;
}

function httpReason(status: number): string {
  const reasons: Record<number, string> = { 400: 'Bad Request', 404: 'Not Found', 409: 'Conflict', 413: 'Payload Too Large', 415: 'Unsupported Media Type' };
  return reasons[status] ?? 'Client Error';
}
