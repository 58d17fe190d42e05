import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';

/** Where every service serves its OpenAPI document. */
export const OPENAPI_PATH = '/openapi.json';

/**
 * An OpenAPI 3 document generated from the route schemas (@fastify/swagger), so that it cannot
 * drift from what the service validates and returns. It sees only the routes added after it: the
 * kit registers it before any route. The document itself is left out of the document.
 */
export async function registerOpenApi(app: FastifyInstance, service: string): Promise<void> {
  await app.register(swagger, {
    // The APIs carry no version of their own yet; OpenAPI requires one.
    openapi: { info: { title: service, version: '0' } },
  });
  app.get(OPENAPI_PATH, { schema: { hide: true }, logLevel: 'warn' }, async () => app.swagger());
}
