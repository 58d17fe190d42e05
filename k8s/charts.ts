import type { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { CoreServiceName } from '../infra/config/core-services';
import { CoreApiChart } from './core-api-chart';
import type { CoreApiWorkloadProps } from './core-api-workload';
import { PlatformChart } from './platform-chart';
import type { PlatformValues } from './values';

interface CoreApiShape {
  readonly workload: Omit<CoreApiWorkloadProps, 'name' | 'image' | 'config' | 'nodeSelector' | 'https' | 'loadBalancerName'>;
  /** The core APIs it calls over HTTP; the platform chart opens exactly these connections. @default - none */
  readonly calls?: readonly CoreServiceName[];
}

/** What differs between the sample core APIs; everything else is the CoreApiWorkload default. */
const CORE_API_SHAPES: Record<CoreServiceName, CoreApiShape> = {
  catalog: { workload: { publicPathPrefix: '/products' } },
  // Orders prices every order by asking the catalog (CATALOG_URL, see values.ts).
  orders: { workload: { publicPathPrefix: '/orders' }, calls: ['catalog'] },
};

export interface PlatformCharts {
  readonly platform: PlatformChart;
  readonly services: Record<CoreServiceName, CoreApiChart>;
  /** Every chart, the platform chart first (it creates the namespace the others live in). */
  readonly all: Chart[];
}

/**
 * Adds every chart to `scope` (a cdk8s App for YAML, or a CDK stack's cdk8s App for addCdk8sChart).
 * Chart ids become file names in dist/k8s/.
 */
export function addPlatformCharts(scope: Construct, values: PlatformValues): PlatformCharts {
  const names = Object.keys(CORE_API_SHAPES) as CoreServiceName[];
  const apiCalls = names.flatMap((from) => (CORE_API_SHAPES[from].calls ?? []).map((to) => ({ from, to })));
  const platform = new PlatformChart(scope, 'platform', { namespace: values.namespace, vpcCidr: values.vpcCidr, certificateArn: values.certificateArn, apiCalls });
  const services = Object.fromEntries(
    names.map((name) => {
      const chart = new CoreApiChart(scope, name, {
        namespace: values.namespace,
        name,
        image: values.services[name].image,
        config: values.services[name].config,
        nodeSelector: values.nodeSelector,
        https: values.certificateArn !== undefined,
        loadBalancerName: values.loadBalancerName,
        ...CORE_API_SHAPES[name].workload,
      });
      chart.addDependency(platform);
      return [name, chart];
    }),
  ) as Record<CoreServiceName, CoreApiChart>;
  return { platform, services, all: [platform, ...Object.values(services)] };
}
