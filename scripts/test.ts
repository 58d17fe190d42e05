import { spawn } from 'node:child_process';
import { join } from 'node:path';

/**
 * `npm test`: the type check, the lint and jest, side by side rather than one after the other. Each
 * alone leaves cores idle part of its time (jest while tests wait on PostgreSQL and on the processes
 * they start; eslint and the single-threaded type check on one core), so together they end sooner
 * than in a row: ~85 s instead of ~94 s on a 2-core machine.
 *
 *   npm test                      all three, then the chaos experiments on their own (see `afterwards`)
 *   npm test -- <jest arguments>  all three, jest with those (a file, -t <name>, ...)
 *
 * Jest writes to the terminal as it goes; the checks' output is held and printed after it, so that
 * the three do not interleave. Every step runs to the end; the exit code is the first failing step's.
 */
const ROOT = join(__dirname, '..');

interface Step {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** Held and printed at the end, or passed straight through. */
  readonly held: boolean;
}

const jest = (name: string, args: readonly string[]): Step => ({ name, command: process.execPath, args: ['node_modules/jest/bin/jest.js', ...args], held: false });
const jestArguments = process.argv.slice(2);

// The checks as package.json defines them (npm run typecheck, npm run lint), so that they are defined once.
const steps: Step[] = [
  { name: 'typecheck', command: 'npm', args: ['run', '--silent', 'typecheck'], held: true },
  { name: 'lint', command: 'npm', args: ['run', '--silent', 'lint'], held: true },
  jestArguments.length > 0 ? jest('jest', jestArguments) : jest('jest', ['--testPathIgnorePatterns', '/test/chaos/']),
];

/**
 * The chaos experiments (test/chaos) measure latencies and error rates under a fault, which the rest of
 * the suite on the same cores distorts (seen in CI: the orders' p50 from 10 to 730 ms, client errors
 * from 0 to 8%): with no arguments they run after the steps above, one file at a time. With arguments,
 * jest runs what they select, chaos files included, like any other. A fork that removed the samples
 * has no experiment left (npm run remove-service): that is no failure.
 */
const afterwards: Step[] = jestArguments.length > 0 ? [] : [jest('chaos', ['--runInBand', '--passWithNoTests', 'test/chaos'])];

interface Outcome {
  readonly step: Step;
  readonly code: number;
  readonly output: string;
  readonly seconds: number;
}

function run(step: Step): Promise<Outcome> {
  const started = performance.now();
  const child = spawn(step.command, step.args, { cwd: ROOT, stdio: step.held ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
  let output = '';
  for (const stream of [child.stdout, child.stderr]) stream?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  return new Promise((resolve) => {
    const end = (code: number) => resolve({ step, code, output, seconds: (performance.now() - started) / 1000 });
    child.on('error', (error) => {
      output += `${error.message}\n`;
      end(1);
    });
    child.on('close', (code) => end(code ?? 1));
  });
}

async function main(): Promise<Outcome[]> {
  const outcomes = await Promise.all(steps.map(run));
  for (const step of afterwards) outcomes.push(await run(step));
  return outcomes;
}

void main().then((outcomes) => {
  for (const { step, code, output, seconds } of outcomes) {
    if (step.held && output.trim()) process.stdout.write(`\n${output.trimEnd()}\n`);
    console.log(`${step.name}: ${code === 0 ? 'passed' : `FAILED (exit ${code})`} in ${seconds.toFixed(1)} s`);
  }
  process.exit(outcomes.find(({ code }) => code !== 0)?.code ?? 0);
});
