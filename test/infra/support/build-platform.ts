import type { App, AppProps } from 'aws-cdk-lib';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EnvironmentConfig } from '../../../infra/config/environment-config';
import { loadEnvironmentConfig } from '../../../infra/config/load-config';
import { createPlatform, type Platform } from '../../../infra/platform';
import { testApp } from '../test-app';

/** The feature flags of cdk.json, so tests synthesize exactly what `cdk synth` does. */
const cdkJsonContext: Record<string, unknown> = JSON.parse(readFileSync(join(__dirname, '../../../cdk.json'), 'utf8')).context;

/**
 * Creates the platform of one environment in a new app, the way infra/main.ts does, with optional
 * extra context and an optional change to the validated config (for options no shipped environment
 * uses). Nothing is synthesized yet. Used by the fixture (../platform-fixture.ts) in a test worker,
 * and by the global setup's synthesis (./synthesize-environments.ts) in a process of its own.
 */
export function createTestPlatform(
  env: string,
  context: Record<string, unknown> = {},
  adjust: (config: EnvironmentConfig) => EnvironmentConfig = (config) => config,
  appProps: AppProps = {},
): { app: App; platform: Platform } {
  // Bundling (esbuild, and npm for sharp) is skipped: the templates do not depend on it, and
  // test/infra/functions-bundling.test.ts bundles for real where that is what is tested.
  const app = testApp({ ...appProps, context: { ...cdkJsonContext, 'aws:cdk:bundling-stacks': [], env, ...context } });
  const config = adjust(loadEnvironmentConfig((key) => app.node.tryGetContext(key)));
  return { app, platform: createPlatform(app, config) };
}
