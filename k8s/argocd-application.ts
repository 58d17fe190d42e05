import { ApiObject, Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { PROJECT } from '../infra/config/naming';

export interface ArgoCdApplicationProps {
  /** Git URL of your fork, e.g. https://github.com/you/hybrid-platform.git */
  readonly repoUrl: string;
  /** Branch, tag or commit to follow. */
  readonly revision: string;
  /** Folder of the synthesized YAML in the repository (dist/k8s). */
  readonly path: string;
  /** Namespace the core APIs run in. */
  readonly namespace: string;
}

/**
 * Opt-in GitOps: an Argo CD Application that keeps a cluster in step with dist/k8s of your fork.
 * Commit dist/k8s (drop it from .gitignore) and apply dist/argocd/application.yaml to the Argo CD namespace.
 */
export function addArgoCdApplication(scope: Construct, props: ArgoCdApplicationProps): Chart {
  // Its one object is named explicitly: no name hash to disable.
  const chart = new Chart(scope, 'application');
  new ApiObject(chart, 'Application', {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: PROJECT, namespace: 'argocd' },
    spec: {
      project: 'default',
      source: { repoURL: props.repoUrl, targetRevision: props.revision, path: props.path, directory: { recurse: false } },
      destination: { server: 'https://kubernetes.default.svc', namespace: props.namespace },
      syncPolicy: {
        automated: { prune: true, selfHeal: true },
        // The platform chart creates the namespace itself, labelled for Pod Security Admission.
        syncOptions: ['CreateNamespace=false', 'ServerSideApply=true'],
      },
    },
  });
  return chart;
}
