import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CORE_SERVICE_REGISTRY, type CoreServiceDefinition } from '../../infra/config/core-services';
import { EVENT_FUNCTION_NAMES } from '../../infra/config/event-functions';
import { pascalCase, PROJECT } from '../../infra/config/naming';
import { UPLOAD_FUNCTION_NAMES } from '../../infra/config/upload-functions';
import { parseNewServiceArguments, planScaffold, ScaffoldError } from '../../scripts/new-service';
import { outputOf as output, runIn as run, runScript, treeDigest, withRepositoryCopy } from './repository-copy';

const ROOT = join(__dirname, '../..');

/** Names no fork would give its own services, so the scaffold's tests never collide with theirs. */
const API = 'scaffold-check-api';
const FUNCTION = 'scaffold-check-fn';

const scaffold = (cwd: string, ...args: string[]) => runScript(cwd, 'new-service', ...args);

/** Every registered name (DNS labels: nothing to escape), with why the scaffold refuses it: whatever the registries hold. */
const TAKEN: [string, RegExp][] = [
  ...Object.keys(CORE_SERVICE_REGISTRY).map((name): [string, RegExp] => [name, new RegExp(`^"${name}" is taken: it is a core service \\(infra/config/core-services.ts\\)`)]),
  ...EVENT_FUNCTION_NAMES.map((name): [string, RegExp] => [name, new RegExp(`^"${name}" is taken: it is an event function \\(infra/config/event-functions.ts\\)`)]),
  // An upload function is reserved by name, or taken by its folder.
  ...UPLOAD_FUNCTION_NAMES.map((name): [string, RegExp] => [name, new RegExp(`^"${name}" is (reserved|taken): `)]),
];

