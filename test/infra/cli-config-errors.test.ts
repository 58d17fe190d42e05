import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, contextFromFlags, loadConfigFromContext } from '../../infra/config/load-config';
import { synthK8s } from '../../k8s/synth-command';
import { exitStatusOf } from '../../scripts/cli-args';
import { ENVIRONMENTS } from '../../infra/config/environments';

/** What the app lists as `env`'s allowed values: the environments of infra/config/environments.ts. */
const ALLOWED_ENVIRONMENTS = Object.keys(ENVIRONMENTS).join(', ');

/**
 * How the command lines (the CDK app under `cdk synth`, npm run synth:k8s, npm run synth) end on bad
 * arguments or configuration. Each message is checked in-process, through the functions the scripts
 * run (scripts/cli-args.ts turns the error into exit code and stderr); a process costs a second of
 * loading, so only one per script and way of failing proves the wiring: exit code, exact stderr, no
 * stack trace, nothing written.
 */
const ROOT = join(__dirname, '../..');
const STACK_TRACE = /\n\s+at /;

/** The exit code and stderr the scripts end with for what `run` throws (all of them take a ConfigError for the user's); a bug is thrown on, as they do. */
function exitStatusOfRun(run: () => unknown) {
  try {
    run();
  } catch (error) {
    const status = exitStatusOf(error, [ConfigError]);
    if (status) return status;
    throw error;
  }
  throw new Error('expected an error');
}

