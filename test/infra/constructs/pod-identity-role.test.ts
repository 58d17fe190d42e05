import { Match } from 'aws-cdk-lib/assertions';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import { PodIdentityRole } from '../../../infra/constructs/pod-identity-role';
import { inStack } from './construct-stack';
import { logicalIdOf, onlyResourceId } from './template-queries';

/** The orders service's identity, as the cluster stack makes one per core service, on a cluster known by name. */
function ordersPodIdentity() {
  return inStack((stack) => {
    const cluster = eks.Cluster.fromClusterAttributes(stack, 'Cluster', { clusterName: 'hybrid-platform-sandbox-cluster' });
    return new PodIdentityRole(stack, 'OrdersPodIdentity', { cluster, namespace: 'shop', serviceAccount: 'orders' });
  });
}

describe('a Pod Identity role', () => {
  it('is assumed by EKS Pod Identity alone, which also tags the session with the cluster and namespace', () => {
    ordersPodIdentity().template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'] }],
      },
    });
  });

  it('says which service account it is for', () => {
    ordersPodIdentity().template.hasResourceProperties('AWS::IAM::Role', { Description: 'Pod Identity for shop/orders' });
  });

  it('grants nothing by itself', () => {
    const { template } = ordersPodIdentity();
    template.resourceCountIs('AWS::IAM::Policy', 0);
    expect(template.findResources('AWS::IAM::Role', { Properties: { ManagedPolicyArns: Match.anyValue() } })).toEqual({});
  });

  it("associates the role with the service account in the cluster, as its pods' identity", () => {
    const { template } = ordersPodIdentity();
    const roleId = onlyResourceId(template, 'AWS::IAM::Role');
    template.resourceCountIs('AWS::EKS::PodIdentityAssociation', 1);
    template.hasResourceProperties('AWS::EKS::PodIdentityAssociation', {
      ClusterName: 'hybrid-platform-sandbox-cluster',
      Namespace: 'shop',
      ServiceAccount: 'orders',
      RoleArn: { 'Fn::GetAtt': [roleId, 'Arn'] },
    });
  });

  it('hands out the role it made, for grants, and the association, to order the workloads after it', () => {
    const { template, built } = ordersPodIdentity();
    expect(onlyResourceId(template, 'AWS::IAM::Role')).toBe(logicalIdOf(built.role));
    expect(onlyResourceId(template, 'AWS::EKS::PodIdentityAssociation')).toBe(logicalIdOf(built.association));
  });
});
