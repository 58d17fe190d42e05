import * as pulumi from '@pulumi/pulumi';
import { App, YamlOutputType } from 'cdk8s';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DEFAULT_MANIFESTS_DIR, ManifestsError, deployArgsFromConfig, deployCharts, listManifestFiles, type DeployedCharts } from '../../k8s/pulumi/deploy-charts';
import { synthesizeFixture } from './synthesize';

const PROJECT = (parse(readFileSync(join(__dirname, '../../k8s/pulumi/Pulumi.yaml'), 'utf8')) as { name: string }).name;

/** One resource registration the mocked engine saw, with when it started and when the "engine" finished it. */
interface Registration {
  type: string;
  name: string;
  inputs: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  provider?: string;
  custom?: boolean;
  /** What the SDK told the engine this resource depends on, as `type name`. */
  dependsOn: string[];
  started: number;
  finished?: number;
}

/** An object the charts define, as cdk8s holds it in memory (not read back from the YAML files). */
interface ExpectedObject {
  chartIndex: number;
  type: string;
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  manifest: Record<string, unknown>;
}

/** The Pulumi type token of a Kubernetes kind: `kubernetes:core/v1:Namespace`, `kubernetes:apps/v1:Deployment`. */
const typeToken = (apiVersion: string, kind: string) => `kubernetes:${apiVersion.includes('/') ? apiVersion : `core/${apiVersion}`}:${kind}`;
const key = (type: string, namespace: string | undefined, name: string) => `${type} ${namespace ?? '-'}/${name}`;

let outdir: string;
let expected: ExpectedObject[];

beforeAll(() => {
  // The charts of the fixture registry (fixture-registry.ts), written the way k8s/synth.ts writes them.
  outdir = mkdtempSync(join(tmpdir(), 'pulumi-charts-'));
  const app = synthesizeFixture(new App({ outdir, outputFileExtension: '.yaml', yamlOutputType: YamlOutputType.FILE_PER_CHART }));
  app.synth();
  expected = app.charts.flatMap((chart, chartIndex) =>
    chart.toJson().map((manifest) => ({
      chartIndex,
      type: typeToken(manifest.apiVersion, manifest.kind),
      name: manifest.metadata.name,
      namespace: manifest.metadata.namespace,
      labels: manifest.metadata.labels,
      manifest,
    })),
  );
});

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

interface RegisterResourceRequest {
  getType(): string;
  getName(): string;
  getDependenciesList(): string[];
}

/** `urn:pulumi:stack::project::parent$type::name` -> `type name` */
const fromUrn = (urn: string) => {
  const [, , qualifiedType, name] = urn.split('::');
  return `${qualifiedType.split('$').pop()} ${name}`;
};

/**
 * Mocks the engine: records every registration and the dependencies the SDK sends with it (the mock
 * monitor's newResource does not get them, so its registerResource is wrapped), and lets each
 * registration take a few event-loop turns like a real create.
 */
async function mockEngine(): Promise<Registration[]> {
  const registrations: Registration[] = [];
  const dependencies = new Map<string, string[]>();
  let clock = 0;
  await pulumi.runtime.setMocks(
    {
      newResource: async ({ type, name, inputs, provider, custom }) => {
        const dependsOn = dependencies.get(`${type} ${name}`) ?? [];
        const registration: Registration = { type, name, inputs, provider, custom, dependsOn, started: ++clock };
        registrations.push(registration);
        for (let turn = 0; turn < 3; turn++) await new Promise((done) => setImmediate(done));
        registration.finished = ++clock;
        return { id: `${name}-id`, state: inputs };
      },
      call: ({ token }) => {
        throw new Error(`unexpected provider function call ${token}`);
      },
    },
    PROJECT,
    'test',
    false,
  );
  const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource(req: RegisterResourceRequest, callback: unknown): unknown };
  const registerResource = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    dependencies.set(`${req.getType()} ${req.getName()}`, req.getDependenciesList().map(fromUrn));
    return registerResource(req, callback);
  };
  return registrations;
}

const valueOf = <T>(output: pulumi.Output<T>) => new Promise<T>((done) => output.apply(done));

/** Waits until every object of every chart is registered with the mocked engine. */
async function registered({ provider, charts }: DeployedCharts): Promise<void> {
  await valueOf(provider.urn);
  for (const group of charts.flatMap((chart) => chart.groups)) {
    const resources = await valueOf(group.resources);
    await Promise.all(Object.values(resources).map((resource) => valueOf(resource.urn)));
  }
}

