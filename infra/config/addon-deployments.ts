import type { DeploymentRef } from '../../functions/cluster-sleeper/event';

/**
 * The Deployments (not DaemonSets: those run only where nodes are) that the cluster's EKS add-ons
 * run, by add-on name. Each keeps a node up on its own, so the sleep schedule scales them to 0 with the
 * core APIs (in this order, a controller before the Deployments it manages, so that it cannot scale
 * them back), and the cost estimate counts a node for any the sleeper leaves up.
 */
export const ADDON_DEPLOYMENTS = {
  // HPAs read it; Auto Mode ships none.
  'metrics-server': [{ namespace: 'kube-system', name: 'metrics-server' }],
  // Container Insights: the operator, then the Prometheus target allocator it creates for the agent
  // (named after the agent's custom resource, `cloudwatch-agent`).
  'amazon-cloudwatch-observability': [
    { namespace: 'amazon-cloudwatch', name: 'amazon-cloudwatch-observability-controller-manager' },
    { namespace: 'amazon-cloudwatch', name: 'cloudwatch-agent-target-allocator' },
  ],
} as const satisfies Readonly<Record<string, readonly DeploymentRef[]>>;

export type DeploymentRunningAddon = keyof typeof ADDON_DEPLOYMENTS;
