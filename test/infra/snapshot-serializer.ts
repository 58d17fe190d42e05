import type { Plugin } from 'pretty-format';

/**
 * Jest snapshot serializer for CloudFormation templates: masks what changes without the
 * infrastructure changing, so a snapshot diff always means a real change.
 *
 * - asset hashes (64 hex characters: S3 keys of Lambda code and layers, asset parameters);
 * - the CDK version-reporting resource and condition, which change with every CDK release.
 */
const MASKED = Symbol('cloudformation-template-masked');
const ASSET_HASH = /[0-9a-f]{64}/g;

interface TemplateLike {
  Resources: Record<string, unknown>;
  Conditions?: Record<string, unknown>;
  [MASKED]?: true;
}

function isUnmaskedTemplate(value: unknown): value is TemplateLike {
  return typeof value === 'object' && value !== null && 'Resources' in value && !(MASKED in value);
}

export function maskTemplate(template: TemplateLike): TemplateLike {
  const masked: TemplateLike = JSON.parse(JSON.stringify(template).replace(ASSET_HASH, '[ASSET-HASH]'));
  delete masked.Resources.CDKMetadata;
  if (masked.Conditions) delete masked.Conditions.CDKMetadataAvailable;
  Object.defineProperty(masked, MASKED, { value: true, enumerable: false });
  return masked;
}

const serializer: Plugin = {
  test: isUnmaskedTemplate,
  serialize: (value, config, indentation, depth, refs, printer) => printer(maskTemplate(value), config, indentation, depth, refs),
};

export default serializer;
