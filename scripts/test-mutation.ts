import type { PartialStrykerOptions } from '@stryker-mutator/api/core';
import { globSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArguments, exitOnUserError, UsageError } from './cli-args';
import { formatScoreReport, scoreReport, type MutantOutcome } from './mutation-score';
import { forgetStaticSurvivors } from './mutation-state';
import { DATABASE_TEST_DIRS } from '../test/services/support/global-setup';
import { startPostgres } from './postgres';

/**
 * `npm run test:mutation [-- <area> ...]`: StrykerJS over the code where the platform's behaviour
 * lives, one run per area with only the test files that exercise it (a mutant in the service kit needs
 * no CDK synthesis, one in infra/config no chaos experiment). Incremental: each area keeps its state in
 * reports/mutation/ (ignored by git), so a second run tests only the mutants whose code or tests
 * changed. Too slow for every push: CI runs `npm test`, this is run by hand (README, Tests).
 *
 * Prints the mutation score per file and per area, and exits 1 below the bar (./mutation-score.ts:
 * 85% overall, 80% in every file).
 */

interface Area {
  readonly mutate: readonly string[];
  /** The test files that exercise the area; the others never run for its mutants. */
  readonly testFiles: readonly string[];
}

/**
 * Tests that measure a built artifact (a bundle's size, the bundled service run on its own): Stryker's
 * instrumented sources make them meaningless (and larger), and they kill no mutant the others miss.
 */
const ARTIFACT_TESTS: ReadonlySet<string> = new Set([
  'test/functions/notifier-bundle.test.ts',
  'test/services/service-bundle.test.ts',
  'test/infra/functions-bundling.test.ts',
  'test/infra/image-resizer-bundling.test.ts',
  'test/infra/notifier-bundling.test.ts',
]);

/** The area's test files, less the artifact tests, as jest's testMatch for the area's runs. */
function testFilesOf(area: Area): string[] {
  return area.testFiles.flatMap((pattern) => globSync(pattern)).filter((file) => !ARTIFACT_TESTS.has(file)).sort();
}

/** The kit's code for calling other services, and the trace context a request brings and passes on (the `kit-clients` area). */
const KIT_CLIENT_FILES = ['services/kit/resilient-http-client.ts', 'services/kit/keep-alive-transport.ts', 'services/kit/trace-context.ts', 'services/kit/request-trace.ts'];

export const MUTATION_AREAS: Readonly<Record<string, Area>> = {
  // The kit's own tests. Every service test reaches the kit too, but each of the kit's mutants then ran
  // dozens of them, each file starting services against PostgreSQL: Stryker estimated 7 hours. Its
  // calls to other services are an area of their own (below): a static mutant (a module's regex, a
  // schema) runs every test file of its area that imports it, which for the kit is nearly all of them
  // (they import the kit's index), so two smaller areas each fit in an hour here.
  kit: {
    mutate: ['services/kit/**/*.ts', '!services/kit/index.ts', ...KIT_CLIENT_FILES.map((file) => `!${file}`)],
    testFiles: [
      'test/services/kit*.test.ts',
      'test/services/input-guard.test.ts',
      'test/services/run-main.test.ts',
      'test/services/openapi-document.test.ts',
      'test/services/response-schemas.test.ts',
    ],
  },
  // How a service calls another: the resilient client, its transport, and the trace context it passes on.
  'kit-clients': {
    mutate: [...KIT_CLIENT_FILES],
    testFiles: [
      'test/services/resilient-http-client.test.ts',
      'test/services/keep-alive-transport.test.ts',
      'test/services/trace-context.test.ts',
      // The breaker's state and the upstream failures as metrics, and a request's trace context passed on.
      'test/services/orders-metrics.test.ts',
      'test/services/kit-http.test.ts',
    ],
  },
  // The services' own tests, without the property-based ones (hundreds of requests per test, each
  // mutant running them again) and those of the kit's database handling (a paused or crashed database).
  services: {
    mutate: ['services/*/routes.ts', 'services/*/repository.ts', 'services/orders/outbox-relay.ts'],
    testFiles: ['test/services/catalog-*.test.ts', 'test/services/orders-*.test.ts', 'test/services/response-schemas.test.ts'],
  },
  functions: { mutate: ['functions/**/*.ts'], testFiles: ['test/functions/**/*.test.ts'] },
  // The config's own tests, in process: a static mutant (a schema, a registry entry) runs them in
  // seconds. Those that synthesize a stack or run the CLI (cost, cli-config-errors, the charts) would
  // take minutes for each of the hundreds of static mutants.
  'infra-config': {
    mutate: ['infra/config/**/*.ts'],
    testFiles: ['test/infra/config.test.ts', 'test/infra/config-*.test.ts', 'test/infra/service-registry.test.ts'],
  },
  // Each construct's own tests, each building it in a stack of its own (test/infra/constructs/construct-stack.ts).
  // The stack tests build whole environments once per file: every mutant would be static, and re-run them.
  'infra-constructs': { mutate: ['infra/constructs/**/*.ts'], testFiles: ['test/infra/constructs/*.test.ts'] },
  k8s: { mutate: ['k8s/*.ts', '!k8s/synth.ts'], testFiles: ['test/k8s/**/*.test.ts'] },
};

