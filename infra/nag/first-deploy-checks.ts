import type { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagPack, type IApplyRule, type NagPackProps } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { pascalCase, PROJECT } from '../config/naming';
import { AlarmTopicKeyUsableByCloudWatch } from './rules/alarm-topic-key-usable-by-cloudwatch';
import { FunctionLogGroupWithRetention } from './rules/function-log-group-with-retention';
import { FunctionNotInClusterSecurityGroup } from './rules/function-not-in-cluster-security-group';
import { HpaHasMetricsSource } from './rules/hpa-has-metrics-source';
import { ImagesFromAssetOrDigest } from './rules/images-from-asset-or-digest';
import { NetworkPoliciesEnforced } from './rules/network-policies-enforced';
import { WorkloadAfterPodIdentity } from './rules/workload-after-pod-identity';

/**
 * What each rule reports. NagPack names a finding `<pack>-<rule function's name>`, the pack being
 * the project's name in PascalCase (`HybridPlatform-ImagesFromAssetOrDigest`), followed by
 * `[<finding>]` for rules that report several per resource; acknowledge findings by that exact id.
 */
const RULES: Pick<IApplyRule, 'rule' | 'info' | 'explanation'>[] = [
  {
    rule: ImagesFromAssetOrDigest,
    info: 'A Kubernetes manifest runs an image that is neither pinned by digest nor built from a DockerImageAsset of this app.',
    explanation:
      'cdk deploy pushes only the images it builds as assets. A tag in a repository that nothing pushes to leaves the pods in ' +
      'ImagePullBackOff while the kubectl provider, and so the deploy, reports success. Build the image as a DockerImageAsset ' +
      '(pushed before the manifest is applied) or pin an image that exists by its @sha256 digest.',
  },
  {
    rule: AlarmTopicKeyUsableByCloudWatch,
    info: 'A CloudWatch alarm notifies an SNS topic encrypted with a KMS key that CloudWatch cannot use.',
    explanation:
      'CloudWatch publishes to an encrypted topic only if the key policy allows cloudwatch.amazonaws.com kms:Decrypt and ' +
      'kms:GenerateDataKey*. The AWS-managed alias/aws/sns key cannot grant that, so the alarm fires and its notification is ' +
      'silently dropped. Encrypt the topic with a customer-managed key of this app whose policy allows the CloudWatch service principal.',
  },
  {
    rule: NetworkPoliciesEnforced,
    info: 'A NetworkPolicy is applied without EKS Auto Mode network policy enforcement turned on before it.',
    explanation:
      'EKS Auto Mode accepts NetworkPolicy objects but enforces them only when the kube-system/amazon-vpc-cni ConfigMap sets ' +
      'enable-network-policy-controller to "true" and the nodes come from a NodePool whose NodeClass sets spec.networkPolicy ' +
      '("Use network policies with EKS Auto Mode"). Otherwise every pod accepts all traffic while the policies look applied. ' +
      "Apply the ConfigMap, NodeClass and NodePool in the same stack and make the NetworkPolicy's manifest depend on them.",
  },
  {
    rule: HpaHasMetricsSource,
    info: 'A HorizontalPodAutoscaler is applied without the metrics-server EKS add-on of its cluster created before it.',
    explanation:
      'EKS Auto Mode ships no metrics-server, so the resource metrics API is missing: the HPA shows <unknown> targets and never ' +
      "scales. Create the metrics-server add-on (AWS::EKS::Addon) for the same cluster in the same stack and make the HPA's " +
      'manifest depend on it.',
  },
  {
    rule: WorkloadAfterPodIdentity,
    info: 'A workload is applied without depending on the Pod Identity association of its service account.',
    explanation:
      'EKS Pod Identity gives credentials only to pods created after the association exists. Pods started before it run ' +
      'without AWS credentials, and every AWS call fails until they are restarted. Make the manifest depend on each ' +
      'AWS::EKS::PodIdentityAssociation for the namespace and service account its pods run as.',
  },
  {
    rule: FunctionLogGroupWithRetention,
    info: "A Lambda function's LoggingConfig does not name a log group of its stack with a retention.",
    explanation:
      'Lambda then writes to /aws/lambda/<name>, which it creates itself: it never expires, and cdk destroy leaves it ' +
      'behind. A group of that name declared in the stack does not help: it is created after the function and deleted ' +
      "before it. Give every function, CDK's own handlers included, LoggingConfig.LogGroup naming a group with " +
      'RetentionInDays (infra/constructs/function-log-groups.ts does it for a whole stack).',
  },
  {
    rule: FunctionNotInClusterSecurityGroup,
    info: 'A Lambda function runs in the security group that EKS created for the cluster.',
    explanation:
      "Lambda releases a VPC function's network interfaces long after the function is deleted. Until then the EKS-owned " +
      'cluster security group cannot be deleted, nor the VPC it is in, and cdk destroy fails. Give the function (the kubectl ' +
      "provider's handlers included) a security group of its own and allow that group where the function must connect.",
  },
];

/**
 * The platform's own rules, run on every synth beside AwsSolutions: each encodes a lesson of a first
 * deploy that CloudFormation reports as a success, so that a fork cannot regress it silently.
 */
export class FirstDeployChecks extends NagPack {
  readonly name = pascalCase(PROJECT);

  constructor(scope?: IConstruct, props?: NagPackProps) {
    super(scope, props);
    this.packName = this.name;
  }

  protected checkResource(node: CfnResource): void {
    for (const rule of RULES) this.applyRule({ ...rule, level: NagMessageLevel.ERROR, node });
  }
}
