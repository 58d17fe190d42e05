import { CfnOutput, CfnResource, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * What the platform's rules ask about a synthesized resource and its neighbours.
 *
 * Everything is read from the resource as CloudFormation will see it (`_toCloudFormation()` resolved in
 * its stack), so L1s and plain CfnResources (CDK's own singleton handlers) look alike. Validation
 * plugins run after the app is prepared: by then `node.addDependency` has become DependsOn and a
 * cross-stack reference reads an output of the other stack.
 */

/** The type of the resources the aws-eks-v2 kubectl provider applies manifests with. */
export const KUBERNETES_MANIFEST = 'Custom::AWSCDK-EKS-KubernetesResource';

type Json = Record<string, unknown>;

interface ResourceTemplate {
  readonly Properties?: Json;
  readonly DependsOn?: string[];
}

/** One object of a Kubernetes manifest; values CloudFormation fills in read as `${...}` (see `displayed`). */
export interface KubernetesObject extends Json {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: { readonly name?: string; readonly namespace?: string };
}

export interface Container {
  readonly name?: string;
  readonly image?: string;
}

/** A Ref, an Fn::GetAtt or a read of another stack's output, followed to the resource (and attribute) it names. */
export interface Reference {
  readonly resource: CfnResource;
  readonly attribute?: string;
}

export const isRecord = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The value at a path of nested objects, or undefined where the path ends early. */
export const at = (value: unknown, ...path: string[]): unknown => path.reduce((current, key) => (isRecord(current) ? current[key] : undefined), value);

/** CloudFormation and IAM accept a single value where they accept a list. */
export const asArray = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

export function propertiesOf(resource: CfnResource): Json {
  return templateOf(resource).Properties ?? {};
}

export function logicalIdOf(resource: CfnResource): string {
  return Stack.of(resource).resolve(resource.logicalId);
}

/** The CfnResources of a type in the resource's own stack. */
export function inStack(resource: CfnResource, type: string): CfnResource[] {
  return resourcesOfStack(Stack.of(resource)).filter((other) => other.cfnResourceType === type);
}

/** The CfnResources of a type anywhere in the resource's app. */
export function inApp(resource: CfnResource, type: string): CfnResource[] {
  return cfnResourcesUnder(resource.node.root).filter((other) => other.cfnResourceType === type);
}

/** Whether two resources name the same EKS cluster in their ClusterName property. */
export function sameCluster(a: CfnResource, b: CfnResource): boolean {
  return JSON.stringify(propertiesOf(a).ClusterName) === JSON.stringify(propertiesOf(b).ClusterName);
}

/**
 * The resource a value of `from`'s template points at: a Ref or Fn::GetAtt in its stack, or an output
 * of another stack of the app that it reads (Fn::ImportValue for a strong reference, Fn::GetStackOutput
 * for a weak one).
 */
export function referencedBy(from: CfnResource, value: unknown): Reference | undefined {
  return referenceIn(Stack.of(from), value);
}

function referenceIn(stack: Stack, value: unknown): Reference | undefined {
  if (!isRecord(value)) return undefined;
  const [logicalId, attribute] = typeof value.Ref === 'string' ? [value.Ref] : asArray(value['Fn::GetAtt']);
  if (typeof logicalId === 'string') {
    const resource = resourcesOfStack(stack).find((candidate) => logicalIdOf(candidate) === logicalId);
    return resource && { resource, attribute: attribute as string | undefined };
  }
  const output = stack.node.root.node
    .findAll()
    .find((construct): construct is CfnOutput => construct instanceof CfnOutput && readsOutput(value, construct));
  return output && referenceIn(Stack.of(output), Stack.of(output).resolve(output.value));
}

function readsOutput(value: Json, output: CfnOutput): boolean {
  const producer = Stack.of(output);
  const exportName = value['Fn::ImportValue'];
  const stackOutput = value['Fn::GetStackOutput'];
  if (typeof exportName === 'string') return producer.resolve(output.exportName) === exportName;
  return isRecord(stackOutput) && stackOutput.StackName === producer.stackName && stackOutput.OutputName === producer.resolve(output.logicalId);
}

/**
 * Whether CloudFormation creates `target` before `resource`: within a stack through DependsOn or a
 * Ref/Fn::GetAtt, directly or transitively; across stacks through a dependency between the stacks.
 */
export function dependsOn(resource: CfnResource, target: CfnResource): boolean {
  const stack = Stack.of(resource);
  if (Stack.of(target) !== stack) return reachable(stack, Stack.of(target), (current) => current.dependencies);
  const byLogicalId = new Map(resourcesOfStack(stack).map((candidate) => [logicalIdOf(candidate), candidate]));
  const directDependencies = (current: CfnResource) => {
    const { DependsOn = [], Properties } = templateOf(current);
    return [...DependsOn, ...referencedLogicalIds(Properties)].flatMap((id) => byLogicalId.get(id) ?? []);
  };
  return reachable(resource, target, directDependencies);
}

/**
 * The Kubernetes objects a kubectl-provider resource applies ([] for any other resource). The
 * Manifest property is JSON text that CloudFormation completes at deploy time (an Fn::Join around
 * tokens); each token is read as its `displayed` text, so the JSON parses at synth time.
 */
export function kubernetesObjectsOf(resource: CfnResource): KubernetesObject[] {
  if (resource.cfnResourceType !== KUBERNETES_MANIFEST) return [];
  const parsed = JSON.parse(manifestText(propertiesOf(resource).Manifest));
  return Array.isArray(parsed) ? parsed : [parsed];
}

/** Where each kind that runs pods keeps its pod spec. */
const POD_SPEC_PATHS: Record<string, string[]> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

/** The pod spec of a Pod or of a workload's pod template; undefined for kinds that run no pods. */
export function podSpecOf(object: KubernetesObject): Json | undefined {
  const path = POD_SPEC_PATHS[object.kind ?? ''];
  const spec = path && at(object, ...path);
  return isRecord(spec) ? spec : undefined;
}

/** The containers and init containers an object runs. */
export function containersOf(object: KubernetesObject): Container[] {
  const spec = podSpecOf(object);
  return [...asArray(spec?.initContainers), ...asArray(spec?.containers)] as Container[];
}

/**
 * A CloudFormation value as text, in Fn::Sub style: literals as they are, `${LogicalId}` for a Ref,
 * `${LogicalId.Attribute}` for an Fn::GetAtt, an Fn::Sub's own template, an Fn::Join joined; any other
 * intrinsic as `${<its JSON>}`. Two values that display alike resolve alike at deploy time.
 */
export function displayed(value: unknown): string {
  if (!isRecord(value)) return String(value);
  if (typeof value.Ref === 'string') return `\${${value.Ref}}`;
  if (Array.isArray(value['Fn::GetAtt'])) return `\${${value['Fn::GetAtt'].join('.')}}`;
  if (typeof value['Fn::Sub'] === 'string') return value['Fn::Sub'];
  const [delimiter, parts] = asArray(value['Fn::Join']);
  if (typeof delimiter === 'string' && Array.isArray(parts)) return parts.map(displayed).join(delimiter);
  return `\${${JSON.stringify(value)}}`;
}

function templateOf(resource: CfnResource): ResourceTemplate {
  const { Resources = {} } = Stack.of(resource).resolve(resource._toCloudFormation());
  return Object.values(Resources)[0] ?? {};
}

function cfnResourcesUnder(scope: IConstruct): CfnResource[] {
  return scope.node.findAll().filter(CfnResource.isCfnResource);
}

/** A stack's own resources, without those of its nested stacks. */
function resourcesOfStack(stack: Stack): CfnResource[] {
  return cfnResourcesUnder(stack).filter((resource) => Stack.of(resource) === stack);
}

function referencedLogicalIds(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(referencedLogicalIds);
  if (!isRecord(value)) return [];
  const getAtt = value['Fn::GetAtt'];
  if (typeof value.Ref === 'string') return [value.Ref];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return [getAtt[0]];
  return Object.values(value).flatMap(referencedLogicalIds);
}

function reachable<T>(from: T, to: T, next: (node: T) => T[]): boolean {
  const seen = new Set<T>();
  const queue = next(from);
  for (let current = queue.shift(); current !== undefined; current = queue.shift()) {
    if (current === to) return true;
    if (seen.has(current)) continue;
    seen.add(current);
    queue.push(...next(current));
  }
  return false;
}

/** The manifest's JSON text, each token in it replaced by its `displayed` text as a JSON string. */
function manifestText(manifest: unknown): string {
  if (typeof manifest === 'string') return manifest;
  const [delimiter, parts] = asArray(at(manifest, 'Fn::Join'));
  if (delimiter !== '' || !Array.isArray(parts)) throw new Error(`Unexpected Manifest property: ${JSON.stringify(manifest)}`);
  let text = '';
  let insideString = false;
  for (const part of parts) {
    if (typeof part === 'string') {
      text += part;
      insideString = endsInsideString(part, insideString);
    } else {
      // A token inside a JSON string (an image, a host name) or standing for a whole value (a port number).
      const quoted = JSON.stringify(displayed(part));
      text += insideString ? quoted.slice(1, -1) : quoted;
    }
  }
  return text;
}

function endsInsideString(jsonFragment: string, startsInsideString: boolean): boolean {
  let inside = startsInsideString;
  for (let i = 0; i < jsonFragment.length; i++) {
    if (inside && jsonFragment[i] === '\\') i++;
    else if (jsonFragment[i] === '"') inside = !inside;
  }
  return inside;
}
