import { z } from 'zod';
import { SUPPORTED_KUBERNETES_VERSIONS, type SupportedKubernetesVersion } from './kubernetes';
import { longestVpcPrefix } from './subnet-layout';

/** CloudWatch Logs only accepts these retention periods (days). */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

const kubernetesVersions = Object.keys(SUPPORTED_KUBERNETES_VERSIONS) as [SupportedKubernetesVersion, ...SupportedKubernetesVersion[]];

const CIDR_BLOCK = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

function isCidrBlock(value: string): boolean {
  const match = CIDR_BLOCK.exec(value);
  if (!match) return false;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  return octets.every((octet) => octet <= 255) && prefix >= 16 && prefix <= 28;
}

/** The block's first address, written as a CIDR block: the address with every bit past the prefix cleared. */
function firstAddressOf(cidr: string): string {
  const [octets, prefix] = [cidr.split('/')[0].split('.').map(Number), Number(cidr.split('/')[1])];
  const address = octets.reduce((sum, octet) => sum * 256 + octet, 0);
  const first = address - (address % 2 ** (32 - prefix));
  return `${[24, 16, 8, 0].map((shift) => Math.floor(first / 2 ** shift) % 256).join('.')}/${prefix}`;
}

/**
 * An IPv4 CIDR block for the VPC. AWS accepts prefixes /16 to /28; whether a range is large enough
 * for the subnets depends on the number of AZs (checked below, with longestVpcPrefix). Written from
 * its first address: given 10.0.0.1/16, CDK builds a VPC at 10.1.0.0/16, not the range meant.
 */
const vpcCidr = z.string().superRefine((value, ctx) => {
  // One issue at most, and no abort: the object's other rules still run on a malformed block.
  if (!isCidrBlock(value)) ctx.addIssue(ruleIssue([], 'must be an IPv4 CIDR block with a prefix from /16 to /28, e.g. 10.0.0.0/16'));
  else if (firstAddressOf(value) !== value) ctx.addIssue(ruleIssue([], `must start at the block's first address: ${firstAddressOf(value)}`));
});

const acmCertificateArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[\w-]+$/, {
    message: 'must be an ACM certificate ARN in the deployment region, e.g. arn:aws:acm:us-east-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab',
  });

const iamRoleArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, { message: 'must be an IAM role ARN, e.g. arn:aws:iam::123456789012:role/Admin' });

/**
 * A GitHub repository as `<owner>/<name>`: it becomes part of the `sub` claim the deploy roles trust
 * (`repo:<owner>/<name>:...`), so anything else (a URL, a `:` or a wildcard) is refused rather than
 * trusted. Owner: letters, digits and inner hyphens, up to 39; name: letters, digits, `.`, `_`, `-`.
 */
const notARepository = 'must be a GitHub repository as <owner>/<name>, e.g. octo-org/hybrid-platform';
const githubRepository = z
  .string({ error: (issue) => (issue.input === undefined ? 'is required with github.oidcProviderArn: add -c githubRepository=<owner>/<name>' : notARepository) })
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?\/(?!\.\.?$)[A-Za-z0-9._-]{1,100}$/, { message: notARepository });

/** GitHub's provider, not any OIDC provider of the account: the roles trust the claims of GitHub's tokens. */
const githubOidcProviderArn = z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/, {
  message: "must be the ARN of the account's GitHub OIDC provider, e.g. arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
});

const logRetentionDays = z.union(LOG_RETENTION_DAYS.map((days) => z.literal(days)), {
  message: `must be one of ${LOG_RETENTION_DAYS.join(', ')}`,
});

const anomalyAlertUsdMessage = 'must be a positive number of USD, e.g. 50';