/**
 * Stryker's test processes per core. A mutant's run mostly waits (for PostgreSQL, a service's shutdown,
 * a hanging mutant's timeout), so two processes on two cores left the CPU about 90% idle and tested the
 * kit's mutants at about 6 a minute; six kept it busy and tested about 25 a minute. Sharing a core three
 * ways also makes a run up to three times as long, which Stryker's timeout below is scaled for.
 */
const PROCESSES_PER_CORE = 3;

const USAGE = `usage: npm run test:mutation -- [--ignore-static] [${Object.keys(MUTATION_AREAS).join('|')} ...]`;

function strykerOptions(name: string, area: Area, ignoreStatic: boolean): PartialStrykerOptions {
  const testFiles = testFilesOf(area);
  return {
    // Static mutants (in code that runs when a module loads: schemas, constants, registries) need a
    // fresh module registry and every test of the files that import them; --ignore-static leaves them
    // out, and the score printed then says so.
    ignoreStatic,
    // Each setting keeps its own state, so a run with the flag does not discard a full run's.
    incrementalFile: `reports/mutation/${name}${ignoreStatic ? '.no-static' : ''}.incremental.json`,
    testRunner: 'jest',
    jest: {
      projectType: 'custom',
      configFile: 'jest.config.js',
      // A mutant's run loads only the test files that import its file (jest --findRelatedTests). A
      // static mutant runs every test of those files, not of the whole area: several times fewer
      // (an hour and more of the functions area's run went to them without this).
      enableFindRelatedTests: true,
      // Stryker narrows a mutant's run by test name only: jest would still load every test file under
      // test/ (and run what their modules do on load, a synthesis say). The area's files alone, then.
      // Not Stryker's own `testFiles` option: with it, Stryker 10 runs a static mutant with the file
      // names as jest's test name pattern, which no test matches, so every static mutant survived.
      config: {
        testMatch: testFiles.map((file) => `<rootDir>/${file}`),
        // Every folder of code, not only test/: jest finds a test related to a file through the files
        // between them (a test imports the notifier's handler, which imports shared/), and it sees only
        // the files under its roots. With test/ alone, shared code had no related test and survived.
        roots: ['test', 'functions', 'services', 'infra', 'k8s', 'scripts'].map((dir) => `<rootDir>/${dir}`),
        // A mutant that makes a test wait forever (a request never answered, a loop that never ends)
        // fails that test here, rather than waiting out Stryker's timeout below and a restart of the
        // test process. Every area's test files, run while Stryker's processes kept both cores busy,
        // took 1.3 s at most per test and 8.8 s per file (the k8s charts, hooks included): well within
        // this (jest.config.js's 120 s is for synthesizing whole environments, which no area's tests do).
        testTimeout: 20_000,
      },
    },
    mutate: [...area.mutate],
    coverageAnalysis: 'perTest',
    incremental: true,
    tempDirName: '.stryker-tmp',
    // Not copied into Stryker's sandbox: build output and scratch files no test reads.
    ignorePatterns: ['cdk.out', 'dist', '.tmp'],
    concurrency: availableParallelism() * PROCESSES_PER_CORE,
    // A mutant that hangs (a retry loop that never ends) costs this beyond its tests' usual time. It
    // must also cover a test process's cold start (jest, the transforms, the global setup: several
    // seconds on two busy cores), which a run after a restart pays: with less, every run after a
    // timeout timed out too, each counted as killed. Both parts are what one process per core needs,
    // times the processes sharing a core. Unscaled, six processes on two cores counted as timed out a kit
    // mutant that hangs nothing (validation-errors.ts, `keyword === 'required'` made false: two kit tests
    // fail, the area's files run in 24 s on the busy machine). A survivor so slowed would count as killed.
    timeoutMS: 30_000 * PROCESSES_PER_CORE,
    timeoutFactor: 2.5 * PROCESSES_PER_CORE,
    // The HTML report to read the surviving mutants in; the JSON one for tools.
    reporters: ['progress-append-only', 'html', 'json'],
    htmlReporter: { fileName: `reports/mutation/${name}.html` },
    jsonReporter: { fileName: `reports/mutation/${name}.json` },
  };
}

