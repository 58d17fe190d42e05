import { IgnoreMode } from 'aws-cdk-lib';
import { DockerImageAsset, Platform } from 'aws-cdk-lib/aws-ecr-assets';
import { Construct } from 'constructs';
import { join } from 'node:path';

const REPO_ROOT = join(__dirname, '../..');

/**
 * The CPU architecture of every core API image, and of the nodes they run on (the core APIs' node
 * pool requires it): Graviton, about 20% cheaper than x86 for the same work. The Dockerfile builds
 * on the builder's own platform and only copies files into the arm64 runtime image, so an x86
 * laptop or CI runner builds it without emulation.
 */
export const CORE_API_PLATFORM = { docker: Platform.LINUX_ARM64, kubernetesArch: 'arm64' } as const;

export interface ServiceImageProps {
  /** The folder under services/ (`docker build --build-arg SERVICE=<name>`). */
  readonly serviceName: string;
}

/**
 * The container image of one core service, built from `services/Dockerfile` and pushed by
 * `cdk deploy` to the CDK bootstrap's container-assets repository, tagged with the hash of its
 * build context. Synthesis only stages the context (cdk.out/asset.*): no Docker needed for
 * `cdk synth` or the tests; the deploying machine needs docker or finch (`npm run preflight`).
 */
export class ServiceImage extends Construct {
  readonly asset: DockerImageAsset;
  /** Registry, repository and tag: what a Deployment's `image` names. */
  readonly imageUri: string;

  constructor(scope: Construct, id: string, props: ServiceImageProps) {
    super(scope, id);
    this.asset = new DockerImageAsset(this, 'Asset', {
      directory: REPO_ROOT,
      file: 'services/Dockerfile',
      // The root .dockerignore is an allowlist of what the Dockerfile copies.
      ignoreMode: IgnoreMode.DOCKER,
      buildArgs: { SERVICE: props.serviceName },
      platform: CORE_API_PLATFORM.docker,
      displayName: `${props.serviceName} service image`,
    });
    // The same URI as `asset.imageUri`, spelled so that the tag (the asset hash) is a literal: the
    // chart values check that every image ends in a tag or digest, which a whole-URI token hides.
    this.imageUri = `${this.asset.repository.repositoryUri}:${this.asset.imageTag}`;
  }
}
