import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChartInputs } from '../../k8s/values';
import { valuesFromCdkOutputs, valuesFromFile } from '../../k8s/values-sources';

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
  imageRepositories: {
    catalog: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/hybrid-platform-sandbox/catalog',
    orders: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/hybrid-platform-sandbox/orders',
  },
};

describe('chart values from cdk deploy --outputs-file', () => {
  it('maps the cluster stack ChartInputs output to values, at the given image tag', () => {
    const path = writeJson('outputs.json', {
      'hybrid-platform-sandbox-network': {},
      'hybrid-platform-sandbox-cluster': { ClusterName: 'x', ChartInputs: JSON.stringify(inputs) },
    });
    const values = valuesFromCdkOutputs(path, '1.2.3');
    expect(values.vpcCidr).toBe('10.0.0.0/16');
    expect(values.services.orders.image).toBe(`${inputs.imageRepositories.orders}:1.2.3`);
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
    expect(() => valuesFromCdkOutputs(path, '1.2.3')).toThrow(/expected exactly one stack with a ChartInputs output \(the cluster stack\), found 0/);
  });

  it('rejects the image tag latest', () => {
    const path = writeJson('outputs-latest.json', { cluster: { ChartInputs: JSON.stringify(inputs) } });
    expect(() => valuesFromCdkOutputs(path, 'latest')).toThrow(/services\.catalog\.image: must not use the tag "latest"/);
  });
});

describe('chart values from a values file', () => {
  it('reads the shipped example', () => {
    expect(valuesFromFile('k8s/values/example.json').namespace).toBe('shop');
  });

  it('names a missing file', () => {
    expect(() => valuesFromFile(join(scratch, 'missing.json'))).toThrow(/Cannot read values from .*missing\.json/);
  });

  it('rejects unknown keys', () => {
    const path = writeJson('extra.json', { ...JSON.parse(JSON.stringify(valuesFromFile('k8s/values/example.json'))), replicas: 3 });
    expect(() => valuesFromFile(path)).toThrow(/Invalid chart values in .*extra\.json/);
  });
});
