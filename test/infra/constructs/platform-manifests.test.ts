import { CfnWaitConditionHandle, type Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import { APP_NAMESPACE, CORE_SERVICES } from '../../../infra/config/core-services';
import { PlatformManifests } from '../../../infra/constructs/platform-manifests';
import type { ChartInputs } from '../../../k8s/values';
import { inStack } from './construct-stack';
import { kubernetesObjectsOf, logicalIdOf, resourceOf } from './template-queries';

const KUBECTL_PROVIDER = 'arn:aws:lambda:eu-central-1:123456789012:function:hybrid-platform-sandbox-kubectl';
const REPOSITORY = '123456789012.dkr.ecr.eu-central-1.amazonaws.com/cdk-hnb659fds-container-assets-123456789012-eu-central-1';

/** What the cluster stack hands the charts, as plain strings (the stack's are tokens, see below). */
const INPUTS: ChartInputs = {
  region: 'eu-central-1',
  vpcCidr: '10.40.0.0/16',
  databaseHost: 'db.cluster-abc.eu-central-1.rds.amazonaws.com',
  databasePort: '5432',
  databaseName: 'shop',
  databaseSecretArn: 'arn:aws:secretsmanager:eu-central-1:123456789012:secret:db-AbCdEf',
  uploadsBucket: 'hybrid-platform-sandbox-uploads-123456789012-eu-central-1',
  eventBusName: 'hybrid-platform-sandbox-events',
  images: Object.fromEntries(CORE_SERVICES.map((name) => [name, `${REPOSITORY}:${name}-0123abcd`])) as ChartInputs['images'],
  loadBalancerName: 'hybrid-platform-sandbox-api',
};

/**
 * The manifests, applied to an imported cluster through its kubectl provider, each after a stand-in
 * for what it relies on: `Enforcement` (NetworkPolicies), `MetricsServer` (every core API's HPA), and
 * per service `<service>PodIdentity`.
 */
function platformManifests(inputs: (stack: Stack) => ChartInputs = () => INPUTS) {
  return inStack((stack) => {
    const kubectlProvider = eks.KubectlProvider.fromKubectlProviderAttributes(stack, 'KubectlProvider', { serviceToken: KUBECTL_PROVIDER });
    const cluster = eks.Cluster.fromClusterAttributes(stack, 'Cluster', { clusterName: 'hybrid-platform-sandbox-cluster', kubectlProvider });
    const enforcement = new CfnWaitConditionHandle(stack, 'Enforcement');
    const metricsServer = new CfnWaitConditionHandle(stack, 'MetricsServer');
    const podIdentities = Object.fromEntries(CORE_SERVICES.map((name) => [name, new CfnWaitConditionHandle(stack, `${name}PodIdentity`)]));
    return new PlatformManifests(stack, 'CoreApis', {
      cluster,
      inputs: inputs(stack),
      beforePlatform: [enforcement],
      beforeServices: [metricsServer],
      beforeService: (name) => [podIdentities[name]],
    });
  });
}

/** The Kubernetes objects of a manifest. */
const objectsOf = (template: Template, manifest: eks.KubernetesManifest) =>
  kubernetesObjectsOf<{ kind: string; metadata: { name: string }; [key: string]: unknown }>(resourceOf(template, manifest));

describe('the platform manifests', () => {
  it('applies the platform chart and one chart per core API, each as a manifest of the cluster named after its chart', () => {
    const { template, built } = platformManifests();
    template.resourceCountIs('Custom::AWSCDK-EKS-KubernetesResource', 1 + CORE_SERVICES.length);
    expect(built.platform.node.path).toBe('Subject/Cluster/Chart-platform');
    expect(Object.keys(built.services)).toEqual(CORE_SERVICES);
    for (const name of CORE_SERVICES) {
      expect(built.services[name].node.path).toBe(`Subject/Cluster/Chart-${name}`);
      expect(resourceOf(template, built.services[name]).Properties.ServiceToken).toBe(KUBECTL_PROVIDER);
    }
  });

  it('puts the namespace and the NetworkPolicies for the VPC in the platform chart', () => {
    const { template, built } = platformManifests();
    const objects = objectsOf(template, built.platform);
    expect(objects).toContainEqual(expect.objectContaining({ kind: 'Namespace', metadata: expect.objectContaining({ name: APP_NAMESPACE }) }));
    expect(JSON.stringify(objects.filter(({ kind }) => kind === 'NetworkPolicy'))).toContain('"cidr":"10.40.0.0/16"');
  });

  it("runs each core API's own image, configured with the inputs", () => {
    const { template, built } = platformManifests();
    for (const name of CORE_SERVICES) {
      const objects = objectsOf(template, built.services[name]);
      expect(JSON.stringify(objects.find(({ kind }) => kind === 'Deployment'))).toContain(`"image":"${REPOSITORY}:${name}-0123abcd"`);
      expect(objects.find(({ kind }) => kind === 'ConfigMap')).toMatchObject({ data: { AWS_REGION: 'eu-central-1', SERVICE_NAME: name } });
    }
  });

  it('leaves values known only at deploy time for CloudFormation to fill in', () => {
    const { template, built } = platformManifests((stack) => ({ ...INPUTS, databaseHost: new CfnWaitConditionHandle(stack, 'Database').ref }));
    const manifests = CORE_SERVICES.map((name) => JSON.stringify(resourceOf(template, built.services[name]).Properties.Manifest));
    expect(manifests.some((manifest) => manifest.includes('{"Ref":"Database"}'))).toBe(true);
  });

  it('refuses inputs the charts cannot run, naming the stack they come from', () => {
    const unpinned = { ...INPUTS, images: { ...INPUTS.images, [CORE_SERVICES[0]]: `${REPOSITORY}:latest` } };
    expect(() => platformManifests(() => unpinned)).toThrow(/^Invalid chart values in Subject chart values:\n {2}- services\.\w+\.image: must not use the tag "latest"/);
  });

  it('applies the platform chart only after what it relies on, and not after the services’ prerequisites', () => {
    const { template, built } = platformManifests();
    expect(resourceOf(template, built.platform).DependsOn).toEqual(['Enforcement']);
  });

  it('applies each core API after the platform chart (its namespace), what every API needs, and its own prerequisites, not another’s', () => {
    const { template, built } = platformManifests();
    const platformId = logicalIdOf(built.platform);
    for (const name of CORE_SERVICES) {
      expect(resourceOf(template, built.services[name]).DependsOn?.sort()).toEqual([platformId, 'MetricsServer', `${name}PodIdentity`].sort());
    }
  });
});
