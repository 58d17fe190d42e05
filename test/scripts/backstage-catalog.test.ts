import Ajv from 'ajv';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ORDER_PLACED } from '../../functions/shared/order-events';
import { APP_NAMESPACE, CORE_SERVICE_REGISTRY, CORE_SERVICES, coreService, type CoreServiceDefinition } from '../../infra/config/core-services';
import { EVENT_FUNCTION_NAMES, EVENT_FUNCTIONS } from '../../infra/config/event-functions';
import { UPLOAD_FUNCTION_NAMES, UPLOAD_FUNCTIONS } from '../../infra/config/upload-functions';
import {
  CATALOG_FILE,
  CATALOG_OWNER,
  CATALOG_SYSTEM,
  catalogEntities,
  catalogFiles,
  catalogInfo,
  catalogYaml,
  OPENAPI_DIR,
  openApiPath,
  StaleCatalogError,
  staleFiles,
  type CatalogEntity,
  type GeneratedFile,
} from '../../scripts/catalog-info';

const ROOT = join(__dirname, '../..');
const SCHEMAS = join(__dirname, 'backstage-schemas');
/** The shared PostgreSQL, as the catalog names it: what a core service with a database depends on. */
const PLATFORM_DATABASE = 'resource:platform-database';

// ---- what Backstage's catalog checks, offline

const ajv = new Ajv({ allErrors: true });
for (const file of readdirSync(SCHEMAS).filter((name) => name.endsWith('.json'))) ajv.addSchema(JSON.parse(readFileSync(join(SCHEMAS, file), 'utf8')));
const SCHEMA_OF_KIND: Readonly<Record<string, string>> = { System: 'SystemV1alpha1', Component: 'ComponentV1alpha1', API: 'ApiV1alpha1', Resource: 'ResourceV1alpha1' };

/** Backstage's rule for metadata.name (KubernetesValidatorFunctions.isValidObjectName in catalog-model). */
const ENTITY_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** Each field that references entities, and the kind a reference without one means (none: it must say). */
const REFERENCE_FIELDS: Readonly<Record<string, Readonly<Record<string, string | undefined>>>> = {
  Component: { system: 'system', subcomponentOf: 'component', providesApis: 'api', consumesApis: 'api', dependsOn: undefined },
  API: { system: 'system' },
  Resource: { system: 'system', dependsOn: undefined, dependencyOf: undefined },
  System: { domain: 'domain' },
};

interface RawEntity {
  kind?: unknown;
  metadata?: { name?: unknown };
  spec?: Record<string, unknown>;
}

/** Backstage's $text placeholder, resolved against the directory of catalog-info.yaml. */
function resolvePlaceholders(value: unknown, root: string, problems: string[], where: string): unknown {
  if (Array.isArray(value)) return value.map((item) => resolvePlaceholders(item, root, problems, where));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === '$text') {
    const path = String((value as { $text: unknown }).$text);
    if (!existsSync(join(root, path))) {
      problems.push(`${where}: $text ${path} does not exist`);
      return undefined;
    }
    return readFileSync(join(root, path), 'utf8');
  }
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolvePlaceholders(item, root, problems, where)]));
}

/** `kind:name` in lower case, from a reference `[kind:][namespace/]name` and the field's default kind. */
function targetOf(ref: string, defaultKind: string | undefined): string | undefined {
  const match = /^(?:([^:/]+):)?(?:[^:/]+\/)?([^:/]+)$/.exec(ref);
  const kind = match?.[1] ?? defaultKind;
  return match && kind ? `${kind}:${match[2]}`.toLowerCase() : undefined;
}

/**
 * Every reason the catalog would refuse the file at `root`/catalog-info.yaml or leave a relation
 * dangling: its entities' schemas, names, $text files, and references (owners excepted: the groups
 * live outside the repository).
 */
