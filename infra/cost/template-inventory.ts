/**
 * What the cost estimate reads from a synthesized CloudFormation template: resources by type, and
 * the Kubernetes objects the kubectl provider applies (the charts and the node pool live in the
 * cluster stack's template as manifests).
 */

type Json = Record<string, unknown>;

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Json;
}

export interface CfnTemplate {
  readonly Resources?: Record<string, CfnResource>;
}

/** One stack as the estimate sees it: its name and template. */
export interface StackTemplate {
  readonly stackName: string;
  readonly template: CfnTemplate;
}

export function resourcesOfType(template: CfnTemplate, type: string): CfnResource[] {
  return Object.values(template.Resources ?? {}).filter((resource) => resource.Type === type);
}

export function countOf(template: CfnTemplate, type: string): number {
  return resourcesOfType(template, type).length;
}

/** The resource a `Ref` or `Fn::GetAtt` names, if it is in this template. */
export function referencedResource(template: CfnTemplate, value: unknown): CfnResource | undefined {
  const ref = value as { Ref?: string; 'Fn::GetAtt'?: [string, string] } | undefined;
  const id = ref?.Ref ?? ref?.['Fn::GetAtt']?.[0];
  return id === undefined ? undefined : template.Resources?.[id];
}

export interface KubernetesObject {
  readonly kind?: string;
  readonly metadata?: { readonly name?: string; readonly annotations?: Record<string, string> };
  readonly spec?: Json;
}

/**
 * Every Kubernetes object the template's kubectl-provider resources apply. A manifest is a JSON
 * string that CloudFormation completes with `Fn::Join`; the values it fills in (role names, subnet
 * ids) read as TOKEN, which leaves the JSON whole because they sit inside strings.
 */
export function kubernetesObjects(template: CfnTemplate): KubernetesObject[] {
  return Object.entries(template.Resources ?? {})
    .filter(([, resource]) => resource.Type === 'Custom::AWSCDK-EKS-KubernetesResource')
    .flatMap(([id, resource]) => {
      try {
        return JSON.parse(joinedText(resource.Properties?.Manifest)) as KubernetesObject[];
      } catch (error) {
        throw new Error(`Cannot read the Kubernetes manifest of ${id}: ${(error as Error).message}`);
      }
    });
}

function joinedText(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] } | undefined)?.['Fn::Join'];
  return join ? join[1].map(joinedText).join(join[0]) : 'TOKEN';
}

/** Mebibytes and millicores from Kubernetes quantities ("128Mi", "1Gi", "100m", "0.5", "2"). */
export function memoryMiB(quantity: string): number {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|K|M|G)?$/.exec(quantity);
  if (!match) throw new Error(`Unsupported memory quantity ${JSON.stringify(quantity)}`);
  const factor: Record<string, number> = { Ki: 1 / 1024, Mi: 1, Gi: 1024, K: 1000 / 1024 ** 2, M: 1e6 / 1024 ** 2, G: 1e9 / 1024 ** 2 };
  return Number(match[1]) * (match[2] ? factor[match[2]] : 1 / 1024 ** 2);
}

export function cpuMillis(quantity: string): number {
  return quantity.endsWith('m') ? Number(quantity.slice(0, -1)) : Number(quantity) * 1000;
}
