import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { PROJECT } from '../../infra/config/naming';
import { synthK8s } from '../../k8s/synth-command';

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
const configMap = (manifests: Manifest[], service: string) => manifests.find((manifest) => manifest.kind === 'ConfigMap' && manifest.metadata.name.startsWith(service))?.data;

describe('npm run synth:k8s', () => {
  it('writes the charts of the environment chosen with -c, with its overrides', () => {
    synthK8sInScratch('--out', 'prod', '-c', 'env=prod', '-c', 'vpcCidr=10.20.0.0/17');

    const manifests = manifestsIn(join(scratch, 'prod'));
    expect(readdirSync(join(scratch, 'prod')).sort()).toEqual(['0000-platform.yaml', '0001-catalog.yaml', '0002-orders.yaml']);
    expect(JSON.stringify(manifests.filter((manifest) => manifest.kind === 'NetworkPolicy'))).toContain('"cidr":"10.20.0.0/17"');
    expect(configMap(manifests, 'orders')).toMatchObject({ EVENT_BUS_NAME: `${PROJECT}-prod-events` });
  });

  it('writes the sandbox environment without -c', () => {
    synthK8sInScratch('--out', 'sandbox');
    expect(configMap(manifestsIn(join(scratch, 'sandbox')), 'orders')).toMatchObject({ EVENT_BUS_NAME: `${PROJECT}-sandbox-events` });
  });

  it('still takes a values file', () => {
    synthK8sInScratch('--out', 'from-file', '--values', join(ROOT, 'k8s/values/example.json'));
    expect(configMap(manifestsIn(join(scratch, 'from-file')), 'catalog')).toMatchObject({ UPLOADS_BUCKET: 'hybrid-platform-sandbox-functions-uploads-example' });
  });

  it('still takes the outputs of cdk deploy, and writes the Argo CD Application for --argocd-repo', () => {
    const example = JSON.parse(readFileSync(join(ROOT, 'k8s/values/example.json'), 'utf8'));
    const config = example.services.orders.config;
    const inputs = {
      region: 'eu-west-1',
      vpcCidr: '10.30.0.0/16',
      databaseHost: config.DATABASE_HOST,
      databasePort: '5432',
      databaseName: 'platform',
      databaseSecretArn: config.DATABASE_SECRET_ARN,
      uploadsBucket: 'deployed-uploads',
      eventBusName: 'deployed-events',
      images: { catalog: example.services.catalog.image, orders: example.services.orders.image },
    };
    writeFileSync(join(scratch, 'outputs.json'), JSON.stringify({ cluster: { ChartInputs: JSON.stringify(inputs) } }));

    synthK8sInScratch('--out', 'deployed', '--cdk-outputs', 'outputs.json', '--argocd-repo', 'https://github.com/example/fork.git');

    expect(configMap(manifestsIn(join(scratch, 'deployed')), 'orders')).toMatchObject({ EVENT_BUS_NAME: 'deployed-events', AWS_REGION: 'eu-west-1' });
    const [application] = manifestsIn(join(scratch, 'dist/argocd'));
    expect(application).toMatchObject({ kind: 'Application', spec: { source: { repoURL: 'https://github.com/example/fork.git', path: 'deployed' } } });
  });
});
