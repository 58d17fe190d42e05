import { contextFromFlags, loadConfigFromContext } from '../infra/config/load-config';
import { parseArguments, UsageError } from '../scripts/cli-args';
import type { PlatformValues } from './values';
import { valuesForEnvironment, valuesFromCdkOutputs, valuesFromFile } from './values-sources';

/**
 * `npm run synth:k8s` (k8s/synth.ts): writes one YAML file per chart to dist/k8s/, with no AWS account.
 * The values come from one of:
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
 * Throws a UsageError on bad arguments, a ConfigError or ValuesError on bad configuration or values;
 * either way before writing anything.
 */
export function synthK8s(argv: readonly string[]): void {
  const args = parseSynthArguments(argv);
  const values = chosenValues(args);
  // Loaded only now: cdk8s-plus takes half a second that bad arguments or values should not wait for.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- synchronous and deferred, see above
  const { writeCharts } = require('./write-charts') as typeof import('./write-charts');
  const repoUrl = args['argocd-repo'];
  writeCharts(values, { out: args.out, argocd: repoUrl ? { repoUrl, revision: args['argocd-revision'] } : undefined });
}

const USAGE =
  'usage: npm run synth:k8s -- [-c <key>=<value> ... | --values <file> | --cdk-outputs <file>] [--argocd-repo <url> [--argocd-revision <rev>]] [--out <dir>]';

function parseSynthArguments(argv: readonly string[]) {
  const parsed = parseArguments(
    {
      args: [...argv],
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
  if (sources.length > 1) throw new UsageError(`${sources.join(' and ')} are alternatives: give one source of values`, USAGE);
  return parsed;
}

function chosenValues(args: ReturnType<typeof parseSynthArguments>): PlatformValues {
  if (args['cdk-outputs']) return valuesFromCdkOutputs(args['cdk-outputs']);
  if (args.values) return valuesFromFile(args.values);
  // Validated exactly as the CDK app validates it: the same keys, the same messages.
  return valuesForEnvironment(loadConfigFromContext(contextFromFlags(args.context ?? [])));
}
