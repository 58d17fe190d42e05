import { rmSync } from 'node:fs';
import { App, YamlOutputType } from 'cdk8s';
import { APP_NAMESPACE } from '../infra/config/core-services';
import { addArgoCdApplication } from './argocd-application';
import { addPlatformCharts } from './charts';
import type { PlatformValues } from './values';

/** Where `npm run synth:k8s` writes (k8s/synth-command.ts). */
export interface ChartsOutput {
  /** The folder of the charts, one YAML file each; emptied first. */
  readonly out: string;
  /** Also write dist/argocd/application.yaml (in the working folder) for an Argo CD Application following this git repository and revision. */
  readonly argocd?: { readonly repoUrl: string; readonly revision: string };
}

/** Writes the charts (and the Argo CD Application) for values already checked. */
export function writeCharts(values: PlatformValues, { out, argocd }: ChartsOutput): void {
  rmSync(out, { recursive: true, force: true });
  const app = new App({ outdir: out, outputFileExtension: '.yaml', yamlOutputType: YamlOutputType.FILE_PER_CHART });
  addPlatformCharts(app, values);
  app.synth();

  if (argocd) {
    const argo = new App({ outdir: 'dist/argocd', outputFileExtension: '.yaml', yamlOutputType: YamlOutputType.FILE_PER_CHART });
    addArgoCdApplication(argo, { ...argocd, path: out, namespace: APP_NAMESPACE });
    argo.synth();
  }
}
