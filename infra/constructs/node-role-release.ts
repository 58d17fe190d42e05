import { Arn, CustomResource, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { PlatformFunction } from './platform-function';

export interface NodeRoleReleaseProps {
  /** The EKS Auto Mode node role. */
  readonly role: iam.IRole;
  readonly logRetention: logs.RetentionDays;
}

/**
 * Makes the Auto Mode node role deletable on `cdk destroy`.
 *
 * EKS Auto Mode puts the node role into instance profiles it creates (one per NodeClass), and the
 * cluster's deletion completes before EKS lets go of them (aws/containers-roadmap#2531). IAM then
 * refuses to delete the role ("must remove roles from instance profile first"), the cluster stack
 * ends in DELETE_FAILED and the VPC is never deleted. The cluster depends on this resource, which
 * depends on the role: on delete it runs after the cluster is gone and before the role is deleted,
 * and takes the role out of those profiles.
 */
export class NodeRoleRelease extends Construct {
  constructor(scope: Construct, id: string, props: NodeRoleReleaseProps) {
    super(scope, id);
    const stack = Stack.of(this);

    const handler = new PlatformFunction(this, 'Handler', {
      entry: 'infra/handlers/release-node-role.ts',
      serviceName: 'release-node-role',
      description: 'On delete, takes the EKS Auto Mode node role out of the instance profiles EKS made',
      logRetention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    handler.addToRolePolicy(new iam.PolicyStatement({ actions: ['iam:ListInstanceProfilesForRole'], resources: [props.role.roleArn] }));
    // Instance profiles are named by EKS, so only the account's profiles can be named here.
    const instanceProfiles = Arn.format({ service: 'iam', region: '', resource: 'instance-profile', resourceName: '*' }, stack);
    handler.addToRolePolicy(new iam.PolicyStatement({ actions: ['iam:RemoveRoleFromInstanceProfile', 'iam:DeleteInstanceProfile'], resources: [instanceProfiles] }));
    Validations.of(handler.role!).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:instance-profile/*]',
      reason: 'EKS names the instance profiles it makes for the node role; they cannot be known before the cluster exists.',
    });

    const provider = new cr.Provider(this, 'Provider', { onEventHandler: handler });
    Validations.of(provider).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: "The custom-resource framework function that aws-cdk-lib creates writes its logs with this policy; our handler has its own role.",
    });
    Validations.of(provider).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(handler.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
      reason: 'The custom-resource framework may invoke any version of its own handler function, and nothing else.',
    });
    Validations.of(provider).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'aws-cdk-lib pins the custom-resource framework function to the runtime it is tested with.',
    });

    new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::ReleaseNodeRole',
      properties: { RoleName: props.role.roleName },
    });
  }
}
