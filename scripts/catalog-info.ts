import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { THUMBNAILS_PREFIX, UPLOADS_PREFIX } from '../functions/shared/thumbnail-contract';
import { APP_NAMESPACE, CORE_SERVICE_REGISTRY, CORE_SERVICES, type CoreServiceDefinition, type CoreServiceGrant } from '../infra/config/core-services';
import { EVENT_FUNCTIONS, grantsInUse, type EventFunctionDefinition, type EventFunctionGrant } from '../infra/config/event-functions';
import { PROJECT } from '../infra/config/naming';
import { needsUploadsBucket, UPLOAD_FUNCTIONS, type UploadFunctionDefinition } from '../infra/config/upload-functions';
import { API_NAME_LABEL } from '../k8s/core-api-workload';
import { ConfigError, openApiDocumentOf, type AnyServiceDefinition } from '../services/kit';
import { exitOnUserError, parseArguments } from './cli-args';
import { DEV_SERVICES } from './dev';

/**
 * `npm run catalog-info`: the repository's Backstage software catalog, generated from the registries
 * (infra/config/core-services.ts, infra/config/event-functions.ts, infra/config/upload-functions.ts), never edited by hand:
 *
 *   catalog-info.yaml           the System, a Component per core service and per function, an API per
 *                               core service, and the AWS Resources they depend on
 *   docs/openapi/<service>.json each core service's OpenAPI document, as it serves it at /openapi.json
 *
 *   npm run catalog-info               writes them (and deletes the document of a service that is gone)
 *   npm run catalog-info -- --check    exits 1 naming each file that differs; writes nothing
 *
 * test/scripts/backstage-catalog.test.ts keeps the committed files in step and validates every entity.
 */

/** Who owns every entity (what a fork changes), and the system they form: the project. */
export const CATALOG_OWNER = 'group:platform-team';
export const CATALOG_SYSTEM = PROJECT;

const ROOT = resolve(__dirname, '..');
const USAGE = 'usage: tsx scripts/catalog-info.ts [--check]';
export const CATALOG_COMMAND = 'npm run catalog-info';
export const CATALOG_FILE = 'catalog-info.yaml';
export const OPENAPI_DIR = 'docs/openapi';

export type EntityKind = 'System' | 'Component' | 'API' | 'Resource';

export interface CatalogEntity {
  readonly apiVersion: 'backstage.io/v1alpha1';
  readonly kind: EntityKind;
  readonly metadata: { readonly name: string; readonly description: string; readonly annotations?: Readonly<Record<string, string>> };
  readonly spec: Readonly<Record<string, unknown>>;
}

export interface GeneratedFile {
  /** Relative to the repository root, with forward slashes. */
  readonly path: string;
  readonly content: string;
}

/** What the catalog is generated from: the registries, or (in tests) registries with an entry more. */
export interface CatalogSources {
  readonly services: Readonly<Record<string, CoreServiceDefinition>>;
  readonly functions: Readonly<Record<string, EventFunctionDefinition>>;
  readonly uploadFunctions: Readonly<Record<string, UploadFunctionDefinition>>;
}

/** The repository's own description (package.json) describes the system. */
const PLATFORM_DESCRIPTION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { description: string }).description.replace(/\.$/, '');

const REGISTRIES: CatalogSources = { services: CORE_SERVICE_REGISTRY, functions: EVENT_FUNCTIONS, uploadFunctions: UPLOAD_FUNCTIONS };

// ---- the AWS resources (infra/stacks/data-stack.ts, infra/stacks/functions-stack.ts)

const DATABASE = 'resource:platform-database';
const EVENT_BUS = 'resource:order-events-bus';
const UPLOADS_BUCKET = 'resource:uploads-bucket';
const IDEMPOTENCY_TABLE = 'resource:idempotency-table';
const NOTIFICATION_TOPIC = 'resource:order-notifications-topic';

/** What each named grant gives access to: a grant added to a registry must be placed here (the type says so). */
const CORE_SERVICE_GRANT_RESOURCES: Record<CoreServiceGrant, string> = { 'presign-uploads': UPLOADS_BUCKET, 'publish-events': EVENT_BUS };
const EVENT_FUNCTION_GRANT_RESOURCES: Record<EventFunctionGrant, string> = { 'idempotency-table': IDEMPOTENCY_TABLE, 'publish-notifications': NOTIFICATION_TOPIC };

const queueOf = (fn: string) => `resource:${fn}-queue`;
const deadLettersOf = (fn: string) => `resource:${fn}-dead-letters`;
const apiOf = (service: string) => `${service}-api`;
const nameOf = (ref: string) => ref.slice(ref.indexOf(':') + 1);