async function main(argv: readonly string[]): Promise<number> {
  const { positionals, values } = parseArguments({ args: [...argv], allowPositionals: true, options: { 'ignore-static': { type: 'boolean', default: false } } }, USAGE);
  const ignoreStatic = values['ignore-static'];
  const unknown = positionals.filter((name) => !(name in MUTATION_AREAS));
  if (unknown.length > 0) throw new UsageError(`Unknown area ${unknown.map((name) => JSON.stringify(name)).join(', ')}. Allowed values: ${Object.keys(MUTATION_AREAS).join(', ')}.`, USAGE);
  const names = positionals.length > 0 ? positionals : Object.keys(MUTATION_AREAS);
  // The infra tests then synthesize in their own process, where Stryker's active mutant is.
  process.env.TEST_SHARED_SYNTHESIS = 'off';
  // One PostgreSQL for every mutant's run (Stryker's test processes inherit TEST_DATABASE_URL, and
  // jest's global setup then starts none), rather than one started for each run.
  const usesDatabase = names.some((name) => testFilesOf(MUTATION_AREAS[name]).some((file) => DATABASE_TEST_DIRS.some((dir) => file.startsWith(`${dir}/`))));
  const database = usesDatabase && !process.env.TEST_DATABASE_URL ? await startPostgres() : undefined;
  if (database) process.env.TEST_DATABASE_URL = database.url;

  // StrykerJS is an ES module only; this script runs as CommonJS.
  const { Stryker } = await import('@stryker-mutator/core');
  const outcomes: MutantOutcome[] = [];
  try {
    for (const name of names) {
      const options = strykerOptions(name, MUTATION_AREAS[name], ignoreStatic);
      forgetStaticSurvivors(options.incrementalFile!);
      const results = await new Stryker(options).runMutationTest();
      outcomes.push(...results.map(({ fileName, status }) => ({ area: name, fileName, status })));
    }
  } finally {
    await database?.stop();
  }
  const report = scoreReport(outcomes);
  console.log(`\n${formatScoreReport(report, ignoreStatic ? ', static mutants left out (--ignore-static)' : '')}`);
  return report.passed ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => exitOnUserError(error, []),
);