/**
 * The core APIs' nodes on Auto Mode, Graviton on demand either way (Auto Mode launches nothing under
 * 2 vCPUs, nor a nano, micro or small size):
 * - `general`: C, M and R families of generation 6 and later; the smallest is a c6g.large (2 vCPUs,
 *   4 GiB, ~50 USD a month), with all its CPU all the time.
 * - `burstable`: T4g; the smallest is a t4g.medium (2 vCPUs, 4 GiB, ~25 USD a month), whose CPU runs
 *   at a 20% baseline per vCPU and bursts on credits. T4g runs in unlimited mode by default, so
 *   load held above the baseline is billed per vCPU-hour on top: a sandbox's choice, not a busy
 *   environment's.
 */
export const CORE_API_NODE_FAMILIES = ['general', 'burstable'] as const;
export type CoreApiNodeFamilies = (typeof CORE_API_NODE_FAMILIES)[number];

/**
 * What the Container Insights add-on's agent collects of nodes, pods and containers (the core APIs'
 * business metrics and the pods' logs are collected in every case):
 * - `enhanced`: Container Insights with enhanced observability, billed per observation;
 * - `basic`: Container Insights' aggregated metrics, each billed as a custom metric;
 * - `off`: none; `kubectl top` (metrics-server) still shows the pods' use.
 */
export const CONTAINER_INSIGHTS_LEVELS = ['enhanced', 'basic', 'off'] as const;
export type ContainerInsightsLevel = (typeof CONTAINER_INSIGHTS_LEVELS)[number];

/** The EKS control-plane log types, as EKS names them; each enabled type is written to CloudWatch Logs. */
export const CONTROL_PLANE_LOG_TYPES = ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'] as const;
export type ControlPlaneLogType = (typeof CONTROL_PLANE_LOG_TYPES)[number];

/** `gateway`: AWS's managed NAT gateway; `instance`: a NAT instance of our own (infra/stacks/network-stack.ts). */
export const NAT_PROVIDERS = ['gateway', 'instance'] as const;
export type NatProvider = (typeof NAT_PROVIDERS)[number];

const clusterCapacity = z.discriminatedUnion(
  'type',
  [
    // EKS Auto Mode: AWS runs the nodes, scales them from zero and patches them. The cheapest to operate.
    z.strictObject({
      type: z.literal('auto-mode'),
      /** The instance families of the core APIs' node pool (CORE_API_NODE_FAMILIES). */
      coreApiNodes: z.enum(CORE_API_NODE_FAMILIES, { message: `must be one of ${CORE_API_NODE_FAMILIES.join(', ')}` }),
    }),
    // A managed node group for teams that need to choose instance types or pin AMIs.
    z.strictObject({
      type: z.literal('managed-node-group'),
      instanceType: z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, { message: 'must be an EC2 instance type, e.g. t4g.medium' }),
      minSize: z.int().min(1),
      maxSize: z.int().min(1),
    }),
  ],
  { message: 'type must be one of auto-mode, managed-node-group' },
);

/** The days of `workingHours.days`, in the order cron expressions list them. */
export const WEEKDAYS = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A key of workingHours: missing (e.g. only one given with -c), it is required; otherwise it must be `what`. */
function workingHoursKey(what: string) {
  return (issue: { input: unknown }) => (issue.input === undefined ? `is required with workingHours (set every key of it in infra/config/environments.ts): ${what}` : what);
}

/**
 * An IANA time zone (`Europe/Berlin`, `UTC`), as EventBridge Scheduler takes it: known to Intl, and a
 * name, not an offset (Intl also accepts `+01:00`, which Scheduler refuses, and which has no DST).
 */
const notATimeZone = 'must be an IANA time zone, e.g. Europe/Berlin, America/New_York or UTC';
const timeZone = z.string({ error: workingHoursKey(notATimeZone) }).refine((value) => /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(value) && isKnownTimeZone(value), {
  message: notATimeZone,
});

function isKnownTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
  } catch {
    return false;
  }
  return true;
}

/**
 * One finding of a rule of ours, at `path` below the value checked. zod's type asks for the issue's
 * code, 'custom' for every such rule; the loader reports only the path and the message.
 */
function ruleIssue(path: string[], message: string): Parameters<z.RefinementCtx['addIssue']>[0] {
  // Stryker disable next-line StringLiteral: no message shows the code (above)
  return { code: 'custom', path, message };
}

