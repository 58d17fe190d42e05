import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Runs the CDK app the way `cdk synth -c key=value` does: context in CDK_CONTEXT_JSON, output to CDK_OUTDIR. */
function runApp(context: Record<string, string>) {
  const outdir = mkdtempSync(join(tmpdir(), 'hybrid-synth-'));
  try {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'infra/main.ts'], {
      cwd: join(__dirname, '../..'),
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
