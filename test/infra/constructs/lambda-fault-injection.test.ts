import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { removalPolicyOf } from '../../../infra/config/removal';
import { FaultConfigurationsBucket } from '../../../infra/constructs/fault-configurations-bucket';
import { LambdaFaultInjection } from '../../../infra/constructs/lambda-fault-injection';
import { environmentConfig, inStack } from './construct-stack';
import { acknowledgementsOn, logicalIdOf } from './template-queries';

/** An event function as the functions stack makes one: arm64 unless told. */
function eventFunction(stack: Stack, id: string, architecture = lambda.Architecture.ARM_64): lambda.Function {
  return new lambda.Function(stack, id, { runtime: lambda.Runtime.NODEJS_22_X, architecture, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {};') });
}

/** The sandbox's bucket of fault configurations, as the functions stack makes it. */
function sandboxConfigurations(stack: Stack): FaultConfigurationsBucket {
  const config = environmentConfig('sandbox');
  return new FaultConfigurationsBucket(stack, 'FaultConfigurations', { config, removalPolicy: removalPolicyOf(config) });
}

/**
 * The notifier made a target of the FIS Lambda actions as the functions stack makes it, and, when
 * `grantTo` names one, an experiment role (of the chaos stack, here of the same stack) granted injection.
 */
function notifierFaults({ architecture = lambda.Architecture.ARM_64, grantTo }: { architecture?: lambda.Architecture; grantTo?: string } = {}) {
  return inStack((stack) => {
    const configurations = sandboxConfigurations(stack);
    const target = eventFunction(stack, 'Notifier', architecture);
    const faults = new LambdaFaultInjection(stack, 'NotifierFaultInjection', { target, name: 'notifier', configurations });
    const role = grantTo === undefined ? undefined : new iam.Role(stack, grantTo, { assumedBy: new iam.ServicePrincipal('fis.amazonaws.com') });
    if (role) faults.grantInjection(role);
    return { faults, target, role, configurations };
  });
}

/** `arn:<partition>:s3:::hybrid-platform-sandbox-faults-<account>-<region><path>`, as CloudFormation joins it. */
function configurationArn(path: string) {
  return { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::hybrid-platform-sandbox-faults-', { Ref: 'AWS::AccountId' }, '-', { Ref: 'AWS::Region' }, path]] };
}

/** The notifier's folder's objects as cdk-nag prints the ARN of the grants. */
const NAG_FOLDER_OBJECTS = 'Annotation::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::hybrid-platform-sandbox-faults-<AWS::AccountId>-<AWS::Region>/FisConfigs/notifier/*]';

describe('a Lambda function as a target of the FIS Lambda actions', () => {
  it.each([
    { architecture: lambda.Architecture.ARM_64, name: 'arm64' },
    { architecture: lambda.Architecture.X86_64, name: 'x86_64' },
  ])("adds the FIS extension as a layer, whose ARN CloudFormation reads from AWS's SSM public parameter for the function's architecture ($name)", ({ architecture, name }) => {
    const { template } = notifierFaults({ architecture });
    const [layerParameter] = Object.entries(template.toJSON().Parameters as Record<string, { Default: string }>).filter(([, { Default }]) => Default.startsWith('/aws/service/fis/'));
    expect(layerParameter[1]).toEqual({ Type: 'AWS::SSM::Parameter::Value<String>', Default: `/aws/service/fis/lambda-extension/AWS-FIS-extension-${name}/1.x.x` });
    template.hasResourceProperties('AWS::Lambda::Function', { Layers: [{ Ref: layerParameter[0] }] });
  });

  it('wraps the runtime with the extension, points it at the configuration folder, and lets it wait up to 2 s for its first read', () => {
    notifierFaults().template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          AWS_LAMBDA_EXEC_WRAPPER: '/opt/aws-fis/bootstrap',
          AWS_FIS_CONFIGURATION_LOCATION: configurationArn('/FisConfigs/notifier/'),
          AWS_FIS_POLL_MAX_WAIT_MILLISECONDS: '2000',
        },
      },
    });
  });

  it('lets the function list and read its folder of configurations, and nothing else', () => {
    const { template, built } = notifierFaults();
    const bucket = logicalIdOf(built.configurations.bucket);
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: logicalIdOf(built.target.role!) }],
      PolicyDocument: {
        Statement: [
          { Action: 's3:ListBucket', Effect: 'Allow', Resource: { 'Fn::GetAtt': [bucket, 'Arn'] }, Condition: { StringLike: { 's3:prefix': ['FisConfigs/notifier/*'] } } },
          { Action: 's3:GetObject', Effect: 'Allow', Resource: configurationArn('/FisConfigs/notifier/*') },
        ],
      },
    });
  });

  it("acknowledges IAM5 on the function's role for its folder's objects alone", () => {
    const { built } = notifierFaults();
    expect(acknowledgementsOn(built.target.role!)).toEqual([{ id: NAG_FOLDER_OBJECTS, reason: expect.stringMatching(/^FIS chooses the object names of the fault configurations .*function's folder is the narrowest ARN/) }]);
  });

  it('names the function as the target of the experiments', () => {
    const { built } = notifierFaults();
    expect(Stack.of(built.target).resolve(built.faults.targetArn)).toEqual({ 'Fn::GetAtt': [logicalIdOf(built.target), 'Arn'] });
  });

  it("lets an experiment role write and delete configurations in the function's folder and read the function's configuration", () => {
    const { template, built } = notifierFaults({ grantTo: 'ExperimentRole' });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: logicalIdOf(built.role!) }],
      PolicyDocument: {
        Statement: [
          { Action: ['s3:PutObject', 's3:DeleteObject'], Effect: 'Allow', Resource: configurationArn('/FisConfigs/notifier/*') },
          { Action: 'lambda:GetFunction', Effect: 'Allow', Resource: { 'Fn::GetAtt': [logicalIdOf(built.target), 'Arn'] } },
        ],
      },
    });
  });

  it("acknowledges IAM5 on the experiment role for the function's folder's objects alone", () => {
    const { built } = notifierFaults({ grantTo: 'ExperimentRole' });
    expect(acknowledgementsOn(built.role!)).toEqual([{ id: NAG_FOLDER_OBJECTS, reason: expect.stringMatching(/^FIS chooses the object names of the fault configurations .*target's folder is the narrowest ARN/) }]);
  });

  it('shares the bucket between targets, each function reading and each experiment writing only its own folder', () => {
    const { template, built } = inStack((stack) => {
      const configurations = sandboxConfigurations(stack);
      const targets = ['notifier', 'order-auditor'].map((name) => {
        const target = eventFunction(stack, name);
        const role = new iam.Role(stack, `${name}Experiment`, { assumedBy: new iam.ServicePrincipal('fis.amazonaws.com') });
        new LambdaFaultInjection(stack, `${name}Faults`, { target, name, configurations }).grantInjection(role);
        return { name, target, role };
      });
      return { targets };
    });
    template.resourceCountIs('AWS::S3::Bucket', 1);
    for (const { name, target, role } of built.targets) {
      const objects = configurationArn(`/FisConfigs/${name}/*`);
      template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: { AWS_FIS_CONFIGURATION_LOCATION: configurationArn(`/FisConfigs/${name}/`) } } });
      template.hasResourceProperties('AWS::IAM::Policy', { Roles: [{ Ref: logicalIdOf(target.role!) }], PolicyDocument: { Statement: [{ Condition: { StringLike: { 's3:prefix': [`FisConfigs/${name}/*`] } } }, { Resource: objects }] } });
      template.hasResourceProperties('AWS::IAM::Policy', { Roles: [{ Ref: logicalIdOf(role) }], PolicyDocument: { Statement: [{ Action: ['s3:PutObject', 's3:DeleteObject'], Resource: objects }, { Action: 'lambda:GetFunction' }] } });
    }
  });

  it.each(['*', 'notifier/*', 'Notifier', ''])('refuses a name that is no plain folder name (%j), since the grants would read it as a wildcard or a path', (name) => {
    expect(() =>
      inStack((stack) => {
        const configurations = sandboxConfigurations(stack);
        new LambdaFaultInjection(stack, 'Faults', { target: eventFunction(stack, 'Notifier'), name, configurations });
      }),
    ).toThrow(`LambdaFaultInjection Subject/Faults: the name "${name}" names a folder in the grants; use a-z, 0-9 and hyphens only.`);
  });
});
