import { z } from 'zod';

/** Raised at start-up for bad environment variables; the message names each one and what it accepts. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** What every service reads from its environment (the pod's ConfigMap, or `npm run dev`). */
export const baseConfigShape = {
  /** 0: any free port (tests). */
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('0.0.0.0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * After SIGTERM, how long to keep serving while the load balancer and kube-proxy stop sending
   * new requests (readiness already reports 503). Well inside the pod's 30 s grace period.
   */
  SHUTDOWN_DELAY_MS: z.coerce.number().int().min(0).default(5000),
  /** Hard stop if draining takes longer: exit before Kubernetes sends SIGKILL. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(1000).default(25000),
};

/** What a service with a database reads besides: a service without one neither needs nor reads these. */
export const databaseConfigShape = {
  /** Local runs and tests: a full connection string. */
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  /** On EKS: host, port and name from the ConfigMap, credentials from Secrets Manager (Pod Identity). */
  DATABASE_HOST: z.string().min(1).optional(),
  DATABASE_PORT: z.coerce.number().int().default(5432),
  DATABASE_NAME: z.string().min(1).default('platform'),
  DATABASE_SECRET_ARN: z.string().startsWith('arn:').optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  /**
   * A pooled connection unused for this long is closed, and none is kept open: with no traffic the
   * service holds no connection, which a serverless Aurora (min capacity 0) needs before it can pause.
   * 0 would mean "never close", so it is refused.
   */
  DATABASE_IDLE_TIMEOUT_MS: z.coerce.number().int().min(1).max(60_000).default(10_000),
  /**
   * How long opening a connection may take. A paused Aurora Serverless v2 completes a new connection
   * only once it has resumed, typically after about 15 s (AWS advises a client connect timeout above
   * that): 30 s lets the first request after a pause, and the migrations of a pod starting then, wait
   * for the resume instead of failing. One long timeout rather than short ones retried: a retry would
   * only wait again for the same resume. 30 s still fits inside the ALB's default 60 s idle timeout
   * and the pod's 60 s startup probe budget (k8s/core-api-workload.ts).
   */
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(1).max(120_000).default(30_000),
};

export type ConfigShape = z.ZodRawShape;
export type BaseConfig = z.infer<z.ZodObject<typeof baseConfigShape>>;
export type DatabaseConfig = z.infer<z.ZodObject<typeof databaseConfigShape>>;
/** The validated environment of a service with a database: the kit's variables plus the service's own. */
export type Config<Extra extends ConfigShape = Record<string, never>> = BaseConfig & DatabaseConfig & z.infer<z.ZodObject<Extra>>;
/** The validated environment of a service without a database: no DATABASE_* variables. */
export type ConfigWithoutDatabase<Extra extends ConfigShape = Record<string, never>> = BaseConfig & z.infer<z.ZodObject<Extra>>;

/**
 * Validates the environment against the kit's shape plus a service's own variables. A service with a
 * database (the default) also needs DATABASE_URL, or DATABASE_HOST and DATABASE_SECRET_ARN; one
 * without (`usesDatabase: false`) reads no DATABASE_* variable at all.
 */
export function loadConfig<Extra extends ConfigShape>(extra: Extra, env: NodeJS.ProcessEnv, options?: { readonly usesDatabase?: true }): Config<Extra>;
export function loadConfig<Extra extends ConfigShape>(extra: Extra, env: NodeJS.ProcessEnv, options: { readonly usesDatabase: false }): ConfigWithoutDatabase<Extra>;
export function loadConfig<Extra extends ConfigShape>(extra: Extra, env: NodeJS.ProcessEnv, { usesDatabase = true }: { readonly usesDatabase?: boolean } = {}): ConfigWithoutDatabase<Extra> {
  const schema = usesDatabase
    ? z.object({ ...baseConfigShape, ...databaseConfigShape, ...extra }).superRefine((parsed, ctx) => {
        const config = parsed as DatabaseConfig;
        const hasUrl = config.DATABASE_URL !== undefined;
        const hasSecret = config.DATABASE_HOST !== undefined && config.DATABASE_SECRET_ARN !== undefined;
        if (!hasUrl && !hasSecret) {
          ctx.addIssue({
            // Stryker disable next-line StringLiteral: the only code the type takes here; no message shows it
            code: 'custom',
            path: ['DATABASE_URL'],
            message: 'set DATABASE_URL, or DATABASE_HOST and DATABASE_SECRET_ARN',
          });
        }
      })
    : z.object({ ...baseConfigShape, ...extra });
  // An empty variable means "not set", as in a ConfigMap with a blank value.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = schema.safeParse(present);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `  - ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid environment:\n${problems.join('\n')}`);
  }
  return result.data as ConfigWithoutDatabase<Extra>;
}
