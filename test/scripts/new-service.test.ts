import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { PROJECT } from '../../infra/config/naming';
import { parseNewServiceArguments, planScaffold, ScaffoldError } from '../../scripts/new-service';

const ROOT = join(__dirname, '../..');

/** What a copy of the repository leaves out: installed, generated or local. */
const NOT_COPIED = new Set(['node_modules', '.git', 'cdk.out', 'dist', '.tmp', 'coverage']);

/** The repository's files in a temporary folder, sharing the installed node_modules: what a fork's clone has after `npm ci`. */
function copyOfRepository(): string {
  const copy = mkdtempSync(join(tmpdir(), 'hybrid-platform-scaffold-'));
  cpSync(ROOT, copy, { recursive: true, filter: (source) => source === ROOT || !NOT_COPIED.has(relative(ROOT, source).split('/')[0]) });
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
  return copy;
}

/** A digest of every file under `root` (node_modules aside): equal digests, nothing written. */
function treeDigest(root: string): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name === 'node_modules') continue;
      const path = join(dir, entry.name);
      hash.update(relative(root, path));
      if (entry.isDirectory()) walk(path);
      else hash.update(readFileSync(path));
    }
  };
  walk(root);
  return hash.digest('hex');
}

function run(cwd: string, command: string, args: string[]): SpawnSyncReturns<string> {
  // No NODE_OPTIONS from jest's worker; the inner jest reuses this run's PostgreSQL (TEST_DATABASE_URL) when there is one.
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.NODE_OPTIONS;
  delete env.JEST_WORKER_ID;
  return spawnSync(command, args, { cwd, encoding: 'utf8', env, timeout: 300_000 });
}

const scaffold = (cwd: string, ...args: string[]) => run(cwd, process.execPath, ['--import', 'tsx', 'scripts/new-service.ts', ...args]);
const output = (result: SpawnSyncReturns<string>) => `${result.stdout}\n${result.stderr}`;