function catalogProblems(root: string): string[] {
  const problems: string[] = [];
  const documents = parseAllDocuments(readFileSync(join(root, CATALOG_FILE), 'utf8'));
  const entities = (Array.isArray(documents) ? documents : [documents]).map((document) => {
    problems.push(...document.errors.map((error) => `YAML: ${error.message}`));
    return document.toJS() as RawEntity;
  });
  const defined = new Set(entities.map((entity) => `${String(entity.kind)}:${String(entity.metadata?.name)}`.toLowerCase()));
  if (defined.size !== entities.length) problems.push('two entities have the same kind and name');

  for (const raw of entities) {
    const where = `${String(raw.kind)} ${String(raw.metadata?.name)}`;
    const entity = resolvePlaceholders(raw, root, problems, where) as RawEntity;
    const validate = ajv.getSchema(SCHEMA_OF_KIND[String(entity.kind)] ?? '');
    if (!validate) {
      problems.push(`${where}: kind ${String(entity.kind)} is not one this test knows the schema of`);
      continue;
    }
    if (!validate(entity)) problems.push(...(validate.errors ?? []).map((error) => `${where}: ${error.dataPath} ${error.message}`));
    if (typeof entity.metadata?.name !== 'string' || entity.metadata.name.length > 63 || !ENTITY_NAME.test(entity.metadata.name)) {
      problems.push(`${where}: metadata.name is not a valid entity name`);
    }
    for (const [field, defaultKind] of Object.entries(REFERENCE_FIELDS[String(entity.kind)] ?? {})) {
      const value = entity.spec?.[field];
      for (const ref of value === undefined ? [] : [value].flat()) {
        const target = targetOf(String(ref), defaultKind);
        if (!target) problems.push(`${where}: spec.${field} "${String(ref)}" must name its kind (kind:name)`);
        else if (!defined.has(target)) problems.push(`${where}: spec.${field} "${String(ref)}" is not an entity of ${CATALOG_FILE}`);
      }
    }
  }
  return problems;
}

// ---- scratch copies of the repository's catalog, to break

const scratchDirs: string[] = [];
afterAll(() => scratchDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A directory holding `files` (by default the generated ones), as the repository root would. */
function scratchWith(files: readonly GeneratedFile[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'catalog-info-'));
  scratchDirs.push(dir);
  cpSync(join(ROOT, OPENAPI_DIR), join(dir, OPENAPI_DIR), { recursive: true });
  for (const { path, content } of files) writeFileSync(join(dir, path), content);
  return dir;
}

const catalogWith = (entities: readonly CatalogEntity[]): GeneratedFile[] => [{ path: CATALOG_FILE, content: catalogYaml(entities) }];

let generated: GeneratedFile[];
beforeAll(async () => {
  generated = await catalogFiles();
});

