import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/** What this reads of StrykerJS's incremental state: each file's mutants, with their status and whether they are static. */
interface IncrementalState {
  readonly files: Record<string, { mutants: { readonly status: string; readonly static?: boolean }[] }>;
}

/**
 * Drops the static mutants that survived from StrykerJS's incremental state (`file`), so that the
 * next run tests them again. StrykerJS reuses a surviving mutant while "no new test covers it", and a
 * static mutant (code run when a module loads) has no per-test coverage: a test added later, one that
 * would kill it, never counts, and the mutant stays a survivor. Seen here: the kit's id pattern,
 * checked by a test written after the run that found it, was still reported surviving.
 *
 * @returns how many mutants it dropped (0 when there is no state yet)
 */
export function forgetStaticSurvivors(file: string): number {
  if (!existsSync(file)) return 0;
  const state = JSON.parse(readFileSync(file, 'utf8')) as IncrementalState;
  let dropped = 0;
  for (const result of Object.values(state.files)) {
    const kept = result.mutants.filter((mutant) => !(mutant.static && mutant.status === 'Survived'));
    dropped += result.mutants.length - kept.length;
    result.mutants = kept;
  }
  writeFileSync(file, JSON.stringify(state));
  return dropped;
}
