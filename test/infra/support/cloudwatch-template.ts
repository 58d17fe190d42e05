import type { Template } from 'aws-cdk-lib/assertions';

/** How a template's alarms and dashboard read, for the observability tests. */

type Resource = { Properties: Record<string, unknown>; DependsOn?: string[] };

/** The alarm whose logical id starts with `id`. */
export function alarmOf(template: Template, id: string): Record<string, unknown> {
  const found = Object.entries(template.findResources('AWS::CloudWatch::Alarm')).filter(([logicalId]) => logicalId.startsWith(id));
  if (found.length !== 1) throw new Error(`expected one alarm ${id}, found ${found.length}`);
  return (found[0][1] as Resource).Properties;
}

/** The alarm whose logical id starts with `id`, with its DependsOn. */
export function alarmResourceOf(template: Template, id: string): Resource {
  const [, resource] = Object.entries(template.findResources('AWS::CloudWatch::Alarm')).find(([logicalId]) => logicalId.startsWith(id)) ?? [];
  if (!resource) throw new Error(`no alarm ${id}`);
  return resource as Resource;
}

/** The one composite alarm: its properties, and the alarms its rule names (construct ids, without the hash). */
export function steadyStateOf(template: Template): { properties: Record<string, unknown>; members: string[] } {
  const composites = Object.values(template.findResources('AWS::CloudWatch::CompositeAlarm')) as Resource[];
  if (composites.length !== 1) throw new Error(`expected one composite alarm, found ${composites.length}`);
  const rule = JSON.stringify(composites[0].Properties.AlarmRule);
  const members = [...rule.matchAll(/ALARM\(\\"",\{"Fn::GetAtt":\["([A-Za-z0-9]+)","Arn"\]\}/g)].map((match) => match[1].replace(/[0-9A-F]{8}$/, ''));
  return { properties: composites[0].Properties, members };
}

/** The dashboard's body, as the JSON of its Fn::Join. */
export function dashboardBodyOf(template: Template): string {
  const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as Resource[];
  if (dashboards.length !== 1) throw new Error(`expected one dashboard, found ${dashboards.length}`);
  return JSON.stringify(dashboards[0].Properties.DashboardBody);
}

/** The dimensions every business metric is published with: the cluster, the namespace of the core APIs and the service. */
export const businessDimensions = (clusterName: unknown, service: string) => [
  { Name: 'ClusterName', Value: clusterName },
  { Name: 'Namespace', Value: 'shop' },
  { Name: 'service', Value: service },
];
