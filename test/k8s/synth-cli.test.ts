import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { CORE_SERVICES, coreService, type CoreServiceName, type PlatformInput } from '../../infra/config/core-services';
import { PROJECT } from '../../infra/config/naming';
import { synthK8s } from '../../k8s/synth-command';
import { NOT_DEPLOYED } from '../../k8s/values-sources';

const ROOT = join(__dirname, '../..');
const scratch = mkdtempSync(join(tmpdir(), 'k8s-synth-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * `npm run synth:k8s -- <args>` run from a scratch folder (its paths, dist/argocd included, are the
 * caller's), in-process: what k8s/synth.ts runs, without the second a process spends loading. It is
 * synchronous, so nothing else of this process sees the working folder changed. (How the script ends,
 * its exit codes and stderr: cli-config-errors.test.ts, and test/scripts/synth.test.ts runs it to the end.)
 */
function synthK8sInScratch(...args: string[]) {
  const cwd = process.cwd();
  process.chdir(scratch);
  try {
    synthK8s(args);
  } finally {
    process.chdir(cwd);
  }
}

type Manifest = { kind: string; metadata: { name: string }; data?: Record<string, string>; spec?: unknown };
const manifestsIn = (dir: string): Manifest[] =>
  readdirSync(dir)
    .sort()
    .flatMap((file) => parseAllDocuments(readFileSync(join(dir, file), 'utf8')).map((document) => document.toJS() as Manifest));
const configMap = (manifests: Manifest[], service: string) => manifests.find((manifest) => manifest.kind === 'ConfigMap' && manifest.metadata.name === `${service}-config`)?.data;

// The CLI writes the real registry's charts: what is expected is derived from the registry, so these
// hold whichever core APIs it lists (the charts themselves are tested on a fixture: charts.test.ts).

/** The files of `npm run synth:k8s`: the platform chart, then one per core API, numbered in that order. */
const chartFiles = ['platform', ...CORE_SERVICES].map((chart, index) => `${String(index).padStart(4, '0')}-${chart}.yaml`);

/** Each core API's ConfigMap, as the platform inputs of `values` make it: the variables its entry reads them into. */
const expectedInputs = (values: Readonly<Record<PlatformInput, string>>) =>
  Object.fromEntries(
    CORE_SERVICES.map((name) => [name, Object.fromEntries(Object.entries(coreService(name).environment ?? {}).map(([variable, input]) => [variable, values[input]]))]),
  );

/** The platform inputs of an environment before any deploy, named after it (see valuesForEnvironment). */
const environmentInputs = (env: string) => ({
  eventBusName: `${PROJECT}-${env}-events`,
  uploadsBucket: `${PROJECT}-${env}-uploads-${NOT_DEPLOYED.account}-${NOT_DEPLOYED.region}`,
});
const configMaps = (dir: string) => {
  const manifests = manifestsIn(join(scratch, dir));
  return Object.fromEntries(CORE_SERVICES.map((name) => [name, configMap(manifests, name)]));
};

describe('npm run synth:k8s', () => {
  it('writes the charts of the environment chosen with -c, with its overrides', () => {
    synthK8sInScratch('--out', 'prod', '-c', 'env=prod', '-c', 'vpcCidr=10.20.0.0/17');

    const manifests = manifestsIn(join(scratch, 'prod'));
    expect(readdirSync(join(scratch, 'prod')).sort()).toEqual(chartFiles);
    expect(JSON.stringify(manifests.filter((manifest) => manifest.kind === 'NetworkPolicy'))).toContain('"cidr":"10.20.0.0/17"');
    expect(configMaps('prod')).toMatchObject(expectedInputs(environmentInputs('prod')));
  });

  it('writes the sandbox environment without -c', () => {
    synthK8sInScratch('--out', 'sandbox');
    expect(readdirSync(join(scratch, 'sandbox')).sort()).toEqual(chartFiles);
    expect(configMaps('sandbox')).toMatchObject(expectedInputs(environmentInputs('sandbox')));
  });

  it('still takes a values file', () => {
    synthK8sInScratch('--out', 'from-file', '--values', join(ROOT, 'k8s/values/example.json'));
    const example = JSON.parse(readFileSync(join(ROOT, 'k8s/values/example.json'), 'utf8'));
    expect(configMaps('from-file')).toEqual(Object.fromEntries(CORE_SERVICES.map((name) => [name, example.services[name].config])));
  });

  it('still takes the outputs of cdk deploy, and writes the Argo CD Application for --argocd-repo', () => {
    const deployed = { uploadsBucket: 'deployed-uploads', eventBusName: 'deployed-events' };
    const inputs = {
      region: 'eu-west-1',
      vpcCidr: '10.30.0.0/16',
      databaseHost: 'db.cluster-abc.eu-west-1.rds.amazonaws.com',
      databasePort: '5432',
      databaseName: 'platform',
      databaseSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf',
      ...deployed,
      images: Object.fromEntries(CORE_SERVICES.map((name) => [name, `registry.example.com/${name}:1.0.0`])) as Record<CoreServiceName, string>,
    };
    writeFileSync(join(scratch, 'outputs.json'), JSON.stringify({ cluster: { ChartInputs: JSON.stringify(inputs) } }));

    synthK8sInScratch('--out', 'deployed', '--cdk-outputs', 'outputs.json', '--argocd-repo', 'https://github.com/example/fork.git');

    expect(readdirSync(join(scratch, 'deployed')).sort()).toEqual(chartFiles);
    const inEveryConfigMap = Object.fromEntries(CORE_SERVICES.map((name) => [name, { AWS_REGION: 'eu-west-1', SERVICE_NAME: name }]));
    expect(configMaps('deployed')).toMatchObject(inEveryConfigMap);
    expect(configMaps('deployed')).toMatchObject(expectedInputs(deployed));
    const [application] = manifestsIn(join(scratch, 'dist/argocd'));
    expect(application).toMatchObject({ kind: 'Application', spec: { source: { repoURL: 'https://github.com/example/fork.git', path: 'deployed' } } });
  });

  it('writes to dist/k8s by default, emptying it first, and has Argo CD follow main by default', () => {
    mkdirSync(join(scratch, 'dist/k8s'), { recursive: true });
    writeFileSync(join(scratch, 'dist/k8s/0009-removed-service.yaml'), 'kind: Deployment\n');

    synthK8sInScratch('--argocd-repo', 'https://github.com/example/fork.git');

    expect(readdirSync(join(scratch, 'dist/k8s')).sort()).toEqual(chartFiles);
    const [application] = manifestsIn(join(scratch, 'dist/argocd'));
    expect(application).toMatchObject({ spec: { source: { targetRevision: 'main', path: 'dist/k8s' } } });
  });

  it('writes no Argo CD Application without --argocd-repo', () => {
    rmSync(join(scratch, 'dist/argocd'), { recursive: true, force: true });
    synthK8sInScratch('--out', 'plain');
    expect(existsSync(join(scratch, 'dist/argocd'))).toBe(false);
  });

  it.each([
    [['-c', 'env=prod', '--values', 'values.json'], '-c and --values'],
    [['--values', 'values.json', '--cdk-outputs', 'outputs.json'], '--values and --cdk-outputs'],
    [['-c', 'env=prod', '--cdk-outputs', 'outputs.json'], '-c and --cdk-outputs'],
  ])('refuses %j, two sources of values, naming them, before writing anything', (args, named) => {
    expect(() => synthK8sInScratch('--out', 'refused', ...args)).toThrow(`${named} are alternatives: give one source of values`);
    expect(existsSync(join(scratch, 'refused'))).toBe(false);
  });
});
