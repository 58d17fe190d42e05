import type { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { PlatformDashboard, type DashboardGraph, type DashboardSection } from '../../../infra/constructs/platform-dashboard';
import { inStack } from './construct-stack';
import { joinedText, onlyResource } from './template-queries';

const sqs = (metricName: string) => new cloudwatch.Metric({ namespace: 'AWS/SQS', metricName, statistic: 'Maximum' });
const graph = (title: string): DashboardGraph => ({ title, left: [sqs(`${title}Count`)] });

/** The dashboard, with two alarms of its stack to show, as the observability stack makes it. */
function dashboard(sections: DashboardSection[]) {
  return inStack((stack) => {
    const alarms = ['DeadLetters', 'Errors'].map((id) => new cloudwatch.Alarm(stack, id, { metric: sqs(id), threshold: 0, evaluationPeriods: 1 }));
    return new PlatformDashboard(stack, 'Dashboard', { dashboardName: 'shop-sandbox-steady-state', alarms, sections });
  }).template;
}

interface Widget {
  readonly type: string;
  readonly width: number;
  readonly height: number;
  readonly x: number;
  readonly y: number;
  readonly properties: { readonly title?: string; readonly markdown?: string; readonly alarms?: string[]; readonly metrics?: unknown[] };
}

/** The dashboard's widgets, with each reference written as joinedText writes it: `${LogicalId.Attribute}` or `${LogicalId}`. */
function widgetsOf(template: Template): Widget[] {
  return JSON.parse(joinedText(onlyResource(template, 'AWS::CloudWatch::Dashboard').Properties.DashboardBody)).widgets;
}

const ordersSection: DashboardSection = { title: 'Orders', graphs: [graph('Placed'), graph('Rejected'), graph('Outbox')] };

describe('PlatformDashboard', () => {
  it('is named as the environment asks', () => {
    dashboard([ordersSection]).hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'shop-sandbox-steady-state' });
  });

  it("shows every alarm's state first, across the whole width", () => {
    const template = dashboard([ordersSection]);
    const alarmIds = Object.keys(template.findResources('AWS::CloudWatch::Alarm'));
    expect(widgetsOf(template)[0]).toEqual({
      type: 'alarm',
      width: 24,
      height: 3,
      x: 0,
      y: 0,
      properties: { title: 'Alarms', alarms: alarmIds.map((id) => `\${${id}.Arn}`) },
    });
  });

  it("heads each section with its title, a full-width line below what came before", () => {
    const heading = widgetsOf(dashboard([ordersSection]))[1];
    expect(heading).toMatchObject({ type: 'text', width: 24, height: 1, x: 0, y: 3, properties: { markdown: '## Orders' } });
  });

  it("puts a section's graphs side by side under its heading, sharing the width equally, six units high", () => {
    const graphs = widgetsOf(dashboard([ordersSection])).slice(2);
    expect(graphs.map(({ type, properties, x, y, width, height }) => [type, properties.title, x, y, width, height])).toEqual([
      ['metric', 'Placed', 0, 4, 8, 6],
      ['metric', 'Rejected', 8, 4, 8, 6],
      ['metric', 'Outbox', 16, 4, 8, 6],
    ]);
  });

  it('rounds the share down where the graphs do not divide the width, so the row stays on the dashboard', () => {
    const graphs = widgetsOf(dashboard([{ title: 'Five', graphs: ['A', 'B', 'C', 'D', 'E'].map(graph) }])).slice(2);
    expect(graphs.map(({ width }) => width)).toEqual([4, 4, 4, 4, 4]);
  });

  it('graphs the left metrics on the left axis and the right ones on the right', () => {
    const capacity: DashboardGraph = { title: 'Capacity', left: [sqs('Used')], right: [sqs('Free')] };
    const [, , widget] = widgetsOf(dashboard([{ title: 'Database', graphs: [capacity] }]));
    expect(widget.properties.metrics).toEqual([
      ['AWS/SQS', 'Used', { stat: 'Maximum' }],
      ['AWS/SQS', 'Free', { stat: 'Maximum', yAxis: 'right' }],
    ]);
  });

  it('stacks the sections in their order, each heading above its own graphs', () => {
    const widgets = widgetsOf(dashboard([ordersSection, { title: 'Database', graphs: [graph('Connections')] }]));
    expect(widgets.map(({ type, properties, y }) => [type, properties.markdown ?? properties.title, y])).toEqual([
      ['alarm', 'Alarms', 0],
      ['text', '## Orders', 3],
      ['metric', 'Placed', 4],
      ['metric', 'Rejected', 4],
      ['metric', 'Outbox', 4],
      ['text', '## Database', 10],
      ['metric', 'Connections', 11],
    ]);
  });
});
