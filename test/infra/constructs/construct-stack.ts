import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { EnvironmentConfig } from '../../../infra/config/environment-config';
import { loadEnvironmentConfig } from '../../../infra/config/load-config';
import { testApp } from '../test-app';

/** The sandbox's config (the default environment), or another one named by its `env` context. */
export function environmentConfig(env = 'sandbox'): EnvironmentConfig {
  return loadEnvironmentConfig((key) => (key === 'env' ? env : undefined));
}

/**
 * One construct in a stack of its own, built and synthesized by the test that reads it (Lambda bundling
 * skipped). Not in a `beforeAll`: StrykerJS then knows which test reaches each line of the construct,
 * and runs only those tests for a mutant of it (`npm run test:mutation -- infra-constructs`). A whole
 * environment's stacks, built once per file, would make every mutant re-run every infra test file.
 *
 * @returns the stack's template, and what `build` returned (a construct to read attributes of)
 */
export function inStack<T>(build: (stack: Stack) => T, context: Record<string, unknown> = {}): { template: Template; built: T; stack: Stack } {
  const app = testApp({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  // Environment-agnostic, as the platform's stacks are (infra/platform.ts).
  const stack = new Stack(app, 'Subject');
  const built = build(stack);
  return { template: Template.fromStack(stack), built, stack };
}
