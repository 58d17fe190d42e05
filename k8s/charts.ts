import type { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { APP_NAMESPACE, registryProblems, type CoreServiceName } from '../infra/config/core-services';
import { CoreApiChart } from './core-api-chart';
import { PlatformChart } from './platform-chart';
import { coreServiceRegistry, serviceNames, type PlatformValues, type ServiceRegistry } from './values';

export interface PlatformCharts<Name extends string = CoreServiceName> {
  readonly platform: PlatformChart;
  readonly services: Record<Name, CoreApiChart>;
  /** Every chart, the platform chart first (it creates the namespace the others live in). */
  readonly all: Chart[];
}

/**
 * Adds every chart to `scope` (a cdk8s App for YAML, or a CDK stack's cdk8s App for addCdk8sChart):
 * the platform chart, then one per core API of `registry`, in its order. Chart ids become file names
 * in dist/k8s/.
 */
export function addPlatformCharts<Name extends string = CoreServiceName>(
  scope: Construct,
  values: PlatformValues<Name>,
  registry: ServiceRegistry<Name> = coreServiceRegistry(),
): PlatformCharts<Name> {
  // The registry is code a fork edits by hand: a broken entry stops the synth here, by name, not as odd YAML.
  const problems = registryProblems(registry);
  if (problems.length > 0) throw new Error(`infra/config/core-services.ts has invalid entries:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  const names = serviceNames(registry);
  const apiCalls = names.flatMap((from) => (registry[from].calls ?? []).map((to) => ({ from, to })));
  const platform = new PlatformChart(scope, 'platform', { namespace: APP_NAMESPACE, vpcCidr: values.vpcCidr, certificateArn: values.certificateArn, apiCalls });
  const services = Object.fromEntries(
    names.map((name) => {
      const chart = new CoreApiChart(scope, name, {
        namespace: APP_NAMESPACE,
        name,
        publicPathPrefix: registry[name].publicPath,
        usesDatabase: registry[name].usesDatabase,
        image: values.services[name].image,
        config: values.services[name].config,
        nodeSelector: values.nodeSelector,
        https: values.certificateArn !== undefined,
        loadBalancerName: values.loadBalancerName,
      });
      chart.addDependency(platform);
      return [name, chart];
    }),
  ) as Record<Name, CoreApiChart>;
  return { platform, services, all: [platform, ...names.map((name) => services[name])] };
}
