import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { medianWallTimes } from './measure';

/**
 * Wall time of `npm run synth` (warm) against, in the same run, the CDK CLI synthesizing an empty
 * app: the floor that no CDK app can beat. The ratio is what to watch; absolute times vary by machine.
 */
const runs = Number(process.env.BENCH_RUNS ?? 5);
const scratch = mkdtempSync(join(tmpdir(), 'bench-synth-'));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const cdk = join('node_modules', '.bin', 'cdk');

try {
  const times = medianWallTimes(
    [
      { name: 'npm run synth', command: npm, args: ['run', 'synth'] },
      { name: 'empty app (floor)', command: cdk, args: ['synth', '--quiet', '--app', 'node bench/fixtures/empty-app.js', '--output', join(scratch, 'empty')] },
    ],
    runs,
  );
  const platform = times.get('npm run synth')!;
  const floor = times.get('empty app (floor)')!;
  console.log(`synth benchmark: median of ${runs} warm runs`);
  console.table([
    { what: 'npm run synth', 'wall ms': Math.round(platform) },
    { what: 'cdk synth of an empty app (floor)', 'wall ms': Math.round(floor) },
  ]);
  console.log(`ratio synth / floor: ${(platform / floor).toFixed(2)}x`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
