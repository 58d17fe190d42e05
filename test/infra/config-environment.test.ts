import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { environmentConfigSchema, LOG_RETENTION_DAYS } from '../../infra/config/environment-config';
import { ENVIRONMENTS } from '../../infra/config/environments';

/**
 * The schema's rules on settings as infra/config/environments.ts writes them, for the keys no `-c` flag
 * overrides (config.test.ts loads the others through the context). Each variant is the sandbox with one
 * section changed.
 */
const { sandbox, prod } = ENVIRONMENTS;

/** Every problem the schema finds, as `<key>: <message>`, the way the loader lists them; none: valid. */
function problemsOf(settings: unknown): string[] {
  const result = environmentConfigSchema.safeParse(settings);
  return result.success ? [] : result.error.issues.map(({ path, message }) => `${path.join('.')}: ${message}`);
}

const withNetwork = (network: Record<string, unknown>) => ({ ...sandbox, network: { ...sandbox.network, ...network } });
const withCluster = (cluster: Record<string, unknown>) => ({ ...sandbox, cluster: { ...sandbox.cluster, ...cluster } });
const withDatabase = (database: Record<string, unknown>) => ({ ...sandbox, database: { ...sandbox.database, ...database } });
const withHours = (hours: Record<string, unknown>) => ({ ...sandbox, workingHours: { ...sandbox.workingHours, ...hours } });

describe('the network settings', () => {
  const notACidr = 'network.cidr: must be an IPv4 CIDR block with a prefix from /16 to /28, e.g. 10.0.0.0/16';

  it.each([
    ['a leading space', ' 10.0.0.0/16'],
    ['a trailing space', '10.0.0.0/16 '],
    ['three octets', '10.0.0/16'],
    ['no prefix', '10.0.0.0'],
    ['a second prefix', '10.0.0.0/16/16'],
  ])('refuses a VPC range with %s as no CIDR block', (_case, cidr) => {
    expect(problemsOf(withNetwork({ cidr }))).toEqual([notACidr]);
  });

  it('takes a VPC range written with three-digit octets', () => {
    expect(problemsOf(withNetwork({ cidr: '192.168.128.0/17' }))).toEqual([]);
  });

  it('reads a three-digit last octet as part of a CIDR block, refusing the range only as too small', () => {
    expect(problemsOf(withNetwork({ cidr: '10.0.0.192/26' }))).toEqual([
      'network.cidr: is too small for the subnets of 2 AZs (network.maxAzs): use a prefix from /16 to /18, e.g. 10.0.0.0/18',
    ]);
  });

  it.each([1, 4])('refuses %p AZs, naming the two counts it takes', (maxAzs) => {
    expect(problemsOf(withNetwork({ maxAzs }))).toEqual(['network.maxAzs: must be 2 or 3']);
  });
});

describe('the cluster settings', () => {
  const nodeGroup = (capacity: Record<string, unknown>) => withCluster({ capacity: { type: 'managed-node-group', instanceType: 't4g.medium', minSize: 1, maxSize: 2, ...capacity } });

  it('refuses a capacity type it does not know, naming the two it has', () => {
    expect(problemsOf(withCluster({ capacity: { type: 'fargate' } }))).toEqual(['cluster.capacity.type: type must be one of auto-mode, managed-node-group']);
  });

  it.each(['c6g.large', 'u-6tb1.112xlarge'])('takes the EC2 instance type %s for a managed node group', (instanceType) => {
    expect(problemsOf(nodeGroup({ instanceType }))).toEqual([]);
  });

  it.each([
    ['no size', 't4g'],
    ['capital letters', 'T4g.medium'],
    ['a trailing space', 't4g.medium '],
  ])('refuses an instance type with %s, naming the form it takes', (_case, instanceType) => {
    expect(problemsOf(nodeGroup({ instanceType }))).toEqual(['cluster.capacity.instanceType: must be an EC2 instance type, e.g. t4g.medium']);
  });

  it('refuses a managed node group of no nodes, naming both sizes', () => {
    expect(problemsOf(nodeGroup({ minSize: 0, maxSize: 0 }))).toEqual([
      'cluster.capacity.minSize: Too small: expected number to be >=1',
      'cluster.capacity.maxSize: Too small: expected number to be >=1',
    ]);
  });
});

