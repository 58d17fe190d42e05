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
    // Stryker disable next-line BooleanLiteral: equivalent while every object here is named explicitly; kept so that one added without a name gets no hash suffix either.
    super(scope, id, { namespace: props.namespace, labels: props.labels, disableResourceNameHashes: true });
    this.workload = new CoreApiWorkload(this, 'Workload', props);
  }
}
