import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { closestKey, editDistance, isCdkContextKey } from '../../infra/config/context-keys';
import { CONTEXT_KEYS, ConfigError, contextFromFlags, loadConfigFromContext, loadEnvironmentConfig } from '../../infra/config/load-config';
import { environmentConfigSchema } from '../../infra/config/environment-config';
import { ENVIRONMENTS } from '../../infra/config/environments';

/** What the app lists as `env`'s allowed values: the environments of infra/config/environments.ts. */
const ALLOWED_ENVIRONMENTS = Object.keys(ENVIRONMENTS).join(', ');

const load = (context: Record<string, unknown>) => () => loadEnvironmentConfig((key) => context[key]);
const loadAll = (context: Record<string, unknown>) => () => loadConfigFromContext(context);
const errorOf = (run: () => unknown): Error => {
  try {
    run();
  } catch (caught) {
    return caught as Error;
  }
  throw new Error('expected a ConfigError');
};

describe('environment configuration', () => {
  it('defaults to the sandbox environment', () => {
    expect(load({})().name).toBe('sandbox');
  });

  it.each(Object.keys(ENVIRONMENTS))('accepts the shipped %s environment as it is', (env) => {
    expect(load({ env })()).toMatchObject({ name: env });
  });

  it('rejects an unknown environment, naming the key and the allowed values', () => {
    expect(load({ env: 'no-such-env' })).toThrow(new ConfigError(`Unknown value "no-such-env" for context key "env". Allowed values: ${ALLOWED_ENVIRONMENTS}.`));
  });

  it('rejects a malformed CIDR block', () => {
    expect(load({ vpcCidr: '10.0.0.0/33' })).toThrow(/network\.cidr \(from -c vpcCidr\): must be an IPv4 CIDR block with a prefix from \/16 to \/28/);
    expect(load({ vpcCidr: '300.0.0.0/16' })).toThrow(ConfigError);
    expect(load({ vpcCidr: '10.0.0.0/26' })).toThrow(ConfigError);
  });

  it('takes VPC prefixes from /16 to /28 as CIDR blocks, and no longer or shorter one', () => {
    const format = /network\.cidr \(from -c vpcCidr\): must be an IPv4 CIDR block with a prefix from \/16 to \/28/;
    expect(load({ vpcCidr: '10.0.0.0/15' })).toThrow(format);
    expect(load({ vpcCidr: '10.0.0.0/29' })).toThrow(format);
    expect(load({ vpcCidr: '10.0.0.0/16' })().network.cidr).toBe('10.0.0.0/16');
    // A /28 is a CIDR block AWS takes, only too small for the subnets: the other rule says so.
    expect(errorOf(load({ vpcCidr: '10.0.0.0/28' })).message).toMatch(/network\.cidr \(from -c vpcCidr\): is too small for the subnets of 2 AZs/);
    expect(errorOf(load({ vpcCidr: '10.0.0.0/28' })).message).not.toMatch(format);
  });

  it('refuses a VPC range written from an address inside it, naming the block it means (CDK would build another)', () => {
    expect(errorOf(load({ vpcCidr: '10.0.0.1/16' })).message).toMatch(/^ {2}- network\.cidr \(from -c vpcCidr\): must start at the block's first address: 10\.0\.0\.0\/16$/m);
    expect(errorOf(load({ vpcCidr: '172.31.200.0/17' })).message).toMatch(/: must start at the block's first address: 172\.31\.128\.0\/17$/m);
    expect(load({ vpcCidr: '172.31.128.0/17' })().network.cidr).toBe('172.31.128.0/17');
  });

  it('names a malformed VPC range and the other bad keys together', () => {
    const message = errorOf(load({ vpcCidr: '10.0.0/16', natGateways: '5' })).message;
    expect(message).toMatch(/network\.cidr \(from -c vpcCidr\): must be an IPv4 CIDR block/);
    expect(message).toMatch(/network\.natGateways \(from -c natGateways\): must be from 1 to 2/);
    expect(message).not.toMatch(/first address/);
  });

  it('refuses an octet above 255 in the VPC range, and takes 255', () => {
    expect(load({ vpcCidr: '10.256.0.0/16' })).toThrow(/network\.cidr \(from -c vpcCidr\): must be an IPv4 CIDR block/);
    expect(load({ vpcCidr: '10.255.0.0/16' })().network.cidr).toBe('10.255.0.0/16');
  });

  it('refuses a database minimum above its maximum, naming both keys, and takes them equal', () => {
    const withDatabase = (database: Partial<(typeof ENVIRONMENTS)['sandbox']['database']>) => {
      jest.replaceProperty(ENVIRONMENTS, 'sandbox', { ...ENVIRONMENTS.sandbox, database: { ...ENVIRONMENTS.sandbox.database, ...database } });
      return load({});
    };
    try {
      expect(withDatabase({ minCapacity: 4, maxCapacity: 2 })).toThrow(/database\.minCapacity: must not exceed database\.maxCapacity/);
      expect(withDatabase({ minCapacity: 2, maxCapacity: 2 })().database).toMatchObject({ minCapacity: 2, maxCapacity: 2 });
    } finally {
      jest.restoreAllMocks();
    }
  });

  it('refuses a managed node group whose minimum size is above its maximum, and takes them equal', () => {
    const withNodeGroup = (minSize: number, maxSize: number) => {
      const capacity = { type: 'managed-node-group', instanceType: 't4g.medium', minSize, maxSize } as const;
      jest.replaceProperty(ENVIRONMENTS, 'sandbox', { ...ENVIRONMENTS.sandbox, cluster: { ...ENVIRONMENTS.sandbox.cluster, capacity } as never });
      return load({});
    };
    try {
      expect(withNodeGroup(3, 2)).toThrow(/cluster\.capacity\.minSize: must not exceed cluster\.capacity\.maxSize/);
      expect(withNodeGroup(2, 2)().cluster.capacity).toMatchObject({ minSize: 2, maxSize: 2 });
    } finally {
      jest.restoreAllMocks();
    }
  });

  it('refuses a VPC range too small for the subnets of its AZs, naming the longest prefix that fits', () => {
    expect(load({ vpcCidr: '10.0.0.0/19' })).toThrow(/network\.cidr \(from -c vpcCidr\): is too small for the subnets of 2 AZs \(network\.maxAzs\): use a prefix from \/16 to \/18/);
    expect(load({ env: 'prod', vpcCidr: '10.0.0.0/18' })).toThrow(/is too small for the subnets of 3 AZs \(network\.maxAzs\): use a prefix from \/16 to \/17/);
    expect(load({ env: 'prod', vpcCidr: '10.0.0.0/17' })().network.cidr).toBe('10.0.0.0/17');
  });

  it('rejects a NAT gateway count outside 1 to the number of AZs', () => {
    expect(load({ natGateways: '0' })).toThrow(/network\.natGateways \(from -c natGateways\): must be from 1 to 2 \(network\.maxAzs\)/);
    expect(load({ natGateways: '3' })).toThrow(/must be from 1 to 2/);
    expect(load({ env: 'prod', natGateways: '4' })).toThrow(/must be from 1 to 3/);
    expect(load({ natGateways: 'many' })).toThrow(/network\.natGateways \(from -c natGateways\): must be a whole number/);
  });

  it('rejects a NAT provider other than gateway or instance, naming the allowed values', () => {
    expect(load({ natProvider: 'nat-gateway' })).toThrow(/network\.natProvider \(from -c natProvider\): must be one of gateway, instance/);
  });

  it('rejects core API nodes other than general or burstable, and Container Insights other than enhanced, basic or off, naming the allowed values', () => {
    expect(load({ coreApiNodes: 'spot' })).toThrow(/cluster\.capacity\.coreApiNodes \(from -c coreApiNodes\): must be one of general, burstable/);
    expect(load({ containerInsights: 'full' })).toThrow(/cluster\.containerInsights \(from -c containerInsights\): must be one of enhanced, basic, off/);
  });

  it('takes the sandbox cost levers by default (burstable nodes, no Container Insights metrics, the authenticator log alone), prod none of them', () => {
    const pick = ({ cluster }: ReturnType<ReturnType<typeof load>>) => ({ capacity: cluster.capacity, containerInsights: cluster.containerInsights, controlPlaneLogs: cluster.controlPlaneLogs });
    expect(pick(load({})())).toEqual({ capacity: { type: 'auto-mode', coreApiNodes: 'burstable' }, containerInsights: 'off', controlPlaneLogs: ['authenticator'] });
    expect(pick(load({ env: 'prod' })())).toEqual({
      capacity: { type: 'auto-mode', coreApiNodes: 'general' },
      containerInsights: 'enhanced',
      controlPlaneLogs: ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'],
    });
    expect(pick(load({ coreApiNodes: 'general', containerInsights: 'basic' })())).toMatchObject({ capacity: { coreApiNodes: 'general' }, containerInsights: 'basic' });
  });

  it('refuses a control-plane log type EKS does not have, and one named twice', () => {
    const withLogs = (controlPlaneLogs: unknown[]) => {
      jest.replaceProperty(ENVIRONMENTS, 'sandbox', { ...ENVIRONMENTS.sandbox, cluster: { ...ENVIRONMENTS.sandbox.cluster, controlPlaneLogs } as never });
      return load({});
    };
    try {
      expect(withLogs(['audit', 'kubelet'])).toThrow(/cluster\.controlPlaneLogs\.1: must be one of api, audit, authenticator, controllerManager, scheduler/);
      expect(withLogs(['audit', 'audit'])).toThrow(/cluster\.controlPlaneLogs: must not name a log type twice: audit/);
    } finally {
      jest.restoreAllMocks();
    }
  });

  it('runs a NAT instance in the sandbox and NAT gateways in prod, unless -c natProvider says otherwise', () => {
    expect(load({})().network.natProvider).toBe('instance');
    expect(load({ env: 'prod' })().network.natProvider).toBe('gateway');
    expect(load({ natProvider: 'gateway' })().network.natProvider).toBe('gateway');
  });

  it('accepts a NAT gateway count given as a context string', () => {
    expect(load({ natGateways: '2' })().network.natGateways).toBe(2);
  });

  it('reads every other -c value as text, even one that looks like a number: -c kubernetesVersion=1.36, -c owner=4711', () => {
    expect(load({ kubernetesVersion: '1.36' })().cluster.kubernetesVersion).toBe('1.36');
    expect(load({ owner: '4711' })().owner).toBe('4711');
  });

  it.each(['1.5', '0x2', '2e0', ' 2'])('refuses a NAT gateway count of %p, written other than in digits, as no whole number', (natGateways) => {
    expect(load({ natGateways })).toThrow(/network\.natGateways \(from -c natGateways\): must be a whole number$/m);
  });

  it('rejects an unsupported Kubernetes version, listing the supported ones', () => {
    expect(load({ kubernetesVersion: '1.29' })).toThrow(/cluster\.kubernetesVersion \(from -c kubernetesVersion\): must be one of 1\.36/);
  });

  it.each([0, -5, '50'])('rejects a budget.anomalyAlertUsd of %p, naming the key', (anomalyAlertUsd) => {
    const result = environmentConfigSchema.safeParse({ ...ENVIRONMENTS.sandbox, budget: { ...ENVIRONMENTS.sandbox.budget, anomalyAlertUsd } });
    expect(result.error?.issues.map(({ path, message }) => `${path.join('.')}: ${message}`)).toEqual(['budget.anomalyAlertUsd: must be a positive number of USD, e.g. 50']);
  });

  it('rejects a budget e-mail that is not an address, or missing', () => {
    expect(load({ budgetEmail: 'finance-team' })).toThrow(/budget\.alertEmail \(from -c budgetEmail\): must be an e-mail address/);
    expect(load({ budgetEmail: '' })).toThrow(/budget\.alertEmail/);
  });

  it('rejects an admin role that is not an IAM role ARN', () => {
    expect(load({ adminRoleArn: 'arn:aws:iam::123456789012:user/alice' })).toThrow(/cluster\.adminRoleArn \(from -c adminRoleArn\): must be an IAM role ARN/);
  });

  it('rejects an API certificate that is not an ACM certificate ARN', () => {
    expect(load({ apiCertificateArn: 'arn:aws:iam::123456789012:server-certificate/api' })).toThrow(
      /cluster\.apiCertificateArn \(from -c apiCertificateArn\): must be an ACM certificate ARN/,
    );
  });

  it('accepts an ACM certificate ARN for the API', () => {
    const arn = 'arn:aws:acm:eu-west-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab';
    expect(load({ apiCertificateArn: arn })().cluster.apiCertificateArn).toBe(arn);
  });

  it('accepts an admin role ARN', () => {
    const arn = 'arn:aws:iam::123456789012:role/PlatformAdmin';
    expect(load({ adminRoleArn: arn })().cluster.adminRoleArn).toBe(arn);
  });

  it('rejects an empty owner, naming the key in words a person reads', () => {
    expect(load({ owner: '' })).toThrow(
      new ConfigError(
        'Invalid configuration for environment "sandbox" (infra/config/environments.ts):\n' +
          '  - owner (from -c owner): must not be empty: name the team or person who answers for this environment',
      ),
    );
    expect(load({ owner: '   ' })).toThrow(/owner \(from -c owner\): must not be empty/);
  });

  it('has no GitHub repository, and so no deploy-role stack, unless one is given', () => {
    expect(load({})().github).toBeUndefined();
  });

  it('accepts a GitHub repository as <owner>/<name>, and an existing GitHub OIDC provider', () => {
    const oidcProviderArn = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';
    expect(load({ githubRepository: 'octo-org/hybrid-platform' })().github).toEqual({ repository: 'octo-org/hybrid-platform' });
    expect(load({ githubRepository: 'a/b.c_d-e', githubOidcProviderArn: oidcProviderArn })().github).toEqual({ repository: 'a/b.c_d-e', oidcProviderArn });
  });

  it.each(['hybrid-platform', 'https://github.com/octo-org/hybrid-platform', 'octo-org/hybrid-platform/main', 'octo-org/*', 'octo-org/app:ref:refs/heads/main', '-octo/app', 'octo-org/..', '123'])(
    'rejects the GitHub repository %j, naming the key and the form it takes',
    (githubRepository) => {
      expect(load({ githubRepository })).toThrow(
        new ConfigError(
          'Invalid configuration for environment "sandbox" (infra/config/environments.ts):\n' +
            '  - github.repository (from -c githubRepository): must be a GitHub repository as <owner>/<name>, e.g. octo-org/hybrid-platform',
        ),
      );
    },
  );

  it('rejects an OIDC provider that is not GitHub\'s, naming the key', () => {
    expect(load({ githubRepository: 'octo-org/app', githubOidcProviderArn: 'arn:aws:iam::123456789012:oidc-provider/gitlab.com' })).toThrow(
      /github\.oidcProviderArn \(from -c githubOidcProviderArn\): must be the ARN of the account's GitHub OIDC provider, e.g\. arn:aws:iam::123456789012:oidc-provider\/token\.actions\.githubusercontent\.com/,
    );
    expect(load({ githubRepository: 'octo-org/app', githubOidcProviderArn: 'token.actions.githubusercontent.com' })).toThrow(/github\.oidcProviderArn \(from -c githubOidcProviderArn\)/);
  });

  it('rejects an OIDC provider without a repository, saying which key to add', () => {
    expect(load({ githubOidcProviderArn: 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com' })).toThrow(
      /github\.repository: is required with github\.oidcProviderArn: add -c githubRepository=<owner>\/<name>/,
    );
  });

  it('reports every bad key at once', () => {
    const error = errorOf(load({ vpcCidr: 'nope', budgetEmail: 'nope' }));
    expect(error.message).toMatch(/network\.cidr/);
    expect(error.message).toMatch(/budget\.alertEmail/);
  });
});

describe('context keys', () => {
  /** What `cdk synth` hands the app besides the user's flags (seen with a debug print of app.node.getAllContext()). */
  const cdkJsonContext: Record<string, unknown> = JSON.parse(readFileSync(join(__dirname, '../../cdk.json'), 'utf8')).context;
  const cliContext = {
    ...cdkJsonContext,
    'aws:cdk:enable-path-metadata': true,
    'aws:cdk:enable-asset-metadata': true,
    'aws:cdk:version-reporting': true,
    'aws:cdk:bundling-stacks': ['**'],
  };

  it('stops on a mistyped key, suggesting the key it was probably meant as', () => {
    expect(loadAll({ ...cliContext, natGateway: '2' })).toThrow(new ConfigError('unknown context key "natGateway"; did you mean "natGateways"?'));
  });

  it.each([
    ['envv', 'env'],
    ['Env', 'env'],
    ['vpccidr', 'vpcCidr'],
    ['ownr', 'owner'],
    ['budgetEmial', 'budgetEmail'],
    ['kubernetesVerison', 'kubernetesVersion'],
    ['apiCertificateArns', 'apiCertificateArn'],
    ['githubRepositry', 'githubRepository'],
    ['githubOidcProviderARN', 'githubOidcProviderArn'],
  ])('suggests %s -> %s', (typo, meant) => {
    expect(loadAll({ [typo]: 'x' })).toThrow(`unknown context key "${typo}"; did you mean "${meant}"?`);
  });

  it('lists the allowed keys when an unknown key is close to none of them', () => {
    expect(loadAll({ region: 'eu-west-1' })).toThrow(
      new ConfigError(
        'unknown context key "region"; allowed keys: env, owner, vpcCidr, natProvider, natGateways, kubernetesVersion, coreApiNodes, containerInsights, adminRoleArn, budgetEmail, apiCertificateArn, githubRepository, githubOidcProviderArn, workingHoursTimeZone, awakeFrom, awakeUntil (and CDK\'s own, e.g. @aws-cdk/* feature flags)',
      ),
    );
  });

  it('reports every unknown key, one per line, before validating any value', () => {
    expect(errorOf(loadAll({ natGateway: 'many', foo: '1', env: 'no-such-env' })).message).toBe(
      ['unknown context key "natGateway"; did you mean "natGateways"?', `unknown context key "foo"; allowed keys: ${CONTEXT_KEYS.join(', ')} (and CDK's own, e.g. @aws-cdk/* feature flags)`].join('\n'),
    );
  });

  it('accepts what the CDK CLI passes: cdk.json feature flags, its aws:cdk switches, cached lookups', () => {
    const context = {
      ...cliContext,
      'aws-cdk:enableDiffNoFail': true,
      'availability-zones:account=123456789012:region=eu-west-1': ['eu-west-1a', 'eu-west-1b'],
      'ssm:account=123456789012:parameterName=/x:region=eu-west-1': 'value',
      'acknowledged-issue-numbers': [12345],
      'cli-telemetry': false,
      env: 'prod',
      natGateways: '2',
    };
    expect(loadAll(context)()).toMatchObject({ name: 'prod', network: { natGateways: 2 } });
  });

  it('counts as ours exactly env and the overrides, none of which looks like a CDK key', () => {
    expect(CONTEXT_KEYS).toEqual([
      'env',
      'owner',
      'vpcCidr',
      'natProvider',
      'natGateways',
      'kubernetesVersion',
      'coreApiNodes',
      'containerInsights',
      'adminRoleArn',
      'budgetEmail',
      'apiCertificateArn',
      'githubRepository',
      'githubOidcProviderArn',
      'workingHoursTimeZone',
      'awakeFrom',
      'awakeUntil',
    ]);
    expect(CONTEXT_KEYS.filter(isCdkContextKey)).toEqual([]);
  });

  it('does not take a bare word, or a word with a colon but no lookup, for a CDK key', () => {
    expect(['natGateway', 'aws', 'cdk', 'vpc:cidr', 'aws:cdk', '@aws-cdk'].filter(isCdkContextKey)).toEqual([]);
  });

  it('measures typos in edits, a swap of neighbours counting as one', () => {
    expect(editDistance('natGateway', 'natGateways')).toBe(1);
    expect(editDistance('ownre', 'owner')).toBe(1);
    expect(editDistance('', 'env')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });

  it('suggests nothing for a key far from every known one', () => {
    expect(closestKey('stage', CONTEXT_KEYS)).toBeUndefined();
    expect(closestKey('e', CONTEXT_KEYS)).toBeUndefined();
  });
});

describe('working hours', () => {
  const sandboxHours = ENVIRONMENTS.sandbox.workingHours;
  /** The sandbox with its workingHours changed as environments.ts would change them, then loaded. */
  const withHours = (hours: Record<string, unknown>) => {
    jest.replaceProperty(ENVIRONMENTS, 'sandbox', { ...ENVIRONMENTS.sandbox, workingHours: { ...sandboxHours, ...hours } as typeof sandboxHours });
    return load({});
  };
  afterEach(() => jest.restoreAllMocks());

  it('gives the sandbox 50 awake hours a week, and prod none', () => {
    expect(load({})().workingHours).toEqual({ timeZone: 'Europe/Berlin', days: ['MON', 'TUE', 'WED', 'THU', 'FRI'], awakeFrom: '08:00', awakeUntil: '18:00' });
    expect(load({ env: 'prod' })().workingHours).toBeUndefined();
  });

  it('takes the time zone and the hours from -c', () => {
    expect(load({ workingHoursTimeZone: 'America/New_York', awakeFrom: '07:30', awakeUntil: '16:00' })().workingHours).toMatchObject({
      timeZone: 'America/New_York',
      awakeFrom: '07:30',
      awakeUntil: '16:00',
    });
  });

  it.each(['Mars/Olympus', '+01:00', 'Berlin', ''])('rejects %j, which is no IANA time zone', (timeZone) => {
    expect(load({ workingHoursTimeZone: timeZone })).toThrow(
      /workingHours\.timeZone \(from -c workingHoursTimeZone\): must be an IANA time zone, e\.g\. Europe\/Berlin, America\/New_York or UTC/,
    );
  });

  it('accepts UTC', () => {
    expect(load({ workingHoursTimeZone: 'UTC' })().workingHours?.timeZone).toBe('UTC');
  });

  it.each(['8:00', '24:00', '08:60', '0800', '08:00:00'])('rejects the time %j, naming the format', (time) => {
    expect(load({ awakeFrom: time })).toThrow(/workingHours\.awakeFrom \(from -c awakeFrom\): must be a time of day as HH:MM, 00:00 to 23:59, e\.g\. 08:00$/m);
    expect(load({ awakeUntil: time })).toThrow(/workingHours\.awakeUntil \(from -c awakeUntil\): must be a time of day as HH:MM/);
  });

  it('refuses awake hours that end before, or when, they start', () => {
    expect(load({ awakeFrom: '19:00' })).toThrow(/workingHours\.awakeFrom \(from -c awakeFrom\): must be before workingHours\.awakeUntil \(18:00\): the awake hours lie within one day/);
    expect(load({ awakeFrom: '18:00' })).toThrow(/must be before workingHours\.awakeUntil/);
  });

  it('refuses an empty list of days, pointing to leaving workingHours out', () => {
    expect(withHours({ days: [] })).toThrow(/workingHours\.days: must name at least one day \(MON, TUE, WED, THU, FRI, SAT, SUN\); to never sleep, leave workingHours out/);
  });

  it('refuses a day that is not one of the seven, listing them', () => {
    expect(withHours({ days: ['MON', 'Tuesday'] })).toThrow(/workingHours\.days\.1: must be one of MON, TUE, WED, THU, FRI, SAT, SUN/);
  });

  it('refuses a day named twice, naming it', () => {
    expect(withHours({ days: ['MON', 'TUE', 'MON'] })).toThrow(/workingHours\.days: must not name a day twice: MON/);
  });

  it('refuses a key it does not know, and a working hours setting that lacks one', () => {
    expect(withHours({ weekends: true })).toThrow(/workingHours: Unrecognized key: "weekends"/);
    expect(load({ env: 'prod', awakeFrom: '08:00' })).toThrow(/workingHours\.timeZone: is required with workingHours \(set every key of it in infra\/config\/environments\.ts\)/);
  });
});

describe('-c flags', () => {
  it('reads key=value as the CDK CLI does: split at the first =, a later flag winning', () => {
    expect(contextFromFlags(['env=prod', 'owner=a=b', 'owner=', 'natGateways=1', 'natGateways=2'])).toEqual({ env: 'prod', owner: '', natGateways: '2' });
  });

  it.each(['env', '=prod'])('rejects %j, which is not key=value', (flag) => {
    expect(() => contextFromFlags([flag])).toThrow(new ConfigError(`-c ${flag}: expected <key>=<value>, e.g. -c env=prod`));
  });
});
