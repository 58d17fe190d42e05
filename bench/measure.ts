import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** A command to time, and the name it is reported under. */
export interface Timed {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** Default: this process's working directory. */
  readonly cwd?: string;
  /** Runs before each timed run, untimed (e.g. to restore a file the command rewrites). */
  readonly before?: () => void;
}

/** The middle value (the mean of the two middle ones for an even count): one slow outlier cannot move it. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function timeOnce({ name, command, args, cwd, before }: Timed): number {
  before?.();
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${name} failed (exit ${result.status}):\n${result.stderr}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/**
 * Times each command `runs` times after one warm-up, interleaving them so that machine noise hits
 * all alike, and returns the median wall time (ms) of each.
 */
export function medianWallTimes(commands: readonly Timed[], runs: number): Map<string, number> {
  for (const command of commands) timeOnce(command);
  const samples = new Map(commands.map((command) => [command.name, [] as number[]]));
  for (let run = 0; run < runs; run++) {
    for (const command of commands) samples.get(command.name)!.push(timeOnce(command));
  }
  return new Map([...samples].map(([name, times]) => [name, median(times)]));
}

const USER_HZ = 100;

/**
 * CPU time (user + system, ms) a process has used so far, from /proc (Linux); undefined elsewhere or
 * once the process is gone. Per request, it leaves out the time a server waits for a core while other
 * work on the machine runs, which throughput cannot: a steadier figure of what a server costs (though
 * a busy machine still inflates it, through caches and context switches).
 */
export function processCpuMs(pid: number): number | undefined {
  try {
    // Fields after the command name (which may contain spaces, so split after its closing parenthesis):
    // utime and stime are the 12th and 13th, in clock ticks (USER_HZ, 100 on Linux).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
  } catch {
    return undefined;
  }
}
