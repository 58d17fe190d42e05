export { ConfigError, baseConfigShape, loadConfig, type Config } from './config';
export { BODY_LIMIT_BYTES } from './http';
export { ID_PATTERN, idSchema } from './ids';
export { runMigrations, type Migration } from './migrations';
export { defineService, runMain, startService, type BackgroundTask, type RunningService, type ServiceDefinition, type ServiceDeps } from './service';
