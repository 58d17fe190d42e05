import { AssetStaging, CfnElement, Stack, Validations } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';

/*
 * What the construct tests read of what they built: resources of its template, found by the construct
 * or by type, and what the construct tree records (cdk-nag acknowledgements, code assets).
 */

/** A resource of a template as `findResources` gives it: Type, Properties, DependsOn, DeletionPolicy… */
export type TemplateResource = ReturnType<Template['findResources']>[string];

/** The logical id of a construct's CloudFormation resource (for an L2, that of its default child, and so on down). */
export function logicalIdOf(construct: IConstruct): string {
  let element = construct;
  while (!CfnElement.isCfnElement(element)) {
    const child = element.node.defaultChild;
    if (!child) throw new Error(`${construct.node.path} has no CloudFormation resource of its own`);
    element = child;
  }
  return Stack.of(element).getLogicalId(element);
}

/** A construct's CloudFormation resource in the template of its stack. */
export function resourceOf(template: Template, construct: IConstruct): TemplateResource {
  const resource: TemplateResource | undefined = template.toJSON().Resources?.[logicalIdOf(construct)];
  if (!resource) throw new Error(`the template has no resource for ${construct.node.path}`);
  return resource;
}

/** The logical id of the template's one resource of `type`; throws, naming how many there are, if not exactly one. */
export function onlyResourceId(template: Template, type: string): string {
  const ids = Object.keys(template.findResources(type));
  if (ids.length !== 1) throw new Error(`expected one ${type}, found ${ids.length}${ids.length ? `: ${ids.join(', ')}` : ''}`);
  return ids[0];
}

/** The template's one resource of `type` (see onlyResourceId). */
export function onlyResource(template: Template, type: string): TemplateResource {
  return template.findResources(type)[onlyResourceId(template, type)];
}

/** One cdk-nag acknowledgement (`Validations.of(construct).acknowledge`): the finding's id as aws-cdk-lib records it (`Annotation::<id>`), and why. */
export interface Acknowledgement {
  readonly id: string;
  readonly reason: string;
}

/** The cdk-nag acknowledgements recorded on a construct itself, one per acknowledgement, in the order they were made. */
export function acknowledgementsOn(construct: IConstruct): Acknowledgement[] {
  return construct.node.metadata
    .filter(({ type }) => type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap(({ data }) => Object.entries(data as Record<string, string>).map(([id, reason]) => ({ id, reason })));
}

/** The cdk-nag acknowledgements recorded on a construct and everything under it, each with the path of the construct it is on. */
export function acknowledgementsUnder(scope: IConstruct): (Acknowledgement & { readonly path: string })[] {
  return scope.node.findAll().flatMap((construct) => acknowledgementsOn(construct).map((acknowledgement) => ({ path: construct.node.path, ...acknowledgement })));
}

/** The staging of the one file asset under a construct (a function's code): its source folder and where it was staged. */
export function stagedAssetOf(construct: IConstruct): AssetStaging {
  const stagings = construct.node.findAll().filter((child): child is AssetStaging => child instanceof AssetStaging);
  if (stagings.length !== 1) throw new Error(`expected one asset under ${construct.node.path}, found ${stagings.length}`);
  return stagings[0];
}

type Reference = { readonly Ref?: string; readonly 'Fn::GetAtt'?: readonly string[] };

/** The text CloudFormation makes of a string or an `Fn::Join`, each reference written as in Fn::Sub: `${LogicalId}` (Ref), `${LogicalId.Attribute}` (Fn::GetAtt). */
export function joinedText(value: string | { readonly 'Fn::Join': readonly [string, readonly (string | Reference)[]] }): string {
  if (typeof value === 'string') return value;
  const [delimiter, parts] = value['Fn::Join'];
  return parts
    .map((part) => {
      if (typeof part === 'string') return part;
      const name = part.Ref ?? part['Fn::GetAtt']?.join('.');
      if (name === undefined) throw new Error(`joinedText: neither a Ref nor an Fn::GetAtt: ${JSON.stringify(part)}`);
      return `\${${name}}`;
    })
    .join(delimiter);
}

/** The Kubernetes objects a manifest resource (Custom::AWSCDK-EKS-KubernetesResource) applies, its references written as joinedText writes them. */
export function kubernetesObjectsOf<T = Record<string, unknown>>(manifest: TemplateResource): T[] {
  return JSON.parse(joinedText(manifest.Properties.Manifest)) as T[];
}
