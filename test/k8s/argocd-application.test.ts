import { Testing } from 'cdk8s';
import { PROJECT } from '../../infra/config/naming';
import { addArgoCdApplication } from '../../k8s/argocd-application';

describe('the Argo CD Application (npm run synth:k8s -- --argocd-repo <url>)', () => {
  it('follows the folder of the charts at the revision, in the platform namespace, pruning and healing, and leaves the namespace to the platform chart', () => {
    const chart = addArgoCdApplication(Testing.app(), { repoUrl: 'https://github.com/example/fork.git', revision: 'v1.2.0', path: 'dist/k8s', namespace: 'shop' });

    expect(Testing.synth(chart)).toEqual([
      {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Application',
        metadata: { name: PROJECT, namespace: 'argocd' },
        spec: {
          project: 'default',
          source: { repoURL: 'https://github.com/example/fork.git', targetRevision: 'v1.2.0', path: 'dist/k8s', directory: { recurse: false } },
          destination: { server: 'https://kubernetes.default.svc', namespace: 'shop' },
          syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=false', 'ServerSideApply=true'] },
        },
      },
    ]);
  });
});
