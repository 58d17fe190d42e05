/**
 * The one place that chooses the Kubernetes version the platform targets. The cdk8s-plus package that
 * writes its manifests is chosen beside it, in ./kplus.ts: moving to another version is a change to
 * this line and, when a newer cdk8s-plus serves it better, that one.
 *
 * (Two modules, not one: the configuration checks that run before any synthesis read this version,
 * and loading cdk8s-plus takes half a second that a mistyped -c key should not wait for.)
 */
export const TARGET_KUBERNETES_VERSION = '1.36' as const;
