import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONTEXT_OVERRIDES } from '../../infra/config/load-config';
import { PROJECT } from '../../infra/config/naming';
import { platformOf, STACK_CONCERNS } from './platform-fixture';

const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
const section = (heading: string) => {
  const start = readme.indexOf(`## ${heading}\n`);
  if (start < 0) throw new Error(`README.md has no "## ${heading}" section`);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
};

/** The part of a section under `### <heading>`, up to the next heading. */
const subsection = (text: string, heading: string) => {
  const start = text.indexOf(`### ${heading}\n`);
  if (start < 0) throw new Error(`README.md has no "### ${heading}" subsection`);
  const end = text.indexOf('\n#', start + 1);
  return text.slice(start, end < 0 ? undefined : end);
};

/** Each `jq -r '."<stack>".<Output>'` of the walkthrough, with its README line (e.g. for ApiUrl of the cluster stack). */
function walkthroughReferences() {
  const walkthrough = section('Deploy to a sandbox account');
  const firstLine = readme.slice(0, readme.indexOf(walkthrough)).split('\n').length;
  return walkthrough.split('\n').flatMap((text, index) =>
    [...text.matchAll(/'\."([\w-]+)"\.(\w+)'/g)].map(([, stack, output]) => ({ stack, output, line: firstLine + index })),
  );
}

/**
 * The outputs the walkthrough shows only through the samples' steps, as "Fork this > Remove the
 * samples" names them (a fork rewrites those steps): the samples' own tests check them.
 */
const sampleOutputs = () => new Set([...subsection(section('Fork this'), 'Remove the samples').matchAll(/`([A-Z]\w+)`/g)].map(([, output]) => output));

describe('the README', () => {
  it('walks through stack outputs that the sandbox stacks really have', () => {
    const sandbox = platformOf('sandbox');
    // The README's stacks are `<project>-sandbox-<stack>`, whatever project it was written for: a fork
    // that renames PROJECT (infra/config/naming.ts) keeps the README's examples until it rewrites them.
    const concernOf = (stackName: string) => {
      const [, stack] = /^[a-z0-9-]+?-sandbox-([\w-]+)$/.exec(stackName) ?? [];
      const found = STACK_CONCERNS.find((concern) => sandbox.stack(concern).stackName === `${PROJECT}-sandbox-${stack}`);
      if (!found) throw new Error(`README names a stack the sandbox does not have: ${stackName}`);
      return found;
    };
    const references = walkthroughReferences();
    // The platform's own outputs, whatever the registries hold.
    expect(references.map(({ output }) => output)).toEqual(expect.arrayContaining(['KubectlCommand', 'ApiUrl']));
    // One project throughout.
    expect(new Set(references.map(({ stack }) => stack.slice(0, stack.indexOf('-sandbox-')))).size).toBe(1);
    const samples = sampleOutputs();
    const missing = references
      .filter(({ output }) => !samples.has(output))
      .filter(({ stack, output }) => Object.keys(sandbox.template(concernOf(stack)).findOutputs(output)).length === 0)
      .map(({ stack, output, line }) => `README.md line ${line}: ${stack} has no output ${output}: delete or rewrite the line`);
    expect(missing).toEqual([]);
  });

  it('lists exactly the context keys the app accepts', () => {
    const table = section('Configuration').split('Per deployment you can override')[1];
    const documented = [...table.matchAll(/^\| `(\w+)` \|/gm)].map(([, key]) => key);
    expect(documented.sort()).toEqual(['env', ...Object.keys(CONTEXT_OVERRIDES)].sort());
  });
});