describe('the Backstage catalog (npm run catalog-info)', () => {
  it('is committed as the registries and the services generate it: catalog-info.yaml and docs/openapi/', () => {
    const problems = staleFiles(generated, ROOT);
    // On failure, the message names each stale file and the command that regenerates them.
    expect(problems.length === 0 ? 'current' : new StaleCatalogError(problems).message).toBe('current');
  });

  it('holds only valid Backstage entities, whose references all point at entities of the file', () => {
    expect(catalogProblems(ROOT)).toEqual([]);
  });

  it("lists exactly the registries' core services with their APIs, and the upload and event functions", () => {
    const entities = catalogEntities();
    const named = (kind: string) => entities.filter((entity) => entity.kind === kind).map((entity) => entity.metadata.name);
    expect(named('System')).toEqual([CATALOG_SYSTEM]);
    expect(named('Component')).toEqual([...CORE_SERVICES, ...UPLOAD_FUNCTION_NAMES, ...EVENT_FUNCTION_NAMES]);
    expect(named('API')).toEqual(CORE_SERVICES.map((name) => `${name}-api`));
    expect(entities.every((entity) => entity.spec.owner === CATALOG_OWNER)).toBe(true);
  });

  it.each(Object.entries<CoreServiceDefinition>(CORE_SERVICE_REGISTRY))(
    'gives the core service %s its API, the APIs of the services it calls, and what its database and grants use',
    (name, definition) => {
      const entities = catalogEntities();
      const component = entities.find((entity) => entity.kind === 'Component' && entity.metadata.name === name)!;
      expect(component.spec).toMatchObject({ type: 'service', providesApis: [`${name}-api`] });
      expect(component.spec.consumesApis ?? []).toEqual((definition.calls ?? []).map((called) => `${called}-api`));
      // The database when it uses one, then one resource per grant, each an entity of the catalog.
      const dependsOn = (component.spec.dependsOn ?? []) as string[];
      expect(dependsOn.includes(PLATFORM_DATABASE)).toBe(definition.usesDatabase);
      expect(dependsOn).toHaveLength((definition.usesDatabase ? 1 : 0) + (definition.grants?.length ?? 0));
      const resources = entities.filter((entity) => entity.kind === 'Resource').map((entity) => `resource:${entity.metadata.name}`);
      expect(resources).toEqual(expect.arrayContaining(dependsOn));
      expect(component.metadata.annotations).toEqual({ 'backstage.io/kubernetes-label-selector': `app.kubernetes.io/name=${name}`, 'backstage.io/kubernetes-namespace': APP_NAMESPACE });
    },
  );

  it.each(CORE_SERVICES)("defines the API of %s by the OpenAPI document it serves, from the service's route schemas", (name) => {
    const document = JSON.parse(generated.find((file) => file.path === openApiPath(name))!.content) as { openapi: string; paths: Record<string, unknown> };
    const { publicPath } = coreService(name);
    expect(document.openapi).toMatch(/^3\./);
    // The kit's probes, and the routes under its public path.
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/healthz', '/readyz', '/metrics']));
    expect(Object.keys(document.paths).filter((path) => path === publicPath || path.startsWith(`${publicPath}/`))).not.toEqual([]);
  });

  it('changes with the registries: an added core service and event function bring their entities, and need their document', () => {
    // Fixture names no fork would use, calling a registered service.
    const [called] = CORE_SERVICES;
    const entities = catalogEntities({
      services: { ...CORE_SERVICE_REGISTRY, 'fixture-reviews': { publicPath: '/fixture-reviews', usesDatabase: false, calls: [called], localPort: 8099 } },
      functions: { ...EVENT_FUNCTIONS, 'fixture-auditor': { description: 'Audits orders', detailTypes: [ORDER_PLACED] } },
      uploadFunctions: UPLOAD_FUNCTIONS,
    });
    const names = entities.map((entity) => `${entity.kind}:${entity.metadata.name}`);
    expect(names).toEqual(
      expect.arrayContaining(['Component:fixture-reviews', 'API:fixture-reviews-api', 'Component:fixture-auditor', 'Resource:fixture-auditor-queue', 'Resource:fixture-auditor-dead-letters']),
    );
    expect(entities.find((entity) => entity.metadata.name === 'fixture-reviews')?.spec.consumesApis).toEqual([`${called}-api`]);
    expect(catalogProblems(scratchWith(catalogWith(entities)))).toEqual([
      `API fixture-reviews-api: $text ./${OPENAPI_DIR}/fixture-reviews.json does not exist`,
      "API fixture-reviews-api: .spec should have required property 'definition'",
    ]);
  });

  it('lists a resource only while an entry uses it: no bucket, table, topic or upload function without the entries that need them', () => {
    const entities = catalogEntities({
      services: { 'fixture-only': { publicPath: '/fixture-only', usesDatabase: false, localPort: 8099 } },
      functions: { auditor: { description: 'Audits orders', detailTypes: [ORDER_PLACED] } },
      uploadFunctions: {},
    });
    expect(entities.filter((entity) => entity.kind === 'Resource').map((entity) => entity.metadata.name)).toEqual([
      'platform-database',
      'order-events-bus',
      'auditor-queue',
      'auditor-dead-letters',
    ]);
    expect(catalogProblems(scratchWith(catalogWith(entities)))).toEqual([
      `API fixture-only-api: $text ./${OPENAPI_DIR}/fixture-only.json does not exist`,
      "API fixture-only-api: .spec should have required property 'definition'",
    ]);
  });

  describe('is checked by rules that reject', () => {
    it('a component that depends on an entity the file does not define', () => {
      const [system, component, ...rest] = catalogEntities();
      const dangling = { ...component, spec: { ...component.spec, dependsOn: ['resource:nowhere'] } };
      expect(catalogProblems(scratchWith(catalogWith([system, dangling, ...rest])))).toEqual([`Component ${component.metadata.name}: spec.dependsOn "resource:nowhere" is not an entity of ${CATALOG_FILE}`]);
    });

    it('an entity without an owner', () => {
      const [system, ...rest] = catalogEntities();
      const ownerless = { ...system, spec: {} };
      expect(catalogProblems(scratchWith(catalogWith([ownerless, ...rest])))).toEqual([`System ${CATALOG_SYSTEM}: .spec should have required property 'owner'`]);
    });

    it('a file that is not what the generator makes, or a document no service has any more, naming the command', async () => {
      const root = scratchWith(generated);
      writeFileSync(join(root, CATALOG_FILE), `${generated[0].content}# edited by hand\n`);
      writeFileSync(join(root, OPENAPI_DIR, 'gone.json'), '{}\n');
      await expect(catalogInfo(['--check'], root)).rejects.toThrow(
        new StaleCatalogError([
          `${CATALOG_FILE}: differs from what the registries and the services' routes generate`,
          `${OPENAPI_DIR}/gone.json: no core service has this document any more`,
        ]),
      );
    });
  });
});
