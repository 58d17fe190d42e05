import { buildSync } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Per function: the minified bundle size and the cold init (module load + first invoke, SDK clients
 * mocked) against, in the same run, an empty handler bundled the same way.
 * Goals: notifier <= 150 KB minified; init <= 2x the empty handler.
 */
const runs = Number(process.env.BENCH_RUNS ?? 7);
// Inside the repository, so the bundles resolve the external @aws-sdk/* and sharp from node_modules as on Lambda.
mkdirSync('.tmp', { recursive: true });
const scratch = mkdtempSync(join('.tmp', 'bench-functions-'));

const functions = [
  { name: 'empty handler (baseline)', kind: 'empty', entry: 'bench/fixtures/empty-handler.ts', external: [] as string[] },
  { name: 'notifier', kind: 'notifier', entry: 'functions/notifier/handler.ts', external: [] },
  { name: 'image-resizer', kind: 'image-resizer', entry: 'functions/image-resizer/handler.ts', external: ['sharp'] },
];

/** The esbuild options PlatformFunction (infra/constructs/platform-function.ts) bundles with. */
function bundle(entry: string, external: string[], outfile: string): number {
  buildSync({
    entryPoints: [entry],
    outfile,
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    external: ['@aws-sdk/*', ...external],
    logLevel: 'error',
  });
  return statSync(outfile).size;
}

function coldInitMs(bundlePath: string, kind: string): number {
  const child = spawnSync(process.execPath, ['--import', 'tsx', 'bench/cold-init.ts', bundlePath, kind], {
    encoding: 'utf8',
    env: {
      ...process.env,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
      POWERTOOLS_SERVICE_NAME: kind,
      POWERTOOLS_METRICS_NAMESPACE: 'Bench',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_TRACE_ENABLED: 'false',
      POWERTOOLS_METRICS_DISABLED: 'true',
      IDEMPOTENCY_TABLE_NAME: 'bench-idempotency',
      NOTIFICATION_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:bench',
    },
  });
  if (child.status !== 0) throw new Error(`cold init of ${kind} failed:\n${child.stderr}`);
  return Number(child.stdout);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

try {
  const bundles = functions.map((fn) => {
    const outfile = join(scratch, fn.kind, 'index.js');
    return { ...fn, outfile: resolve(outfile), bytes: bundle(fn.entry, fn.external, outfile), samples: [] as number[] };
  });
  for (let run = 0; run < runs; run++) {
    // Interleaved, so machine noise hits every function alike.
    for (const fn of bundles) fn.samples.push(coldInitMs(fn.outfile, fn.kind));
  }
  const baseline = median(bundles[0].samples);
  console.log(`functions benchmark: bundle size and median cold init of ${runs} runs`);
  console.table(
    bundles.map((fn) => ({
      function: fn.name,
      'bundle KB': +(fn.bytes / 1024).toFixed(1),
      'cold init ms': +median(fn.samples).toFixed(1),
      'init / empty': +(median(fn.samples) / baseline).toFixed(2),
    })),
  );
  const notifier = bundles.find((fn) => fn.kind === 'notifier')!;
  console.log(`notifier bundle ${(notifier.bytes / 1024).toFixed(1)} KB (goal <= 150 KB); init ratio goal <= 2x the empty handler`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