/** Runs `fn` with a scratch folder holding a file that must survive, and returns what it returned and the folder's files. */
function inScratch<T>(fn: (scratch: string) => T) {
  const scratch = mkdtempSync(join(tmpdir(), 'hybrid-cli-'));
  try {
    writeFileSync(join(scratch, 'keep.txt'), 'not to be touched');
    const result = fn(scratch);
    return { result, written: readdirSync(scratch, { recursive: true }).sort() };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

describe('bad configuration, as the CDK app and both scripts report it', () => {
  it.each([
    ['an unknown environment, naming the key and allowed values', { env: 'no-such-env' }, `Unknown value "no-such-env" for context key "env". Allowed values: ${ALLOWED_ENVIRONMENTS}.`],
    ['a mistyped key, suggesting the key it was meant as', { natGateway: '2' }, 'unknown context key "natGateway"; did you mean "natGateways"?'],
  ])('exits 1 on %s, with that one line', (_name, context, message) => {
    expect(exitStatusOfRun(() => loadConfigFromContext(context))).toEqual({ exitCode: 1, stderr: message });
  });

  it('prints every invalid override, naming its -c key, without a stack trace', () => {
    const status = exitStatusOfRun(() => loadConfigFromContext({ natGateways: '5', budgetEmail: 'nobody' }));
    expect(status.exitCode).toBe(1);
    expect(status.stderr).toContain('network.natGateways (from -c natGateways): must be from 1 to 2');
    expect(status.stderr).toContain('budget.alertEmail (from -c budgetEmail): must be an e-mail address');
    expect(status.stderr).not.toMatch(STACK_TRACE);
  });

  it('names the owner key when it is empty, in words rather than a schema error', () => {
    const status = exitStatusOfRun(() => loadConfigFromContext({ owner: '' }));
    expect(status.exitCode).toBe(1);
    expect(status.stderr).toContain('owner (from -c owner): must not be empty');
    expect(status.stderr).not.toMatch(/Too small|characters/);
  });

  it('names the GitHub repository key and the form it takes, without a stack trace', () => {
    const status = exitStatusOfRun(() => loadConfigFromContext({ githubRepository: 'https://github.com/octo-org/app' }));
    expect(status.exitCode).toBe(1);
    expect(status.stderr).toContain('github.repository (from -c githubRepository): must be a GitHub repository as <owner>/<name>, e.g. octo-org/hybrid-platform');
    expect(status.stderr).not.toMatch(STACK_TRACE);
  });

  it('exits 1 on a -c flag that is not key=value', () => {
    expect(exitStatusOfRun(() => contextFromFlags(['prod']))).toEqual({ exitCode: 1, stderr: '-c prod: expected <key>=<value>, e.g. -c env=prod' });
  });

  it('leaves any other error (a bug) to be thrown with its stack trace', () => {
    expect(exitStatusOf(new TypeError('undefined is not a function'), [ConfigError])).toBeUndefined();
  });
});

describe('npm run synth:k8s (k8s/synth-command.ts) given bad arguments', () => {
  const K8S_USAGE = /^usage: npm run synth:k8s -- \[-c <key>=<value> \.\.\. \| --values <file> \| --cdk-outputs <file>\]/;

  it.each([
    ['an unknown flag', ['--valuse', 'k8s/values/example.json'], "Unknown option '--valuse'"],
    ['a positional argument', ['prod'], "Unexpected argument 'prod'"],
    ['two sources of values', ['-c', 'env=prod', '--values', 'k8s/values/example.json'], '-c and --values are alternatives: give one source of values'],
  ])('exits 2 on %s, with the problem and one line of usage, and writes nothing', (_name, args, problem) => {
    const { result, written } = inScratch((scratch) => exitStatusOfRun(() => synthK8s(['--out', join(scratch, 'k8s'), ...args])));
    expect(result.exitCode).toBe(2);
    const [first, usage, ...rest] = result.stderr.split('\n');
    expect(first).toBe(problem);
    expect(usage).toMatch(K8S_USAGE);
    expect(rest).toEqual([]);
    expect(written).toEqual(['keep.txt']);
  });

  it('exits 1 on an invalid value, naming its -c key, without a stack trace, and writes nothing', () => {
    const { result, written } = inScratch((scratch) => exitStatusOfRun(() => synthK8s(['--out', scratch, '-c', 'owner='])));
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('owner (from -c owner): must not be empty');
    expect(result.stderr).not.toMatch(STACK_TRACE);
    expect(written).toEqual(['keep.txt']);
  });
});

describe('the processes, one per script and way of failing', () => {
  const TYPO = 'unknown context key "natGateway"; did you mean "natGateways"?';

  /** Runs `node <argv>` from the project folder, as npm or the CDK CLI does, with a scratch folder for its output. */
  const run = (argv: (scratch: string) => string[]) =>
    inScratch((scratch) =>
      spawnSync(process.execPath, argv(scratch), {
        cwd: ROOT,
        encoding: 'utf8',
        // Node.js's on-disk cache of compiled code, which npm run synth gives its processes too (scripts/synth.ts):
        // the CDK CLI and aws-cdk-lib load half a second faster from it.
        env: { NODE_COMPILE_CACHE: join(ROOT, 'node_modules/.cache/node-compile-cache'), ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' },
      }),
    );

  it('npx cdk synth (the real CLI, with cdk.json) exits 1 on a mistyped -c key: the app (infra/main.ts) printed only the typo, exited 1, wrote no cloud assembly', () => {
    const { result, written } = run((scratch) => [require.resolve('aws-cdk/bin/cdk'), 'synth', '--no-notices', '--output', scratch, '-c', 'natGateway=2']);
    const { app } = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as { app: string };
    expect(result.status).toBe(1);
    // The CLI's own keys and feature flags pass; the app's stderr, then the CLI's line with the app's exit code.
    expect(result.stderr).toBe(`${TYPO}\n${app}: Subprocess exited with error 1\n`);
    expect(written).toEqual(['keep.txt']);
  });

  it('npm run synth:k8s exits 2 on bad arguments, with the problem and the usage line, writing nothing', () => {
    const { result, written } = run((scratch) => ['--import', 'tsx', 'k8s/synth.ts', '--out', scratch, '--valuse', 'k8s/values/example.json']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^Unknown option '--valuse'\nusage: npm run synth:k8s -- \[[^\n]*\]\n$/);
    expect(written).toEqual(['keep.txt']);
  });

  it('npm run synth:k8s exits 1 on a mistyped -c key, with the CDK app\'s message, leaving the output folder as it was', () => {
    const { result, written } = run((scratch) => ['--import', 'tsx', 'k8s/synth.ts', '--out', scratch, '-c', 'env=prod', '-c', 'natGateway=2']);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`${TYPO}\n`);
    expect(written).toEqual(['keep.txt']);
  });

  const synthOutputs = (scratch: string) => ['--cdk-out', join(scratch, 'cdk.out'), '--k8s-out', join(scratch, 'k8s')];

  it('npm run synth exits 1 on a mistyped -c key before either half runs: no cloud assembly, no charts, one message', () => {
    const { result, written } = run((scratch) => ['--import', 'tsx', 'scripts/synth.ts', ...synthOutputs(scratch), '-c', 'natGateway=2']);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`${TYPO}\n`);
    expect(result.stdout).toBe('');
    expect(written).toEqual(['keep.txt']);
  });

  it('npm run synth exits 2 on an unknown flag, with one line of usage', () => {
    const { result, written } = run((scratch) => ['--import', 'tsx', 'scripts/synth.ts', ...synthOutputs(scratch), '--env', 'prod']);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe("Unknown option '--env'\nusage: npm run synth -- [-c <key>=<value> ...] [--cdk-out <dir>] [--k8s-out <dir>]\n");
    expect(written).toEqual(['keep.txt']);
  });
});
