import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENVIRONMENTS, DEFAULT_ENVIRONMENT } from '../infra/config/environments';
import { contextFromFlags, loadConfigFromContext } from '../infra/config/load-config';
import { estimateCost, type CostEstimate } from '../infra/cost/estimate';
import { formatCostJson, formatCostTable, readmeCostSection, withCostSection } from '../infra/cost/report';
import { synthesizeStacks } from '../infra/cost/synthesized-stacks';
import { workingHoursOf } from '../infra/cost/working-hours';
import { parseArguments, UsageError } from './cli-args';

/**
 * `npm run cost` (scripts/cost.ts): the monthly estimate of one environment, per stack and item, from
 * its templates (synthesized in this process, no AWS call) and its config:
 *
 *   npm run cost                        the sandbox, as a table with the assumptions
 *   npm run cost -- --env prod --json   another environment, as JSON
 *   npm run cost -- -c coreApiNodes=general   with context overrides, as given to cdk: what a lever costs
 *   npm run cost -- --write-readme      rewrites README.md's "What it costs" tables (every environment)
 */
export const COST_USAGE = `usage: npm run cost -- [--env ${Object.keys(ENVIRONMENTS).join('|')}] [-c <key>=<value> ...] [--json] [--write-readme]`;

const ROOT = join(__dirname, '..');
export const README = join(ROOT, 'README.md');

export interface CostArguments {
  readonly env: string;
  readonly json: boolean;
  readonly writeReadme: boolean;
  /** `-c <key>=<value>` overrides of the environment's settings, as cdk takes them. */
  readonly context: Readonly<Record<string, string>>;
}

export function parseCostArguments(argv: readonly string[]): CostArguments {
  const { values } = parseArguments(
    {
      args: [...argv],
      options: {
        env: { type: 'string', default: DEFAULT_ENVIRONMENT },
        context: { type: 'string', short: 'c', multiple: true },
        json: { type: 'boolean', default: false },
        'write-readme': { type: 'boolean', default: false },
      },
    },
    COST_USAGE,
  );
  const allowed = Object.keys(ENVIRONMENTS);
  if (!allowed.includes(values.env)) throw new UsageError(`Unknown environment ${JSON.stringify(values.env)} for --env. Allowed values: ${allowed.join(', ')}.`, COST_USAGE);
  if (values['write-readme'] && values.json) throw new UsageError('--write-readme and --json are alternatives', COST_USAGE);
  const context = contextFromFlags(values.context ?? []);
  if ('env' in context) throw new UsageError('choose the environment with --env, not -c env=', COST_USAGE);
  // The README shows the environments as shipped.
  if (values['write-readme'] && Object.keys(context).length > 0) throw new UsageError('--write-readme takes no -c: the README shows the environments as shipped', COST_USAGE);
  return { env: values.env, json: values.json, writeReadme: values['write-readme'], context };
}

/**
 * The estimate of one environment (infra/config/environments.ts) with any context overrides, synthesized
 * in this process. A bad override is a ConfigError naming the key, as with cdk.
 */
export async function estimateEnvironment(env: string, context: Readonly<Record<string, string>> = {}): Promise<CostEstimate> {
  const config = loadConfigFromContext({ ...context, env });
  return estimateCost({ environment: env, stacks: await synthesizeStacks(config), workingHours: workingHoursOf(config) });
}

/** Runs the command; returns what it prints. */
export async function runCost(argv: readonly string[]): Promise<string> {
  const args = parseCostArguments(argv);
  if (args.writeReadme) {
    const estimates: CostEstimate[] = [];
    // One after the other: each synthesis is a whole app's worth of memory.
    for (const env of Object.keys(ENVIRONMENTS)) estimates.push(await estimateEnvironment(env));
    writeFileSync(README, withCostSection(readFileSync(README, 'utf8'), readmeCostSection(estimates)));
    return `README.md: "What it costs" regenerated for ${estimates.map((estimate) => estimate.environment).join(', ')}\n`;
  }
  const estimate = await estimateEnvironment(args.env, args.context);
  return args.json ? formatCostJson(estimate) : formatCostTable(estimate);
}