const entity = (kind: EntityKind, name: string, description: string, spec: Record<string, unknown>, annotations?: Record<string, string>): CatalogEntity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind,
  metadata: { name, description, ...(annotations && { annotations }) },
  spec: { owner: CATALOG_OWNER, ...(kind !== 'System' && { system: CATALOG_SYSTEM }), ...spec },
});

/** A list of references, left out when empty. */
const nonEmpty = (key: string, refs: readonly string[]) => (refs.length > 0 ? { [key]: refs } : {});

const resource = (ref: string, type: string, description: string) => entity('Resource', nameOf(ref), description, { type });

/** The resource of each event-function grant, which exists only while some function has the grant (functions-stack.ts). */
const EVENT_FUNCTION_GRANT_ENTITIES: Record<EventFunctionGrant, CatalogEntity> = {
  'idempotency-table': resource(IDEMPOTENCY_TABLE, 'dynamodb-table', 'DynamoDB table that lets an event function process each event once'),
  'publish-notifications': resource(NOTIFICATION_TOPIC, 'sns-topic', 'SNS topic of order notifications'),
};

/** The AWS resources the sources' entries use, as the stacks create them: only what some entry needs. */
function resources(sources: CatalogSources): CatalogEntity[] {
  return [
    resource(DATABASE, 'database', 'Aurora PostgreSQL Serverless v2 in isolated subnets (data stack): the core services with a database keep their tables here'),
    resource(EVENT_BUS, 'eventbridge-bus', 'EventBridge bus of order events (functions stack): the orders service publishes, the event functions subscribe'),
    ...(needsUploadsBucket(Object.keys(sources.uploadFunctions), sources.services)
      ? [resource(UPLOADS_BUCKET, 's3-bucket', `S3 bucket of product images: uploads under ${UPLOADS_PREFIX} (presigned by the catalog), thumbnails under ${THUMBNAILS_PREFIX}`)]
      : []),
    ...grantsInUse(sources.functions).map((grant) => EVENT_FUNCTION_GRANT_ENTITIES[grant]),
    ...Object.entries(sources.uploadFunctions).map(([fn, definition]) => resource(deadLettersOf(fn), 'sqs-queue', definition.deadLettersDescription)),
    ...Object.keys(sources.functions).flatMap((fn) => [
      resource(queueOf(fn), 'sqs-queue', `The ${fn}'s events, fed by an EventBridge rule on the order events bus`),
      resource(deadLettersOf(fn), 'sqs-queue', `Order events the ${fn} failed to process`),
    ]),
  ];
}

// ---- the software

function coreServiceEntities(name: string, definition: CoreServiceDefinition): CatalogEntity[] {
  const dependsOn = [...(definition.usesDatabase ? [DATABASE] : []), ...(definition.grants ?? []).map((grant) => CORE_SERVICE_GRANT_RESOURCES[grant])];
  return [
    entity(
      'Component',
      name,
      `Core API on Kubernetes, served under ${definition.publicPath}`,
      { type: 'service', lifecycle: 'experimental', providesApis: [apiOf(name)], ...nonEmpty('consumesApis', (definition.calls ?? []).map(apiOf)), ...nonEmpty('dependsOn', dependsOn) },
      // Its pods carry the chart's name label (k8s/core-api-workload.ts): the Kubernetes plugin selects them
      // by it. No backstage.io/source-location: Backstage takes only an absolute location there (url:https://...),
      // and sets it itself, to this file's directory, when the file is registered by URL.
      { 'backstage.io/kubernetes-label-selector': `${API_NAME_LABEL}=${name}`, 'backstage.io/kubernetes-namespace': APP_NAMESPACE },
    ),
    entity('API', apiOf(name), `The HTTP API of ${name} (${definition.publicPath}), as it serves it at /openapi.json`, {
      type: 'openapi',
      lifecycle: 'experimental',
      // Backstage reads the file relative to this catalog-info.yaml (its $text placeholder).
      definition: { $text: `./${openApiPath(name)}` },
    }),
  ];
}

const functionEntity = (name: string, description: string, dependsOn: readonly string[]) => entity('Component', name, description, { type: 'function', lifecycle: 'experimental', dependsOn });

/** Every entity of the catalog, in a stable order: the system, the core services and their APIs, the functions, the resources. */
export function catalogEntities(sources: CatalogSources = REGISTRIES): CatalogEntity[] {
  return [
    entity('System', CATALOG_SYSTEM, PLATFORM_DESCRIPTION, {}),
    ...Object.entries(sources.services).flatMap(([name, definition]) => coreServiceEntities(name, definition)),
    ...Object.entries(sources.uploadFunctions).map(([name, definition]) => functionEntity(name, definition.description, [UPLOADS_BUCKET, deadLettersOf(name)])),
    ...Object.entries(sources.functions).map(([name, definition]) =>
      functionEntity(name, definition.description, [EVENT_BUS, queueOf(name), deadLettersOf(name), ...(definition.grants ?? []).map((grant) => EVENT_FUNCTION_GRANT_RESOURCES[grant])]),
    ),
    ...resources(sources),
  ];
}

