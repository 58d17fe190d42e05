/**
 * The list prices the cost estimate (`npm run cost`) multiplies by: on-demand, before free tier and
 * before taxes, in one region. Versioned with the code: a price change is a deliberate edit here (and
 * of the totals the tests pin), with the date it was read and the page it was read from.
 */
export const PRICE_LIST = {
  region: 'us-east-1',
  currency: 'USD',
  /**
   * When the prices below were last checked: on 2026-12-01 against stored copies of public price lists
   * (third-party pages and Karpenter's generated us-east-1 table), none differing; AWS's live pages were
   * not at hand, so a fork should check them against `source` before relying on a cent.
   */
  readOn: '2026-12-01',
} as const;

export interface Price {
  readonly usd: number;
  /** The unit the price is per, as the page states it. */
  readonly per: string;
  /** The pricing page it was read from. */
  readonly source: string;
}

const PAGES = {
  eks: 'https://aws.amazon.com/eks/pricing/',
  ec2: 'https://aws.amazon.com/ec2/pricing/on-demand/',
  ebs: 'https://aws.amazon.com/ebs/pricing/',
  vpc: 'https://aws.amazon.com/vpc/pricing/',
  elb: 'https://aws.amazon.com/elasticloadbalancing/pricing/',
  aurora: 'https://aws.amazon.com/rds/aurora/pricing/',
  lambda: 'https://aws.amazon.com/lambda/pricing/',
  sqs: 'https://aws.amazon.com/sqs/pricing/',
  sns: 'https://aws.amazon.com/sns/pricing/',
  eventBridge: 'https://aws.amazon.com/eventbridge/pricing/',
  dynamoDb: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  cloudWatch: 'https://aws.amazon.com/cloudwatch/pricing/',
  kms: 'https://aws.amazon.com/kms/pricing/',
  secretsManager: 'https://aws.amazon.com/secrets-manager/pricing/',
  ecr: 'https://aws.amazon.com/ecr/pricing/',
  s3: 'https://aws.amazon.com/s3/pricing/',
} as const;

const price = (usd: number, per: string, source: string): Price => ({ usd, per, source });

export const PRICES = {
  eksClusterHour: price(0.1, 'cluster-hour (standard support)', PAGES.eks),
  /** The page lists the fee per instance type; taken as 12% of the on-demand price (not confirmed against that table). */
  autoModeFeeShare: price(0.12, 'share of the instance on-demand price, per hour', PAGES.eks),
  natGatewayHour: price(0.045, 'NAT gateway-hour', PAGES.vpc),
  natGatewayGb: price(0.045, 'GB processed', PAGES.vpc),
  publicIpv4Hour: price(0.005, 'public IPv4 address-hour', PAGES.vpc),
  /** A NAT instance's root volume (the instance hours are in INSTANCE_TYPES). */
  ebsGp3GbMonth: price(0.08, 'GB-month (gp3 volume storage)', PAGES.ebs),
  albHour: price(0.0225, 'Application Load Balancer-hour', PAGES.elb),
  albLcuHour: price(0.008, 'LCU-hour', PAGES.elb),
  auroraAcuHour: price(0.12, 'ACU-hour (Aurora Standard, Serverless v2)', PAGES.aurora),
  auroraStorageGbMonth: price(0.1, 'GB-month (Aurora Standard)', PAGES.aurora),
  auroraIoMillion: price(0.2, 'million I/O requests (Aurora Standard)', PAGES.aurora),
  lambdaRequestMillion: price(0.2, 'million requests', PAGES.lambda),
  lambdaArmGbSecond: price(0.0000133334, 'GB-second (Arm)', PAGES.lambda),
  lambdaX86GbSecond: price(0.0000166667, 'GB-second (x86)', PAGES.lambda),
  sqsRequestMillion: price(0.4, 'million requests (standard queue)', PAGES.sqs),
  snsPublishMillion: price(0.5, 'million publishes', PAGES.sns),
  eventBridgeEventMillion: price(1, 'million custom events published', PAGES.eventBridge),
  dynamoDbWriteMillion: price(0.625, 'million write request units (on demand)', PAGES.dynamoDb),
  dynamoDbReadMillion: price(0.125, 'million read request units (on demand)', PAGES.dynamoDb),
  logsIngestedGb: price(0.5, 'GB ingested (standard log class; vended logs: first 10 TB)', PAGES.cloudWatch),
  customMetricMonth: price(0.3, 'custom metric-month (first 10,000)', PAGES.cloudWatch),
  /** An anomaly detection alarm is billed as 3 standard-resolution metrics. */
  alarmMetricMonth: price(0.1, 'standard-resolution alarm metric-month', PAGES.cloudWatch),
  compositeAlarmMonth: price(0.5, 'composite alarm-month', PAGES.cloudWatch),
  dashboardMonth: price(3, 'dashboard-month', PAGES.cloudWatch),
  kmsKeyMonth: price(1, 'customer managed key-month', PAGES.kms),
  secretMonth: price(0.4, 'secret-month', PAGES.secretsManager),
  ecrGbMonth: price(0.1, 'GB-month stored', PAGES.ecr),
  s3GbMonth: price(0.023, 'GB-month (S3 Standard, first 50 TB)', PAGES.s3),
  s3PutThousand: price(0.005, '1,000 PUT requests', PAGES.s3),
  s3GetThousand: price(0.0004, '1,000 GET requests', PAGES.s3),
} as const satisfies Record<string, Price>;

