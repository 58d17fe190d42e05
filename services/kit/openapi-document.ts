import pg from 'pg';
import { loadConfig, type ConfigShape } from './config';
import { OPENAPI_PATH } from './openapi';
import { startService, type AnyServiceDefinition, type ServiceWithoutDatabaseDefinition } from './service';

/** Settings a service's register() may read but that do not shape its routes: DATABASE_URL is never dialled. */
const OFFLINE_ENV = { HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent', SHUTDOWN_DELAY_MS: '0' };
const NO_DATABASE_URL = 'postgres://offline.invalid/none';

/**
 * The OpenAPI document a service serves at /openapi.json, made without its database or any network
 * (for the Backstage catalog, scripts/catalog-info.ts). The service is started by startService itself,
 * on loopback, so the document has exactly the kit's routes and the service's, in the same order; a
 * service with a database is started as one without, its register() given a pool that refuses every
 * connection (adding routes needs none; a register() that queries fails here instead of hanging).
 *
 * @param env what the service's own config requires (e.g. CATALOG_URL); any values of the right shape.
 */
export async function openApiDocumentOf<Extra extends ConfigShape>(definition: AnyServiceDefinition<Extra>, env: Readonly<Record<string, string>>): Promise<unknown> {
  const serviceEnv = { ...env, ...OFFLINE_ENV };
  const pool = poolThatNeverConnects();
  const offline: ServiceWithoutDatabaseDefinition<Extra> =
    definition.usesDatabase === false
      ? definition
      : {
          name: definition.name,
          configShape: definition.configShape,
          usesDatabase: false,
          register: (app, deps) =>
            definition.register(app, { ...deps, pool, config: loadConfig((definition.configShape ?? {}) as Extra, { ...serviceEnv, DATABASE_URL: NO_DATABASE_URL }) }),
        };
  const running = await startService(offline, serviceEnv);
  try {
    const response = await running.app.inject({ method: 'GET', url: OPENAPI_PATH });
    if (response.statusCode !== 200) throw new Error(`${definition.name}: GET ${OPENAPI_PATH} answered ${response.statusCode}`);
    return response.json();
  } finally {
    await running.shutdown();
    await pool.end();
  }
}

type ConnectCallback = (error: Error) => void;

/** A pg.Pool whose every connection attempt fails at once: no setting of its own is ever read. */
function poolThatNeverConnects(): pg.Pool {
  const pool = new pg.Pool();
  const refuse = (callback?: ConnectCallback) => {
    const error = new Error('no database: the OpenAPI document is made offline (services/kit/openapi-document.ts)');
    // pool.query() asks with a callback, pool.connect() callers without one.
    if (!callback) return Promise.reject(error);
    queueMicrotask(() => callback(error));
    return undefined;
  };
  return Object.assign(pool, { connect: refuse });
}
