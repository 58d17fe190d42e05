import { Fn, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct, type IDependable } from 'constructs';

export interface IngressLoadBalancerProps {
  /** The name the Ingresses give their load balancer (`alb.ingress.kubernetes.io/load-balancer-name`). */
  readonly loadBalancerName: string;
  /** What has to be done before the load balancer exists: e.g. waiting for the Ingress's address. */
  readonly after: IDependable;
}

/**
 * The load balancer that EKS creates for an Ingress, found at deploy time by the fixed name the
 * Ingress gives it. CloudWatch names an ALB's metrics by `app/<name>/<id>`, and the id is known only
 * once the ALB exists, after CloudFormation has applied the Ingress and the controller has acted on it:
 * so no synth-time lookup (`fromLookup` would find nothing on a first deploy, and need credentials).
 */
export class IngressLoadBalancer extends Construct {
  readonly loadBalancerArn: string;
  /** The `LoadBalancer` dimension of the AWS/ApplicationELB metrics: `app/<name>/<id>`. */
  readonly metricsDimension: string;

  constructor(scope: Construct, id: string, props: IngressLoadBalancerProps) {
    super(scope, id);
    const describe: cr.AwsSdkCall = {
      service: 'ElasticLoadBalancingV2',
      action: 'DescribeLoadBalancers',
      parameters: { Names: [props.loadBalancerName] },
      // Run on create, and again only when these properties change (a new name): CloudFormation sends
      // a custom resource no update otherwise. A load balancer EKS replaces later under the same name
      // is not noticed (README, Observability). The ARN as physical id: should a new name find a new
      // ARN, CloudFormation updates what reads it.
      physicalResourceId: cr.PhysicalResourceId.fromResponse('LoadBalancers.0.LoadBalancerArn'),
      outputPaths: ['LoadBalancers.0.LoadBalancerArn'],
    };
    const lookup = new cr.AwsCustomResource(this, 'Lookup', {
      onCreate: describe,
      onUpdate: describe,
      installLatestAwsSdk: false,
      policy: cr.AwsCustomResourcePolicy.fromStatements([new iam.PolicyStatement({ actions: ['elasticloadbalancing:DescribeLoadBalancers'], resources: ['*'] })]),
    });
    lookup.node.addDependency(props.after);
    Validations.of(lookup).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'elasticloadbalancing:DescribeLoadBalancers supports no resource-level permissions; the role can only read load balancers.',
    });
    // One function serves every AwsCustomResource of the stack; it is a child of the stack, not of the lookup.
    const provider = Stack.of(this).node.findChild(`AWS${cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`);
    Validations.of(provider).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: "Only on the function aws-cdk-lib creates for AwsCustomResource lookups, to write its logs to the group the stack owns.",
    });

    this.loadBalancerArn = lookup.getResponseField('LoadBalancers.0.LoadBalancerArn');
    // arn:<partition>:elasticloadbalancing:<region>:<account>:loadbalancer/app/<name>/<id>
    this.metricsDimension = Fn.select(1, Fn.split(':loadbalancer/', this.loadBalancerArn));
  }
}