/** An EC2 instance type a node pool may choose, with what the packing needs to know about it. */
export interface InstanceType {
  readonly name: string;
  readonly arch: 'arm64' | 'amd64';
  /** `eks.amazonaws.com/instance-category` and `-generation`, as the node pool's requirements read them. */
  readonly category: string;
  readonly generation: number;
  readonly vcpu: number;
  readonly memoryGiB: number;
  /** Pods per node: the VPC CNI's ENI limit (eni-max-pods.txt in amazon-eks-ami). */
  readonly maxPods: number;
  /** Linux on-demand, USD per hour (PAGES.ec2). */
  readonly hourlyUsd: number;
}

const instance = (name: string, arch: InstanceType['arch'], vcpu: number, memoryGiB: number, maxPods: number, hourlyUsd: number): InstanceType => {
  const [, category, generation] = /^([a-z]+?)(\d+)/.exec(name)!;
  return { name, arch, category, generation: Number(generation), vcpu, memoryGiB, maxPods, hourlyUsd };
};

/**
 * The candidates of the packing: the general-purpose families' small sizes (Linux on-demand, PAGES.ec2);
 * and t4g.nano, the NAT instance (network.natProvider 'instance'), which no node pool here allows.
 */
export const INSTANCE_TYPES: readonly InstanceType[] = [
  instance('c6g.medium', 'arm64', 1, 2, 8, 0.034),
  instance('c6g.large', 'arm64', 2, 4, 29, 0.068),
  instance('c6g.xlarge', 'arm64', 4, 8, 58, 0.136),
  instance('m6g.medium', 'arm64', 1, 4, 8, 0.0385),
  instance('m6g.large', 'arm64', 2, 8, 29, 0.077),
  instance('m6g.xlarge', 'arm64', 4, 16, 58, 0.154),
  instance('r6g.medium', 'arm64', 1, 8, 8, 0.0504),
  instance('r6g.large', 'arm64', 2, 16, 29, 0.1008),
  instance('c7g.medium', 'arm64', 1, 2, 8, 0.0363),
  instance('c7g.large', 'arm64', 2, 4, 29, 0.0725),
  instance('m7g.medium', 'arm64', 1, 4, 8, 0.0408),
  instance('m7g.large', 'arm64', 2, 8, 29, 0.0816),
  instance('c6i.large', 'amd64', 2, 4, 29, 0.085),
  instance('m6i.large', 'amd64', 2, 8, 29, 0.096),
  instance('r6i.large', 'amd64', 2, 16, 29, 0.126),
  instance('c7i.large', 'amd64', 2, 4, 29, 0.08925),
  instance('m7i.large', 'amd64', 2, 8, 29, 0.1008),
  instance('t4g.medium', 'arm64', 2, 4, 17, 0.0336),
  instance('t4g.nano', 'arm64', 2, 0.5, 4, 0.0042),
];