/** A list's refinement: each entry at most once (`what` names an entry in the message). */
function noRepeats(what: string) {
  return (entries: readonly string[], ctx: z.RefinementCtx) => {
    const repeated = entries.filter((entry, index) => entries.indexOf(entry) !== index);
    if (repeated.length > 0) ctx.addIssue(ruleIssue([], `must not name ${what} twice: ${[...new Set(repeated)].join(', ')}`));
  };
}

const notATime = 'must be a time of day as HH:MM, 00:00 to 23:59, e.g. 08:00';
const TIME_OF_DAY = /^([01]\d|2[0-3]):[0-5]\d$/;
const timeOfDay = z.string({ error: workingHoursKey(notATime) }).regex(TIME_OF_DAY, { message: notATime });

/**
 * When the environment's core APIs run; outside these hours they sleep (infra/constructs/sleep-schedule.ts).
 * The awake hours lie within one day: awakeFrom before awakeUntil, on each of `days`.
 */
const workingHours = z.strictObject({
  timeZone,
  days: z
    .array(z.enum(WEEKDAYS, { message: `must be one of ${WEEKDAYS.join(', ')}` }), { error: workingHoursKey(`must be a list of days, e.g. ['MON', 'TUE']`) })
    .min(1, { message: `must name at least one day (${WEEKDAYS.join(', ')}); to never sleep, leave workingHours out` })
    .superRefine(noRepeats('a day')),
  awakeFrom: timeOfDay,
  awakeUntil: timeOfDay,
});

export type WorkingHours = z.infer<typeof workingHours>;

