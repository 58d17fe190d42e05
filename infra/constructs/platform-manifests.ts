import { Stack } from 'aws-cdk-lib';
import type * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as cdk8s from 'cdk8s';
import { Construct } from 'constructs';
import { addPlatformCharts } from '../../k8s/charts';
import { platformValuesFrom, validateValues, type ChartInputs } from '../../k8s/values';

export interface PlatformManifestsProps {
  readonly cluster: eks.ICluster;
  /** What the charts need from the AWS side, as CDK tokens. */
  readonly inputs: ChartInputs;
  /** The image tag every core API runs. */
  readonly imageTag: string;
}

/**
 * Applies the k8s/ charts to the cluster through the kubectl provider: the same charts that
 * `npm run synth` writes to dist/k8s/, here with values that CloudFormation resolves at deploy time.
 */
export class PlatformManifests extends Construct {
  readonly manifests: eks.KubernetesManifest[];

  constructor(scope: Construct, id: string, props: PlatformManifestsProps) {
    super(scope, id);
    const values = validateValues(platformValuesFrom(props.inputs, props.imageTag), `${Stack.of(this).stackName} chart values`);
    const charts = addPlatformCharts(new cdk8s.App(), values);

    this.manifests = charts.all.map((chart) => props.cluster.addCdk8sChart(`Chart-${chart.node.id}`, chart));
    // The platform chart creates the namespace the service charts are applied into.
    const [platform, ...services] = this.manifests;
    for (const service of services) service.node.addDependency(platform);
  }
}
