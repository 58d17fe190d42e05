import { parseArgs, type ParseArgsConfig } from 'node:util';

/**
 * node:util's parseArgs for a command-line script, where a bad argument is the user's to fix: the
 * problem and one line of usage on stderr, exit code 2, no stack trace.
 */
export function parseArgsOrExit<T extends ParseArgsConfig>(config: T, usage: string): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    if (!String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS')) throw error;
    // Node's message goes on to explain `--` and positionals; its first sentence says what is wrong.
    return exitWithUsage((error as Error).message.split('. ')[0], usage);
  }
}

/** Prints a problem with the arguments and the usage line, and exits 2. */
export function exitWithUsage(problem: string, usage: string): never {
  console.error(`${problem}\n${usage}`);
  process.exit(2);
}