export const environmentConfigSchema = z
  .strictObject({
    /** Who answers for this environment's resources and bill; becomes the `owner` tag. */
    owner: z.string().regex(/\S/, { message: 'must not be empty: name the team or person who answers for this environment' }),
    network: z.strictObject({
      cidr: vpcCidr,
      /** Availability zones; the subnets and (in prod) the NAT gateways are spread over them. */
      maxAzs: z.union([z.literal(2), z.literal(3)], { message: 'must be 2 or 3' }),
      /**
       * How private subnets reach the internet: `gateway`, managed NAT gateways (~37 USD a month each with
       * their address, highly available within an AZ); `instance`, a t4g.nano NAT instance per gateway
       * (~7 USD a month, one instance to patch and no failover: a sandbox's choice).
       */
      natProvider: z.enum(NAT_PROVIDERS, { message: `must be one of ${NAT_PROVIDERS.join(', ')}` }),
      /** NAT gateways (or NAT instances): one is enough for a sandbox, one per AZ survives an AZ outage. */
      natGateways: z.int({ message: 'must be a whole number' }),
    }),
    cluster: z.strictObject({
      kubernetesVersion: z.enum(kubernetesVersions, { message: `must be one of ${kubernetesVersions.join(', ')}` }),
      capacity: clusterCapacity,
      /**
       * An existing IAM role that also gets cluster-admin through an EKS access entry (e.g. your SSO
       * role). Optional: the stack always creates an admin role that the account can assume.
       */
      adminRoleArn: iamRoleArn.optional(),
      /** An ACM certificate for the API's load balancer: HTTPS, with HTTP redirected. Without it the API is plain HTTP. */
      apiCertificateArn: acmCertificateArn.optional(),
      /** What Container Insights collects of nodes, pods and containers (CONTAINER_INSIGHTS_LEVELS). */
      containerInsights: z.enum(CONTAINER_INSIGHTS_LEVELS, { message: `must be one of ${CONTAINER_INSIGHTS_LEVELS.join(', ')}` }),
      /**
       * The control-plane logs EKS writes to CloudWatch Logs; audit is the one that tells who changed
       * what in the cluster. An empty list writes none.
       */
      controlPlaneLogs: z
        .array(z.enum(CONTROL_PLANE_LOG_TYPES, { message: `must be one of ${CONTROL_PLANE_LOG_TYPES.join(', ')}` }))
        .superRefine(noRepeats('a log type')),
    }),
    database: z.strictObject({
      /** Aurora capacity units. 0 lets the sandbox database pause when idle (you pay for storage only). */
      minCapacity: z.number().min(0).max(256),
      maxCapacity: z.number().min(1).max(256),
      readers: z.int().min(0).max(15),
      backupRetentionDays: z.int().min(1).max(35),
      deletionProtection: z.boolean(),
    }),
    budget: z.strictObject({
      monthlyLimitUsd: z.number().positive(),
      alertEmail: z.email({ message: 'must be an e-mail address' }),
      /**
       * Optional: a Cost Anomaly Detection monitor of the account's spend per service, e-mailing
       * alertEmail daily about anomalies whose total impact reaches this many USD. Off by default:
       * an account holds one such monitor (DIMENSIONAL, SERVICE), so a second environment, or one
       * created in the console, makes the deploy fail.
       */
      anomalyAlertUsd: z.number({ error: anomalyAlertUsdMessage }).positive({ error: anomalyAlertUsdMessage }).optional(),
    }),
    logRetentionDays,
    /**
     * The GitHub repository whose Actions workflows deploy this environment (through OIDC, no stored
     * keys). Optional: without it there is no deploy-role stack. An account holds one GitHub OIDC
     * provider; give `oidcProviderArn` when it already has one (another environment's, say).
     */
    github: z.strictObject({ repository: githubRepository, oidcProviderArn: githubOidcProviderArn.optional() }).optional(),
    /** `destroy`: `cdk destroy` removes everything, data included. `retain`: data stores survive stack deletion. */
    removalPolicy: z.enum(['destroy', 'retain'], { message: 'must be one of destroy, retain' }),
    /**
     * Optional: outside these hours the core APIs scale to zero, and with them the nodes and (at
     * minCapacity 0) the database. Without it the environment never sleeps.
     */
    workingHours: workingHours.optional(),
  })
  .superRefine((config, ctx) => {
    const { natGateways, maxAzs } = config.network;
    const longestPrefix = longestVpcPrefix(maxAzs);
    if (Number(config.network.cidr.split('/')[1]) > longestPrefix) {
      ctx.addIssue(ruleIssue(['network', 'cidr'], `is too small for the subnets of ${maxAzs} AZs (network.maxAzs): use a prefix from /16 to /${longestPrefix}, e.g. 10.0.0.0/${longestPrefix}`));
    }
    if (natGateways < 1 || natGateways > maxAzs) {
      ctx.addIssue(ruleIssue(['network', 'natGateways'], `must be from 1 to ${maxAzs} (network.maxAzs): private subnets need at least one NAT gateway, and there is at most one per AZ`));
    }
    if (config.database.minCapacity > config.database.maxCapacity) {
      ctx.addIssue(ruleIssue(['database', 'minCapacity'], 'must not exceed database.maxCapacity'));
    }
    const { capacity } = config.cluster;
    if (capacity.type === 'managed-node-group') {
      if (capacity.minSize > capacity.maxSize) ctx.addIssue(ruleIssue(['cluster', 'capacity', 'minSize'], 'must not exceed cluster.capacity.maxSize'));
    }
    // Zero-padded HH:MM compares as text; a malformed time has its own issue already.
    const hours = config.workingHours;
    if (hours && TIME_OF_DAY.test(hours.awakeFrom) && TIME_OF_DAY.test(hours.awakeUntil) && hours.awakeFrom >= hours.awakeUntil) {
      ctx.addIssue(ruleIssue(['workingHours', 'awakeFrom'], `must be before workingHours.awakeUntil (${hours.awakeUntil}): the awake hours lie within one day`));
    }
  });

export type EnvironmentSettings = z.infer<typeof environmentConfigSchema>;

/** The validated configuration of one environment, as every stack receives it. */
export interface EnvironmentConfig extends EnvironmentSettings {
  readonly name: string;
}
