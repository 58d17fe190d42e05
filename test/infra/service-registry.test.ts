import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CORE_SERVICE_REGISTRY,
  CORE_SERVICES,
  coreService,
  registryProblems,
  serviceUrlVariable,
  type CoreServiceDefinition,
  type CoreServiceName,
} from '../../infra/config/core-services';
import { EVENT_FUNCTION_NAMES } from '../../infra/config/event-functions';
import { DEV_SERVICES } from '../../scripts/dev';
import type { AnyServiceDefinition } from '../../services/kit';

const ROOT = join(__dirname, '../..');

describe('the core service registry', () => {
  it('follows its own rules', () => {
    expect(registryProblems(CORE_SERVICE_REGISTRY)).toEqual([]);
  });

  it.each(CORE_SERVICES)('has the code of %s under services/<name>/: started by main.ts, named as the entry, with a database exactly when the entry says', async (name) => {
    expect(existsSync(join(ROOT, 'services', name, 'main.ts'))).toBe(true);
    const exported: unknown[] = Object.values(await import(join(ROOT, 'services', name, 'service.ts')));
    const definition = exported.find((value): value is AnyServiceDefinition => (value as AnyServiceDefinition | undefined)?.name === name);
    expect(definition).toBeDefined();
    // The kit's switch (services/kit/service.ts) must say what the registry tells the platform.
    expect(definition!.usesDatabase !== false).toBe(coreService(name).usesDatabase);
  });

  describe('rejects an entry that breaks a rule, naming the service and the key', () => {
    const valid: CoreServiceDefinition = { publicPath: '/things', usesDatabase: true, localPort: 8090 };
    const problemsOf = (registry: Record<string, CoreServiceDefinition>) => registryProblems(registry);

    it.each([
      ['Things', /Things: the name must be a DNS label/],
      ['9things', /9things: the name must be a DNS label/],
      ['things-', /things-: the name must be a DNS label/],
      ['a'.repeat(64), /the name must be a DNS label/],
    ])('a name that is not a DNS label: %s', (name, problem) => {
      expect(problemsOf({ [name]: valid })).toEqual([expect.stringMatching(problem)]);
    });

    it('a public path that is not a path', () => {
      expect(problemsOf({ things: { ...valid, publicPath: 'things' } })).toEqual(['things.publicPath: must be a path like /products, got "things"']);
    });

    it('a public path or a local port another service has', () => {
      expect(problemsOf({ things: valid, others: { ...valid } })).toEqual([
        "things.publicPath: /things is also others's",
        "things.localPort: 8090 is also others's",
        "others.publicPath: /things is also things's",
        "others.localPort: 8090 is also things's",
      ]);
    });

    it('a privileged or impossible local port', () => {
      expect(problemsOf({ things: { ...valid, localPort: 80 } })).toEqual(['things.localPort: must be an unprivileged port (1024-65535), got 80']);
      expect(problemsOf({ things: { ...valid, localPort: 70000 } })).toEqual(['things.localPort: must be an unprivileged port (1024-65535), got 70000']);
    });

    it('a call to itself or to a service that does not exist', () => {
      expect(problemsOf({ things: { ...valid, calls: ['things', 'stuff'] } })).toEqual([
        'things.calls: a service does not call itself over the network',
        'things.calls: "stuff" is not a core service (things)',
      ]);
    });

    it('an environment variable name that is not one', () => {
      expect(problemsOf({ things: { ...valid, environment: { 'uploads-bucket': 'uploadsBucket' } } })).toEqual(['things: "uploads-bucket" is not an environment variable name']);
      expect(problemsOf({ things: { ...valid, localEnvironment: { '1FLAG': 'x' } } })).toEqual(['things: "1FLAG" is not an environment variable name']);
    });
  });

  it('runs every service under npm run dev on its own port, calling the others by the URL variables the charts set', () => {
    expect(DEV_SERVICES.map((service) => service.name)).toEqual(CORE_SERVICES);
    for (const [index, name] of CORE_SERVICES.entries()) {
      const { localPort, environment = {}, calls = [], localEnvironment = {} } = coreService(name);
      expect({ name, env: DEV_SERVICES[index].env }).toEqual({
        name,
        env: {
          PORT: String(localPort),
          // A local stand-in for each platform input it reads (the sample-named tests check which).
          ...Object.fromEntries(Object.keys(environment).map((variable) => [variable, expect.stringMatching(/^local-/)])),
          ...Object.fromEntries(calls.map((called) => [serviceUrlVariable(called), `http://127.0.0.1:${coreService(called as CoreServiceName).localPort}`])),
          ...localEnvironment,
        },
      });
    }
  });

  it('names the URL variable of a called service after it', () => {
    expect(serviceUrlVariable('inventory')).toBe('INVENTORY_URL');
    expect(serviceUrlVariable('image-api')).toBe('IMAGE_API_URL');
  });
});

describe('the event function registry', () => {
  it('has the handler of every entry under functions/<name>/', () => {
    for (const name of EVENT_FUNCTION_NAMES) expect(existsSync(join(ROOT, 'functions', name, 'handler.ts'))).toBe(true);
  });

});

describe('the README', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

  // Every core API and event function of the registries, and every other function (the image-resizer has no registry: S3 triggers it).
  const functionFolders = readdirSync(join(ROOT, 'functions'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name !== 'shared')
    .map((entry) => entry.name);
  const folders = new Set([...CORE_SERVICES.map((name) => `services/${name}`), ...[...EVENT_FUNCTION_NAMES, ...functionFolders].map((name) => `functions/${name}`)]);

  it.each([...folders])(
    'has a row for %s in its table of services and functions',
    (folder) => {
      expect(readme).toMatch(new RegExp(`^\\| \\[\`${folder.split('/')[1]}\`\\]\\(${folder}\\) \\|`, 'm'));
    },
  );
});
