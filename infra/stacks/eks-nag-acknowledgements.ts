import { Validations } from 'aws-cdk-lib';
import type * as eks from 'aws-cdk-lib/aws-eks-v2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { CONTROL_PLANE_LOG_TYPES, type ControlPlaneLogType } from '../config/environment-config';

const partitionArn = (policy: string) => `arn:<AWS::Partition>:iam::aws:policy/${policy}`;

/** The Auto Mode node role carries the AWS-managed policies EKS prescribes for it. */
export function acknowledgeAutoModeNodeRoleFindings(nodeRole: iam.IRole): void {
  for (const policy of ['AmazonEKSWorkerNodeMinimalPolicy', 'AmazonEC2ContainerRegistryPullOnly']) {
    Validations.of(nodeRole).acknowledge({
      id: `AwsSolutions-IAM4[Policy::${partitionArn(policy)}]`,
      reason: `EKS documents the AWS-managed ${policy} as what an Auto Mode node role needs; AWS keeps it current.`,
    });
  }
}

/**
 * cdk-nag findings on resources that `aws-eks-v2` creates inside the Cluster construct, which we
 * cannot change without forking the construct. Each is scoped to the Cluster subtree and to the exact
 * finding id, so a new finding (or one on our own resources) still fails synthesis.
 */
export function acknowledgeEksConstructFindings(cluster: eks.Cluster): void {
  const eksRequiredPolicies = ['AmazonEKSClusterPolicy', 'AmazonEKSComputePolicy', 'AmazonEKSBlockStoragePolicy', 'AmazonEKSLoadBalancingPolicy', 'AmazonEKSNetworkingPolicy'];
  for (const policy of eksRequiredPolicies) {
    Validations.of(cluster).acknowledge({
      id: `AwsSolutions-IAM4[Policy::${partitionArn(policy)}]`,
      reason: `EKS requires the AWS-managed ${policy} on the cluster role; AWS keeps it current with new EKS features.`,
    });
  }

  const kubectlProviderPolicies = ['service-role/AWSLambdaBasicExecutionRole', 'service-role/AWSLambdaVPCAccessExecutionRole', 'AmazonEC2ContainerRegistryReadOnly'];
  for (const policy of kubectlProviderPolicies) {
    Validations.of(cluster).acknowledge({
      id: `AwsSolutions-IAM4[Policy::${partitionArn(policy)}]`,
      reason: `The kubectl provider Lambda that aws-eks-v2 creates attaches ${policy} to write its logs, run in the VPC and pull the images of Helm charts.`,
    });
  }
  Validations.of(cluster).acknowledge({
    id: 'AwsSolutions-IAM4[Policy::{"Fn::If":["ClusterKubectlProviderHandlerHasEcrPublic69E09706",{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":iam::aws:policy/AmazonElasticContainerRegistryPublicReadOnly"]]},{"Ref":"AWS::NoValue"}]}]',
    reason: 'aws-eks-v2 lets the kubectl provider pull public ECR images only in partitions that have ECR Public.',
  });
  Validations.of(cluster).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::<ClusterKubectlProviderHandler2E05C68A.Arn>:*]',
    reason: 'The custom-resource framework may invoke any version of its own kubectl handler function, and nothing else.',
  });
  Validations.of(cluster).acknowledge({
    id: 'AwsSolutions-L1',
    reason: 'aws-eks-v2 pins the kubectl provider runtime to the one the kubectl layer is built for.',
  });
  Validations.of(cluster).acknowledge({
    id: 'CloudFormation-Validate::W9009',
    reason: 'aws-eks-v2 sets EncryptionConfig.Resources, which CloudFormation still requires for secrets encryption.',
  });
}

/**
 * AwsSolutions-EKS2 asks for all five control-plane log types. An environment that writes fewer chose
 * so in its config (cluster.controlPlaneLogs: a sandbox saves their CloudWatch Logs ingestion), so the
 * finding is acknowledged there, naming the types it leaves out; with all five there is no finding.
 */
export function acknowledgeControlPlaneLogChoice(cluster: eks.Cluster, enabled: readonly ControlPlaneLogType[]): void {
  const missing = CONTROL_PLANE_LOG_TYPES.filter((type) => !enabled.includes(type));
  if (missing.length === 0) return;
  Validations.of(cluster).acknowledge({
    id: 'AwsSolutions-EKS2',
    reason: `The environment's cluster.controlPlaneLogs leaves out ${missing.join(', ')} to save their log ingestion (README, "What it costs"); add them there to keep them.`,
  });
}
