import { closestKey, isCdkContextKey } from './context-keys';
import { DEFAULT_ENVIRONMENT, ENVIRONMENTS } from './environments';
import { environmentConfigSchema, type EnvironmentConfig } from './environment-config';

/** Raised for any bad configuration, before a single construct is created. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Values a user may override per deployment with `-c <key>=<value>`, and where each lands in the
 * environment's settings. Everything else is changed by editing `environments.ts`.
 */
export const CONTEXT_OVERRIDES = {
  owner: ['owner'],
  vpcCidr: ['network', 'cidr'],
  natProvider: ['network', 'natProvider'],
  natGateways: ['network', 'natGateways'],
  kubernetesVersion: ['cluster', 'kubernetesVersion'],
  coreApiNodes: ['cluster', 'capacity', 'coreApiNodes'],
  containerInsights: ['cluster', 'containerInsights'],
  adminRoleArn: ['cluster', 'adminRoleArn'],
  budgetEmail: ['budget', 'alertEmail'],
  apiCertificateArn: ['cluster', 'apiCertificateArn'],
  githubRepository: ['github', 'repository'],
  githubOidcProviderArn: ['github', 'oidcProviderArn'],
  workingHoursTimeZone: ['workingHours', 'timeZone'],
  awakeFrom: ['workingHours', 'awakeFrom'],
  awakeUntil: ['workingHours', 'awakeUntil'],
} as const satisfies Record<string, readonly string[]>;

type ContextKey = keyof typeof CONTEXT_OVERRIDES;

/** Every context key of ours: the environment's name and the overrides. */
export const CONTEXT_KEYS: readonly string[] = ['env', ...Object.keys(CONTEXT_OVERRIDES)];

/** Reads one context value, e.g. `(key) => app.node.tryGetContext(key)`. */
export type ContextReader = (key: string) => unknown;

/**
 * The configuration from all the context an app was given (`app.node.getAllContext()`, or the `-c`
 * flags of a script): like loadEnvironmentConfig, and a key that is neither ours nor CDK's is refused,
 * so that a typo (`-c natGateway=2`) stops the synth instead of silently leaving the default.
 */
export function loadConfigFromContext(context: Readonly<Record<string, unknown>>): EnvironmentConfig {
  const unknown = Object.keys(context).filter((key) => !CONTEXT_KEYS.includes(key) && !isCdkContextKey(key));
  if (unknown.length > 0) {
    throw new ConfigError(unknown.map(describeUnknownKey).join('\n'));
  }
  return loadEnvironmentConfig((key) => context[key]);
}

function describeUnknownKey(key: string): string {
  const suggestion = closestKey(key, CONTEXT_KEYS);
  return suggestion
    ? `unknown context key ${JSON.stringify(key)}; did you mean ${JSON.stringify(suggestion)}?`
    : `unknown context key ${JSON.stringify(key)}; allowed keys: ${CONTEXT_KEYS.join(', ')} (and CDK's own, e.g. @aws-cdk/* feature flags)`;
}

/**
 * The context of `-c <key>=<value>` flags, as the CDK CLI reads them: split at the first `=`, the value
 * a string (loadEnvironmentConfig reads natGateways as a number); a later flag wins.
 */
export function contextFromFlags(flags: readonly string[]): Record<string, string> {
  const context: Record<string, string> = {};
  for (const flag of flags) {
    const equals = flag.indexOf('=');
    if (equals < 1) {
      throw new ConfigError(`-c ${flag}: expected <key>=<value>, e.g. -c env=prod`);
    }
    context[flag.slice(0, equals)] = flag.slice(equals + 1);
  }
  return context;
}

/**
 * Resolves the environment named by the `env` context key (default `sandbox`), applies context
 * overrides and validates the result. Throws a ConfigError naming every bad key and what it accepts.
 */
export function loadEnvironmentConfig(readContext: ContextReader): EnvironmentConfig {
  const name = readContext('env') ?? DEFAULT_ENVIRONMENT;
  const allowed = Object.keys(ENVIRONMENTS);
  if (typeof name !== 'string' || !Object.hasOwn(ENVIRONMENTS, name)) {
    throw new ConfigError(`Unknown value ${JSON.stringify(name)} for context key "env". Allowed values: ${allowed.join(', ')}.`);
  }

  const settings: Record<string, unknown> = structuredClone(ENVIRONMENTS[name as keyof typeof ENVIRONMENTS]);
  const overridden = new Map<string, ContextKey>();
  for (const [key, path] of Object.entries(CONTEXT_OVERRIDES) as [ContextKey, readonly string[]][]) {
    const value = readContext(key);
    if (value === undefined) continue;
    setPath(settings, path, NUMBER_KEYS.has(key) ? fromContextString(value) : value);
    overridden.set(path.join('.'), key);
  }

  const result = environmentConfigSchema.safeParse(settings);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const path = issue.path.join('.');
      const contextKey = overridden.get(path);
      const where = contextKey ? `${path} (from -c ${contextKey})` : path;
      return `  - ${where}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration for environment "${name}" (infra/config/environments.ts):\n${problems.join('\n')}`);
  }
  return { name, ...result.data };
}

/**
 * The overrides whose settings are numbers. `cdk -c natGateways=2` passes the string "2", meant as a
 * number; every other value is text, even when it looks like a number (`-c kubernetesVersion=1.36`,
 * `-c owner=4711`), and is validated as such.
 */
const NUMBER_KEYS: ReadonlySet<ContextKey> = new Set(['natGateways']);

/**
 * A whole number from its digits, e.g. "2"; anything else as it is, for the schema to refuse as no
 * whole number ("1.5", and "0x2" or "2e0", which Number() would read as 2).
 */
function fromContextString(value: unknown): unknown {
  return typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  // An optional section (github, workingHours) is created by the first of its keys.
  const parent = path.slice(0, -1).reduce<Record<string, unknown>>((node, key) => (node[key] ??= {}) as Record<string, unknown>, target);
  parent[path[path.length - 1]] = value;
}
