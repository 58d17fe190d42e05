import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { CORE_SERVICE_REGISTRY, type CoreServiceDefinition } from '../infra/config/core-services';
import { EVENT_FUNCTIONS } from '../infra/config/event-functions';
import { UPLOAD_FUNCTIONS } from '../infra/config/upload-functions';
import { exitOnUserError, parseArguments, UsageError } from './cli-args';
import { EXAMPLE_VALUES, README_ROWS_END, regenerateCatalog, REGISTRY_ENDS, ScaffoldError, writeScaffold, type FileChange, type Kind } from './new-service';

/**
 * `npm run remove-service -- <name> [<name> ...]`: the inverse of `npm run new-service`, for a core
 * API, an event function or an upload function, the samples included. Removes its folder, its
 * registry entry (an upload function: also its construct and its line in the functions stack), its
 * README row, its example chart values, and the tests and benchmarks that use its code (a file under test/
 * or bench/ that names its folder or is named after it, and whatever imports those), then
 * regenerates the Backstage catalog. Everything is checked first: it refuses, writing nothing, a name
 * that is none of those, a service another one still calls, the last core API, and code outside test/ and
 * bench/ that still names its folder.
 *
 * Exits 2 on bad arguments, 1 on a refusal.
 */

const USAGE = 'usage: npm run remove-service -- <name> [<name> ...]';

/** What a change removes: a file or a folder, whole. */
export interface Removal {
  readonly path: string;
  readonly remove: true;
}

export type Change = FileChange | Removal;

const isRemoval = (change: Change): change is Removal => 'remove' in change;

/** A core API, an event function, or an upload function (S3-triggered, its own construct: infra/config/upload-functions.ts). */
type RemovableKind = Kind | 'upload';

/** Where the functions stack maps each upload function to its construct, one line each. */
const UPLOAD_CONSTRUCTS = { file: 'infra/stacks/functions-stack.ts', registry: 'infra/config/upload-functions.ts' } as const;
const uploadConstructFile = (name: string) => `infra/constructs/${name}-function.ts`;

/** Where a service's code may still be named outside its tests and benchmarks: the platform itself. */
const PLATFORM_FOLDERS = ['infra', 'k8s', 'scripts', 'services', 'functions'];
/** Where the code that only exercises a service lives: it goes with the service. */
const DISPOSABLE_FOLDERS = ['test', 'bench'];

/** Everything removing `names` changes, or a ScaffoldError; reads `root`, writes nothing. */
export function planRemoval(root: string, names: readonly string[]): Change[] {
  const kinds = new Map(names.map((name) => [name, kindOf(name)]));
  checkCalls(names);
  const folders = names.map((name) => `${kinds.get(name) === 'api' ? 'services' : 'functions'}/${name}`);
  const constructs = names.filter((name) => kinds.get(name) === 'upload').map(uploadConstructFile);
  const disposable = disposableFiles(root, names, folders);

  const edits = new Map<string, string>();
  const edit = (path: string, change: (content: string) => string) => edits.set(path, change(edits.get(path) ?? readFileSync(join(root, path), 'utf8')));
  for (const name of names) {
    const kind = kinds.get(name)!;
    if (kind === 'upload') {
      edit(UPLOAD_CONSTRUCTS.registry, (content) => withoutUnusedImports(withoutEntry(content, name, UPLOAD_CONSTRUCTS.registry)));
      edit(UPLOAD_CONSTRUCTS.file, (content) => withoutUploadConstruct(content, name));
    } else {
      const registry = REGISTRY_ENDS[kind].file;
      // An entry may use its service's own constants (e.g. metric names): their import goes with it.
      edit(registry, (content) => withoutUnusedImports(withoutImportsOf(withoutEntry(content, name, registry), folders)));
    }
    edit('README.md', (content) => withoutReadmeRow(content, name));
    if (kind === 'api') edit(EXAMPLE_VALUES, (content) => withoutExampleValues(content, name));
  }
  const removedBenches = disposable.filter((path) => path.startsWith('bench/'));
  if (removedBenches.length > 0) edit('package.json', (content) => withoutBenches(content, removedBenches));
  checkPlatformReferences(root, folders, new Set([...disposable, ...constructs, ...folders.flatMap((folder) => filesUnder(root, folder))]), edits);
  return [
    ...[...folders, ...constructs].map((path): Removal => ({ path, remove: true })),
    ...disposable.map((path): Removal => ({ path, remove: true })),
    ...[...edits].map(([path, content]) => ({ path, content })),
  ];
}

