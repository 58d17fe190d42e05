import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CORE_SERVICES, coreService } from '../../infra/config/core-services';
import { EVENT_FUNCTION_NAMES } from '../../infra/config/event-functions';
import { UPLOAD_FUNCTION_NAMES } from '../../infra/config/upload-functions';
import { parseRemoveServiceArguments, planRemoval } from '../../scripts/remove-service';
import { ScaffoldError } from '../../scripts/new-service';
import { outputOf, runScript, treeDigest, withRepositoryCopy } from './repository-copy';

const ROOT = join(__dirname, '../..');

describe('npm run remove-service: refusals', () => {
  it('refuses a name that is not a core service, an event function or an upload function, listing those', () => {
    const known = [...CORE_SERVICES, ...EVENT_FUNCTION_NAMES, ...UPLOAD_FUNCTION_NAMES].join(', ');
    expect(() => planRemoval(ROOT, ['nope'])).toThrow(ScaffoldError);
    expect(() => planRemoval(ROOT, ['nope'])).toThrow(`"nope" is not a core service, an event function or an upload function (${known}).`);
  });

  it('refuses to remove the last core API: the load balancer comes from their Ingresses', () => {
    expect(() => planRemoval(ROOT, CORE_SERVICES)).toThrow(/That would remove the last core API.*npm run new-service -- <name> --kind api/);
  });

  // Something removable on its own: an event function, or a core service nobody calls when there are others.
  const removable = EVENT_FUNCTION_NAMES.map((name): { name: string; folder: string; registry: string } => ({ name, folder: `functions/${name}`, registry: 'infra/config/event-functions.ts' }))
    .concat(
      CORE_SERVICES.length > 1
        ? CORE_SERVICES.filter((name) => !CORE_SERVICES.some((other) => coreService(other).calls?.includes(name))).map((name) => ({ name, folder: `services/${name}`, registry: 'infra/config/core-services.ts' }))
        : [],
    )
    .at(0);

  (removable ? it : it.skip)('refuses while platform code outside test/ and bench/ still uses the folder, naming the file; comments do not count', () => {
    const { name, folder, registry } = removable!;
    const root = mkdtempSync(join(tmpdir(), 'hybrid-platform-remove-'));
    try {
      // What the removal edits, as in the repository; and two platform files of the fork's.
      for (const path of [registry, 'README.md', 'k8s/values/example.json']) cpSync(join(ROOT, path), join(root, path), { recursive: true });
      writeFileSync(join(root, 'infra', 'mentions.ts'), `// ${folder}/ is only mentioned here\nexport const x = 1;\n`);
      writeFileSync(join(root, 'infra', 'uses.ts'), `import * as used from '../${folder}/handler';\nexport { used };\n`);
      expect(() => planRemoval(root, [name])).toThrow(`The platform still names ${folder} in infra/uses.ts: change those first, then remove.`);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it.each([
    [[], 'Name the services or functions to remove'],
    [['--kind', 'api'], "Unknown option '--kind'"],
  ])('refuses the arguments %j', (args, problem) => {
    expect(() => parseRemoveServiceArguments(args)).toThrow(problem);
  });
});

describe('npm run remove-service: the inverse of new-service', () => {
  const copyOf = withRepositoryCopy();

  const cli = (script: string, ...args: string[]) => {
    const result = runScript(copyOf(), script, ...args);
    return { status: result.status, output: outputOf(result) };
  };

  it('leaves the repository as it was after adding an API and a function and removing them again', () => {
    const copy = copyOf();
    const before = treeDigest(copy);
    expect(cli('new-service', 'round-trip-api', '--kind', 'api')).toMatchObject({ status: 0 });
    expect(cli('new-service', 'round-trip-fn', '--kind', 'function')).toMatchObject({ status: 0 });
    expect(treeDigest(copy)).not.toBe(before);
    expect(cli('remove-service', 'round-trip-api', 'round-trip-fn')).toMatchObject({ status: 0 });
    expect(treeDigest(copy)).toBe(before);
  });

  it('writes nothing when it refuses, through the real command, exit code 1', () => {
    const copy = copyOf();
    const before = treeDigest(copy);
    const refused = cli('remove-service', 'no-such-service');
    expect(refused).toMatchObject({ status: 1 });
    expect(refused.output).toContain('"no-such-service" is not a core service');
    expect(refused.output).not.toMatch(/\n\s+at /);
    expect(treeDigest(copy)).toBe(before);
  });
});
