import { execFile } from 'node:child_process';

export type CommandResult =
  | { readonly outcome: 'exited'; readonly exitCode: number; readonly stderr: string }
  | { readonly outcome: 'not-found' }
  | { readonly outcome: 'timed-out' };

/** Runs a program to its end, or kills it after `timeoutMs`. Injected so that tests need no real programs. */
export type CommandRunner = (command: string, args: readonly string[], timeoutMs: number) => Promise<CommandResult>;

export const runCommand: CommandRunner = (command, args, timeoutMs) =>
  new Promise((resolve) => {
    // SIGKILL: a client stuck on an unresponsive daemon may not react to SIGTERM.
    execFile(command, args, { timeout: timeoutMs, killSignal: 'SIGKILL' }, (error, _stdout, stderr) => {
      if (!error) resolve({ outcome: 'exited', exitCode: 0, stderr });
      else if (error.code === 'ENOENT') resolve({ outcome: 'not-found' });
      else if (error.killed) resolve({ outcome: 'timed-out' });
      else resolve({ outcome: 'exited', exitCode: typeof error.code === 'number' ? error.code : 1, stderr });
    });
  });
