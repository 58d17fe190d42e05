import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { ConfigError, contextFromFlags, loadConfigFromContext } from '../infra/config/load-config';
import type { EnvironmentConfig } from '../infra/config/environment-config';
import { estimateCost } from '../infra/cost/estimate';
import { formatCostSummary } from '../infra/cost/report';
import { stacksFromCloudAssembly } from '../infra/cost/synthesized-stacks';
import { workingHoursOf } from '../infra/cost/working-hours';
import { exitOnUserError, parseArguments } from './cli-args';

/**
 * `npm run synth`: the CloudFormation (`cdk synth`, into cdk.out/) and the Kubernetes manifests
 * (k8s/synth.ts, into dist/k8s/) of one environment, both from the same `-c` flags:
 *
 *   npm run synth                                   the sandbox environment
 *   npm run synth -- -c env=prod -c natGateways=2   another environment, with overrides
 *   npm run synth -- --cdk-out <dir> --k8s-out <dir> other output folders
 *
 * The flags are validated once here, before either half runs (so a typo writes nothing), and then
 * again by each half, with the same code (infra/config/load-config.ts).
 * Exits 2 on bad arguments, 1 on bad configuration, else with the first failing half's code (both
 * halves always run to the end).
 */
const ROOT = resolve(__dirname, '..');
const USAGE = 'usage: npm run synth -- [-c <key>=<value> ...] [--cdk-out <dir>] [--k8s-out <dir>]';

function parseSynthArguments() {
  return parseArguments(
    {
      options: {
        context: { type: 'string', short: 'c', multiple: true, default: [] },
        'cdk-out': { type: 'string', default: 'cdk.out' },
        'k8s-out': { type: 'string', default: 'dist/k8s' },
      },
    },
    USAGE,
  ).values;
}

let args: ReturnType<typeof parseSynthArguments>;
let config: EnvironmentConfig;
try {
  args = parseSynthArguments();
  config = loadConfigFromContext(contextFromFlags(args.context));
} catch (error) {
  exitOnUserError(error, [ConfigError]);
}

const contextFlags = args.context.flatMap((flag) => ['-c', flag]);
// Node.js's on-disk cache of compiled code for every process of the synthesis (the CDK CLI, the app,
// the chart synthesis): aws-cdk-lib and the CLI are large, and compiling them again is a second of
// every warm synth. Only a cache (deleting it costs one slower run); NODE_COMPILE_CACHE set by the caller wins.
const COMPILE_CACHE = join(ROOT, 'node_modules', '.cache', 'node-compile-cache');
const halves = [
  // --no-validation skips aws-cdk-lib's built-in CloudFormation validation (cfn-lint's rules), whose
  // engine takes seconds to start; `npm test` runs it over every environment and fails on any finding
  // (test/infra/cloudformation-validation.test.ts), and `cdk deploy` still runs it. The rule packs
  // (cdk-nag: AWS Solutions and the platform's own) still run here.
  [join(ROOT, 'node_modules/aws-cdk/bin/cdk'), 'synth', '--quiet', '--no-validation', '--output', resolve(args['cdk-out']), ...contextFlags],
  ['--import', 'tsx', join(ROOT, 'k8s/synth.ts'), '--out', resolve(args['k8s-out']), ...contextFlags],
];
// The halves are independent, so they run side by side; from the project folder, where cdk.json is
// (the output folders are resolved against the caller's).
void Promise.all(
  halves.map(async (argv) => {
    const child = spawn(process.execPath, argv, { cwd: ROOT, stdio: 'inherit', env: { NODE_COMPILE_CACHE: COMPILE_CACHE, ...process.env } });
    const [code] = (await once(child, 'exit')) as [number | null];
    return code ?? 1;
  }),
).then((exitCodes) => {
  const failed = exitCodes.find((code) => code !== 0);
  if (failed === undefined) printCostEstimate();
  process.exit(failed ?? 0);
});

/**
 * The environment's monthly total in one line, from the templates just written (the charts are in the
 * cluster stack's template): no second synthesis. `npm run cost` has the items.
 */
function printCostEstimate(): void {
  try {
    const stacks = stacksFromCloudAssembly(resolve(args['cdk-out']), config);
    console.log(formatCostSummary(estimateCost({ environment: config.name, stacks, workingHours: workingHoursOf(config) })));
  } catch (error) {
    // The synthesis succeeded; an estimate that cannot be made is reported, not a failed synth.
    console.error(`cost estimate unavailable: ${(error as Error).message}`);
  }
}
