import * as z from 'zod/mini';

/**
 * What the sleep schedule sends the cluster sleeper (infra/constructs/sleep-schedule.ts): `sleep`
 * scales the core APIs to zero, `wake` back to their HPAs' floors. The same payload wakes it early
 * by hand: `aws lambda invoke --payload '{"action":"wake"}'`.
 */
export const SLEEPER_ACTIONS = ['sleep', 'wake'] as const;
export type SleeperAction = (typeof SLEEPER_ACTIONS)[number];

export interface SleeperEvent {
  readonly action: SleeperAction;
}

const sleeperEventSchema = z.object({ action: z.enum(SLEEPER_ACTIONS) });

export function parseSleeperEvent(event: unknown): SleeperEvent {
  const result = sleeperEventSchema.safeParse(event);
  if (!result.success) throw new Error(`cluster-sleeper: expected {"action": "${SLEEPER_ACTIONS.join('" | "')}"}, got ${JSON.stringify(event)}`);
  return result.data;
}

/** The function's environment, set by the sleep schedule. */
export const SLEEPER_ENV = {
  clusterName: 'CLUSTER_NAME',
  namespace: 'NAMESPACE',
  /** A Kubernetes label selector of the Deployments to scale, e.g. `app.kubernetes.io/part-of=hybrid-platform`. */
  deploymentSelector: 'DEPLOYMENT_SELECTOR',
  /**
   * Deployments outside the namespace that would keep a node up while the core APIs sleep (an add-on's,
   * e.g. `kube-system/metrics-server`), comma-separated `<namespace>/<name>`: 0 asleep, 1 awake.
   */
  systemDeployments: 'SYSTEM_DEPLOYMENTS',
} as const;

/** A Deployment named by its namespace and name. */
export interface DeploymentRef {
  readonly namespace: string;
  readonly name: string;
}

/** `<namespace>/<name>`, e.g. `kube-system/metrics-server`, as SYSTEM_DEPLOYMENTS lists it. */
export const deploymentRefText = ({ namespace, name }: DeploymentRef): string => `${namespace}/${name}`;

const required = z.string().check(z.minLength(1, 'is not set'));
/** `<namespace>/<name>`: Kubernetes names, lower case. */
const DEPLOYMENT_REF = '[a-z0-9][-a-z0-9.]*/[a-z0-9][-a-z0-9.]*';
const deploymentRefs = z.optional(z.string().check(z.regex(new RegExp(`^(${DEPLOYMENT_REF}(,${DEPLOYMENT_REF})*)?$`), 'must list <namespace>/<name>, comma-separated')));
const sleeperEnvSchema = z.object({
  [SLEEPER_ENV.clusterName]: required,
  [SLEEPER_ENV.namespace]: required,
  [SLEEPER_ENV.deploymentSelector]: required,
  [SLEEPER_ENV.systemDeployments]: deploymentRefs,
});

export interface SleeperEnv {
  readonly clusterName: string;
  readonly namespace: string;
  readonly deploymentSelector: string;
  readonly systemDeployments: readonly DeploymentRef[];
}

/** Validated once, at init: a missing variable fails the cold start with its name. */
export function parseSleeperEnv(env: NodeJS.ProcessEnv): SleeperEnv {
  const result = sleeperEnvSchema.safeParse(env);
  if (!result.success) {
    // By the variable's own value: zod's issues carry no input unless asked to, so a set but malformed
    // variable read as not set.
    const problems = result.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      return `${name} ${env[name] === undefined ? 'is not set' : issue.message}`;
    });
    throw new Error(`cluster-sleeper: invalid environment: ${problems.join('; ')}`);
  }
  const systemDeployments = (result.data.SYSTEM_DEPLOYMENTS ?? '')
    .split(',')
    .filter(Boolean)
    .map((ref) => {
      const [namespace, name] = ref.split('/');
      return { namespace, name };
    });
  return { clusterName: result.data.CLUSTER_NAME, namespace: result.data.NAMESPACE, deploymentSelector: result.data.DEPLOYMENT_SELECTOR, systemDeployments };
}
