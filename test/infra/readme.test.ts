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
    // e.g. jq -r '."hybrid-platform-sandbox-cluster".ApiUrl' cdk-outputs.json
    const references = [...section('Deploy to a sandbox account').matchAll(/'\."([\w-]+)"\.(\w+)'/g)].map(([, stack, output]) => ({ stack, output }));
    expect(new Set(references.map(({ output }) => output))).toEqual(new Set(['KubectlCommand', 'ApiUrl', 'NotificationTopicArn']));
    // One project throughout.
    expect(new Set(references.map(({ stack }) => stack.slice(0, stack.indexOf('-sandbox-')))).size).toBe(1);
    for (const { stack, output } of references) {
      expect(Object.keys(sandbox.template(concernOf(stack)).findOutputs(output))).toEqual([output]);
    }
  });

  it('lists exactly the context keys the app accepts', () => {
    const table = section('Configuration').split('Per deployment you can override')[1];
    const documented = [...table.matchAll(/^\| `(\w+)` \|/gm)].map(([, key]) => key);
    expect(documented.sort()).toEqual(['env', ...Object.keys(CONTEXT_OVERRIDES)].sort());
  });
});
