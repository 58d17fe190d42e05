import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CORE_SERVICE_REGISTRY, registryProblems, type CoreServiceDefinition } from '../infra/config/core-services';
import { EVENT_FUNCTIONS } from '../infra/config/event-functions';
import { UPLOAD_FUNCTIONS } from '../infra/config/upload-functions';
import { exitOnUserError, parseArguments, UsageError } from './cli-args';
import { apiFiles } from './scaffold/api-files';
import { functionFiles } from './scaffold/function-files';
import { namesOf, type Names } from './scaffold/names';

/**
 * `npm run new-service -- <name> --kind api|function`: the golden path's first step. Adds a core API
 * (services/<name>/, its registry entry, its example chart values) or an event function
 * (functions/<name>/, its registry entry), with a test, a README row, and the regenerated Backstage
 * catalog. Everything is checked and prepared first, then written: a refused name writes nothing.
 *
 * Exits 2 on bad arguments, 1 on a name that cannot be used.
 */

const USAGE = 'usage: npm run new-service -- <name> --kind api|function';
export const KINDS = ['api', 'function'] as const;
export type Kind = (typeof KINDS)[number];

/** A name the scaffold refuses, and why: for the user to fix. */
export class ScaffoldError extends Error {
  override readonly name = 'ScaffoldError';
}

/** At most 30 characters, so that what is named after it (IAM roles, log groups, ECR tags, Kubernetes objects) stays within AWS's limits. */
const NAME_RULE = /^[a-z]([-a-z0-9]{0,28}[a-z0-9])?$/;

/** Names that are already something else in the repository or on the cluster. */
const RESERVED: Record<string, string> = {
  kit: 'services/kit is the services\' shared kit',
  shared: 'functions/shared holds what the functions and services share',
  platform: 'the platform chart (k8s/platform-chart.ts) is named platform',
  support: 'test/*/support holds the tests\' helpers',
};

/** Where the registries end: each new entry goes just above. */
export const REGISTRY_ENDS = {
  api: { file: 'infra/config/core-services.ts', end: '} as const satisfies Record<string, CoreServiceDefinition>;' },
  function: { file: 'infra/config/event-functions.ts', end: '} as const satisfies Record<string, EventFunctionDefinition>;' },
} as const;
export const README_ROWS_END = '<!-- npm run new-service adds its rows above this line -->';
export const EXAMPLE_VALUES = 'k8s/values/example.json';

/** One file to write: created, or the new content of an existing one. */
export interface FileChange {
  readonly path: string;
  readonly content: string;
}

/** Everything the scaffold will write for `name`, or a ScaffoldError; reads `root`, writes nothing. */
export function planScaffold(root: string, name: string, kind: Kind): FileChange[] {
  checkName(root, name, kind);
  const names = namesOf(name);
  const files = kind === 'api' ? apiFiles(names) : functionFiles(names);
  const created = Object.entries(files).map(([path, content]) => {
    if (existsSync(join(root, path))) throw new ScaffoldError(`${path} exists already: "${name}" is taken.`);
    return { path, content };
  });
  const edited: FileChange[] = [
    insertAbove(root, REGISTRY_ENDS[kind].file, REGISTRY_ENDS[kind].end, kind === 'api' ? apiEntry(names, nextLocalPort()) : functionEntry(names)),
    insertAbove(root, 'README.md', README_ROWS_END, readmeRow(names, kind)),
  ];
  if (kind === 'api') edited.push(withExampleValues(root, names));
  return [...created, ...edited];
}

function checkName(root: string, name: string, kind: Kind): void {
  if (!NAME_RULE.test(name)) {
    throw new ScaffoldError(
      `"${name}" cannot be a service name: use 1 to 30 lowercase letters, digits and inner hyphens, starting with a letter (a DNS label, e.g. stock-alerts).`,
    );
  }
  if (name in RESERVED) throw new ScaffoldError(`"${name}" is reserved: ${RESERVED[name]}.`);
  if (name in CORE_SERVICE_REGISTRY) throw new ScaffoldError(`"${name}" is taken: it is a core service (infra/config/core-services.ts).`);
  if (name in EVENT_FUNCTIONS) throw new ScaffoldError(`"${name}" is taken: it is an event function (infra/config/event-functions.ts).`);
  if (name in UPLOAD_FUNCTIONS) throw new ScaffoldError(`"${name}" is taken: it is an upload function (infra/config/upload-functions.ts).`);
  for (const folder of ['services', 'functions']) {
    if (existsSync(join(root, folder, name))) throw new ScaffoldError(`"${name}" is taken: ${folder}/${name} exists.`);
  }
  if (kind === 'api') {
    // The rules every entry follows (its path and port among the others'), on the registry with it.
    const problems = registryProblems({ ...CORE_SERVICE_REGISTRY, [name]: { publicPath: `/${name}`, usesDatabase: true, localPort: nextLocalPort() } }).filter((problem) =>
      problem.startsWith(name),
    );
    if (problems.length > 0) throw new ScaffoldError(`"${name}" cannot be added to the registry: ${problems.join('; ')}.`);
  }
}

