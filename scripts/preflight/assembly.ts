import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ArtifactType, Manifest, type AssetManifestProperties } from 'aws-cdk-lib/cloud-assembly-schema';

/** What a deployment of this app requires of the account, as far as the bootstrap stack goes. */
export interface DeploymentNeeds {
  readonly bootstrapVersion: number;
  /** Container image assets are built locally (docker or CDK_DOCKER) and pushed to the bootstrap's ECR repository. */
  readonly containerImages: boolean;
  /** Where these figures come from, for the report. */
  readonly source: string;
}

/**
 * Without a synthesized assembly: the version DefaultStackSynthesizer requires in aws-cdk-lib 2.276
 * (its MIN_BOOTSTRAP_STACK_VERSION, which it does not export), and container images assumed, so
 * that a missing container builder is reported rather than found out halfway through a deploy.
 */
export const DEFAULT_NEEDS: DeploymentNeeds = { bootstrapVersion: 6, containerImages: true, source: 'aws-cdk-lib default, no cdk.out' };

/**
 * Reads the needs from the cloud assembly of the last `cdk synth`: every stack and asset manifest
 * records the bootstrap version it requires (the template's CheckBootstrapVersion rule enforces it),
 * and the asset manifests list the container images to build. The lookup role's higher requirement
 * (`properties.lookupRole`) is left out: the CLI reads stacks with the deploy role when the lookup
 * role is too old, and this app makes no context lookups.
 */
export function readDeploymentNeeds(cdkOut: string): DeploymentNeeds {
  const manifestFile = join(cdkOut, 'manifest.json');
  if (!existsSync(manifestFile)) return DEFAULT_NEEDS;

  const artifacts = Object.values(Manifest.loadAssemblyManifest(manifestFile).artifacts ?? {});
  const versions = artifacts.flatMap(({ properties }) =>
    properties && 'requiresBootstrapStackVersion' in properties && properties.requiresBootstrapStackVersion !== undefined
      ? [properties.requiresBootstrapStackVersion]
      : [],
  );
  const containerImages = artifacts
    .filter((artifact) => artifact.type === ArtifactType.ASSET_MANIFEST)
    .some((artifact) => {
      const { file } = artifact.properties as AssetManifestProperties;
      return Object.keys(Manifest.loadAssetManifest(join(cdkOut, file)).dockerImages ?? {}).length > 0;
    });
  return {
    bootstrapVersion: versions.length > 0 ? Math.max(...versions) : DEFAULT_NEEDS.bootstrapVersion,
    containerImages,
    source: 'from cdk.out',
  };
}