describe('the database settings', () => {
  // Aurora Serverless v2's limits: 0 to 256 ACUs (a maximum of at least 1), up to 15 readers, backups kept 1 to 35 days.
  it.each([
    ['a minimum below 0 ACUs', { minCapacity: -0.5 }, 'database.minCapacity: Too small: expected number to be >=0'],
    ['a maximum below 1 ACU', { maxCapacity: 0.5 }, 'database.maxCapacity: Too small: expected number to be >=1'],
    ['a maximum above 256 ACUs', { maxCapacity: 257 }, 'database.maxCapacity: Too big: expected number to be <=256'],
    ['a negative number of readers', { readers: -1 }, 'database.readers: Too small: expected number to be >=0'],
    ['more than 15 readers', { readers: 16 }, 'database.readers: Too big: expected number to be <=15'],
    ['backups kept no day', { backupRetentionDays: 0 }, 'database.backupRetentionDays: Too small: expected number to be >=1'],
    ['backups kept beyond 35 days', { backupRetentionDays: 36 }, 'database.backupRetentionDays: Too big: expected number to be <=35'],
  ])('refuses %s, naming the key and the bound', (_case, database, problem) => {
    expect(problemsOf(withDatabase(database))).toEqual([problem]);
  });

  it.each([
    ['the largest database: 256 ACUs always, 15 readers, backups kept 35 days', { minCapacity: 256, maxCapacity: 256, readers: 15, backupRetentionDays: 35 }],
    ['the smallest: pausing, at most 1 ACU, no reader, backups kept 1 day', { minCapacity: 0, maxCapacity: 1, readers: 0, backupRetentionDays: 1 }],
  ])('takes %s', (_case, database) => {
    expect(problemsOf(withDatabase(database))).toEqual([]);
  });
});

describe('the log retention', () => {
  it("takes exactly the retention periods CloudWatch Logs has (CDK's RetentionDays, less never expiring)", () => {
    const cloudWatchPeriods = Object.values(RetentionDays).filter((days): days is RetentionDays => typeof days === 'number' && days !== RetentionDays.INFINITE);
    expect([...LOG_RETENTION_DAYS].sort((a, b) => a - b)).toEqual(cloudWatchPeriods.sort((a, b) => a - b));
  });

  it('refuses any other period, listing the ones it takes', () => {
    expect(problemsOf({ ...sandbox, logRetentionDays: 10 })).toEqual([
      'logRetentionDays: must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653',
    ]);
  });
});

describe('the removal policy', () => {
  it('refuses a policy other than destroy or retain, naming both', () => {
    expect(problemsOf({ ...sandbox, removalPolicy: 'snapshot' })).toEqual(['removalPolicy: must be one of destroy, retain']);
  });
});