const objectsOf = (registrations: Registration[]) => registrations.filter((r) => r.custom && !r.type.startsWith('pulumi:providers:'));
const keyOf = (r: Registration) => key(r.type, r.inputs.metadata?.namespace, r.inputs.metadata?.name);

describe('deployCharts with a given kubeconfig and context', () => {
  let registrations: Registration[];
  let deployed: DeployedCharts;

  beforeAll(async () => {
    registrations = await mockEngine();
    deployed = deployCharts({ manifestsDir: outdir, kubeconfig: '/home/ci/.kube/eks-sandbox', context: 'arn:aws:eks:us-east-1:123456789012:cluster/sandbox' });
    await registered(deployed);
  });

  test('reads the synthesized charts in file-name order, platform first', () => {
    expect(deployed.charts.map((chart) => chart.file)).toEqual(['0000-platform.yaml', '0001-alpha.yaml', '0002-beta.yaml', '0003-gamma.yaml']);
    expect(deployed.charts.map((chart) => chart.objectCount)).toEqual([0, 1, 2, 3].map((i) => expected.filter((o) => o.chartIndex === i).length));
  });

  test('registers every object of every chart, once, with its kind, namespace and labels', () => {
    const objects = objectsOf(registrations);
    expect(objects.map(keyOf).sort()).toEqual(expected.map((o) => key(o.type, o.namespace, o.name)).sort());
    for (const object of expected) {
      const registration = objects.find((r) => keyOf(r) === key(object.type, object.namespace, object.name))!;
      expect(registration.inputs.metadata.labels).toEqual(object.labels);
      // Not just the identity: the whole object goes to the cluster as the chart defines it.
      expect(registration.inputs).toEqual(object.manifest);
    }
    // Typed resources, not a generic CustomResource for everything (a CustomResource's token would be kubernetes:v1:Namespace).
    expect(objects.find((r) => r.inputs.kind === 'Namespace')?.type).toBe('kubernetes:core/v1:Namespace');
    expect(objects.filter((r) => r.inputs.metadata.namespace === 'shop').length).toBeGreaterThan(10);
  });

  test('creates the Namespace before anything else, and each chart after the one before it', () => {
    const objects = objectsOf(registrations);
    const namespaces = objects.filter((r) => r.type === 'kubernetes:core/v1:Namespace');
    expect(namespaces.map((r) => r.inputs.metadata.name)).toEqual(['shop']);
    const namespaceDone = namespaces[0].finished!;
    for (const other of objects.filter((r) => r !== namespaces[0])) {
      expect({ object: keyOf(other), startedAfterNamespace: other.started > namespaceDone }).toEqual({ object: keyOf(other), startedAfterNamespace: true });
    }
    const chartOf = (r: Registration) => expected.find((o) => key(o.type, o.namespace, o.name) === keyOf(r))!.chartIndex;
    for (const chartIndex of [1, 2, 3]) {
      const previousDone = Math.max(...objects.filter((r) => chartOf(r) === chartIndex - 1).map((r) => r.finished!));
      const firstStart = Math.min(...objects.filter((r) => chartOf(r) === chartIndex).map((r) => r.started));
      expect(firstStart).toBeGreaterThan(previousDone);
    }
  });

  test('tells the engine each object depends on the Namespace and on the chart before it (so destroy goes in reverse)', () => {
    const objects = objectsOf(registrations);
    const chartOf = (r: Registration) => expected.find((o) => key(o.type, o.namespace, o.name) === keyOf(r))!.chartIndex;
    const namespace = objects.find((r) => r.type === 'kubernetes:core/v1:Namespace')!;
    expect(namespace.dependsOn).toEqual([]);
    for (const object of objects.filter((r) => r !== namespace)) {
      const needed = chartOf(object) === 0 ? [namespace] : objects.filter((r) => chartOf(r) === chartOf(object) - 1 && r !== namespace);
      expect({ object: keyOf(object), dependsOn: object.dependsOn }).toEqual({
        object: keyOf(object),
        dependsOn: expect.arrayContaining(needed.map((r) => `${r.type} ${r.name}`)),
      });
    }
  });

  test('sends every object through one provider built from the given kubeconfig and context', async () => {
    const providers = registrations.filter((r) => r.type === 'pulumi:providers:kubernetes');
    expect(providers).toHaveLength(1);
    expect(providers[0].inputs).toMatchObject({ kubeconfig: '/home/ci/.kube/eks-sandbox', context: 'arn:aws:eks:us-east-1:123456789012:cluster/sandbox' });
    const providerRef = `${await valueOf(deployed.provider.urn)}::${await valueOf(deployed.provider.id)}`;
    for (const object of objectsOf(registrations)) expect({ object: keyOf(object), provider: object.provider }).toEqual({ object: keyOf(object), provider: providerRef });
  });

  test('waits for readiness by default (no skipAwait annotation)', () => {
    for (const object of objectsOf(registrations)) expect(object.inputs.metadata.annotations?.['pulumi.com/skipAwait']).toBeUndefined();
  });
});

