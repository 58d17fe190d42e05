import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CORE_SERVICES } from '../../infra/config/core-services';
import { loadConfigFromContext } from '../../infra/config/load-config';
import { PROJECT } from '../../infra/config/naming';
import type { ChartInputs } from '../../k8s/values';
import { NOT_DEPLOYED, valuesForEnvironment, valuesFromCdkOutputs, valuesFromFile } from '../../k8s/values-sources';
import { FIXTURE_INPUTS, FIXTURE_REGISTRY, fixtureValues, type FixtureName } from './fixture-registry';

const scratch = mkdtempSync(join(tmpdir(), 'values-'));
const writeJson = (name: string, content: unknown) => {
  const path = join(scratch, name);
  writeFileSync(path, JSON.stringify(content));
  return path;
};

// The fixture registry (fixture-registry.ts): alpha calls beta, beta reads both platform inputs, gamma has no database.
const inputs: ChartInputs<FixtureName> = { ...FIXTURE_INPUTS, nodeSelector: { 'karpenter.sh/nodepool': 'core-apis' } };
const fromCdkOutputs = (path: string) => valuesFromCdkOutputs(path, FIXTURE_REGISTRY);
const fromFile = (path: string) => valuesFromFile(path, FIXTURE_REGISTRY);

describe('chart values from cdk deploy --outputs-file', () => {
  it('maps the cluster stack ChartInputs output to values, with the images that deploy pushed', () => {
    const path = writeJson('outputs.json', {
      'hybrid-platform-sandbox-network': {},
      'hybrid-platform-sandbox-cluster': { ClusterName: 'x', ChartInputs: JSON.stringify(inputs) },
    });
    const values = fromCdkOutputs(path);
    expect(values.vpcCidr).toBe('10.0.0.0/16');
    expect(values.services.alpha.image).toBe(inputs.images.alpha);
    expect(values.nodeSelector).toEqual({ 'karpenter.sh/nodepool': 'core-apis' });
    expect(values.certificateArn).toBeUndefined();
    expect(values.services.beta.config).toEqual({
      AWS_REGION: 'eu-west-1',
      DATABASE_HOST: inputs.databaseHost,
      DATABASE_PORT: '5432',
      DATABASE_NAME: 'platform',
      DATABASE_SECRET_ARN: inputs.databaseSecretArn,
      EVENT_BUS_NAME: 'fixture-events',
      UPLOADS_BUCKET: 'fixture-uploads',
      SERVICE_NAME: 'beta',
    });
  });

  it('rejects an outputs file without the cluster stack', () => {
    const path = writeJson('no-cluster.json', { 'hybrid-platform-sandbox-network': {} });
    expect(() => fromCdkOutputs(path)).toThrow(/expected exactly one stack with a ChartInputs output \(the cluster stack\), found 0/);
  });

  it('rejects an outputs file with two stacks of ChartInputs, and ignores stacks without outputs', () => {
    const path = writeJson('two-clusters.json', { a: { ChartInputs: JSON.stringify(inputs) }, b: { ChartInputs: JSON.stringify(inputs) }, c: null });
    expect(() => fromCdkOutputs(path)).toThrow(/expected exactly one stack with a ChartInputs output \(the cluster stack\), found 2/);
  });

  it('names the file and the stack output in a problem with the values', () => {
    const latest = { ...inputs, images: { ...inputs.images, alpha: 'registry.example.com/alpha:latest' } };
    const path = writeJson('outputs-named.json', { 'hybrid-platform-sandbox-cluster': { ChartInputs: JSON.stringify(latest) } });
    expect(() => fromCdkOutputs(path)).toThrow(`Invalid chart values in ${path} (hybrid-platform-sandbox-cluster.ChartInputs):`);
  });

  it('rejects an image tagged latest', () => {
    const latest = { ...inputs, images: { ...inputs.images, alpha: 'registry.example.com/alpha:latest' } };
    const path = writeJson('outputs-latest.json', { cluster: { ChartInputs: JSON.stringify(latest) } });
    expect(() => fromCdkOutputs(path)).toThrow(/services\.alpha\.image: must not use the tag "latest"/);
  });
});

