import { Stack } from 'aws-cdk-lib';
import type * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as cdk8s from 'cdk8s';
import { Construct, type IDependable } from 'constructs';
import type { CoreServiceName } from '../config/core-services';
import { addPlatformCharts } from '../../k8s/charts';
import { platformValuesFrom, validateValues, type ChartInputs } from '../../k8s/values';

export interface PlatformManifestsProps {
  readonly cluster: eks.ICluster;
  /** What the charts need from the AWS side, as CDK tokens. */
  readonly inputs: ChartInputs;
  /**
   * What must exist before the platform chart (namespace, NetworkPolicies) is applied: the
   * NetworkPolicy enforcement, so that no policy is ever applied and silently not enforced.
   */
  readonly beforePlatform: IDependable[];
  /**
   * What must exist before every core API (e.g. the metrics source of the HPAs, the node pool the
   * pods select), and per service what only it needs (its Pod Identity association: a pod started
   * before the association exists runs without AWS credentials until it is restarted).
   */
  readonly beforeServices: IDependable[];
  readonly beforeService: (service: CoreServiceName) => IDependable[];
}

/**
 * Applies the k8s/ charts to the cluster through the kubectl provider: the same charts that
 * `npm run synth` writes to dist/k8s/, here with values that CloudFormation resolves at deploy time,
 * each applied only after what it relies on.
 */
export class PlatformManifests extends Construct {
  readonly platform: eks.KubernetesManifest;
  readonly services: Record<CoreServiceName, eks.KubernetesManifest>;

  constructor(scope: Construct, id: string, props: PlatformManifestsProps) {
    super(scope, id);
    const values = validateValues(platformValuesFrom(props.inputs), `${Stack.of(this).stackName} chart values`);
    const charts = addPlatformCharts(new cdk8s.App(), values);

    this.platform = props.cluster.addCdk8sChart(`Chart-${charts.platform.node.id}`, charts.platform);
    this.platform.node.addDependency(...props.beforePlatform);
    this.services = Object.fromEntries(
      (Object.entries(charts.services) as [CoreServiceName, cdk8s.Chart][]).map(([name, chart]) => {
        const manifest = props.cluster.addCdk8sChart(`Chart-${chart.node.id}`, chart);
        // The platform chart creates the namespace the service charts are applied into.
        manifest.node.addDependency(this.platform, ...props.beforeServices, ...props.beforeService(name));
        return [name, manifest];
      }),
    ) as Record<CoreServiceName, eks.KubernetesManifest>;
  }
}
