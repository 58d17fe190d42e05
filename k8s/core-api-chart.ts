import { Chart, type ChartProps } from 'cdk8s';
import type { Construct } from 'constructs';
import { CoreApiWorkload, type CoreApiWorkloadProps } from './core-api-workload';

export interface CoreApiChartProps extends ChartProps, CoreApiWorkloadProps {
  readonly namespace: string;
}

/** One core API in its own chart (so one YAML file and one apply per service). */
export class CoreApiChart extends Chart {
  readonly workload: CoreApiWorkload;

  constructor(scope: Construct, id: string, props: CoreApiChartProps) {
    // No hash suffix on the name of an object a fork adds without one: the name stays put across changes.
    super(scope, id, { namespace: props.namespace, labels: props.labels, disableResourceNameHashes: true });
    this.workload = new CoreApiWorkload(this, 'Workload', props);
  }
}
