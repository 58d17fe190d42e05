import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import { SUPPORTED_KUBERNETES_VERSIONS } from '../../../infra/config/kubernetes';
import { ClusterAdminRole } from '../../../infra/constructs/cluster-admin-role';
import { inStack } from './construct-stack';
import { logicalIdOf } from './template-queries';

/** The admin role of an Auto Mode cluster in an imported VPC (no kubectl provider: access entries need none). */
function clusterAdminRole() {
  return inStack((stack) => {
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-1', availabilityZones: ['eu-west-1a', 'eu-west-1b'], privateSubnetIds: ['subnet-a', 'subnet-b'] });
    const cluster = new eks.Cluster(stack, 'Cluster', {
      clusterName: 'hybrid-platform-sandbox-cluster',
      version: SUPPORTED_KUBERNETES_VERSIONS['1.36'].version,
      vpc,
      vpcSubnets: [{ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }],
      defaultCapacityType: eks.DefaultCapacityType.AUTOMODE,
    });
    const admin = new ClusterAdminRole(stack, 'ClusterAdmin', { cluster });
    return { admin, clusterId: logicalIdOf(cluster), roleId: logicalIdOf(admin.role) };
  });
}

describe('the cluster admin role', () => {
  it('can be assumed from the deploying account, and from nowhere else', () => {
    clusterAdminRole().template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'sts:AssumeRole',
            Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']] } },
          },
        ],
      },
    });
  });

  it('names the cluster it administers', () => {
    const { template, built } = clusterAdminRole();
    template.hasResourceProperties('AWS::IAM::Role', {
      Description: { 'Fn::Join': ['', ['Cluster-admin on ', { Ref: built.clusterId }, ', assumable from this account']] },
    });
  });

  it('may describe its cluster, for update-kubeconfig and the console, and nothing else through IAM', () => {
    const { template, built } = clusterAdminRole();
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: built.roleId }],
      PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'eks:DescribeCluster', Resource: { 'Fn::GetAtt': [built.clusterId, 'Arn'] } }] },
    });
  });

  it('is cluster-admin on the whole cluster through an access entry', () => {
    const { template, built } = clusterAdminRole();
    template.hasResourceProperties('AWS::EKS::AccessEntry', {
      ClusterName: { Ref: built.clusterId },
      PrincipalArn: { 'Fn::GetAtt': [built.roleId, 'Arn'] },
      AccessPolicies: [{ AccessScope: { Type: 'cluster' }, PolicyArn: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy']] } }],
    });
  });

  it('gives the exact command that writes a kubeconfig entry using it', () => {
    const { built, stack } = clusterAdminRole();
    expect(stack.resolve(built.admin.kubectlCommand)).toEqual({
      'Fn::Join': [
        '',
        ['aws eks update-kubeconfig --name ', { Ref: built.clusterId }, ' --region ', { Ref: 'AWS::Region' }, ' --role-arn ', { 'Fn::GetAtt': [built.roleId, 'Arn'] }],
      ],
    });
  });
});
