import { Aws } from 'aws-cdk-lib';
import type * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

export interface ClusterAdminRoleProps {
  readonly cluster: eks.Cluster;
}

/**
 * An IAM role with cluster-admin on the cluster, which any principal of the deploying account that
 * may call sts:AssumeRole on it can assume (administrators can; nobody outside the account can).
 *
 * Why it is needed: with access entries, EKS makes the principal that created the cluster its admin,
 * and that principal is CloudFormation's execution role, not the person who ran `cdk deploy`. Without
 * this role, nobody could use kubectl on a fresh deploy. `kubectlCommand` is the exact command that
 * writes a kubeconfig using it.
 */
export class ClusterAdminRole extends Construct {
  readonly role: iam.Role;
  /** Writes a kubeconfig entry that uses this role (the cluster stack publishes it as an output). */
  readonly kubectlCommand: string;

  constructor(scope: Construct, id: string, props: ClusterAdminRoleProps) {
    super(scope, id);
    const { cluster } = props;

    this.role = new iam.Role(this, 'Role', {
      description: `Cluster-admin on ${cluster.clusterName}, assumable from this account`,
      assumedBy: new iam.AccountRootPrincipal(),
    });
    // `aws eks update-kubeconfig` and the console describe the cluster; Kubernetes rights come from
    // the access entry below, not from IAM.
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['eks:DescribeCluster'], resources: [cluster.clusterArn] }));
    cluster.grantClusterAdmin('Admin', this.role.roleArn);

    this.kubectlCommand = `aws eks update-kubeconfig --name ${cluster.clusterName} --region ${Aws.REGION} --role-arn ${this.role.roleArn}`;
  }
}
