import { rmSync } from 'node:fs';
import { ConfigError, contextFromFlags, loadConfigFromContext } from '../infra/config/load-config';
import { exitWithUsage, parseArgsOrExit } from '../scripts/cli-args';
import { ValuesError, type PlatformValues } from './values';
import { valuesForEnvironment, valuesFromCdkOutputs, valuesFromFile } from './values-sources';

/**
 * `npm run synth:k8s`: writes one YAML file per chart to dist/k8s/, with no AWS account. The values
 * come from one of:
 *
 *   -c <key>=<value> ...   the environment config, as `cdk synth` reads it (default: -c env=sandbox);
 *                          what only a deploy knows is a placeholder (see valuesForEnvironment)
 *   --values <file>        chart values as JSON, e.g. k8s/values/example.json
 *   --cdk-outputs <file>   the file written by `cdk deploy --all --outputs-file <file>`
 *
 *   --argocd-repo <url>    also write dist/argocd/application.yaml for this git repository
 *   --argocd-revision <r>  the revision it follows (default main)
 *   --out <dir>            output folder (default dist/k8s)
 *
 * Exits 2 on bad arguments, 1 on bad configuration or values; either way before writing anything.
 */
const USAGE =
  'usage: npm run synth:k8s -- [-c <key>=<value> ... | --values <file> | --cdk-outputs <file>] [--argocd-repo <url> [--argocd-revision <rev>]] [--out <dir>]';

function parseArguments() {
  const parsed = parseArgsOrExit(
    {
      options: {
        context: { type: 'string', short: 'c', multiple: true },
        values: { type: 'string' },
        'cdk-outputs': { type: 'string' },
        'argocd-repo': { type: 'string' },
        'argocd-revision': { type: 'string', default: 'main' },
        out: { type: 'string', default: 'dist/k8s' },
      },
    },
    USAGE,
  ).values;
  const sources = [parsed.context && '-c', parsed.values && '--values', parsed['cdk-outputs'] && '--cdk-outputs'].filter(Boolean);
  if (sources.length > 1) exitWithUsage(`${sources.join(' and ')} are alternatives: give one source of values`, USAGE);
  return parsed;
}

const args = parseArguments();

function chosenValues(): PlatformValues {
  if (args['cdk-outputs']) return valuesFromCdkOutputs(args['cdk-outputs']);
  if (args.values) return valuesFromFile(args.values);
  // Validated exactly as the CDK app validates it: the same keys, the same messages.
  return valuesForEnvironment(loadConfigFromContext(contextFromFlags(args.context ?? [])));
}

/** Writes the charts (and the Argo CD Application) for values already checked. */
async function synthesize(values: PlatformValues): Promise<void> {
  // Loaded only now: cdk8s-plus takes half a second that bad arguments or values should not wait for.
  // (import() names a module by the file it compiles to, .js; tsx loads the .ts.)
  const [{ App, YamlOutputType }, { addPlatformCharts }, { addArgoCdApplication }] = await Promise.all([
    import('cdk8s'),
    import('./charts.js'),
    import('./argocd-application.js'),
  ]);
  rmSync(args.out, { recursive: true, force: true });
  const app = new App({ outdir: args.out, outputFileExtension: '.yaml', yamlOutputType: YamlOutputType.FILE_PER_CHART });
  addPlatformCharts(app, values);
  app.synth();

  if (args['argocd-repo']) {
    const argo = new App({ outdir: 'dist/argocd', outputFileExtension: '.yaml', yamlOutputType: YamlOutputType.FILE_PER_CHART });
    addArgoCdApplication(argo, { repoUrl: args['argocd-repo'], revision: args['argocd-revision'], path: args.out, namespace: values.namespace });
    argo.synth();
  }
}

/** Bad configuration or values are the user's to fix: the message, without a stack trace, and exit 1. */
function exitOnUserError(error: unknown): never {
  if (!(error instanceof ValuesError || error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}

let values: PlatformValues;
try {
  values = chosenValues();
} catch (error) {
  exitOnUserError(error);
}
synthesize(values).catch(exitOnUserError);
