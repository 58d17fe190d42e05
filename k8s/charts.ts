import type { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { APP_NAMESPACE, CORE_SERVICE_REGISTRY, CORE_SERVICES, coreService, registryProblems, type CoreServiceName } from '../infra/config/core-services';
import { CoreApiChart } from './core-api-chart';
import { PlatformChart } from './platform-chart';
import type { PlatformValues } from './values';

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
  // The registry is code a fork edits by hand: a broken entry stops the synth here, by name, not as odd YAML.
  const problems = registryProblems(CORE_SERVICE_REGISTRY);
  if (problems.length > 0) throw new Error(`infra/config/core-services.ts has invalid entries:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  const apiCalls = CORE_SERVICES.flatMap((from) => (coreService(from).calls ?? []).map((to) => ({ from, to })));
  const platform = new PlatformChart(scope, 'platform', { namespace: APP_NAMESPACE, vpcCidr: values.vpcCidr, certificateArn: values.certificateArn, apiCalls });
  const services = Object.fromEntries(
    CORE_SERVICES.map((name) => {
      const chart = new CoreApiChart(scope, name, {
        namespace: APP_NAMESPACE,
        name,
        publicPathPrefix: coreService(name).publicPath,
        usesDatabase: coreService(name).usesDatabase,
        image: values.services[name].image,
        config: values.services[name].config,
        nodeSelector: values.nodeSelector,
        https: values.certificateArn !== undefined,
        loadBalancerName: values.loadBalancerName,
      });
      chart.addDependency(platform);
      return [name, chart];
    }),
  ) as Record<CoreServiceName, CoreApiChart>;
  return { platform, services, all: [platform, ...Object.values(services)] };
}
