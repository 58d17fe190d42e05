/**
 * The core APIs that run on Kubernetes: the one place that says what is particular to each. The
 * cluster stack (image, Pod Identity role, grants), the charts (workload, routes, NetworkPolicies),
 * the chart values (environment), `npm run dev` and the tests all read this registry; everything
 * else is the platform's default. Adding a service is one entry here plus `services/<name>/`
 * (`npm run new-service -- <name> --kind api` writes both).
 */

/** The namespace every core API runs in, labelled for Pod Security Standards `restricted`. */
export const APP_NAMESPACE = 'shop';

/**
 * The AWS access a core service can be given, by name. Each maps to exactly one policy, in one
 * place: infra/constructs/core-service-access.ts.
 */
export const CORE_SERVICE_GRANTS = ['presign-uploads', 'publish-events'] as const;
export type CoreServiceGrant = (typeof CORE_SERVICE_GRANTS)[number];

/**
 * What the AWS side knows that a service may need as environment: its value comes from the stacks
 * on EKS (k8s/values.ts) and from a local stand-in under `npm run dev` (scripts/dev.ts).
 */
export const PLATFORM_INPUTS = ['uploadsBucket', 'eventBusName'] as const;
export type PlatformInput = (typeof PLATFORM_INPUTS)[number];

export interface CoreServiceDefinition {
  /** The path prefix the shared load balancer routes to the service, e.g. `/products`. */
  readonly publicPath: string;
  /** Whether it connects to the shared PostgreSQL: DATABASE_* settings, the secret, the database NetworkPolicy. */
  readonly usesDatabase: boolean;
  /** Platform inputs it reads, by environment variable name. @default - none */
  readonly environment?: Readonly<Record<string, PlatformInput>>;
  /** The AWS access its code needs, and nothing else. @default - none */
  readonly grants?: readonly CoreServiceGrant[];
  /**
   * Other core APIs it calls over HTTP: each one's base URL arrives as `<NAME>_URL` (e.g.
   * CATALOG_URL), and the platform chart opens exactly these connections. @default - none
   */
  readonly calls?: readonly string[];
  /** Its port under `npm run dev`; every service has its own. */
  readonly localPort: number;
  /** Environment only `npm run dev` sets, for what has no local stand-in. @default - none */
  readonly localEnvironment?: Readonly<Record<string, string>>;
}

export const CORE_SERVICE_REGISTRY = {
  catalog: {
    publicPath: '/products',
    usesDatabase: true,
    environment: { UPLOADS_BUCKET: 'uploadsBucket' },
    grants: ['presign-uploads'],
    localPort: 8081,
  },
  orders: {
    publicPath: '/orders',
    usesDatabase: true,
    environment: { EVENT_BUS_NAME: 'eventBusName' },
    grants: ['publish-events'],
    // Orders prices every order by asking the catalog.
    calls: ['catalog'],
    localPort: 8082,
    // Locally there is no event bus: placed orders stay in the outbox table.
    localEnvironment: { OUTBOX_RELAY_ENABLED: 'false' },
  },
} as const satisfies Record<string, CoreServiceDefinition>;

export type CoreServiceName = keyof typeof CORE_SERVICE_REGISTRY;
export const CORE_SERVICES = Object.keys(CORE_SERVICE_REGISTRY) as CoreServiceName[];

/** The registry entry of a service, as the general shape (the literal types are for names only). */
export function coreService(name: CoreServiceName): CoreServiceDefinition {
  return CORE_SERVICE_REGISTRY[name];
}

/** The environment variable that carries a called service's base URL: `catalog` -> `CATALOG_URL`. */
export function serviceUrlVariable(name: string): string {
  return `${name.toUpperCase().replace(/-/g, '_')}_URL`;
}

/** A Kubernetes DNS label (RFC 1123), which a service's name becomes in Deployments, Services and DNS. */
const DNS_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * The rules an entry must follow that the type cannot express; each problem names the service and
 * the key. Run on the registry by its test (and by the scaffold before it adds an entry).
 */
export function registryProblems(registry: Readonly<Record<string, CoreServiceDefinition>>): string[] {
  const problems: string[] = [];
  const entries = Object.entries(registry);
  const firstWith = (pick: (definition: CoreServiceDefinition) => unknown, name: string, value: unknown) =>
    entries.find(([other, definition]) => other !== name && pick(definition) === value)?.[0];
  for (const [name, definition] of entries) {
    if (!DNS_LABEL.test(name)) problems.push(`${name}: the name must be a DNS label (a-z, 0-9 and inner hyphens, starting with a letter, at most 63)`);
    if (!/^\/[a-z0-9][-a-z0-9/]*$/.test(definition.publicPath)) problems.push(`${name}.publicPath: must be a path like /products, got "${definition.publicPath}"`);
    const pathTwin = firstWith((other) => other.publicPath, name, definition.publicPath);
    if (pathTwin) problems.push(`${name}.publicPath: ${definition.publicPath} is also ${pathTwin}'s`);
    if (!Number.isInteger(definition.localPort) || definition.localPort < 1024 || definition.localPort > 65535) {
      problems.push(`${name}.localPort: must be an unprivileged port (1024-65535), got ${definition.localPort}`);
    }
    const portTwin = firstWith((other) => other.localPort, name, definition.localPort);
    if (portTwin) problems.push(`${name}.localPort: ${definition.localPort} is also ${portTwin}'s`);
    for (const called of definition.calls ?? []) {
      if (called === name) problems.push(`${name}.calls: a service does not call itself over the network`);
      else if (!(called in registry)) problems.push(`${name}.calls: "${called}" is not a core service (${Object.keys(registry).join(', ')})`);
    }
    for (const variable of [...Object.keys(definition.environment ?? {}), ...Object.keys(definition.localEnvironment ?? {})]) {
      if (!/^[A-Z_][A-Z0-9_]*$/.test(variable)) problems.push(`${name}: "${variable}" is not an environment variable name`);
    }
  }
  return problems;
}
