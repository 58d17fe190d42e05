import type { FastifySchema } from 'fastify';
import { startService, type RunningService, type ServiceDefinition } from '../../../services/kit';
import type { ConfigShape } from '../../../services/kit/config';

/** A route as the service declared it. */
export interface RecordedRoute {
  readonly method: string;
  /** The template, e.g. /products/:id */
  readonly url: string;
  readonly schema: FastifySchema;
}

/**
 * Starts a service and records every route its register() adds (HEAD twins left out: Fastify adds
 * one per GET), so that a test covers the routes the service has, new ones included, without a list
 * to keep up to date. The kit's own routes (/healthz, /metrics, ...) come before and are not recorded.
 */
export async function startRecordingRoutes<Extra extends ConfigShape>(
  definition: ServiceDefinition<Extra>,
  env: Record<string, string>,
): Promise<{ service: RunningService; routes: RecordedRoute[] }> {
  const routes: RecordedRoute[] = [];
  const service = await startService(
    {
      ...definition,
      register: (app, deps) => {
        app.addHook('onRoute', (route) => {
          for (const method of [route.method].flat()) {
            if (method !== 'HEAD') routes.push({ method, url: route.url, schema: route.schema ?? {} });
          }
        });
        return definition.register(app, deps);
      },
    },
    env,
  );
  return { service, routes };
}