describe('npm run new-service: refusals', () => {
  it.each([
    ['Widgets', /"Widgets" cannot be a service name: use 1 to 30 lowercase letters, digits and inner hyphens/],
    ['9lives', /"9lives" cannot be a service name/],
    ['stock-', /"stock-" cannot be a service name/],
    ['a'.repeat(31), /cannot be a service name/],
    ['kit', /"kit" is reserved: services\/kit is the services' shared kit/],
    ['platform', /"platform" is reserved: the platform chart/],
    ['image-resizer', /"image-resizer" is reserved: the image-resizer is a function already/],
    ['orders', /"orders" is taken: it is a core service \(infra\/config\/core-services.ts\)/],
    ['notifier', /"notifier" is taken: it is an event function \(infra\/config\/event-functions.ts\)/],
    // Its public path would be the catalog's.
    ['products', /"products" cannot be added to the registry: products.publicPath: \/products is also catalog's/],
  ])('refuses %s, saying why', (name, message) => {
    expect(() => planScaffold(ROOT, name, 'api')).toThrow(ScaffoldError);
    expect(() => planScaffold(ROOT, name, 'api')).toThrow(message);
  });

  it('refuses a name whose folder exists, even outside the registries', () => {
    const root = mkdtempSync(join(tmpdir(), 'hybrid-platform-scaffold-taken-'));
    try {
      mkdirSync(join(root, 'functions', 'stock-alerts'), { recursive: true });
      expect(() => planScaffold(root, 'stock-alerts', 'function')).toThrow('"stock-alerts" is taken: functions/stock-alerts exists.');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('refuses to edit a registry whose end it cannot find, and shows the entry to add by hand', () => {
    const root = mkdtempSync(join(tmpdir(), 'hybrid-platform-scaffold-edited-'));
    try {
      for (const path of ['infra/config/event-functions.ts', 'README.md']) cpSync(join(ROOT, path), join(root, path));
      writeFileSync(join(root, 'infra/config/event-functions.ts'), 'export const EVENT_FUNCTIONS = {};\n');
      expect(() => planScaffold(root, 'stock-alerts', 'function')).toThrow(/infra\/config\/event-functions.ts no longer has the line .* add the entry by hand:\n {2}'stock-alerts': \{/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it.each([
    [[], 'Name the service'],
    [['a', 'b', '--kind', 'api'], 'One name at a time, got a, b'],
    [['widgets'], '--kind must be one of api, function'],
    [['widgets', '--kind', 'lambda'], '--kind must be one of api, function, got "lambda"'],
  ])('refuses the arguments %j', (args, problem) => {
    expect(() => parseNewServiceArguments(args)).toThrow(problem);
  });
});

/**
 * The golden path end to end, as a fork would walk it: in a copy of the repository, scaffold an API
 * and a function, then type-check what was written, synthesize everything (CloudFormation with the
 * rule packs, and the charts), and run the new code's tests plus the tests that keep the registries,
 * the catalog and the README in sync.
 */
describe('npm run new-service: a scaffolded API and function synthesize and pass their tests', () => {
  let copy: string;
  beforeAll(() => {
    copy = copyOfRepository();
  });
  afterAll(() => {
    if (copy) rmSync(copy, { recursive: true, force: true });
  });

  it('writes nothing for a refused name, through the real command, exit code 1', () => {
    const before = treeDigest(copy);
    const refused = scaffold(copy, 'Stock_Alerts', '--kind', 'function');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('"Stock_Alerts" cannot be a service name');
    expect(refused.stderr).not.toMatch(/\n\s+at /);
    expect(treeDigest(copy)).toBe(before);
  });

  it('scaffolds both, and the copy synthesizes and passes the tests that concern them', () => {
    for (const [name, kind] of [['widgets', 'api'], ['stock-alerts', 'function']]) {
      const scaffolded = scaffold(copy, name, '--kind', kind);
      expect({ name, status: scaffolded.status, output: output(scaffolded) }).toMatchObject({ status: 0 });
    }
    for (const path of ['services/widgets/main.ts', 'test/services/widgets-api.test.ts', 'functions/stock-alerts/handler.ts', 'test/functions/stock-alerts.test.ts']) {
      expect(existsSync(join(copy, path))).toBe(true);
    }

    // Type-checked: the tests run through SWC, which does not.
    writeFileSync(
      join(copy, 'tsconfig.scaffolded.json'),
      JSON.stringify({ extends: './tsconfig.json', include: [], files: ['services/widgets/main.ts', 'test/services/widgets-api.test.ts', 'functions/stock-alerts/handler.ts', 'test/functions/stock-alerts.test.ts'] }),
    );
    const typecheck = run(copy, process.execPath, ['node_modules/typescript-7/bin/tsc', '--noEmit', '-p', 'tsconfig.scaffolded.json']);
    expect({ status: typecheck.status, output: output(typecheck) }).toMatchObject({ status: 0 });

    const synth = run(copy, 'npm', ['run', 'synth']);
    expect({ status: synth.status, output: output(synth) }).toMatchObject({ status: 0 });
    expect(readFileSync(join(copy, 'dist/k8s/0003-widgets.yaml'), 'utf8')).toMatch(/path: \/widgets/);
    const functions = JSON.parse(readFileSync(join(copy, `cdk.out/${PROJECT}-sandbox-functions.template.json`), 'utf8')) as { Resources: Record<string, { Type: string }> };
    const stockAlerts = Object.entries(functions.Resources).filter(([id]) => id.startsWith('StockAlerts')).map(([, resource]) => resource.Type);
    expect(stockAlerts).toEqual(expect.arrayContaining(['AWS::Lambda::Function', 'AWS::SQS::Queue', 'AWS::Lambda::EventSourceMapping', 'AWS::CloudWatch::Alarm']));

    const tests = run(copy, process.execPath, [
      'node_modules/jest/bin/jest.js',
      '--ci',
      'test/services/widgets-api.test.ts',
      'test/functions/stock-alerts.test.ts',
      'test/infra/service-registry.test.ts',
      'test/scripts/catalog-info.test.ts',
    ]);
    expect({ status: tests.status, output: output(tests) }).toMatchObject({ status: 0 });
    expect(tests.stderr).toMatch(/Test Suites: +4 passed, 4 total/);
  });
});
