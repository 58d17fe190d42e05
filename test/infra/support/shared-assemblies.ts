import type { AppProps } from 'aws-cdk-lib';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The cloud assemblies that the global setup (./global-setup.ts) synthesizes once per jest run, in
 * the background (./synthesize-environments.ts), and every test worker reads (../platform-fixture.ts):
 * the shipped environments, and the fixture that shows CloudFormation's validation can fail. The
 * directory is handed to the workers in this environment variable; a worker without it synthesizes
 * for itself.
 */
export const SHARED_ASSEMBLIES = 'TEST_PLATFORM_ASSEMBLIES';

/**
 * How the shared environments are synthesized: as `cdk synth` and `cdk deploy` do, aws-cdk-lib's
 * built-in CloudFormation validation included (test-app.ts turns it off for the apps that tests make
 * for themselves). Its engine costs ~8 s of CPU to start, paid once here for the whole run, and each
 * assembly then carries the findings in its validation-report.json.
 */
export const SHARED_APP_PROPS: AppProps = { builtinCloudFormationValidation: true };

/** Where one cloud assembly is in the shared directory: an environment's, or the validation fixture's. */
export const assemblyDirOf = (root: string, name: string): string => join(root, name);

/** Names which stack of an assembly is which concern of the platform (network, data, ...), by artifact id. */
const STACK_IDS_FILE = 'platform-stack-ids.json';

export function writeStackIds(root: string, env: string, stackIds: Record<string, string>): void {
  writeFileSync(join(assemblyDirOf(root, env), STACK_IDS_FILE), JSON.stringify(stackIds));
}

export function readStackIds(root: string, env: string): Record<string, string> {
  return JSON.parse(readFileSync(join(assemblyDirOf(root, env), STACK_IDS_FILE), 'utf8'));
}

/** Written by the global setup when the synthesis has ended: whether the assemblies are there to read. */
const OUTCOME_FILE = 'outcome.json';

export interface SynthesisOutcome {
  readonly ok: boolean;
  /** Why not, when not: the synthesis's stderr. */
  readonly reason?: string;
}

export function writeOutcome(root: string, outcome: SynthesisOutcome): void {
  // Written aside and renamed into place: a worker polling for the file reads all of it or nothing.
  const file = join(root, OUTCOME_FILE);
  writeFileSync(`${file}.partial`, JSON.stringify(outcome));
  renameSync(`${file}.partial`, file);
}

/** The outcome, once the synthesis has ended; undefined while it runs. */
export function readOutcome(root: string): SynthesisOutcome | undefined {
  const file = join(root, OUTCOME_FILE);
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
}

/** Longer than a synthesis takes on the slowest machine we know (~15 s on a busy 2-core one). */
const WAIT_LIMIT_MS = 5 * 60_000;

/**
 * The shared directory, once the background synthesis has ended well; undefined if this run has none
 * or it failed (the global setup printed why), so that the caller synthesizes for itself. Blocks the
 * worker while the synthesis runs: the tests that read it are scheduled last (../../support/test-sequencer.js),
 * so there is usually nothing left to wait for.
 */
export function sharedAssembliesRoot(): string | undefined {
  const root = process.env[SHARED_ASSEMBLIES];
  if (!root) return undefined;
  const deadline = Date.now() + WAIT_LIMIT_MS;
  // A synchronous sleep: the fixtures are read synchronously (at describe time, or in a test). It
  // blocks this process's event loop, which is jest's main process when a file runs in band: so the
  // synthesis process writes its outcome itself.
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  let outcome: SynthesisOutcome | undefined;
  while (!(outcome = readOutcome(root))) {
    if (Date.now() > deadline) throw new Error(`The shared synthesis into ${root} did not end within ${WAIT_LIMIT_MS / 1000} s`);
    Atomics.wait(sleeper, 0, 0, 50);
  }
  return outcome.ok ? root : undefined;
}
