import { readFileSync } from 'node:fs';
import type { CoreServiceName } from '../infra/config/core-services';
import type { EnvironmentConfig } from '../infra/config/environment-config';
import { physicalName, uploadsBucketName } from '../infra/config/naming';
import {
  ValuesError,
  coreServiceRegistry,
  platformValuesFrom,
  serviceNames,
  validateValues,
  type ChartInputs,
  type PlatformValues,
  type ServiceRegistry,
} from './values';

/** What only a deploy knows, spelled so that nobody mistakes it for a real value. */
export const NOT_DEPLOYED = { account: '123456789012', region: 'us-east-1', marker: 'not-deployed' } as const;

/**
 * Values to review an environment's charts before (or without) a deploy: `npm run synth -- -c env=prod`.
 * They go through platformValuesFrom like the deployed ones, so only the inputs differ:
 *
 * - from the environment config: the VPC CIDR (network.cidr, `-c vpcCidr`) that the NetworkPolicies
 *   allow, the load balancer's certificate (`-c apiCertificateArn`; absent: plain HTTP), and the names
 *   derived from the environment's name (event bus, uploads bucket, database cluster);
 * - placeholders (NOT_DEPLOYED) for what a deploy decides: the account and region, the database
 *   endpoint and secret, the image tags (asset hashes), and the Auto Mode node pool's nodeSelector
 *   (left out). `--cdk-outputs` after a deploy has the real ones.
 */
export function valuesForEnvironment<Name extends string = CoreServiceName>(
  config: EnvironmentConfig,
  registry: ServiceRegistry<Name> = coreServiceRegistry(),
): PlatformValues<Name> {
  const { account, region, marker } = NOT_DEPLOYED;
  const inputs: ChartInputs<Name> = {
    region,
    vpcCidr: config.network.cidr,
    databaseHost: `${physicalName(config, 'db')}.cluster-${marker}.${region}.rds.amazonaws.com`,
    // Aurora PostgreSQL's port and the data stack's database name: the same in every environment.
    databasePort: '5432',
    databaseName: 'platform',
    databaseSecretArn: `arn:aws:secretsmanager:${region}:${account}:secret:${marker}`,
    uploadsBucket: uploadsBucketName(config, account, region),
    eventBusName: physicalName(config, 'events'),
    images: Object.fromEntries(
      serviceNames(registry).map((name) => [name, `${account}.dkr.ecr.${region}.amazonaws.com/cdk-hnb659fds-container-assets-${account}-${region}:${name}-${marker}`]),
    ) as Record<Name, string>,
    certificateArn: config.cluster.apiCertificateArn,
  };
  return validateValues(platformValuesFrom(inputs, registry), `environment "${config.name}" (infra/config/environments.ts)`, registry);
}

/** Values written by hand (or by a pipeline): a JSON file of the PlatformValues shape. */
export function valuesFromFile<Name extends string = CoreServiceName>(path: string, registry: ServiceRegistry<Name> = coreServiceRegistry()): PlatformValues<Name> {
  return validateValues(readJson(path), path, registry);
}

/**
 * Values from `cdk deploy --all --outputs-file <path>`: the cluster stack's `ChartInputs` output,
 * with the images that deploy built and pushed.
 */
export function valuesFromCdkOutputs<Name extends string = CoreServiceName>(
  path: string,
  registry: ServiceRegistry<Name> = coreServiceRegistry(),
): PlatformValues<Name> {
  const outputs = readJson(path) as Record<string, Record<string, string>>;
  const found = Object.entries(outputs).filter(([, stackOutputs]) => typeof stackOutputs?.ChartInputs === 'string');
  if (found.length !== 1) {
    throw new ValuesError(`${path}: expected exactly one stack with a ChartInputs output (the cluster stack), found ${found.length}`);
  }
  const [stackName, stackOutputs] = found[0];
  const inputs = JSON.parse(stackOutputs.ChartInputs) as ChartInputs<Name>;
  return validateValues(platformValuesFrom(inputs, registry), `${path} (${stackName}.ChartInputs)`, registry);
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ValuesError(`Cannot read values from ${path}: ${(error as Error).message}`);
  }
}