describe('chart values from a values file', () => {
  it("reads the shipped example, which has an entry for every core service of the registry", () => {
    expect(Object.keys(valuesFromFile('k8s/values/example.json').services).sort()).toEqual([...CORE_SERVICES].sort());
  });

  it('reads a file of the values shape for the core APIs of the registry it is given', () => {
    expect(fromFile(writeJson('values.json', fixtureValues()))).toEqual(fixtureValues());
  });

  it("refuses a namespace: it is the platform's (APP_NAMESPACE), which the Pod Identity associations also name", () => {
    const path = writeJson('values-namespace.json', { ...fixtureValues(), namespace: 'other' });
    expect(() => fromFile(path)).toThrow(/Unrecognized key: "namespace"/);
  });

  it('names a missing file', () => {
    expect(() => fromFile(join(scratch, 'missing.json'))).toThrow(/Cannot read values from .*missing\.json/);
  });

  it('rejects unknown keys', () => {
    const path = writeJson('extra.json', { ...fixtureValues(), replicas: 3 });
    expect(() => fromFile(path)).toThrow(/Invalid chart values in .*extra\.json/);
  });
});

describe('chart values of an environment, before any deploy', () => {
  const valuesOf = (context: Record<string, string>) => valuesForEnvironment(loadConfigFromContext(context), FIXTURE_REGISTRY);
  const certificate = 'arn:aws:acm:eu-west-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab';

  it('takes the VPC CIDR from the environment, overrides included', () => {
    expect(valuesOf({}).vpcCidr).toBe('10.0.0.0/16');
    expect(valuesOf({ env: 'prod' }).vpcCidr).toBe('10.10.0.0/16');
    expect(valuesOf({ env: 'prod', vpcCidr: '10.20.0.0/17' }).vpcCidr).toBe('10.20.0.0/17');
  });

  it('names the event bus, the uploads bucket and the database after the environment', () => {
    const { beta } = valuesOf({ env: 'prod' }).services;
    expect(beta.config.EVENT_BUS_NAME).toBe(`${PROJECT}-prod-events`);
    expect(beta.config.UPLOADS_BUCKET).toBe(`${PROJECT}-prod-uploads-123456789012-us-east-1`);
    expect(beta.config.DATABASE_HOST).toBe(`${PROJECT}-prod-db.cluster-not-deployed.us-east-1.rds.amazonaws.com`);
  });

  it('gives the load balancer the certificate of -c apiCertificateArn, and none without it', () => {
    expect(valuesOf({ apiCertificateArn: certificate }).certificateArn).toBe(certificate);
    expect(valuesOf({}).certificateArn).toBeUndefined();
  });

  it('marks what only a deploy knows as not deployed, in values the charts accept', () => {
    const values = valuesOf({ env: 'prod' });
    expect(values.services.alpha.image).toMatch(/:alpha-not-deployed$/);
    expect(values.services.alpha.config.DATABASE_SECRET_ARN).toContain(NOT_DEPLOYED.marker);
    // What no deploy changes: Aurora PostgreSQL's port and the data stack's database name.
    expect(values.services.alpha.config).toMatchObject({ DATABASE_PORT: '5432', DATABASE_NAME: 'platform' });
    expect(values.services.gamma.config.AWS_REGION).toBe(NOT_DEPLOYED.region);
    expect(values.nodeSelector).toBeUndefined();
  });

  it('maps the inputs as a deploy does: the same keys as the values from cdk deploy --outputs-file', () => {
    const path = writeJson('outputs-shape.json', { cluster: { ChartInputs: JSON.stringify(inputs) } });
    const deployed = fromCdkOutputs(path);
    const reviewed = valuesOf({});
    for (const name of Object.keys(FIXTURE_REGISTRY) as FixtureName[]) {
      expect(Object.keys(reviewed.services[name].config).sort()).toEqual(Object.keys(deployed.services[name].config).sort());
    }
  });
});
