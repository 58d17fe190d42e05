import type { CoreServiceDefinition } from '../../infra/config/core-services';
import { platformValuesFrom, validateValues, type ChartInputs, type PlatformValues } from '../../k8s/values';

/**
 * The core APIs the platform's k8s tests are written against, in place of the registry's own (the
 * samples, which a fork deletes): the tests then hold whatever the fork registers. Between them they
 * use every kind of entry: a call (alpha -> beta), both platform inputs (beta), and an API without
 * the database (gamma).
 */
export const FIXTURE_REGISTRY = {
  alpha: { publicPath: '/alpha', usesDatabase: true, calls: ['beta'], localPort: 9101 },
  beta: { publicPath: '/beta', usesDatabase: true, environment: { EVENT_BUS_NAME: 'eventBusName', UPLOADS_BUCKET: 'uploadsBucket' }, localPort: 9102 },
  gamma: { publicPath: '/gamma/v1', usesDatabase: false, localPort: 9103 },
} as const satisfies Record<string, CoreServiceDefinition>;

export type FixtureName = keyof typeof FIXTURE_REGISTRY;

/** Where the fixture's images are pushed: each is `<repository>/<name>:0.1.0`. */
export const FIXTURE_REPOSITORY = '123456789012.dkr.ecr.us-east-1.amazonaws.com/fixture';

/** What a deploy would hand the charts for the fixture, as plain strings. */
export const FIXTURE_INPUTS: ChartInputs<FixtureName> = {
  region: 'eu-west-1',
  vpcCidr: '10.0.0.0/16',
  databaseHost: 'db.cluster-abc.eu-west-1.rds.amazonaws.com',
  databasePort: '5432',
  databaseName: 'platform',
  databaseSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf',
  uploadsBucket: 'fixture-uploads',
  eventBusName: 'fixture-events',
  images: { alpha: `${FIXTURE_REPOSITORY}/alpha:0.1.0`, beta: `${FIXTURE_REPOSITORY}/beta:0.1.0`, gamma: `${FIXTURE_REPOSITORY}/gamma:0.1.0` },
};

/** The fixture's chart values, made and checked as a deploy makes and checks them. */
export function fixtureValues(): PlatformValues<FixtureName> {
  return validateValues(platformValuesFrom(FIXTURE_INPUTS, FIXTURE_REGISTRY), 'fixture', FIXTURE_REGISTRY);
}
