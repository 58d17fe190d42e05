import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';

/** One graph: metrics on the left axis, and optionally others (another unit) on the right. */
export interface DashboardGraph {
  readonly title: string;
  readonly left: cloudwatch.IMetric[];
  /** @default - none */
  readonly right?: cloudwatch.IMetric[];
}

/** A titled row of graphs: one part of the platform. */
export interface DashboardSection {
  readonly title: string;
  readonly graphs: readonly DashboardGraph[];
}

export interface PlatformDashboardProps {
  readonly dashboardName: string;
  /** Shown first, as one status widget: what is in ALARM right now. */
  readonly alarms: readonly cloudwatch.IAlarm[];
  readonly sections: readonly DashboardSection[];
}

/** The dashboard is 24 units wide; a row's graphs share it. */
const DASHBOARD_WIDTH = 24;
const GRAPH_HEIGHT = 6;

/** One CloudWatch dashboard: the alarms' state on top, then one row of graphs per section. */
export class PlatformDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: PlatformDashboardProps) {
    super(scope, id);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      widgets: [
        [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: [...props.alarms], width: DASHBOARD_WIDTH })],
        ...props.sections.flatMap((section) => [
          [new cloudwatch.TextWidget({ markdown: `## ${section.title}`, width: DASHBOARD_WIDTH, height: 1 })],
          section.graphs.map(
            (graph) =>
              new cloudwatch.GraphWidget({
                title: graph.title,
                left: graph.left,
                right: graph.right,
                width: Math.floor(DASHBOARD_WIDTH / section.graphs.length),
                height: GRAPH_HEIGHT,
              }),
          ),
        ]),
      ],
    });
  }
}
