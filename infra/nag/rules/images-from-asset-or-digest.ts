import { Stack, type CfnResource } from 'aws-cdk-lib';
import { DockerImageAsset } from 'aws-cdk-lib/aws-ecr-assets';
import { NagRuleCompliance, type NagRuleResult } from 'cdk-nag';
import { containersOf, displayed, kubernetesObjectsOf } from '../template-queries';

const PINNED_BY_DIGEST = /@sha256:[0-9a-f]{64}$/;

/**
 * Every container and init container a manifest runs uses an image pinned by digest or the image URI
 * of a DockerImageAsset of this app (which `cdk deploy` builds and pushes before the manifest is
 * applied). One finding per other container: `[<Kind>/<name>/<container>]`.
 */
export function ImagesFromAssetOrDigest(node: CfnResource): NagRuleResult {
  const containers = kubernetesObjectsOf(node).flatMap((object) => containersOf(object).map((container) => ({ object, container })));
  if (containers.length === 0) return NagRuleCompliance.NOT_APPLICABLE;
  const assetImages = new Set(
    node.node.root.node
      .findAll()
      .filter((construct): construct is DockerImageAsset => construct instanceof DockerImageAsset)
      .map((asset) => displayed(Stack.of(node).resolve(asset.imageUri))),
  );
  const findings = containers
    .filter(({ container }) => !(container.image && (PINNED_BY_DIGEST.test(container.image) || assetImages.has(container.image))))
    .map(({ object, container }) => `${object.kind}/${object.metadata?.name}/${container.name}`);
  return findings.length > 0 ? findings : NagRuleCompliance.COMPLIANT;
}
