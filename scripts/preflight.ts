import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EKSClient } from '@aws-sdk/client-eks';
import { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { STSClient } from '@aws-sdk/client-sts';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, contextFromFlags, loadConfigFromContext } from '../infra/config/load-config';
import { readDeploymentNeeds } from './preflight/assembly';
import { DEFAULT_TOOLKIT_STACK_NAME, type AwsClients } from './preflight/aws-checks';
import { runPreflightChecks } from './preflight/checklist';
import type { Finding } from './preflight/findings';
import { runCommand, type CommandRunner } from './preflight/run-command';

/**
 * `npm run preflight`: whether `npx cdk deploy` can succeed from here, checked before it starts
 * (credentials and region, the bootstrap stack, EKS's Kubernetes versions, quotas, the container
 * builder). Prints one line per check and exits 0 when ready (warnings allowed), 1 on any blocker,
 * 2 on bad arguments or configuration.
 *
 *   npm run preflight                                    the sandbox environment
 *   npm run preflight -- --env prod                      another environment (same as -c env=prod)
 *   npm run preflight -- -c natGateways=2                context overrides, as given to cdk
 *   npm run preflight -- --toolkit-stack-name MyToolkit  a bootstrap stack not named CDKToolkit
 */

const ROOT = resolve(__dirname, '..');
const USAGE = 'usage: npm run preflight -- [--env <name>] [-c <key>=<value> ...] [--toolkit-stack-name <name>]';

export interface PreflightDeps {
  /** Resolves the region and credentials as every other client of the run will. */
  readonly sts: STSClient;
  readonly run: CommandRunner;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Where `cdk synth` writes the cloud assembly. */
  readonly cdkOut: string;
  readonly print: (line: string) => void;
  readonly printError: (line: string) => void;
}

/** Resolves with the exit code. */
export async function preflight(argv: readonly string[], deps: PreflightDeps): Promise<number> {
  let options;
  try {
    options = parseOptions(argv);
  } catch (error) {
    deps.printError(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 2;
  }
  let config;
  try {
    // As the CDK app does: a mistyped -c key stops here, naming the key it was probably meant as.
    config = loadConfigFromContext(options.context);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    deps.printError(error.message);
    return 2;
  }

  const findings = await runPreflightChecks({
    config,
    sts: deps.sts,
    clientsIn: awsClientsIn,
    run: deps.run,
    // The CDK CLI's own choice: CDK_DOCKER, else docker.
    containerBuilder: deps.env.CDK_DOCKER ?? 'docker',
    needs: readDeploymentNeeds(deps.cdkOut),
    toolkitStackName: options.toolkitStackName,
  });
  deps.print(`Preflight of environment "${config.name}" before npx cdk deploy:`);
  for (const finding of findings) deps.print(formatFinding(finding));
  const blockers = findings.filter((finding) => finding.status === 'blocker').length;
  deps.print(blockers === 0 ? 'Ready to deploy.' : `${blockers} ${blockers === 1 ? 'blocker' : 'blockers'}: fix, then run the preflight again.`);
  return blockers === 0 ? 0 : 1;
}

function parseOptions(argv: readonly string[]): { context: Record<string, string>; toolkitStackName: string } {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      env: { type: 'string' },
      context: { type: 'string', short: 'c', multiple: true },
      'toolkit-stack-name': { type: 'string', default: DEFAULT_TOOLKIT_STACK_NAME },
    },
  });
  const context = contextFromFlags(values.context ?? []);
  if (values.env !== undefined) context.env = values.env;
  return { context, toolkitStackName: values['toolkit-stack-name'] };
}

function awsClientsIn(region: string): AwsClients {
  return {
    cloudFormation: new CloudFormationClient({ region }),
    eks: new EKSClient({ region }),
    serviceQuotas: new ServiceQuotasClient({ region }),
    ec2: new EC2Client({ region }),
  };
}

const LABELS: Record<Finding['status'], string> = { ok: 'ok', warning: 'warning', skipped: 'skipped', blocker: 'BLOCKER' };

function formatFinding(finding: Finding): string {
  const line = `  ${LABELS[finding.status].padEnd(8)} ${finding.check}: ${finding.reason}`;
  return finding.status === 'blocker' ? `${line}. Fix: ${finding.fix}` : line;
}

if (require.main === module) {
  // Where cdk.json tells the CDK CLI to write the cloud assembly.
  const { output = 'cdk.out' } = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as { output?: string };
  preflight(process.argv.slice(2), {
    sts: new STSClient({}),
    run: runCommand,
    env: process.env,
    cdkOut: join(ROOT, output),
    print: (line) => console.log(line),
    printError: (line) => console.error(line),
  }).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`npm run preflight: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
