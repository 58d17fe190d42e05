import type { App, AppProps } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EnvironmentConfig } from '../../infra/config/environment-config';
import { loadEnvironmentConfig } from '../../infra/config/load-config';
import { createPlatform, type Platform } from '../../infra/platform';
import { testApp } from './test-app';

/** The feature flags of cdk.json, so tests synthesize exactly what `cdk synth` does. */
const cdkJsonContext: Record<string, unknown> = JSON.parse(readFileSync(join(__dirname, '../../cdk.json'), 'utf8')).context;

export const ENVIRONMENT_NAMES = ['sandbox', 'prod'] as const;
export const STACK_CONCERNS = ['network', 'data', 'functions', 'cluster', 'costGuardrails'] as const satisfies readonly (keyof Platform)[];

export interface SynthesizedPlatform {
  readonly app: App;
  readonly platform: Platform;
  readonly template: (concern: keyof Platform) => Template;
}

/**
 * Builds the platform of one environment the way infra/main.ts does, with optional extra context and
 * an optional change to the validated config (for options no shipped environment uses).
 */
export function buildPlatform(
  env: string,
  context: Record<string, unknown> = {},
  adjust: (config: EnvironmentConfig) => EnvironmentConfig = (config) => config,
  appProps: AppProps = {},
): SynthesizedPlatform {
  // Bundling (esbuild, and npm for sharp) is skipped: the templates do not depend on it, and
  // test/infra/functions-bundling.test.ts bundles for real where that is what is tested.
  const app = testApp({ ...appProps, context: { ...cdkJsonContext, 'aws:cdk:bundling-stacks': [], env, ...context } });
  const config = adjust(loadEnvironmentConfig((key) => app.node.tryGetContext(key)));
  const platform = createPlatform(app, config);
  const templates = new Map<keyof Platform, Template>();
  return {
    app,
    platform,
    template: (concern) => {
      if (!templates.has(concern)) templates.set(concern, Template.fromStack(platform[concern]));
      return templates.get(concern)!;
    },
  };
}

const cache = new Map<string, SynthesizedPlatform>();

/** One synthesized platform per environment and test file: synthesis is the slow part. */
export function platformOf(env: (typeof ENVIRONMENT_NAMES)[number]): SynthesizedPlatform {
  if (!cache.has(env)) cache.set(env, buildPlatform(env));
  return cache.get(env)!;
}
