/**
 * The cdk8s-plus package that writes the manifests for the Kubernetes version in
 * ./kubernetes-version.ts.
 *
 * cdk8s-plus-28 is the newest cdk8s-plus; every API it writes (apps/v1, autoscaling/v2, policy/v1,
 * networking.k8s.io/v1) is still served by 1.36, and the manifest policy tests check exactly that.
 */
export * as kplus from 'cdk8s-plus-28';
