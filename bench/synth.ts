import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { medianWallTimes, type Timed } from './measure';

/**
 * Wall time of `npm run synth` (both halves, CloudFormation and Kubernetes) against, in the same run:
 * - the default synth of the EKS Blueprints quick-start app (`npx cdk synth --quiet`, ts-node), what a
 *   platform engineer would otherwise pick. Goal: ours <= 0.5x. The peer app is not ours to commit: it
 *   is read from PEER_BLUEPRINTS_DIR (default ../shared/peer/blueprints) and installed once into a
 *   cache folder; where it is missing or cannot be installed (no registry), that row is skipped with
 *   the reason.
 * - the CDK CLI synthesizing an empty app: the floor no CDK app can beat.
 * Median of BENCH_RUNS interleaved warm runs (default 5), after one warm-up run of each.
 */
const RATIO_GOAL = 0.5;
const runs = Number(process.env.BENCH_RUNS ?? 5);
const ROOT = resolve(__dirname, '..');
const PEER_SOURCE = resolve(process.env.PEER_BLUEPRINTS_DIR ?? join(ROOT, '..', 'shared', 'peer', 'blueprints'));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const scratch = mkdtempSync(join(tmpdir(), 'bench-synth-'));

/** The peer app, installed in a cache folder keyed by its package files; or why it is not available. */
function installedPeer(): { dir: string } | { skipped: string } {
  if (!existsSync(join(PEER_SOURCE, 'package.json'))) return { skipped: `no peer app at ${PEER_SOURCE} (set PEER_BLUEPRINTS_DIR)` };
  const key = createHash('sha256')
    .update(['package.json', 'package-lock.json'].map((file) => (existsSync(join(PEER_SOURCE, file)) ? readFileSync(join(PEER_SOURCE, file)) : '')).join('\0'))
    .digest('hex')
    .slice(0, 16);
  const dir = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'hybrid-platform', `peer-blueprints-${key}`);
  if (!existsSync(join(dir, 'node_modules', '.bin', 'cdk'))) {
    console.error(`installing the peer app into ${dir} (about a minute, once)...`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    cpSync(PEER_SOURCE, dir, { recursive: true });
    const install = spawnSync(npm, ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, encoding: 'utf8' });
    if (install.status !== 0) {
      rmSync(dir, { recursive: true, force: true });
      return { skipped: `the peer app could not be installed (npm install: exit ${install.status}): ${install.stderr.trim().split('\n').slice(-3).join(' ')}` };
    }
  }
  return { dir };
}

const ours: Timed = {
  name: 'npm run synth',
  command: npm,
  args: ['run', 'synth', '--', '--cdk-out', join(scratch, 'cdk.out'), '--k8s-out', join(scratch, 'k8s')],
  cwd: ROOT,
};
const floor: Timed = {
  name: 'empty app (floor)',
  command: join(ROOT, 'node_modules', '.bin', 'cdk'),
  // --no-validation, as npm run synth: the floor of synthesis, not of aws-cdk-lib's CloudFormation validation.
  args: ['synth', '--quiet', '--no-validation', '--app', `node ${join(ROOT, 'bench/fixtures/empty-app.js')}`, '--output', join(scratch, 'empty')],
  cwd: ROOT,
};

try {
  const peer = installedPeer();
  const peerTimed: Timed | undefined =
    'dir' in peer
      ? {
          name: 'EKS Blueprints quick start',
          command: npx,
          args: ['cdk', 'synth', '--quiet'],
          cwd: peer.dir,
          // Its availability-zone lookup is seeded by cdk.context.json, which the CLI rewrites when a lookup fails.
          before: () => copyFileSync(join(PEER_SOURCE, 'cdk.context.json'), join(peer.dir, 'cdk.context.json')),
        }
      : undefined;
  const times = medianWallTimes([ours, ...(peerTimed ? [peerTimed] : []), floor], runs);
  const ms = (timed: Timed) => Math.round(times.get(timed.name)!);
  console.log(`synth benchmark: median of ${runs} interleaved warm runs, node ${process.version}`);
  console.table([ours, ...(peerTimed ? [peerTimed] : []), floor].map((timed) => ({ what: timed.name, 'wall ms': ms(timed) })));
  if (peerTimed) {
    console.log(`ratio npm run synth / EKS Blueprints quick start: ${(ms(ours) / ms(peerTimed)).toFixed(2)}x (goal <= ${RATIO_GOAL}x)`);
  } else {
    console.log(`EKS Blueprints comparison skipped: ${(peer as { skipped: string }).skipped}`);
  }
  console.log(`ratio npm run synth / empty app: ${(ms(ours) / ms(floor)).toFixed(2)}x`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
