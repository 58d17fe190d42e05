import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { buildSync } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { esbuildOptionsOf, FUNCTION_BUNDLING } from '../infra/constructs/function-bundling';
import { sharpForLambda } from '../infra/constructs/sharp-bundling';
import { median } from './measure';

/**
 * Per function: the minified bundle size, and the cold init (loading the AWS SDK modules it uses, then
 * the bundle, and its first invocation, with the SDK clients mocked; bench/cold-init.mts) against, in
 * the same runs, the function's baseline: a minimal handler with the same AWS SDK clients and calls
 * (bench/fixtures/*-baseline.ts), bundled with the same options (FUNCTION_BUNDLING, which
 * PlatformFunction bundles with, plus the function's own).
 * Goals, the notifier's: bundle <= 150 KB minified; cold init <= 1.5x its baseline.
 */
const runs = Number(process.env.BENCH_RUNS ?? 15);
// Inside the repository, so the bundles resolve the external @aws-sdk/* and sharp from node_modules as on Lambda.
mkdirSync('.tmp', { recursive: true });
const scratch = mkdtempSync(join('.tmp', 'bench-functions-'));

interface Bundle {
  readonly name: string;
  readonly entry: string;
  readonly bundling: BundlingOptions;
}

interface Comparison {
  /** Which mocked AWS clients and event bench/cold-init.mts gives both handlers. */
  readonly kind: 'notifier' | 'image-resizer';
  readonly fn: Bundle;
  readonly baseline: Bundle;
  readonly goals?: { readonly bundleKB: number; readonly initRatio: number };
}

/** As infra/stacks/functions-stack.ts bundles the image-resizer. */
const resizerBundling: BundlingOptions = { ...FUNCTION_BUNDLING, ...sharpForLambda() };

const comparisons: Comparison[] = [
  {
    kind: 'notifier',
    fn: { name: 'notifier', entry: 'functions/notifier/handler.ts', bundling: FUNCTION_BUNDLING },
    baseline: { name: 'DynamoDB + SNS clients, a call each', entry: 'bench/fixtures/notifier-baseline.ts', bundling: FUNCTION_BUNDLING },
    goals: { bundleKB: 150, initRatio: 1.5 },
  },
  {
    kind: 'image-resizer',
    fn: { name: 'image-resizer', entry: 'functions/image-resizer/handler.ts', bundling: resizerBundling },
    baseline: { name: 'S3 client, a call each + one sharp resize', entry: 'bench/fixtures/image-resizer-baseline.ts', bundling: resizerBundling },
  },
];

function bundle({ entry, bundling }: Bundle, outfile: string): number {
  buildSync({ ...esbuildOptionsOf(bundling), entryPoints: [entry], outfile, logLevel: 'error' });
  return statSync(outfile).size;
}

function coldInitMs(bundlePath: string, kind: Comparison['kind']): number {
  const child = spawnSync(process.execPath, ['bench/cold-init.mts', bundlePath, kind], {
    encoding: 'utf8',
    env: {
      ...process.env,
      // As PlatformFunction sets it: Node.js then reads the bundle's source map when it loads it.
      NODE_OPTIONS: '--enable-source-maps',
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
  if (child.status !== 0) throw new Error(`cold init of ${bundlePath} (${kind}) failed:\n${child.stderr}`);
  return Number(child.stdout);
}

const kb = (bytes: number) => +(bytes / 1024).toFixed(1);

try {
  const measure = (comparison: Comparison, role: 'fn' | 'baseline') => {
    const outfile = resolve(scratch, `${comparison.kind}-${role}`, 'index.js');
    return { kind: comparison.kind, outfile, bytes: bundle(comparison[role], outfile), samples: [] as number[] };
  };
  const pairs = comparisons.map((comparison) => ({ comparison, fn: measure(comparison, 'fn'), baseline: measure(comparison, 'baseline') }));
  const subjects = pairs.flatMap(({ fn, baseline }) => [fn, baseline]);
  for (let run = 0; run < runs; run++) {
    // Interleaved, and starting one further each run, so machine noise and position hit every bundle alike.
    for (let i = 0; i < subjects.length; i++) {
      const subject = subjects[(run + i) % subjects.length];
      subject.samples.push(coldInitMs(subject.outfile, subject.kind));
    }
  }

  console.log(`functions benchmark: bundle size and median cold init of ${runs} interleaved runs, each function against its baseline`);
  const rows = pairs.map(({ comparison: { fn: { name }, baseline: { name: baselineName }, goals }, fn, baseline }) => {
    const ratio = median(fn.samples) / median(baseline.samples);
    return {
      function: name,
      'bundle KB': kb(fn.bytes),
      'bundle goal': goals ? `<= ${goals.bundleKB} KB ${kb(fn.bytes) <= goals.bundleKB ? 'met' : 'MISSED'}` : '-',
      'cold init ms': +median(fn.samples).toFixed(1),
      baseline: baselineName,
      'baseline KB': kb(baseline.bytes),
      'baseline ms': +median(baseline.samples).toFixed(1),
      'init / baseline': +ratio.toFixed(2),
      'init goal': goals ? `<= ${goals.initRatio}x ${ratio <= goals.initRatio ? 'met' : 'MISSED'}` : '-',
    };
  });
  console.table(rows);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
