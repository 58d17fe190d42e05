import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EnvironmentConfig } from '../config/environment-config';
import { physicalName } from '../config/naming';
import type { StackTemplate } from './template-inventory';

/** Where the cost estimate gets an environment's templates: a cloud assembly on disk, or a synthesis of its own. */

const ROOT = join(__dirname, '../..');

interface AssemblyManifest {
  readonly artifacts?: Record<string, { type: string; properties?: { templateFile?: string; stackName?: string } }>;
}

/**
 * The stacks of one environment in a cloud assembly folder (cdk.out after `cdk synth`), read from its
 * manifest: no synthesis, no aws-cdk-lib. Stacks of other environments in the folder are left out.
 */
export function stacksFromCloudAssembly(dir: string, config: Pick<EnvironmentConfig, 'name'>): StackTemplate[] {
  const manifestFile = join(dir, 'manifest.json');
  if (!existsSync(manifestFile)) throw new Error(`${dir} holds no cloud assembly (no manifest.json): run npm run synth first`);
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as AssemblyManifest;
  const prefix = physicalName(config, '');
  return Object.entries(manifest.artifacts ?? {}).flatMap(([id, artifact]) => {
    const stackName = artifact.properties?.stackName ?? id;
    if (artifact.type !== 'aws:cloudformation:stack' || !artifact.properties?.templateFile || !stackName.startsWith(prefix)) return [];
    return [{ stackName, template: JSON.parse(readFileSync(join(dir, artifact.properties.templateFile), 'utf8')) }];
  });
}

/**
 * Synthesizes the environment in this process into a temporary folder (deleted afterwards), with
 * cdk.json's feature flags like `cdk synth` and without bundling the functions: the templates do not
 * depend on the bundles. Works from a fresh clone, without cdk.out.
 */
export async function synthesizeStacks(config: EnvironmentConfig): Promise<StackTemplate[]> {
  const [{ App, Stack }, { createPlatform }] = await Promise.all([import('aws-cdk-lib'), import('../platform.js')]);
  const featureFlags = (JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;
  const outdir = mkdtempSync(join(tmpdir(), 'cost-cdk.out-'));
  try {
    const app = new App({ outdir, builtinCloudFormationValidation: false, context: { ...featureFlags, 'aws:cdk:bundling-stacks': [], env: config.name } });
    createPlatform(app, config);
    const assembly = app.synth();
    // In the order the platform creates them (network first), as cdk.out's manifest lists them.
    return app.node.children.filter(Stack.isStack).map((stack) => ({ stackName: stack.stackName, template: assembly.getStackArtifact(stack.artifactId).template }));
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
