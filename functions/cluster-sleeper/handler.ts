import { Logger } from '@aws-lambda-powertools/logger';
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { eksToken } from './eks-token';
import { deploymentRefText, parseSleeperEnv, parseSleeperEvent, type SleeperAction } from './event';
import { KubernetesApi, KubernetesApiError } from './kubernetes-api';

/**
 * Cluster sleeper: puts the core APIs to sleep outside working hours and wakes them for the next.
 *
 *   EventBridge Scheduler ──{"action":"sleep"|"wake"}──> this function ──PATCH .../deployments/<name>/scale──> EKS
 *
 * Sleep scales each core API Deployment to 0 replicas (an HPA's floor cannot be 0, and an HPA leaves
 * a target at 0 alone), then the add-on Deployments that would keep a node up on their own
 * (metrics-server), so Auto Mode can remove the emptied nodes and the database, without connections,
 * pauses. Wake scales those add-ons back to one replica first, then each core API to its HPA's
 * minReplicas, from where the HPA takes over.
 * Only Deployments not already where the action leaves them are patched: a repeated or retried
 * invocation changes nothing, and a wake never scales down what the HPA has scaled up.
 *
 * It reaches the Kubernetes API with an EKS token of its own role, which an access entry maps to a
 * Kubernetes user that may only read Deployments and HPAs and scale Deployments in the namespace, and
 * read and scale the named add-on Deployments.
 */

const env = parseSleeperEnv(process.env);
const logger = new Logger();
const eks = new EKSClient({});

interface Deployment {
  readonly metadata: { readonly name: string };
  /** Absent means 1 (Kubernetes' default). */
  readonly spec: { readonly replicas?: number };
}

interface HorizontalPodAutoscaler {
  readonly metadata: { readonly name: string };
  /** minReplicas absent means 1 (Kubernetes' default). */
  readonly spec: { readonly scaleTargetRef: { readonly kind: string; readonly name: string }; readonly minReplicas?: number };
}

interface List<T> {
  readonly items: readonly T[];
}

/** What an invocation did: each Deployment it scaled (from, to), and those it left as they were. */
export interface SleeperResult {
  readonly action: SleeperAction;
  readonly scaled: readonly { readonly deployment: string; readonly from: number; readonly to: number }[];
  readonly unchanged: readonly string[];
}

export async function handler(event: unknown): Promise<SleeperResult> {
  const { action } = parseSleeperEvent(event);
  logger.appendKeys({ action });
  try {
    return await scaleAll(action, await connect());
  } catch (error) {
    logger.error(`Failed to ${action} the core APIs`, error as Error);
    throw error;
  }
}

async function connect(): Promise<KubernetesApi> {
  const { cluster } = await eks.send(new DescribeClusterCommand({ name: env.clusterName }));
  const endpoint = cluster?.endpoint;
  const certificateAuthority = cluster?.certificateAuthority?.data;
  if (!endpoint || !certificateAuthority) throw new Error(`cluster ${env.clusterName} has no endpoint or certificate authority yet (status ${cluster?.status})`);
  const token = await eksToken(env.clusterName, await eks.config.region(), eks.config.credentials);
  return new KubernetesApi({ endpoint, certificateAuthority: Buffer.from(certificateAuthority, 'base64').toString('utf8'), token });
}

/** A Deployment the action scales, with the path of its scale subresource and where the action leaves it. */
interface ScaleTarget {
  readonly deployment: string;
  readonly scalePath: string;
  readonly from: number;
  /** Undefined when it cannot be known: the invocation then fails for this Deployment. */
  readonly to: number | undefined;
}

/** The add-ons' default (metrics-server, the CloudWatch operator and its target allocator): one replica each. */
const SYSTEM_AWAKE_REPLICAS = 1;

const deploymentsPath = (namespace: string) => `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/deployments`;

