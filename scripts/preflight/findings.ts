/** What one check concluded. A blocker always says what to do about it. */
export type Verdict =
  | { readonly status: 'ok' | 'warning' | 'skipped'; readonly reason: string }
  | { readonly status: 'blocker'; readonly reason: string; readonly fix: string };

/** A verdict with the name of the check, one line of the report. */
export type Finding = Verdict & { readonly check: string };

export const ok = (reason: string): Verdict => ({ status: 'ok', reason });
export const warning = (reason: string): Verdict => ({ status: 'warning', reason });
export const blocker = (reason: string, fix: string): Verdict => ({ status: 'blocker', reason, fix });

/** AWS SDK errors are told apart by name (the service's error code), not by class. */
export function errorNamed(error: unknown, ...names: string[]): error is Error {
  return error instanceof Error && names.includes(error.name);
}