describe('deployCharts with the ambient kubeconfig', () => {
  test('sets no kubeconfig or context on the provider; skipAwait marks every object', async () => {
    const registrations = await mockEngine();
    await registered(deployCharts({ manifestsDir: outdir, skipAwait: true }));
    const provider = registrations.find((r) => r.type === 'pulumi:providers:kubernetes')!;
    expect(provider.inputs.kubeconfig).toBeUndefined();
    expect(provider.inputs.context).toBeUndefined();
    const objects = objectsOf(registrations);
    expect(objects).toHaveLength(expected.length);
    for (const object of objects) expect(object.inputs.metadata.annotations).toMatchObject({ 'pulumi.com/skipAwait': 'true' });
  });
});

describe('deployArgsFromConfig', () => {
  afterEach(() => pulumi.runtime.setAllConfig({}));

  test('reads kubeconfig (as a secret), context, manifestsDir and skipAwait from the stack config', async () => {
    await mockEngine();
    pulumi.runtime.setAllConfig({
      [`${PROJECT}:kubeconfig`]: '/home/ci/.kube/config',
      [`${PROJECT}:context`]: 'kind-dev',
      [`${PROJECT}:manifestsDir`]: '../../build/charts',
      [`${PROJECT}:skipAwait`]: 'true',
    });
    const args = deployArgsFromConfig();
    const kubeconfig = pulumi.output(args.kubeconfig!);
    expect(await valueOf(kubeconfig)).toBe('/home/ci/.kube/config');
    expect(await pulumi.isSecret(kubeconfig)).toBe(true);
    expect(args.context).toBe('kind-dev');
    expect(args.manifestsDir).toBe(join(__dirname, '../../build/charts'));
    expect(args.skipAwait).toBe(true);
  });

  test('defaults to the ambient kubeconfig and dist/k8s', async () => {
    await mockEngine();
    const args = deployArgsFromConfig();
    expect(args).toEqual({ manifestsDir: DEFAULT_MANIFESTS_DIR, kubeconfig: undefined, context: undefined, skipAwait: false });
    expect(DEFAULT_MANIFESTS_DIR).toBe(join(__dirname, '../../dist/k8s'));
  });
});

describe('manifest files', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'pulumi-manifests-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('a missing folder fails with its name and how to make it', () => {
    const missing = join(dir, 'k8s');
    expect(() => deployCharts({ manifestsDir: missing })).toThrow(ManifestsError);
    expect(() => deployCharts({ manifestsDir: missing })).toThrow(`${missing} does not exist; run \`npm run synth\``);
  });

  test('a folder with no YAML fails the same way', () => {
    writeFileSync(join(dir, 'notes.txt'), 'not a chart');
    expect(() => deployCharts({ manifestsDir: dir })).toThrow(`${dir} has no .yaml files; run \`npm run synth\``);
  });

  test('only YAML files, sorted by name', () => {
    for (const file of ['0002-beta.yaml', '0000-platform.yaml', 'README.md', '0001-alpha.yml']) writeFileSync(join(dir, file), '');
    mkdirSync(join(dir, 'old.yaml'));
    expect(listManifestFiles(dir)).toEqual(['0000-platform.yaml', '0001-alpha.yml', '0002-beta.yaml']);
  });

  test('a document that is not a Kubernetes object names its file', () => {
    writeFileSync(join(dir, '0000-bad.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n---\nfoo: bar\n');
    expect(() => deployCharts({ manifestsDir: dir })).toThrow(`${join(dir, '0000-bad.yaml')}, document 2: not a Kubernetes object`);
  });
});