const nextLocalPort = () => Math.max(...Object.values<CoreServiceDefinition>(CORE_SERVICE_REGISTRY).map((service) => service.localPort)) + 1;

/** A key of an object literal: quoted when it has a hyphen. */
const key = (name: string) => (/^[a-z][a-z0-9]*$/.test(name) ? name : `'${name}'`);

function apiEntry({ kebab }: Names, localPort: number): string {
  return `  ${key(kebab)}: {
    publicPath: '/${kebab}',
    usesDatabase: true,
    localPort: ${localPort},
  },
`;
}

function functionEntry({ kebab }: Names): string {
  return `  ${key(kebab)}: {
    description: 'Runs once per placed order',
    detailTypes: [ORDER_PLACED],
  },
`;
}

function readmeRow({ kebab }: Names, kind: Kind): string {
  return kind === 'api'
    ? `| [\`${kebab}\`](services/${kebab}) | core API on EKS, \`/${kebab}\` | scaffolded: items with a name, in its own table |\n`
    : `| [\`${kebab}\`](functions/${kebab}) | Lambda, on OrderPlaced | scaffolded: logs and counts each placed order |\n`;
}

/** The file with `text` inserted on the line above `marker`; a file without the marker is refused, by name. */
function insertAbove(root: string, path: string, marker: string, text: string): FileChange {
  const content = readFileSync(join(root, path), 'utf8');
  const at = content.indexOf(marker);
  if (at < 0) throw new ScaffoldError(`${path} no longer has the line "${marker}" the scaffold adds above: add the entry by hand:\n${text}`);
  const lineStart = content.lastIndexOf('\n', at) + 1;
  return { path, content: content.slice(0, lineStart) + text + content.slice(lineStart) };
}

/** The example chart values with an entry for the new API: an image and the database settings, as every service's. */
function withExampleValues(root: string, { kebab }: Names): FileChange {
  const values = JSON.parse(readFileSync(join(root, EXAMPLE_VALUES), 'utf8')) as { services: Record<string, { image: string; config: Record<string, string> }> };
  const [model] = Object.values(values.services);
  const shared = Object.fromEntries(Object.entries(model.config).filter(([variable]) => variable === 'AWS_REGION' || variable.startsWith('DATABASE_')));
  values.services[kebab] = { image: model.image.replace(/\/[^/:]+:/, `/${kebab}:`), config: { ...shared, SERVICE_NAME: kebab } };
  return { path: EXAMPLE_VALUES, content: `${JSON.stringify(values, null, 2)}\n` };
}

export function writeScaffold(root: string, changes: readonly FileChange[]): void {
  for (const { path, content } of changes) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

export function parseNewServiceArguments(argv: string[]): { name: string; kind: Kind } {
  const { values, positionals } = parseArguments({ args: argv, options: { kind: { type: 'string' } }, allowPositionals: true }, USAGE);
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'Name the service' : `One name at a time, got ${positionals.join(', ')}`, USAGE);
  if (!KINDS.includes(values.kind as Kind)) {
    throw new UsageError(`--kind must be one of ${KINDS.join(', ')}${values.kind === undefined ? '' : `, got "${values.kind}"`}`, USAGE);
  }
  return { name: positionals[0], kind: values.kind as Kind };
}

/**
 * Writes the Backstage catalog (scripts/catalog-info.ts) again, in a fresh process: it is generated
 * from the registries, which this process has loaded before they changed. Exits on failure.
 */
export function regenerateCatalog(root: string): void {
  const catalog = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'scripts/catalog-info.ts')], { cwd: root, stdio: 'inherit' });
  if (catalog.status !== 0) process.exit(catalog.status ?? 1);
}

function main(): void {
  const root = resolve(__dirname, '..');
  let changes: FileChange[];
  let name: string;
  try {
    const args = parseNewServiceArguments(process.argv.slice(2));
    name = args.name;
    changes = planScaffold(root, args.name, args.kind);
  } catch (error) {
    exitOnUserError(error, [ScaffoldError]);
  }
  writeScaffold(root, changes);
  for (const { path } of changes) console.log(`  wrote ${path}`);
  regenerateCatalog(root);
  console.log(`\n${name} is in place. Next: npm test (its tests run with the rest), npm run synth, and README's "Add a service".`);
}

if (require.main === module) main();
