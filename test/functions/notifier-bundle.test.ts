import { buildSync } from 'esbuild';
import { join } from 'node:path';
import { esbuildOptionsOf, FUNCTION_BUNDLING } from '../../infra/constructs/function-bundling';

/**
 * What ships: the notifier bundled in-process with the options PlatformFunction gives esbuild
 * (deterministic, so a budget, unlike a timing, can be a test). bench/functions.ts measures the rest.
 */
const build = buildSync({
  ...esbuildOptionsOf(FUNCTION_BUNDLING),
  entryPoints: [join(__dirname, '../../functions/notifier/handler.ts')],
  outfile: 'notifier/index.js',
  write: false,
  metafile: true,
  logLevel: 'error',
});
const [bundle] = Object.values(build.metafile.outputs).filter((output) => output.entryPoint !== undefined);
const packages = new Set(Object.keys(bundle.inputs).flatMap((input) => /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules\/)/.exec(input)?.[1] ?? []));

/**
 * The goal (issue: notifier bundle <= 150 KB). It holds because the event contract uses zod/mini
 * (functions/shared/order-events.ts): zod's classic API alone is ~90 KB. Lower this as the bundle
 * shrinks, never raise it without a reason in the commit.
 */
const BUDGET_KB = 150;

describe('notifier bundle', () => {
  it(`stays within its ${BUDGET_KB} KB budget, minified`, () => {
    expect(bundle.bytes / 1024).toBeLessThanOrEqual(BUDGET_KB);
  });

  it("carries no X-Ray SDK: Lambda's active tracing traces the invocations", () => {
    expect([...packages].filter((name) => /xray|@aws-lambda-powertools\/tracer/.test(name))).toEqual([]);
  });

  it('leaves the AWS SDK to the runtime', () => {
    expect([...packages].filter((name) => name.startsWith('@aws-sdk/'))).toEqual([]);
  });
});
