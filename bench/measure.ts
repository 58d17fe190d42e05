import { spawnSync } from 'node:child_process';

/** A command to time, and the name it is reported under. */
export interface Timed {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function timeOnce({ name, command, args }: Timed): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
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