describe('npm run new-service: refusals', () => {
  it.each([
    ['Widgets', /"Widgets" cannot be a service name: use 1 to 30 lowercase letters, digits and inner hyphens/],
    ['9lives', /"9lives" cannot be a service name/],
    ['stock-', /"stock-" cannot be a service name/],
    ['a'.repeat(31), /cannot be a service name/],
    ['kit', /"kit" is reserved: services\/kit is the services' shared kit/],
    ['platform', /"platform" is reserved: the platform chart/],
  ])('refuses %s, saying why', (name, message) => {
    expect(() => planScaffold(ROOT, name, 'api')).toThrow(ScaffoldError);
    expect(() => planScaffold(ROOT, name, 'api')).toThrow(message);
  });

  it.each(TAKEN)('refuses %s, registered already, as an API and as a function', (name, message) => {
    for (const kind of ['api', 'function'] as const) {
      expect(() => planScaffold(ROOT, name, kind)).toThrow(ScaffoldError);
      expect(() => planScaffold(ROOT, name, kind)).toThrow(message);
    }
  });

  // A new API is served under /<name>: the name of an entry's public path is either that entry's own
  // name (taken), or a path the load balancer already routes to it.
  it.each(Object.entries<CoreServiceDefinition>(CORE_SERVICE_REGISTRY))('refuses the name of the public path of %s', (owner, { publicPath }) => {
    const name = publicPath.slice(1);
    const message =
      name === owner
        ? `"${name}" is taken: it is a core service`
        : /^[a-z][-a-z0-9]*$/.test(name)
          ? `"${name}" cannot be added to the registry: ${name}.publicPath: ${publicPath} is also ${owner}'s`
          : `"${name}" cannot be a service name`;
    expect(() => planScaffold(ROOT, name, 'api')).toThrow(ScaffoldError);
    expect(() => planScaffold(ROOT, name, 'api')).toThrow(message);
  });

  it('refuses a name whose folder exists, even outside the registries', () => {
    const root = mkdtempSync(join(tmpdir(), 'hybrid-platform-scaffold-taken-'));
    try {
      mkdirSync(join(root, 'functions', FUNCTION), { recursive: true });
      expect(() => planScaffold(root, FUNCTION, 'function')).toThrow(`"${FUNCTION}" is taken: functions/${FUNCTION} exists.`);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('refuses to edit a registry whose end it cannot find, and shows the entry to add by hand', () => {
    const root = mkdtempSync(join(tmpdir(), 'hybrid-platform-scaffold-edited-'));
    try {
      for (const path of ['infra/config/event-functions.ts', 'README.md']) cpSync(join(ROOT, path), join(root, path));
      writeFileSync(join(root, 'infra/config/event-functions.ts'), 'export const EVENT_FUNCTIONS = {};\n');
      expect(() => planScaffold(root, FUNCTION, 'function')).toThrow(
        new RegExp(`infra/config/event-functions.ts no longer has the line .* add the entry by hand:\\n {2}'${FUNCTION}': \\{`),
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it.each([
    [[], 'Name the service'],
    [['a', 'b', '--kind', 'api'], 'One name at a time, got a, b'],
    [[API], '--kind must be one of api, function'],
    [[API, '--kind', 'lambda'], '--kind must be one of api, function, got "lambda"'],
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
  const copyOf = withRepositoryCopy();

  it('writes nothing for a refused name, through the real command, exit code 1', () => {
    const copy = copyOf();
    const before = treeDigest(copy);
    const refused = scaffold(copy, 'Stock_Alerts', '--kind', 'function');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('"Stock_Alerts" cannot be a service name');
    expect(refused.stderr).not.toMatch(/\n\s+at /);
    expect(treeDigest(copy)).toBe(before);
  });

  it('scaffolds both, and the copy synthesizes and passes the tests that concern them', () => {
    const copy = copyOf();
    for (const [name, kind] of [[API, 'api'], [FUNCTION, 'function']]) {
      const scaffolded = scaffold(copy, name, '--kind', kind);
      expect({ name, status: scaffolded.status, output: output(scaffolded) }).toMatchObject({ status: 0 });
    }
    const written = [`services/${API}/main.ts`, `test/services/${API}-api.test.ts`, `functions/${FUNCTION}/handler.ts`, `test/functions/${FUNCTION}.test.ts`];
    for (const path of written) expect({ path, exists: existsSync(join(copy, path)) }).toEqual({ path, exists: true });

    // Type-checked: the tests run through SWC, which does not.
    writeFileSync(join(copy, 'tsconfig.scaffolded.json'), JSON.stringify({ extends: './tsconfig.json', include: [], files: written }));
    const typecheck = run(copy, process.execPath, ['node_modules/typescript-7/bin/tsc', '--noEmit', '-p', 'tsconfig.scaffolded.json']);
    expect({ status: typecheck.status, output: output(typecheck) }).toMatchObject({ status: 0 });

    const synth = run(copy, 'npm', ['run', 'synth']);
    expect({ status: synth.status, output: output(synth) }).toMatchObject({ status: 0 });
    // One chart per API, numbered in the order the charts are applied: found by name, not by position.
    const charts = readdirSync(join(copy, 'dist/k8s'));
    const chart = charts.find((file) => new RegExp(`^\\d+-${API}\\.yaml$`).test(file));
    expect({ charts, chart }).toEqual({ charts, chart: expect.any(String) });
    expect(readFileSync(join(copy, 'dist/k8s', chart!), 'utf8')).toMatch(new RegExp(`path: /${API}\\b`));
    const functions = JSON.parse(readFileSync(join(copy, `cdk.out/${PROJECT}-sandbox-functions.template.json`), 'utf8')) as { Resources: Record<string, { Type: string }> };
    const scaffoldedFunction = Object.entries(functions.Resources).filter(([id]) => id.startsWith(pascalCase(FUNCTION))).map(([, resource]) => resource.Type);
    expect(scaffoldedFunction).toEqual(expect.arrayContaining(['AWS::Lambda::Function', 'AWS::SQS::Queue', 'AWS::Lambda::EventSourceMapping', 'AWS::CloudWatch::Alarm']));

    // The new code's tests, and the platform's tests that keep the registries and the catalog in step
    // (platform tests: they hold for any registry, so a fork that removed the samples has them too).
    const tests = [`test/services/${API}-api.test.ts`, `test/functions/${FUNCTION}.test.ts`, 'test/infra/service-registry.test.ts', 'test/scripts/backstage-catalog.test.ts'];
    const jest = run(copy, process.execPath, ['node_modules/jest/bin/jest.js', '--ci', ...tests]);
    expect({ status: jest.status, output: output(jest) }).toMatchObject({ status: 0 });
    expect(jest.stderr).toMatch(new RegExp(`Test Suites: +${tests.length} passed, ${tests.length} total`));
  });
});
