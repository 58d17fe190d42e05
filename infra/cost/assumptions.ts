import { deploymentRefText } from '../../functions/cluster-sleeper/event';
import { ADDON_DEPLOYMENTS } from '../config/addon-deployments';
import { amount } from './cost-line';

/**
 * What the cost estimate cannot read from the templates: traffic, data volumes and hours. One set for
 * every environment (the sample traffic of a small shop), printed with every estimate; a fork with
 * real traffic edits them here.
 */
export const ASSUMPTIONS = {
  /** Hours in a month, as AWS's pricing pages count them. */
  hoursPerMonth: 730,
  /** Days in that month. */
  daysPerMonth: 30.4,
  /** Orders placed per day: each is one OrderPlaced event, one notifier message, one notification. */
  ordersPerDay: 200,
  /** Images uploaded per day: each is one image-resizer invocation. */
  uploadsPerDay: 50,
  /** Thumbnails written per uploaded image. */
  thumbnailsPerUpload: 3,
  /** Average duration of one invocation of an event function (notifier) and of an upload function (image-resizer), seconds. */
  eventFunctionSeconds: 0.2,
  uploadFunctionSeconds: 1.5,
  /** DynamoDB requests per order (idempotency record: written in progress, written complete, read once). */
  idempotencyWritesPerOrder: 2,
  idempotencyReadsPerOrder: 1,
  /** SQS requests per message (send, receive, delete). */
  sqsRequestsPerMessage: 3,
  /**
   * Lambda polls each queue it reads with long polls (20 s) whether or not messages arrive; at rest
   * it keeps 5 pollers, 3 requests a minute each.
   */
  sqsIdlePollsPerQueuePerMinute: 15,
  /** GB a month through all NAT gateways together (image pulls, AWS APIs without an endpoint, updates). */
  natGbPerMonth: 20,
  /**
   * Requests to the core APIs a day (browsing and ordering: 25 per order), each counted as a new
   * connection to the load balancer, and the bytes each moves: the ALB's capacity units follow from them.
   */
  apiRequestsPerDay: 5000,
  apiKbPerRequest: 20,
  /** Aurora that can pause (minimum 0 ACU) is awake this share of the month at the sample traffic, at awakeAcu. */
  auroraAwakeShare: 0.1,
  auroraAwakeAcu: 0.5,
  auroraStorageGb: 10,
  auroraIoMillionsPerMonth: 1,
  /** Log ingestion, GB a month: per VPC flow log, per EKS cluster's control-plane logs (mostly audit), per node's Container Insights agent and Fluent Bit. */
  flowLogGbPerMonth: 5,
  /**
   * GB a month each EKS control-plane log type writes for a small cluster: audit, with every request
   * to the API server (the controllers' leases and watches included), writes most.
   */
  controlPlaneLogGbPerMonth: { api: 2, audit: 6, authenticator: 0.5, controllerManager: 1, scheduler: 0.5 } as Readonly<Record<string, number>>,
  /**
   * Container Insights without enhanced observability bills its metrics as custom metrics: this many
   * per cluster, per node, per pod (pods are aggregated by name, so replicas add none) and per
   * Kubernetes Service (CloudWatch's Container Insights pricing example).
   */
  containerInsightsMetrics: { perCluster: 24, perNode: 8, perPod: 9, perService: 6 },
  containerInsightsGbPerNodeMonth: 2,
  /** Log bytes a function invocation writes (Powertools JSON lines). */
  functionLogBytesPerInvocation: 2000,
  /** Container images kept per core service in the CDK bootstrap repository (versions × ~200 MB). */
  ecrGbPerService: 1,
  /** S3: uploaded images, thumbnails and access logs; CDK assets (function bundles, templates). */
  s3StorageGb: 5,
  assetStorageGb: 1,
  /**
   * What runs on every node besides the core APIs, when the cluster has the Container Insights
   * add-on (amazon-cloudwatch-observability): its CloudWatch agent and Fluent Bit DaemonSets' requests.
   */
  daemonSetsPerNode: [
    { name: 'cloudwatch-agent', cpuMillis: 250, memoryMiB: 128 },
    { name: 'fluent-bit', cpuMillis: 50, memoryMiB: 25 },
  ],
  /**
   * The Deployments (not DaemonSets) each EKS add-on of the templates runs: while the core APIs sleep,
   * any of them the sleeper does not scale to 0 (its SYSTEM_DEPLOYMENTS) keeps a node up.
   */
  addonDeployments: Object.fromEntries(
    Object.entries(ADDON_DEPLOYMENTS).map(([addon, deployments]) => [addon, deployments.map(deploymentRefText)]),
  ) as Readonly<Record<string, readonly string[]>>,
} as const;

export type Assumptions = typeof ASSUMPTIONS;

/** The assumptions as the report prints them, one line each. */
export function describeAssumptions(a: Assumptions = ASSUMPTIONS): string[] {
  const daemonSets = a.daemonSetsPerNode.map((d) => `${d.name} ${d.cpuMillis}m/${d.memoryMiB}Mi`).join(', ');
  return [
    `${a.hoursPerMonth} hours and ${a.daysPerMonth} days a month; list prices before free tier, taxes and data transfer out`,
    `traffic: ${a.ordersPerDay} orders/day (1 event, 1 queue message, 1 notification each), ${a.uploadsPerDay} uploads/day (${a.thumbnailsPerUpload} thumbnails each)`,
    `functions: ${a.eventFunctionSeconds} s per event function run, ${a.uploadFunctionSeconds} s per upload function run, ${a.functionLogBytesPerInvocation} log bytes per run`,
    `SQS: ${a.sqsRequestsPerMessage} requests per message, plus ${a.sqsIdlePollsPerQueuePerMinute} idle long polls/minute per queue a function reads`,
    `DynamoDB: ${a.idempotencyWritesPerOrder} writes and ${a.idempotencyReadsPerOrder} read per order`,
    `NAT: ${a.natGbPerMonth} GB/month processed in all; ALB: ${amount(a.apiRequestsPerDay)} requests/day of ${a.apiKbPerRequest} KB, each a new connection`,
    `Aurora that can pause (min 0 ACU): awake ${a.auroraAwakeShare * 100}% of the month at ${a.auroraAwakeAcu} ACU; storage ${a.auroraStorageGb} GB, ${a.auroraIoMillionsPerMonth} million I/O a month`,
    `logs: ${a.flowLogGbPerMonth} GB/month per flow log, control-plane logs a month ${Object.entries(a.controlPlaneLogGbPerMonth).map(([type, gb]) => `${type} ${gb} GB`).join(', ')}, ${a.containerInsightsGbPerNodeMonth} GB/month per node from Container Insights`,
    `storage: ${a.ecrGbPerService} GB of images per core service (ECR), ${a.s3StorageGb} GB in S3, ${a.assetStorageGb} GB of CDK assets`,
    `nodes: core API pods (requests × HPA minimum) and per node ${daemonSets}, packed as infra/cost/node-packing.ts says; Auto Mode launches only types of more than 1 vCPU, no nano, micro or small`,
    `Container Insights basic: ${a.containerInsightsMetrics.perCluster} custom metrics per cluster, ${a.containerInsightsMetrics.perNode} per node, ${a.containerInsightsMetrics.perPod} per pod name, ${a.containerInsightsMetrics.perService} per Service; enhanced is billed per observation and NOT in these figures`,
    `asleep, one node stays while an add-on Deployment the sleeper does not scale is up (add-on Deployments: ${Object.values(a.addonDeployments).flat().join(', ')})`,
  ];
}
