export { ConfigError, baseConfigShape, loadConfig, type Config } from './config';
export { DatabaseUnavailableError, HttpError, errorBody, type ErrorBody } from './errors';
export { inTransaction } from './database';
export { BODY_LIMIT_BYTES } from './http';
export { ID_PATTERN, idSchema } from './ids';
export { runMigrations, type Migration } from './migrations';
export { OPENAPI_PATH } from './openapi';
export { defineService, runMain, startService, type BackgroundTask, type RunningService, type ServiceDefinition, type ServiceDeps } from './service';
export {
  UpstreamUnavailableError,
  createResilientHttpClient,
  type HttpAnswer,
  type HttpRequest,
  type ResilientHttpClient,
  type ResilientHttpClientOptions,
} from './resilient-http-client';