const HEADER = `# Generated by scripts/catalog-info.ts from the registries (infra/config/): do not edit, run \`${CATALOG_COMMAND}\`.\n`;

/** The entities as one multi-document YAML file. */
export function catalogYaml(entities: readonly CatalogEntity[]): string {
  return HEADER + entities.map((one) => `---\n${stringify(one, { lineWidth: 0 })}`).join('');
}

export const openApiPath = (service: string) => `${OPENAPI_DIR}/${service}.json`;

/** The same JSON whatever order the routes added their keys in. */
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.keys(value).sort().map((key) => [key, sortedKeys((value as Record<string, unknown>)[key])]));
}

/** A core service's definition: the export of services/<name>/service.ts named as the registry entry. */
async function serviceDefinition(name: string): Promise<AnyServiceDefinition> {
  const exported: unknown[] = Object.values(await import(join(ROOT, 'services', name, 'service.ts')));
  const definition = exported.find((value): value is AnyServiceDefinition => (value as AnyServiceDefinition | undefined)?.name === name);
  if (!definition) throw new ConfigError(`services/${name}/service.ts exports no service definition named "${name}" (defineService({ name: '${name}', ... }))`);
  return definition;
}

/** The environment `npm run dev` gives the service: values of the right shape for its config, no AWS. */
function offlineEnv(name: string): Record<string, string> {
  return { AWS_REGION: 'us-east-1', ...DEV_SERVICES.find((service) => service.name === name)?.env };
}

/** Every generated file, for the CLI to write or check (and for the new-service scaffold to refresh). */
export async function catalogFiles(): Promise<GeneratedFile[]> {
  const documents: GeneratedFile[] = [];
  // One at a time: each service starts and stops on loopback, and their logs would interleave.
  for (const name of CORE_SERVICES) {
    const document = await openApiDocumentOf(await serviceDefinition(name), offlineEnv(name));
    documents.push({ path: openApiPath(name), content: `${JSON.stringify(sortedKeys(document), null, 2)}\n` });
  }
  return [{ path: CATALOG_FILE, content: catalogYaml(catalogEntities()) }, ...documents];
}

/** Files in docs/openapi/ that no generated file is: the document of a service no longer in the registry. */
function orphanDocuments(files: readonly GeneratedFile[], root: string): string[] {
  const dir = join(root, OPENAPI_DIR);
  if (!existsSync(dir)) return [];
  const generated = new Set(files.map((file) => file.path));
  return readdirSync(dir)
    .map((file) => `${OPENAPI_DIR}/${file}`)
    .filter((path) => path.endsWith('.json') && !generated.has(path));
}

/** Each file under `root` that is not what the generator makes, with why; empty when all are current. */
export function staleFiles(files: readonly GeneratedFile[], root: string = ROOT): string[] {
  const problems = files.flatMap(({ path, content }) => {
    const full = join(root, path);
    if (!existsSync(full)) return [`${path}: missing`];
    return readFileSync(full, 'utf8') === content ? [] : [`${path}: differs from what the registries and the services' routes generate`];
  });
  return [...problems, ...orphanDocuments(files, root).map((path) => `${path}: no core service has this document any more`)];
}

/** A catalog out of step with the registries (--check). */
export class StaleCatalogError extends Error {
  constructor(problems: readonly string[]) {
    super(`The Backstage catalog is stale:\n${problems.map((problem) => `  - ${problem}`).join('\n')}\nRun \`${CATALOG_COMMAND}\` and commit the result.`);
    this.name = 'StaleCatalogError';
  }
}

/** The CLI: writes the files (removing orphaned documents), or with --check throws StaleCatalogError. */
export async function catalogInfo(args: readonly string[], root: string = ROOT): Promise<string[]> {
  const { values } = parseArguments({ args: [...args], options: { check: { type: 'boolean', default: false } }, strict: true }, USAGE);
  const files = await catalogFiles();
  if (values.check) {
    const problems = staleFiles(files, root);
    if (problems.length > 0) throw new StaleCatalogError(problems);
    return [];
  }
  for (const orphan of orphanDocuments(files, root)) rmSync(join(root, orphan));
  for (const { path, content } of files) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return files.map((file) => file.path);
}

if (require.main === module) {
  catalogInfo(process.argv.slice(2)).then(
    (written) => {
      for (const path of written) console.log(`wrote ${path}`);
    },
    (error: unknown) => exitOnUserError(error, [StaleCatalogError, ConfigError]),
  );
}
