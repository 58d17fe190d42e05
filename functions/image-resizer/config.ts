// A namespace import, not `{ z }`: esbuild can then tree-shake zod, whose `z` object drags in all its locales.
import * as z from 'zod';
import { thumbnailEnvironmentShape, type ThumbnailSettings } from '../shared/thumbnail-contract';

export interface ResizerConfig extends ThumbnailSettings {
  /** Objects larger than this are rejected before they are downloaded. */
  readonly maxInputBytes: number;
  /** Images whose header claims more pixels than this are rejected before they are decoded. */
  readonly maxInputPixels: number;
}

const positiveInteger = (name: string) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `${name} must be a positive integer`)
    .transform(Number)
    .refine((n) => Number.isSafeInteger(n) && n > 0, `${name} must be a positive integer`);

// CloudWatch's rule for custom namespaces: up to 255 of these characters, at least one not a space.
const namespacePattern = /^(?=.*\S)[0-9A-Za-z.\-_/#: ]{1,255}$/;

const environmentSchema = z.object({
  ...thumbnailEnvironmentShape({ namedInMessages: true }),
  MAX_INPUT_BYTES: positiveInteger('MAX_INPUT_BYTES').default(10 * 1024 * 1024),
  MAX_INPUT_PIXELS: positiveInteger('MAX_INPUT_PIXELS').default(40_000_000),
  // Read by Powertools itself; required here so that logs and metrics never go out unnamed.
  POWERTOOLS_SERVICE_NAME: z.string({ error: 'POWERTOOLS_SERVICE_NAME must be set to the service name' }).trim().min(1, 'POWERTOOLS_SERVICE_NAME must be set to the service name'),
  POWERTOOLS_METRICS_NAMESPACE: z
    .string({ error: 'POWERTOOLS_METRICS_NAMESPACE must be set to a CloudWatch namespace' })
    .regex(namespacePattern, 'POWERTOOLS_METRICS_NAMESPACE must be a CloudWatch namespace: 1-255 of A-Z a-z 0-9 . - _ / # : and space')
    .refine((namespace) => !namespace.startsWith('AWS/'), 'POWERTOOLS_METRICS_NAMESPACE must not start with AWS/ (reserved for AWS services)'),
});

/** Thrown at initialisation when the environment is invalid; the message names every bad variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Reads and validates the resizer's environment once, at initialisation. An unset variable takes its
 * default; an empty one is treated as unset (what CloudFormation leaves for an empty string).
 */
export function loadConfig(env: NodeJS.ProcessEnv): ResizerConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = environmentSchema.safeParse(present);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.message} (got ${describe(present[String(issue.path[0])])})`);
    throw new ConfigError(`Invalid image-resizer environment: ${problems.join('; ')}`);
  }
  const { THUMBNAIL_SIZES, THUMBNAIL_FORMAT, MAX_INPUT_BYTES, MAX_INPUT_PIXELS } = result.data;
  return { sizes: THUMBNAIL_SIZES, format: THUMBNAIL_FORMAT, maxInputBytes: MAX_INPUT_BYTES, maxInputPixels: MAX_INPUT_PIXELS };
}

const describe = (value: string | undefined) => (value === undefined ? 'nothing' : JSON.stringify(value));
