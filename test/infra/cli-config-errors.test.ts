import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');
const STACK_TRACE = /\n\s+at /;

/** Runs the CDK app the way `cdk synth -c key=value` does: context in CDK_CONTEXT_JSON, output to CDK_OUTDIR. */
function runApp(context: Record<string, string>) {
  const outdir = mkdtempSync(join(tmpdir(), 'hybrid-synth-'));
  try {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'infra/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify(context), CDK_OUTDIR: outdir },
      encoding: 'utf8',
    });
    return { status: result.status, stderr: result.stderr, written: readdirSync(outdir) };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

describe('the CDK app given bad context', () => {
  it('exits 1 with a message naming the key and allowed values, and synthesizes nothing', () => {
    const { status, stderr, written } = runApp({ env: 'staging' });
    expect(status).toBe(1);
    expect(stderr.trim()).toBe('Unknown value "staging" for context key "env". Allowed values: sandbox, prod.');
    expect(written).toEqual([]);
  });

  it('prints every invalid override, without a stack trace', () => {
    const { status, stderr } = runApp({ natGateways: '5', budgetEmail: 'nobody' });
    expect(status).toBe(1);
    expect(stderr).toContain('network.natGateways (from -c natGateways): must be from 1 to 2');
    expect(stderr).toContain('budget.alertEmail (from -c budgetEmail): must be an e-mail address');
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});

describe('the CDK app given an unknown context key', () => {
  it('exits 1 suggesting the key it was meant as, and synthesizes nothing', () => {
    const { status, stderr, written } = runApp({ natGateway: '2' });
    expect(status).toBe(1);
    expect(stderr.trim()).toBe('unknown context key "natGateway"; did you mean "natGateways"?');
    expect(written).toEqual([]);
  });

  it('names the owner key when it is empty, in words rather than a schema error', () => {
    const { status, stderr, written } = runApp({ owner: '' });
    expect(status).toBe(1);
    expect(stderr).toContain('owner (from -c owner): must not be empty');
    expect(stderr).not.toMatch(/Too small|characters/);
    expect(written).toEqual([]);
  });
});

describe('npx cdk synth (the real CLI, with cdk.json) given a mistyped -c key', () => {
  it('reports only the typo (the CLI\'s own keys and feature flags pass) and writes no cloud assembly', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'hybrid-cli-'));
    try {
      const output = join(scratch, 'cdk.out');
      const result = spawnSync(process.execPath, [require.resolve('aws-cdk/bin/cdk'), 'synth', '--no-notices', '--output', output, '-c', 'natGateway=2'], {
        cwd: ROOT,
        env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' },
        encoding: 'utf8',
      });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('unknown context key "natGateway"; did you mean "natGateways"?\n');
      expect(result.stderr.match(/unknown context key/g)).toHaveLength(1);
      expect(result.stderr).not.toMatch(STACK_TRACE);
      expect(existsSync(output) ? readdirSync(output) : []).toEqual([]);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});

/** Runs a script of ours with tsx, as `npm run` does, in a scratch folder holding a file that must survive. */
function runScript(script: string, args: (scratch: string) => string[]) {
  const scratch = mkdtempSync(join(tmpdir(), 'hybrid-script-'));
  try {
    writeFileSync(join(scratch, 'keep.txt'), 'not to be touched');
    const result = spawnSync(process.execPath, ['--import', 'tsx', script, ...args(scratch)], { cwd: ROOT, encoding: 'utf8' });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, written: readdirSync(scratch, { recursive: true }).sort() };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

describe('npm run synth:k8s (k8s/synth.ts) given bad arguments', () => {
  const K8S_USAGE = /^usage: npm run synth:k8s -- \[-c <key>=<value> \.\.\. \| --values <file> \| --cdk-outputs <file>\]/;

  it.each([
    ['an unknown flag', ['--valuse', 'k8s/values/example.json'], "Unknown option '--valuse'"],
    ['a positional argument', ['prod'], "Unexpected argument 'prod'"],
    ['two sources of values', ['-c', 'env=prod', '--values', 'k8s/values/example.json'], '-c and --values are alternatives: give one source of values'],
  ])('exits 2 on %s, with the problem and one line of usage, and writes nothing', (_name, args, problem) => {
    const { status, stderr, written } = runScript('k8s/synth.ts', (scratch) => ['--out', join(scratch, 'k8s'), ...args]);
    expect(status).toBe(2);
    const [first, usage, ...rest] = stderr.trimEnd().split('\n');
    expect(first).toBe(problem);
    expect(usage).toMatch(K8S_USAGE);
    expect(rest).toEqual([]);
    expect(written).toEqual(['keep.txt']);
  });

  it('exits 1 on a mistyped -c key, with the CDK app\'s message, leaving the output folder as it was', () => {
    const { status, stderr, written } = runScript('k8s/synth.ts', (scratch) => ['--out', scratch, '-c', 'env=prod', '-c', 'natGateway=2']);
    expect(status).toBe(1);
    expect(stderr.trim()).toBe('unknown context key "natGateway"; did you mean "natGateways"?');
    expect(written).toEqual(['keep.txt']);
  });

  it('exits 1 on an invalid value, naming its -c key, without a stack trace', () => {
    const { status, stderr, written } = runScript('k8s/synth.ts', (scratch) => ['--out', scratch, '-c', 'owner=']);
    expect(status).toBe(1);
    expect(stderr).toContain('owner (from -c owner): must not be empty');
    expect(stderr).not.toMatch(STACK_TRACE);
    expect(written).toEqual(['keep.txt']);
  });
});

describe('npm run synth (scripts/synth.ts) given bad arguments', () => {
  const outputs = (scratch: string) => ['--cdk-out', join(scratch, 'cdk.out'), '--k8s-out', join(scratch, 'k8s')];

  it('exits 1 on a mistyped -c key before either half runs: no cloud assembly, no charts, one message', () => {
    const { status, stdout, stderr, written } = runScript('scripts/synth.ts', (scratch) => [...outputs(scratch), '-c', 'natGateway=2']);
    expect(status).toBe(1);
    expect(stderr.trim()).toBe('unknown context key "natGateway"; did you mean "natGateways"?');
    expect(stdout).toBe('');
    expect(written).toEqual(['keep.txt']);
  });

  it('exits 2 on an unknown flag, with one line of usage', () => {
    const { status, stderr, written } = runScript('scripts/synth.ts', (scratch) => [...outputs(scratch), '--env', 'prod']);
    expect(status).toBe(2);
    expect(stderr.trimEnd().split('\n')).toEqual(["Unknown option '--env'", 'usage: npm run synth -- [-c <key>=<value> ...] [--cdk-out <dir>] [--k8s-out <dir>]']);
    expect(written).toEqual(['keep.txt']);
  });

  it('exits 1 on a -c flag that is not key=value', () => {
    const { status, stderr } = runScript('scripts/synth.ts', (scratch) => [...outputs(scratch), '-c', 'prod']);
    expect(status).toBe(1);
    expect(stderr.trim()).toBe('-c prod: expected <key>=<value>, e.g. -c env=prod');
  });
});
