import { basename } from 'node:path';
import type { DeploymentNeeds } from './assembly';
import { blocker, ok, warning, type Verdict } from './findings';
import type { CommandResult, CommandRunner } from './run-command';

/** A daemon or VM that is up answers `info` in well under a second; one that is starting may take a few. */
export const BUILDER_TIMEOUT_MS = 15_000;

/** How to bring each known builder's daemon or VM up, by the name of its binary. */
const START_HINTS: Readonly<Record<string, string>> = {
  docker: 'start Docker Desktop (or the docker service), or set CDK_DOCKER=finch to use Finch',
  finch: 'run `finch vm start`',
  podman: 'run `podman machine start`',
};

/**
 * The CDK CLI builds container image assets with `docker`, or with the binary named by CDK_DOCKER
 * (e.g. finch): it must be installed and its daemon (or VM) must answer.
 */
export async function checkContainerBuilder(builder: string, run: CommandRunner, needs: DeploymentNeeds): Promise<Verdict> {
  const problem = describeProblem(builder, await run(builder, ['info'], BUILDER_TIMEOUT_MS));
  if (!problem) return ok(`${builder} answers`);
  if (!needs.containerImages) {
    return warning(`${problem.reason} (not needed yet: the last synth, in cdk.out, has no container image assets)`);
  }
  return blocker(problem.reason, problem.fix);
}

function describeProblem(builder: string, result: CommandResult): { reason: string; fix: string } | undefined {
  const start = START_HINTS[basename(builder)] ?? `start the daemon or VM of ${builder}`;
  switch (result.outcome) {
    case 'not-found':
      return { reason: `${builder} not found`, fix: `install it, or set CDK_DOCKER to a compatible client you have (e.g. CDK_DOCKER=finch)` };
    case 'timed-out':
      return { reason: `\`${builder} info\` did not answer within ${BUILDER_TIMEOUT_MS / 1000} s`, fix: start };
    case 'exited': {
      if (result.exitCode === 0) return undefined;
      const firstLine = result.stderr.split('\n').find((line) => line.trim() !== '')?.trim() ?? `exit code ${result.exitCode}`;
      return { reason: `\`${builder} info\` failed: ${firstLine}`, fix: start };
    }
  }
}
