import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CORE_SERVICES } from '../../infra/config/core-services';
import { loadConfigFromContext } from '../../infra/config/load-config';
import { PROJECT } from '../../infra/config/naming';
import type { ChartInputs } from '../../k8s/values';
import { NOT_DEPLOYED, valuesForEnvironment, valuesFromCdkOutputs, valuesFromFile } from '../../k8s/values-sources';

const scratch = mkdtempSync(join(tmpdir(), 'values-'));
const writeJson = (name: string, content: unknown) => {
  const path = join(scratch, name);
  writeFileSync(path, JSON.stringify(content));
  return path;
};

const inputs: ChartInputs = {
  region: 'eu-west-1',
  vpcCidr: '10.0.0.0/16',
  databaseHost: 'db.cluster-abc.eu-west-1.rds.amazonaws.com',
  databasePort: '5432',
  databaseName: 'platform',
  databaseSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf',
  uploadsBucket: 'uploads-bucket',
  eventBusName: 'hybrid-platform-sandbox-events',
  images: {
    catalog: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/cdk-hnb659fds-container-assets-123456789012-eu-west-1:1f2e3d',
    orders: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/cdk-hnb659fds-container-assets-123456789012-eu-west-1:4c5b6a',
  },
  nodeSelector: { 'karpenter.sh/nodepool': 'core-apis' },
};

describe('chart values from cdk deploy --outputs-file', () => {
  it('maps the cluster stack ChartInputs output to values, with the images that deploy pushed', () => {
    const path = writeJson('outputs.json', {
      'hybrid-platform-sandbox-network': {},
      'hybrid-platform-sandbox-cluster': { ClusterName: 'x', ChartInputs: JSON.stringify(inputs) },
    });
    const values = valuesFromCdkOutputs(path);
    expect(values.vpcCidr).toBe('10.0.0.0/16');
    expect(values.services.orders.image).toBe(inputs.images.orders);
    expect(values.nodeSelector).toEqual({ 'karpenter.sh/nodepool': 'core-apis' });
    expect(values.certificateArn).toBeUndefined();
    expect(values.services.catalog.config).toEqual({
      AWS_REGION: 'eu-west-1',
      DATABASE_HOST: inputs.databaseHost,
      DATABASE_PORT: '5432',
      DATABASE_NAME: 'platform',
      DATABASE_SECRET_ARN: inputs.databaseSecretArn,
      UPLOADS_BUCKET: 'uploads-bucket',
      SERVICE_NAME: 'catalog',
    });
    expect(values.services.orders.config.EVENT_BUS_NAME).toBe('hybrid-platform-sandbox-events');
  });

  it('rejects an outputs file without the cluster stack', () => {
    const path = writeJson('no-cluster.json', { 'hybrid-platform-sandbox-network': {} });
    expect(() => valuesFromCdkOutputs(path)).toThrow(/expected exactly one stack with a ChartInputs output \(the cluster stack\), found 0/);
  });

  it('rejects an image tagged latest', () => {
    const latest = { ...inputs, images: { ...inputs.images, catalog: 'registry.example.com/catalog:latest' } };
    const path = writeJson('outputs-latest.json', { cluster: { ChartInputs: JSON.stringify(latest) } });
    expect(() => valuesFromCdkOutputs(path)).toThrow(/services\.catalog\.image: must not use the tag "latest"/);
  });
});

describe('chart values from a values file', () => {
  it('reads the shipped example, which has an entry for every core service', () => {
    expect(Object.keys(valuesFromFile('k8s/values/example.json').services).sort()).toEqual([...CORE_SERVICES].sort());
  });

  it("refuses a namespace: it is the platform's (APP_NAMESPACE), which the Pod Identity associations also name", () => {
    const path = writeJson('values-namespace.json', { ...JSON.parse(readFileSync('k8s/values/example.json', 'utf8')), namespace: 'other' });
    expect(() => valuesFromFile(path)).toThrow(/Unrecognized key: "namespace"/);
  });

  it('names a missing file', () => {
    expect(() => valuesFromFile(join(scratch, 'missing.json'))).toThrow(/Cannot read values from .*missing\.json/);
  });

  it('rejects unknown keys', () => {
    const path = writeJson('extra.json', { ...JSON.parse(JSON.stringify(valuesFromFile('k8s/values/example.json'))), replicas: 3 });
    expect(() => valuesFromFile(path)).toThrow(/Invalid chart values in .*extra\.json/);
  });
});

describe('chart values of an environment, before any deploy', () => {
  const valuesOf = (context: Record<string, string>) => valuesForEnvironment(loadConfigFromContext(context));
  const certificate = 'arn:aws:acm:eu-west-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab';

  it('takes the VPC CIDR from the environment, overrides included', () => {
    expect(valuesOf({}).vpcCidr).toBe('10.0.0.0/16');
    expect(valuesOf({ env: 'prod' }).vpcCidr).toBe('10.10.0.0/16');
    expect(valuesOf({ env: 'prod', vpcCidr: '10.20.0.0/17' }).vpcCidr).toBe('10.20.0.0/17');
  });

  it('names the event bus, the uploads bucket and the database after the environment', () => {
    const { orders, catalog } = valuesOf({ env: 'prod' }).services;
    expect(orders.config.EVENT_BUS_NAME).toBe(`${PROJECT}-prod-events`);
    expect(catalog.config.UPLOADS_BUCKET).toBe(`${PROJECT}-prod-uploads-123456789012-us-east-1`);
    expect(catalog.config.DATABASE_HOST).toBe(`${PROJECT}-prod-db.cluster-not-deployed.us-east-1.rds.amazonaws.com`);
  });

  it('gives the load balancer the certificate of -c apiCertificateArn, and none without it', () => {
    expect(valuesOf({ apiCertificateArn: certificate }).certificateArn).toBe(certificate);
    expect(valuesOf({}).certificateArn).toBeUndefined();
  });

  it('marks what only a deploy knows as not deployed, in values the charts accept', () => {
    const values = valuesOf({ env: 'prod' });
    expect(values.services.catalog.image).toMatch(/:catalog-not-deployed$/);
    expect(values.services.orders.config.DATABASE_SECRET_ARN).toContain(NOT_DEPLOYED.marker);
    expect(values.services.orders.config.AWS_REGION).toBe(NOT_DEPLOYED.region);
    expect(values.nodeSelector).toBeUndefined();
  });

  it('maps the inputs as a deploy does: the same keys as the values from cdk deploy --outputs-file', () => {
    const path = writeJson('outputs-shape.json', { cluster: { ChartInputs: JSON.stringify(inputs) } });
    const deployed = valuesFromCdkOutputs(path);
    const reviewed = valuesOf({});
    for (const name of CORE_SERVICES) {
      expect(Object.keys(reviewed.services[name].config).sort()).toEqual(Object.keys(deployed.services[name].config).sort());
    }
  });
});
