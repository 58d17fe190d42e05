import { parseArgs, type ParseArgsConfig } from 'node:util';

/**
 * How the command-line scripts (and the CDK app, infra/main.ts) end on an error that is the user's to
 * fix: its message alone on stderr, without a stack trace, and exit code 2 for bad arguments (the
 * problem and one line of usage), 1 for bad configuration or values. Kept apart from process.exit so
 * that tests check every message in-process, with the same code.
 */

/** A bad command line: the problem, and the usage line printed after it. */
export class UsageError extends Error {
  constructor(
    problem: string,
    readonly usage: string,
  ) {
    super(problem);
    this.name = 'UsageError';
  }
}

/** node:util's parseArgs, throwing a UsageError for a bad argument. */
export function parseArguments<T extends ParseArgsConfig>(config: T, usage: string): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    if (!String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS')) throw error;
    // Node's message goes on to explain `--` and positionals; its first sentence says what is wrong.
    throw new UsageError((error as Error).message.split('. ')[0], usage);
  }
}

/** The classes of error whose message is for the user (bad configuration or values): exit code 1. */
export type UserErrors = readonly (abstract new (...args: never[]) => Error)[];

/** The exit code and stderr for an error the user is to fix; undefined for any other (a bug, thrown with its stack trace). */
export function exitStatusOf(error: unknown, userErrors: UserErrors): { exitCode: number; stderr: string } | undefined {
  if (error instanceof UsageError) return { exitCode: 2, stderr: `${error.message}\n${error.usage}` };
  if (userErrors.some((userError) => error instanceof userError)) return { exitCode: 1, stderr: (error as Error).message };
  return undefined;
}

/** Ends the process as exitStatusOf says, or rethrows a bug. */
export function exitOnUserError(error: unknown, userErrors: UserErrors): never {
  const status = exitStatusOf(error, userErrors);
  if (!status) throw error;
  console.error(status.stderr);
  process.exit(status.exitCode);
}
