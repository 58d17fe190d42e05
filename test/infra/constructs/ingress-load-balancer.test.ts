import { CfnWaitConditionHandle } from 'aws-cdk-lib';
import * as cr from 'aws-cdk-lib/custom-resources';
import { IngressLoadBalancer } from '../../../infra/constructs/ingress-load-balancer';
import { apiLoadBalancerName } from '../../../infra/config/naming';
import { environmentConfig, inStack } from './construct-stack';
import { acknowledgementsOn, onlyResource, onlyResourceId } from './template-queries';

/** Where the ARN is in ElasticLoadBalancingV2's DescribeLoadBalancers response. */
const ARN_PATH = 'LoadBalancers.0.LoadBalancerArn';

/** The lookup of the sandbox's API load balancer, after a stand-in for the Ingress's address. */
function ingressLoadBalancer() {
  return inStack((stack) => {
    const after = new CfnWaitConditionHandle(stack, 'LoadBalancerHost');
    return new IngressLoadBalancer(stack, 'ApiLoadBalancer', { loadBalancerName: apiLoadBalancerName(environmentConfig()), after });
  });
}

describe('the load balancer of an Ingress', () => {
  it('is found at deploy time by the name the Ingresses give it, on create and on every update', () => {
    const lookup = onlyResource(ingressLoadBalancer().template, 'Custom::AWS');
    const call = {
      service: 'ElasticLoadBalancingV2',
      action: 'DescribeLoadBalancers',
      parameters: { Names: ['hybrid-platform-sandbox-api'] },
      // A load balancer found under a new name has a new ARN, hence a new physical id: CloudFormation then updates what reads it.
      physicalResourceId: { responsePath: ARN_PATH },
      outputPaths: [ARN_PATH],
    };
    expect(JSON.parse(lookup.Properties.Create)).toEqual(call);
    expect(JSON.parse(lookup.Properties.Update)).toEqual(call);
    expect(lookup.Properties.Delete).toBeUndefined();
  });

  it("uses the Lambda runtime's own AWS SDK instead of installing the latest at each call", () => {
    const lookup = onlyResource(ingressLoadBalancer().template, 'Custom::AWS');
    expect(lookup.Properties.InstallLatestAwsSdk).toBe(false);
  });

  it('is looked up only after what it is told to wait for (the Ingress having an address)', () => {
    const lookup = onlyResource(ingressLoadBalancer().template, 'Custom::AWS');
    expect(lookup.DependsOn).toContain('LoadBalancerHost');
  });

  it('lets the lookup function only describe load balancers', () => {
    const { template } = ingressLoadBalancer();
    const policy = onlyResource(template, 'AWS::IAM::Policy');
    expect(policy.Properties.PolicyDocument.Statement).toEqual([{ Effect: 'Allow', Action: 'elasticloadbalancing:DescribeLoadBalancers', Resource: '*' }]);
  });

  it('gives the ARN of the load balancer it found', () => {
    const { template, built, stack } = ingressLoadBalancer();
    const lookupId = onlyResourceId(template, 'Custom::AWS');
    expect(stack.resolve(built.loadBalancerArn)).toEqual({ 'Fn::GetAtt': [lookupId, ARN_PATH] });
  });

  it("gives the metrics' LoadBalancer dimension, app/<name>/<id>: what follows ':loadbalancer/' in the ARN", () => {
    const { template, built, stack } = ingressLoadBalancer();
    const lookupId = onlyResourceId(template, 'Custom::AWS');
    const arn = { 'Fn::GetAtt': [lookupId, ARN_PATH] };
    expect(stack.resolve(built.metricsDimension)).toEqual({ 'Fn::Select': [1, { 'Fn::Split': [':loadbalancer/', arn] }] });
  });

  it('acknowledges the wildcard resource of its policy, which DescribeLoadBalancers requires', () => {
    const { built } = ingressLoadBalancer();
    const lookup = built.node.findChild('Lookup');
    expect(acknowledgementsOn(lookup)).toEqual([
      { id: 'Annotation::AwsSolutions-IAM5[Resource::*]', reason: expect.stringMatching(/^elasticloadbalancing:DescribeLoadBalancers supports no resource-level permissions/) },
    ]);
  });

  it("acknowledges the AWS managed logging policy on aws-cdk-lib's lookup function, which is the stack's, not the construct's", () => {
    const { stack } = ingressLoadBalancer();
    const provider = stack.node.findChild(`AWS${cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`);
    expect(provider.node.scope).toBe(stack);
    expect(acknowledgementsOn(provider)).toEqual([
      {
        id: 'Annotation::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: expect.stringMatching(/^Only on the function aws-cdk-lib creates for AwsCustomResource lookups/),
      },
    ]);
  });

  it('finds several load balancers in one stack, with one lookup function between them', () => {
    const { template } = inStack((stack) => {
      const after = new CfnWaitConditionHandle(stack, 'LoadBalancerHost');
      new IngressLoadBalancer(stack, 'Api', { loadBalancerName: 'api', after });
      new IngressLoadBalancer(stack, 'Admin', { loadBalancerName: 'admin', after });
    });
    template.resourceCountIs('Custom::AWS', 2);
    template.resourceCountIs('AWS::Lambda::Function', 1);
  });
});
