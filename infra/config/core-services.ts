/**
 * The core APIs that run on Kubernetes. Each gets an ECR repository, a Pod Identity role and
 * (with the k8s charts) a workload. Adding a service starts here.
 */
export const CORE_SERVICES = ['catalog', 'orders'] as const;
export type CoreServiceName = (typeof CORE_SERVICES)[number];

/** The namespace the core APIs run in, labelled for Pod Security Standards `restricted`. */
export const APP_NAMESPACE = 'shop';