function kindOf(name: string): RemovableKind {
  if (name in CORE_SERVICE_REGISTRY) return 'api';
  if (name in EVENT_FUNCTIONS) return 'function';
  if (name in UPLOAD_FUNCTIONS) return 'upload';
  const known = [...Object.keys(CORE_SERVICE_REGISTRY), ...Object.keys(EVENT_FUNCTIONS), ...Object.keys(UPLOAD_FUNCTIONS)];
  throw new ScaffoldError(`"${name}" is not a core service, an event function or an upload function (${known.join(', ')}).`);
}

/** The functions stack without an upload function's line in its construct table, nor the import of that construct. */
function withoutUploadConstruct(content: string, name: string): string {
  const lines = content.split('\n');
  const entry = lines.findIndex((line) => line.startsWith(`  '${name}': `) || line.startsWith(`  ${name}: `));
  const construct = entry < 0 ? undefined : /:\s*(\w+),$/.exec(lines[entry])?.[1];
  const importLine = lines.findIndex((line) => line === `import { ${construct} } from '../constructs/${name}-function';`);
  if (construct === undefined || importLine < 0) {
    throw new ScaffoldError(`${UPLOAD_CONSTRUCTS.file}: cannot find the construct of ${name} (its line in UPLOAD_FUNCTION_CONSTRUCTS and its import): remove them by hand.`);
  }
  return lines.filter((_, index) => index !== entry && index !== importLine).join('\n');
}

function checkCalls(names: readonly string[]): void {
  const staying = Object.entries<CoreServiceDefinition>(CORE_SERVICE_REGISTRY).filter(([name]) => !names.includes(name));
  for (const [caller, definition] of staying) {
    const called = (definition.calls ?? []).filter((name) => names.includes(name));
    if (called.length > 0) throw new ScaffoldError(`${caller} calls ${called.join(', ')}: remove ${caller} too, or its calls first (infra/config/core-services.ts).`);
  }
  if (staying.length === 0) {
    throw new ScaffoldError('That would remove the last core API: the load balancer and its alarms come from their Ingresses. Add yours first: npm run new-service -- <name> --kind api.');
  }
}

/** Files under `dir` (relative to root), recursively; none when it does not exist. */
function filesUnder(root: string, dir: string): string[] {
  if (!existsSync(join(root, dir))) return [];
  return readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && !entry.parentPath.includes('node_modules') && !entry.parentPath.includes('__snapshots__'))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)));
}

const SOURCE = /\.(ts|mts|js)$/;
/** Code without its comments (roughly: enough to tell a path in code from one in a comment). */
const withoutComments = (content: string) => content.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|\s)\/\/.*$/gm, '$1');
/** Whether code (not its comments) names one of the folders: an import, an entry path, a bundle to build. */
const namesFolder = (content: string, folders: readonly string[]) => {
  const code = withoutComments(content);
  return folders.some((folder) => code.includes(`${folder}/`) || code.includes(`'${folder}'`));
};
const namedAfter = (path: string, names: readonly string[]) => names.some((name) => basename(path).startsWith(`${name}-`) || basename(path).startsWith(`${name}.`));

/**
 * The tests and benchmarks that go with the services: named after one, or naming its folder in code;
 * then every file of test/ and bench/ that imports one of those; then the helpers (not tests) that
 * only those imported. Repeated until nothing more is found.
 */
function disposableFiles(root: string, names: readonly string[], folders: readonly string[]): string[] {
  const candidates = DISPOSABLE_FOLDERS.flatMap((dir) => filesUnder(root, dir)).filter((path) => SOURCE.test(path));
  const imports = new Map(candidates.map((path) => [path, importsOf(path, readFileSync(join(root, path), 'utf8'))]));
  const importers = (path: string) => candidates.filter((other) => imports.get(other)!.includes(path));
  const going = new Set(candidates.filter((path) => namedAfter(path, names) || namesFolder(readFileSync(join(root, path), 'utf8'), folders)));
  const goes = (path: string) => {
    if (imports.get(path)!.some((imported) => going.has(imported))) return true;
    const users = importers(path);
    return !path.endsWith('.test.ts') && users.length > 0 && users.every((user) => going.has(user));
  };
  for (let grew = true; grew; ) {
    grew = false;
    for (const path of candidates) {
      if (!going.has(path) && goes(path)) {
        going.add(path);
        grew = true;
      }
    }
  }
  return [...going].sort();
}

/** The repository files a module imports relatively, as paths from the root (extension resolved). */
function importsOf(path: string, content: string): string[] {
  return [...content.matchAll(/(?:from|import|require)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)].flatMap(([, specifier]) => {
    const target = join(dirname(path), specifier);
    return [target, `${target}.ts`, `${target}.mts`, `${target}.js`, join(target, 'index.ts')];
  });
}

