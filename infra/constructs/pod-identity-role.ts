import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

export interface PodIdentityRoleProps {
  readonly cluster: eks.ICluster;
  /** Namespace of the Kubernetes service account. */
  readonly namespace: string;
  /** Name of the Kubernetes service account; the chart that runs the pods creates it. */
  readonly serviceAccount: string;
}

/**
 * An IAM role that the pods of one Kubernetes service account assume through EKS Pod Identity.
 *
 * Pod Identity (not IRSA) because it needs no OIDC provider, the trust policy is the same for every
 * cluster, and the association is a native CloudFormation resource. Grant permissions to `role`
 * with the usual `grant*` methods; nothing is granted by default.
 */
export class PodIdentityRole extends Construct {
  readonly role: iam.Role;
  /** Workloads that use the service account are applied after this (see PlatformManifests). */
  readonly association: eks.CfnPodIdentityAssociation;

  constructor(scope: Construct, id: string, props: PodIdentityRoleProps) {
    super(scope, id);

    this.role = new iam.Role(this, 'Role', {
      description: `Pod Identity for ${props.namespace}/${props.serviceAccount}`,
      assumedBy: new iam.ServicePrincipal('pods.eks.amazonaws.com').withSessionTags(),
    });
    // `withSessionTags` adds sts:TagSession, which Pod Identity needs to pass the cluster/namespace tags.

    this.association = new eks.CfnPodIdentityAssociation(this, 'Association', {
      clusterName: props.cluster.clusterName,
      namespace: props.namespace,
      serviceAccount: props.serviceAccount,
      roleArn: this.role.roleArn,
    });
  }
}
