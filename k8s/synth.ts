import { App, YamlOutputType } from 'cdk8s';
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { addArgoCdApplication } from './argocd-application';
import { addPlatformCharts } from './charts';
import { ValuesError } from './values';
import { valuesFromCdkOutputs, valuesFromFile } from './values-sources';

/**
 * `npm run synth:k8s`: writes one YAML file per chart to dist/k8s/, with no AWS account.
 *
 *   --values <file>        chart values as JSON (default: k8s/values/example.json)
 *   --cdk-outputs <file>   or: the file written by `cdk deploy --all --outputs-file <file>`
 *   --argocd-repo <url>    also write dist/argocd/application.yaml for this git repository
 *   --out <dir>            output folder (default dist/k8s)
 */
const { values: args } = parseArgs({
  options: {
    values: { type: 'string', default: 'k8s/values/example.json' },
    'cdk-outputs': { type: 'string' },
    'argocd-repo': { type: 'string' },
    'argocd-revision': { type: 'string', default: 'main' },
    out: { type: 'string', default: 'dist/k8s' },
  },
});

try {
  const values = args['cdk-outputs'] ? valuesFromCdkOutputs(args['cdk-outputs']) : valuesFromFile(args.values);
  rmSync(args.out, { recursive: true, force: true });
  const app = new App({ outdir: args.out, outputFileExtension: '.yaml', yamlOutputType: YamlOutputType.FILE_PER_CHART });
  addPlatformCharts(app, values);
  app.synth();

  if (args['argocd-repo']) {
    const argo = new App({ outdir: 'dist/argocd', outputFileExtension: '.yaml', yamlOutputType: YamlOutputType.FILE_PER_CHART });
    addArgoCdApplication(argo, { repoUrl: args['argocd-repo'], revision: args['argocd-revision'], path: args.out, namespace: values.namespace });
    argo.synth();
  }
} catch (error) {
  if (!(error instanceof ValuesError)) throw error;
  console.error(error.message);
  process.exit(1);
}
