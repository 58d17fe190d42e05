export { ConfigError, baseConfigShape, databaseConfigShape, loadConfig, type Config, type ConfigWithoutDatabase } from './config';
export { DatabaseUnavailableError, HttpError, errorBody, type ErrorBody } from './errors';
export { inTransaction } from './database';
export { BODY_LIMIT_BYTES } from './http';
export { ID_PATTERN, idSchema } from './ids';
export { runMigrations, type Migration } from './migrations';
export { OPENAPI_PATH } from './openapi';
export { openApiDocumentOf } from './openapi-document';
export {
  defineService,
  runMain,
  startService,
  type AnyServiceDefinition,
  type BackgroundTask,
  type RunningService,
  type RunningServiceWithoutDatabase,
  type ServiceDefinition,
  type ServiceDeps,
  type ServiceDepsWithoutDatabase,
  type ServiceWithoutDatabaseDefinition,
} from './service';
export {
  UpstreamUnavailableError,
  createResilientHttpClient,
  type HttpAnswer,
  type HttpRequest,
  type ResilientHttpClient,
  type ResilientHttpClientOptions,
} from './resilient-http-client';
