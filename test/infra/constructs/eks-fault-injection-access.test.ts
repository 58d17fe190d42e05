import { Match, type Template } from 'aws-cdk-lib/assertions';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { APP_NAMESPACE } from '../../../infra/config/core-services';
import { EksFaultInjectionAccess } from '../../../infra/constructs/eks-fault-injection-access';
import { inStack } from './construct-stack';
import { kubernetesObjectsOf, logicalIdOf, onlyResource, onlyResourceId } from './template-queries';

/**
 * The fault injector's access to an imported cluster in the application namespace, as the chaos stack
 * makes it; with `admitted`, the roles of those pod experiments admitted to it.
 */
function eksAccess(...admitted: string[]) {
  return inStack((stack) => {
    const cluster = eks.Cluster.fromClusterAttributes(stack, 'Cluster', {
      clusterName: 'platform',
      kubectlProvider: eks.KubectlProvider.fromKubectlProviderAttributes(stack, 'Kubectl', { serviceToken: 'arn:aws:lambda:eu-west-1:111111111111:function:kubectl' }),
    });
    const access = new EksFaultInjectionAccess(stack, 'EksAccess', { cluster, namespace: APP_NAMESPACE });
    const entries = admitted.map((experimentId) => {
      const role = new iam.Role(stack, `${experimentId}Role`, { assumedBy: new iam.ServicePrincipal('fis.amazonaws.com') });
      return { role, entry: access.admit(`${experimentId}Entry`, role) };
    });
    return { access, entries };
  });
}

/** The Kubernetes objects of the (one) manifest, as the kubectl provider applies them. */
const objectsOf = (template: Template) => kubernetesObjectsOf(onlyResource(template, 'Custom::AWSCDK-EKS-KubernetesResource'));

/** `name` in the application namespace (with the prune label aws-cdk-lib adds to every object it applies). */
const FAULT_INJECTOR_METADATA = { name: 'fault-injector', namespace: APP_NAMESPACE, labels: expect.any(Object) as unknown };

describe("the FIS fault injector's access to a cluster", () => {
  it('applies a ServiceAccount, a Role and a RoleBinding, all named fault-injector, in the namespace it is given, to the cluster', () => {
    const { template } = eksAccess();
    template.hasResourceProperties('Custom::AWSCDK-EKS-KubernetesResource', { ClusterName: 'platform', ServiceToken: 'arn:aws:lambda:eu-west-1:111111111111:function:kubectl' });
    expect(objectsOf(template).map(({ apiVersion, kind, metadata }) => ({ apiVersion, kind, metadata }))).toEqual([
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: FAULT_INJECTOR_METADATA },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: FAULT_INJECTOR_METADATA },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: FAULT_INJECTOR_METADATA },
    ]);
  });

  it('names its ServiceAccount for the kubernetesServiceAccount parameter of the aws:eks:pod actions', () => {
    const { built, template } = eksAccess();
    expect(built.access.serviceAccountName).toBe('fault-injector');
    expect(objectsOf(template)[0]).toMatchObject({ kind: 'ServiceAccount', metadata: { name: built.access.serviceAccountName } });
  });

  it("mounts the ServiceAccount's token, with which the pod FIS starts calls the Kubernetes API", () => {
    expect(objectsOf(eksAccess().template)[0]).toMatchObject({ kind: 'ServiceAccount', automountServiceAccountToken: true });
  });

  it('lets the fault injector keep its state in ConfigMaps, run its pod, and find and delete pods, without ephemeral containers or exec', () => {
    expect(objectsOf(eksAccess().template)[1].rules).toEqual([
      { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'create', 'patch', 'delete'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['create', 'list', 'get', 'delete', 'deletecollection'] },
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] },
    ]);
  });

  it('binds the Role to the ServiceAccount and to the Kubernetes user of the experiment roles', () => {
    const binding = objectsOf(eksAccess().template)[2];
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'fault-injector', namespace: APP_NAMESPACE },
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'fis-experiment' },
    ]);
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'fault-injector' });
  });

  it('exposes the manifest, on which an experiment template can wait', () => {
    const { built, template } = eksAccess();
    expect(onlyResourceId(template, 'Custom::AWSCDK-EKS-KubernetesResource')).toBe(logicalIdOf(built.access.manifest));
  });

  it('maps an admitted role to the Kubernetes user of the RoleBinding, with a standard access entry and no access policy', () => {
    const { built, template } = eksAccess('PodDelete');
    const [{ role, entry }] = built.entries;
    expect(onlyResourceId(template, 'AWS::EKS::AccessEntry')).toBe(logicalIdOf(entry));
    template.hasResourceProperties('AWS::EKS::AccessEntry', {
      ClusterName: 'platform',
      PrincipalArn: { 'Fn::GetAtt': [logicalIdOf(role), 'Arn'] },
      Username: 'fis-experiment',
      Type: 'STANDARD',
      AccessPolicies: Match.absent(),
    });
  });

  it('gives each admitted role an access entry of its own, named by the id it is admitted with', () => {
    const { built } = eksAccess('CatalogPodDelete', 'OrdersPodDelete');
    expect(built.entries.map(({ entry }) => entry.node.path)).toEqual(['Subject/EksAccess/CatalogPodDeleteEntry', 'Subject/EksAccess/OrdersPodDeleteEntry']);
  });

  it('lets an admitted role describe the cluster, and the subnets (which have no resource-level permission)', () => {
    const { built, template } = eksAccess('PodDelete');
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: logicalIdOf(built.entries[0].role) }],
      PolicyDocument: {
        Statement: [
          {
            Action: 'eks:DescribeCluster',
            Effect: 'Allow',
            Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':eks:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':cluster/platform']] },
          },
          { Action: 'ec2:DescribeSubnets', Effect: 'Allow', Resource: '*' },
        ],
      },
    });
  });
});