/** Refuses while platform code that stays (as it will read after the edits) still uses a removed folder. */
function checkPlatformReferences(root: string, folders: readonly string[], going: ReadonlySet<string>, edits: ReadonlyMap<string, string>): void {
  const referring = PLATFORM_FOLDERS.flatMap((dir) => filesUnder(root, dir))
    .filter((path) => SOURCE.test(path) && !going.has(path))
    .filter((path) => namesFolder(edits.get(path) ?? readFileSync(join(root, path), 'utf8'), folders));
  if (referring.length > 0) {
    throw new ScaffoldError(`The platform still names ${folders.join(', ')} in ${referring.join(', ')}: change those first, then remove.`);
  }
}

/**
 * The registry without `name`'s entry: from its key line (with the comment lines right above it)
 * to the first line that closes an entry at the same indentation.
 */
function withoutEntry(content: string, name: string, file: string): string {
  const lines = content.split('\n');
  const start = lines.findIndex((line) => line === `  ${name}: {` || line === `  '${name}': {`);
  const end = lines.findIndex((line, index) => index > start && line === '  },');
  if (start < 0 || end < 0) throw new ScaffoldError(`${file}: cannot find the entry of ${name} (a line "  ${name}: {" and its "  },"): remove it by hand.`);
  let first = start;
  while (first > 0 && /^\s*(\/\/|\/\*\*|\*)/.test(lines[first - 1])) first -= 1;
  return [...lines.slice(0, first), ...lines.slice(end + 1)].join('\n');
}

/** A module without its one-line imports from the removed folders. */
function withoutImportsOf(content: string, folders: readonly string[]): string {
  return content
    .split('\n')
    .filter((line) => !(line.startsWith('import ') && folders.some((folder) => new RegExp(`from '(\\.\\./)+${folder}/[^']*';$`).test(line))))
    .join('\n');
}

/**
 * A module without the names its one-line named imports bring in and nothing uses any more (what
 * only the removed entry used, e.g. a constant in its description); an import left empty goes.
 */
function withoutUnusedImports(content: string): string {
  const lines = content.split('\n');
  return lines
    .flatMap((line, index) => {
      const found = /^import (type )?\{ ([^}]+) \} from ('[^']+');$/.exec(line);
      if (!found) return [line];
      const rest = lines.filter((_, other) => other !== index).join('\n');
      const used = found[2].split(', ').filter((specifier) => new RegExp(`\\b${specifier.split(' as ').at(-1)!.replace(/^type /, '')}\\b`).test(rest));
      return used.length === 0 ? [] : [`import ${found[1] ?? ''}{ ${used.join(', ')} } from ${found[3]};`];
    })
    .join('\n');
}

function withoutReadmeRow(content: string, name: string): string {
  const marker = content.indexOf(README_ROWS_END);
  const rows = content.slice(0, marker).split('\n');
  const kept = rows.filter((line) => !line.startsWith(`| [\`${name}\`](`));
  return kept.join('\n') + content.slice(marker);
}

function withoutExampleValues(content: string, name: string): string {
  const values = JSON.parse(content) as { services: Record<string, unknown> };
  delete values.services[name];
  return `${JSON.stringify(values, null, 2)}\n`;
}

/** package.json without the `tsx <bench file>` steps of removed benchmarks in its bench script. */
function withoutBenches(content: string, removed: readonly string[]): string {
  const manifest = JSON.parse(content) as { scripts: Record<string, string> };
  const steps = manifest.scripts.bench.split(' && ').filter((step) => !removed.some((path) => step === `tsx ${path}`));
  manifest.scripts.bench = steps.join(' && ');
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

export function applyRemoval(root: string, changes: readonly Change[]): void {
  for (const change of changes.filter(isRemoval)) rmSync(join(root, change.path), { recursive: true, force: true });
  writeScaffold(root, changes.filter((change): change is FileChange => !isRemoval(change)));
}

export function parseRemoveServiceArguments(argv: string[]): string[] {
  const { positionals } = parseArguments({ args: argv, options: {}, allowPositionals: true }, USAGE);
  if (positionals.length === 0) throw new UsageError('Name the services or functions to remove', USAGE);
  return [...new Set(positionals)];
}

function main(): void {
  const root = resolve(__dirname, '..');
  let changes: Change[];
  try {
    changes = planRemoval(root, parseRemoveServiceArguments(process.argv.slice(2)));
  } catch (error) {
    exitOnUserError(error, [ScaffoldError]);
  }
  applyRemoval(root, changes);
  for (const change of changes) console.log(`  ${isRemoval(change) ? 'removed' : 'updated'} ${change.path}`);
  regenerateCatalog(root);
  console.log(
    '\nDone. Next, as README "Remove the samples" says: npm run cost -- --write-readme, npx jest -u test/infra/snapshots.test.ts test/k8s/charts.test.ts test/infra/cost.test.ts, npm test, npm run synth.',
  );
}

if (require.main === module) main();