describe('the GitHub repository', () => {
  const notARepository = 'github.repository: must be a GitHub repository as <owner>/<name>, e.g. octo-org/hybrid-platform';
  const withRepository = (repository: string) => ({ ...sandbox, github: { repository } });

  it.each([
    ['a two-character owner', 'ab/app'],
    ["a 39-character owner, GitHub's longest", `${'o'.repeat(39)}/app`],
    ['a name starting with a dot', 'octo-org/.github'],
    ["a 100-character name, GitHub's longest", `octo-org/${'r'.repeat(100)}`],
  ])('takes a repository with %s', (_case, repository) => {
    expect(problemsOf(withRepository(repository))).toEqual([]);
  });

  it.each([
    ['a 40-character owner', `${'o'.repeat(40)}/app`],
    ['an owner ending in a hyphen', 'octo-/app'],
    ['no name', 'octo-org/'],
    ['the name "."', 'octo-org/.'],
    ['a 101-character name', `octo-org/${'r'.repeat(101)}`],
  ])('refuses a repository with %s, naming the form it takes', (_case, repository) => {
    expect(problemsOf(withRepository(repository))).toEqual([notARepository]);
  });

  it('refuses a repository that is not text (a number in cdk.json, say) as malformed, not as missing', () => {
    expect(problemsOf({ ...sandbox, github: { repository: 42 } })).toEqual([notARepository]);
  });

  it.each([
    ['a leading space', ' arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com'],
    ['a path after the provider', 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com/octo-org'],
  ])("refuses an OIDC provider ARN with %s as not GitHub's", (_case, oidcProviderArn) => {
    expect(problemsOf({ ...sandbox, github: { repository: 'octo-org/app', oidcProviderArn } })).toEqual([
      "github.oidcProviderArn: must be the ARN of the account's GitHub OIDC provider, e.g. arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
    ]);
  });

  it('takes the GitHub OIDC provider of an account in another AWS partition', () => {
    const oidcProviderArn = 'arn:aws-us-gov:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';
    expect(problemsOf({ ...sandbox, github: { repository: 'octo-org/app', oidcProviderArn } })).toEqual([]);
  });
});

describe('the cluster ARNs', () => {
  const notARole = 'cluster.adminRoleArn: must be an IAM role ARN, e.g. arn:aws:iam::123456789012:role/Admin';
  const notACertificate =
    'cluster.apiCertificateArn: must be an ACM certificate ARN in the deployment region, e.g. arn:aws:acm:us-east-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab';

  it.each([
    ['an IAM Identity Center role, with its path', 'arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_AdministratorAccess_0123456789abcdef'],
    ['a role in the China partition', 'arn:aws-cn:iam::123456789012:role/Admin'],
  ])('takes %s as the admin role', (_case, adminRoleArn) => {
    expect(problemsOf(withCluster({ adminRoleArn }))).toEqual([]);
  });

  it.each([
    ['a leading space', ' arn:aws:iam::123456789012:role/Admin'],
    ['a trailing space', 'arn:aws:iam::123456789012:role/Admin '],
    ['an 11-digit account', 'arn:aws:iam::12345678901:role/Admin'],
  ])('refuses an admin role ARN with %s, naming the form it takes', (_case, adminRoleArn) => {
    expect(problemsOf(withCluster({ adminRoleArn }))).toEqual([notARole]);
  });

  it('takes a certificate in another AWS partition for the API', () => {
    expect(problemsOf(withCluster({ apiCertificateArn: 'arn:aws-us-gov:acm:us-gov-west-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab' }))).toEqual([]);
  });

  it.each([
    ['a leading space', ' arn:aws:acm:eu-west-1:123456789012:certificate/1234abcd'],
    ['a path after the certificate id', 'arn:aws:acm:eu-west-1:123456789012:certificate/1234abcd/extra'],
    ['no certificate id', 'arn:aws:acm:eu-west-1:123456789012:certificate/'],
    ['a 13-digit account', 'arn:aws:acm:eu-west-1:1234567890123:certificate/1234abcd'],
  ])('refuses an API certificate ARN with %s, naming the form it takes', (_case, apiCertificateArn) => {
    expect(problemsOf(withCluster({ apiCertificateArn }))).toEqual([notACertificate]);
  });
});

describe('the working hours', () => {
  const notATime = 'must be a time of day as HH:MM, 00:00 to 23:59, e.g. 08:00';
  const required = 'is required with workingHours (set every key of it in infra/config/environments.ts)';

  // A value of another type (a number in cdk.json, say): the problem is its form, not that it is missing.
  it.each([
    ['timeZone', 1, 'workingHours.timeZone: must be an IANA time zone, e.g. Europe/Berlin, America/New_York or UTC'],
    ['awakeFrom', 8, `workingHours.awakeFrom: ${notATime}`],
    ['awakeUntil', 18, `workingHours.awakeUntil: ${notATime}`],
    ['days', 'MON', "workingHours.days: must be a list of days, e.g. ['MON', 'TUE']"],
  ])('refuses workingHours.%s of the wrong type as malformed, not as missing', (key, value, problem) => {
    expect(problemsOf(withHours({ [key]: value }))).toEqual([problem]);
  });

  it('names every key missing from working hours as required, and what it takes', () => {
    expect(problemsOf({ ...prod, workingHours: { awakeFrom: '08:00' } })).toEqual([
      `workingHours.timeZone: ${required}: must be an IANA time zone, e.g. Europe/Berlin, America/New_York or UTC`,
      `workingHours.days: ${required}: must be a list of days, e.g. ['MON', 'TUE']`,
      `workingHours.awakeUntil: ${required}: ${notATime}`,
    ]);
  });

  it('names each day given more than once only once, in the order of the list', () => {
    expect(problemsOf(withHours({ days: ['MON', 'TUE', 'MON', 'TUE', 'MON'] }))).toEqual(['workingHours.days: must not name a day twice: MON, TUE']);
  });

  it('takes the whole day, 00:00 to 23:59, as awake hours', () => {
    expect(problemsOf(withHours({ awakeFrom: '00:00', awakeUntil: '23:59' }))).toEqual([]);
  });

  it.each([
    ['an extra leading digit', '108:00'],
    ['a leading space', ' 08:00'],
  ])('refuses a time with %s, naming the format', (_case, awakeFrom) => {
    expect(problemsOf(withHours({ awakeFrom }))).toEqual([`workingHours.awakeFrom: ${notATime}`]);
  });

  // Compared as text, '24:00' would come after 18:00 and '0800' after 08:00: a malformed time gets one problem, its own.
  it.each([
    ['awakeFrom', '24:00'],
    ['awakeUntil', '0800'],
  ])('reports a malformed %s only as malformed, not also as out of order', (key, time) => {
    expect(problemsOf(withHours({ [key]: time }))).toEqual([`workingHours.${key}: ${notATime}`]);
  });
});

describe('the shipped environments', () => {
  it('keeps the sandbox cheap and disposable: a single NAT, a database that pauses, nothing protected from deletion', () => {
    expect(sandbox).toMatchObject({
      network: { natGateways: 1 },
      database: { minCapacity: 0, deletionProtection: false },
      removalPolicy: 'destroy',
    });
  });

  it('makes prod survive an AZ outage and an accidental destroy: a NAT gateway per AZ, a reader, deletion protection, data retained', () => {
    expect(prod.network.natGateways).toBe(prod.network.maxAzs);
    expect(prod.database.readers).toBeGreaterThanOrEqual(1);
    expect(prod).toMatchObject({ database: { deletionProtection: true }, removalPolicy: 'retain' });
  });
});