async function scaleAll(action: SleeperAction, api: KubernetesApi): Promise<SleeperResult> {
  const coreApis = await coreApiTargets(action, api);
  const system = await systemTargets(action, api);
  // The core APIs' HPAs read metrics-server: it wakes first and sleeps last.
  const targets = action === 'wake' ? [...system, ...coreApis] : [...coreApis, ...system];

  const scaled: SleeperResult['scaled'][number][] = [];
  const unchanged: string[] = [];
  const failures: string[] = [];
  // One Deployment's failure does not keep the others awake (or asleep): each is tried, then the invocation fails.
  for (const { deployment, scalePath, from, to } of targets) {
    try {
      if (to === undefined) throw new Error(`no HorizontalPodAutoscaler targets Deployment ${deployment}: its floor is unknown`);
      // Asleep is 0; awake is anything the HPA chose from its floor up.
      if (action === 'sleep' ? from === 0 : from > 0) {
        unchanged.push(deployment);
        continue;
      }
      await api.mergePatch(scalePath, { spec: { replicas: to } });
      scaled.push({ deployment, from, to });
      logger.info(`Scaled Deployment ${deployment} from ${from} to ${to}`, { deployment, from, to });
    } catch (error) {
      logger.error(`Failed to scale Deployment ${deployment}`, { deployment, error: error as Error });
      failures.push(`${deployment}: ${(error as Error).message}`);
    }
  }
  if (failures.length > 0) throw new Error(`could not ${action} ${failures.length} of ${targets.length} Deployments: ${failures.join('; ')}`);
  if (coreApis.length === 0) logger.warn(`No Deployment in namespace ${env.namespace} matches ${env.deploymentSelector}`);
  return { action, scaled, unchanged };
}

/** The core APIs: 0 asleep, their HPAs' floors awake. */
async function coreApiTargets(action: SleeperAction, api: KubernetesApi): Promise<ScaleTarget[]> {
  const deployments = await api.get<List<Deployment>>(`${deploymentsPath(env.namespace)}?labelSelector=${encodeURIComponent(env.deploymentSelector)}`);
  const floors =
    action === 'wake' ? floorsOf(await api.get<List<HorizontalPodAutoscaler>>(`/apis/autoscaling/v2/namespaces/${encodeURIComponent(env.namespace)}/horizontalpodautoscalers`)) : undefined;
  return deployments.items.map(({ metadata, spec }) => ({
    deployment: metadata.name,
    scalePath: `${deploymentsPath(env.namespace)}/${encodeURIComponent(metadata.name)}/scale`,
    from: spec.replicas ?? 1,
    to: floors ? floors.get(metadata.name) : 0,
  }));
}

/**
 * The add-on Deployments that would otherwise keep a node up all night: 0 asleep, one replica awake.
 * One not found (the add-on not installed yet) is skipped with a warning.
 */
async function systemTargets(action: SleeperAction, api: KubernetesApi): Promise<ScaleTarget[]> {
  const targets: ScaleTarget[] = [];
  for (const ref of env.systemDeployments) {
    const path = `${deploymentsPath(ref.namespace)}/${encodeURIComponent(ref.name)}`;
    let deployment: Deployment;
    try {
      deployment = await api.get<Deployment>(path);
    } catch (error) {
      if (!(error instanceof KubernetesApiError && error.status === 404)) throw error;
      logger.warn(`Deployment ${deploymentRefText(ref)} not found: nothing to scale`);
      continue;
    }
    targets.push({ deployment: deploymentRefText(ref), scalePath: `${path}/scale`, from: deployment.spec.replicas ?? 1, to: action === 'wake' ? SYSTEM_AWAKE_REPLICAS : 0 });
  }
  return targets;
}

/** Each Deployment's floor: the minReplicas of the HPA that targets it. */
function floorsOf(autoscalers: List<HorizontalPodAutoscaler>): Map<string, number> {
  return new Map(autoscalers.items.filter(({ spec }) => spec.scaleTargetRef.kind === 'Deployment').map(({ spec }) => [spec.scaleTargetRef.name, spec.minReplicas ?? 1]));
}
