import { KubectlV36Layer } from '@aws-cdk/lambda-layer-kubectl-v36';
import { KubernetesVersion } from 'aws-cdk-lib/aws-eks-v2';
import type { ILayerVersion } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { TARGET_KUBERNETES_VERSION } from '../../k8s/kubernetes-version';

/**
 * The one place that pins the Kubernetes versions this platform supports.
 *
 * Each supported version carries the kubectl Lambda layer that matches it: the kubectl
 * provider (which applies the cdk8s charts) must speak the cluster's minor version.
 * Moving to a new version is: add the layer package, add an entry here, change the default.
 */
export const SUPPORTED_KUBERNETES_VERSIONS = {
  '1.36': {
    version: KubernetesVersion.V1_36,
    kubectlLayer: (scope: Construct, id: string): ILayerVersion => new KubectlV36Layer(scope, id),
  },
} as const;

export type SupportedKubernetesVersion = keyof typeof SUPPORTED_KUBERNETES_VERSIONS;

/** The version the Kubernetes manifests (k8s/) are written for. */
export const DEFAULT_KUBERNETES_VERSION: SupportedKubernetesVersion = TARGET_KUBERNETES_VERSION;
