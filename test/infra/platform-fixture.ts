import type { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CloudAssembly, type CloudFormationStackArtifact } from 'aws-cdk-lib/cx-api';
import type { Platform } from '../../infra/platform';
import type { createTestPlatform } from './support/build-platform';
import { assemblyDirOf, readStackIds, sharedAssembliesRoot } from './support/shared-assemblies';

export const ENVIRONMENT_NAMES = ['sandbox', 'prod'] as const;
export const STACK_CONCERNS = ['network', 'data', 'functions', 'cluster', 'costGuardrails', 'observability', 'chaos'] as const satisfies readonly (keyof Platform)[];

export interface SynthesizedPlatform {
  /** The app and its stacks, for what a template does not show (construct tree, tags, assets). */
  readonly app: App;
  readonly platform: Platform;
  /** One stack as the cloud assembly holds it, with what `cdk deploy` reads besides the template (stack name, termination protection). */
  readonly stack: (concern: keyof Platform) => CloudFormationStackArtifact;
  readonly template: (concern: keyof Platform) => Template;
}

/**
 * Loads the stacks (./support/build-platform.ts) on first use, not on import: a test file that only
 * reads templates the global setup synthesized never pays for loading aws-cdk-lib's constructs.
 */
function createInThisProcess(...args: Parameters<typeof createTestPlatform>): ReturnType<typeof createTestPlatform> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- synchronous and deferred, see above
  const load = require('./support/build-platform') as typeof import('./support/build-platform');
  return load.createTestPlatform(...args);
}

function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}

class PlatformFixture implements SynthesizedPlatform {
  private readonly templates = new Map<keyof Platform, Template>();

  constructor(
    private readonly created: () => { app: App; platform: Platform },
    private readonly assembly: () => CloudAssembly,
    private readonly stackId: (concern: keyof Platform) => string,
  ) {}

  get app(): App {
    return this.created().app;
  }

  get platform(): Platform {
    return this.created().platform;
  }

  // Arrow functions: tests destructure them from the fixture.
  readonly stack = (concern: keyof Platform): CloudFormationStackArtifact => this.assembly().getStackArtifact(this.stackId(concern));

  readonly template = (concern: keyof Platform): Template => {
    if (!this.templates.has(concern)) this.templates.set(concern, Template.fromJSON(this.stack(concern).template));
    return this.templates.get(concern)!;
  };
}

/**
 * Builds the platform of one environment in this process, the way infra/main.ts does, with optional
 * extra context and an optional change to the validated config (for options no shipped environment
 * uses): see ./support/build-platform.ts. Synthesis happens on the first `stack()` or `template()`.
 */
export function buildPlatform(...args: Parameters<typeof createTestPlatform>): SynthesizedPlatform {
  const { app, platform } = createInThisProcess(...args);
  return new PlatformFixture(
    () => ({ app, platform }),
    () => app.synth(),
    (concern) => platform[concern].artifactId,
  );
}

/**
 * The environment as the global setup synthesized it (./support/global-setup.ts), if it did: templates
 * and stacks come from its cloud assembly, and `app` and `platform` are built in this process only
 * when a test reads them.
 */
function sharedPlatformOf(env: string): SynthesizedPlatform | undefined {
  const root = sharedAssembliesRoot();
  if (!root) return undefined;
  const stackIds = once(() => readStackIds(root, env));
  return new PlatformFixture(
    once(() => createInThisProcess(env)),
    once(() => new CloudAssembly(assemblyDirOf(root, env))),
    (concern) => stackIds()[concern],
  );
}

const cache = new Map<string, SynthesizedPlatform>();

/**
 * One synthesized platform per environment: shared by the whole jest run when its global setup
 * synthesized the environments, otherwise (a test file run without it, as some IDEs do) one per test file.
 */
export function platformOf(env: (typeof ENVIRONMENT_NAMES)[number]): SynthesizedPlatform {
  if (!cache.has(env)) cache.set(env, sharedPlatformOf(env) ?? buildPlatform(env));
  return cache.get(env)!;
}
