import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { FaultInjectionExperiment, type FaultInjectionExperimentProps } from '../../../infra/constructs/fault-injection-experiment';
import { FIS_TRUST_STATEMENT } from '../chaos-templates';
import { inStack } from './construct-stack';
import { acknowledgementsOn, acknowledgementsUnder, logicalIdOf, onlyResourceId } from './template-queries';

const STEADY_STATE = 'arn:aws:cloudwatch:eu-west-1:111111111111:alarm:steady-state';
const HYPOTHESIS = 'With half of its invocations failing for 5 minutes, no order notification is lost.';

/** An invocation-error experiment on a function, as the chaos stack declares one. */
const INVOCATION_ERRORS = {
  targets: { Notifier: { resourceType: 'aws:lambda:function', selectionMode: 'ALL', resourceArns: ['arn:aws:lambda:eu-west-1:111111111111:function:notifier'] } },
  actions: {
    FailInvocations: {
      actionId: 'aws:lambda:invocation-error',
      targets: { Functions: 'Notifier' },
      parameters: { duration: 'PT5M', invocationPercentage: '50', preventExecution: 'true' },
    },
  },
};

type Overrides = Partial<Omit<FaultInjectionExperimentProps, 'stopConditions' | 'logGroup'>> & { stopConditionArns?: readonly string[] };

/** The experiment `NotifierInvocationErrors` in a stack of its own, with its log group and stop-condition alarms; `grant` adds the caller's grants to its role. */
function experiment({ stopConditionArns = [STEADY_STATE], ...overrides }: Overrides = {}, grant?: (role: iam.Role) => void) {
  return inStack((stack) => {
    const logGroup = new logs.LogGroup(stack, 'ExperimentLogs');
    const stopConditions = stopConditionArns.map((arn, index) => cloudwatch.Alarm.fromAlarmArn(stack, `StopCondition${index}`, arn));
    const built = new FaultInjectionExperiment(stack, 'NotifierInvocationErrors', { hypothesis: HYPOTHESIS, ...INVOCATION_ERRORS, ...overrides, stopConditions, logGroup });
    grant?.(built.role);
    return built;
  });
}

/** What the pod experiments' callers add (EksFaultInjectionAccess.admit): one action on a resource, one on "*". */
function podDeletionGrants(role: iam.Role) {
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['eks:DescribeCluster'], resources: ['arn:aws:eks:eu-west-1:111111111111:cluster/platform'] }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ec2:DescribeSubnets'], resources: ['*'] }));
}

const LOG_DELIVERY_ACTIONS = ['logs:CreateLogDelivery', 'logs:PutResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups', 'tag:GetResources'];

describe('an FIS experiment template', () => {
  it('is described by its hypothesis and tagged with its id, by which the FIS console lists it', () => {
    experiment().template.hasResourceProperties('AWS::FIS::ExperimentTemplate', { Description: HYPOTHESIS, Tags: { Name: 'NotifierInvocationErrors' } });
  });

  it('runs the targets and actions it is given', () => {
    experiment().template.hasResourceProperties('AWS::FIS::ExperimentTemplate', {
      Targets: { Notifier: { ResourceType: 'aws:lambda:function', SelectionMode: 'ALL', ResourceArns: ['arn:aws:lambda:eu-west-1:111111111111:function:notifier'] } },
      Actions: {
        FailInvocations: {
          ActionId: 'aws:lambda:invocation-error',
          Targets: { Functions: 'Notifier' },
          Parameters: { duration: 'PT5M', invocationPercentage: '50', preventExecution: 'true' },
        },
      },
    });
  });

  it('stops on each of its alarms', () => {
    const other = 'arn:aws:cloudwatch:eu-west-1:111111111111:alarm:orders-errors';
    experiment({ stopConditionArns: [STEADY_STATE, other] }).template.hasResourceProperties('AWS::FIS::ExperimentTemplate', {
      StopConditions: [
        { Source: 'aws:cloudwatch:alarm', Value: STEADY_STATE },
        { Source: 'aws:cloudwatch:alarm', Value: other },
      ],
    });
  });

  it('logs each run to the log group it is given, in the schema version 2', () => {
    const { template } = experiment();
    const logGroup = onlyResourceId(template, 'AWS::Logs::LogGroup');
    template.hasResourceProperties('AWS::FIS::ExperimentTemplate', {
      LogConfiguration: { LogSchemaVersion: 2, CloudWatchLogsConfiguration: { LogGroupArn: { 'Fn::GetAtt': [logGroup, 'Arn'] } } },
    });
  });

  it('runs with a role of its own, described by the path of the experiment', () => {
    const { template, built } = experiment();
    template.hasResourceProperties('AWS::FIS::ExperimentTemplate', { RoleArn: { 'Fn::GetAtt': [logicalIdOf(built.role), 'Arn'] } });
    template.hasResourceProperties('AWS::IAM::Role', { Description: 'AWS FIS experiment Subject/NotifierInvocationErrors' });
  });

  it('lets only FIS experiments of its own account and region assume its role', () => {
    experiment().template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [FIS_TRUST_STATEMENT] },
    });
  });

  it('lets its role set up the log delivery and look targets up, which have no resource-level permissions, and nothing more', () => {
    const { template, built } = experiment();
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: logicalIdOf(built.role) }],
      PolicyDocument: { Statement: [{ Action: LOG_DELIVERY_ACTIONS, Effect: 'Allow', Resource: '*' }] },
    });
  });

  it('acknowledges IAM5[Resource::*] on its role once, naming the sorted actions the role has on "*", with those the caller granted', () => {
    const { built } = experiment({}, podDeletionGrants);
    const reasons = acknowledgementsOn(built.role).filter(({ id }) => id === 'Annotation::AwsSolutions-IAM5[Resource::*]').map(({ reason }) => reason);
    expect(reasons).toEqual([
      `These actions have no resource-level permissions (log delivery setup, target lookup): ${['ec2:DescribeSubnets', ...LOG_DELIVERY_ACTIONS].sort().join(', ')}.`,
    ]);
  });

  it('acknowledges on its role nothing else, and on nothing else', () => {
    const { built } = experiment({}, podDeletionGrants);
    const acknowledged = acknowledgementsUnder(built).map(({ path, id }) => [path, id]);
    expect(acknowledged).toEqual([['Subject/NotifierInvocationErrors/Role', 'Annotation::AwsSolutions-IAM5[Resource::*]']]);
  });

  it('refuses to be made without a stop condition', () => {
    expect(() => experiment({ stopConditionArns: [] })).toThrow('Subject/NotifierInvocationErrors: an experiment needs at least one stop condition alarm');
  });

  it('takes a hypothesis of 512 characters, the most FIS takes as a description', () => {
    const hypothesis = 'a'.repeat(512);
    experiment({ hypothesis }).template.hasResourceProperties('AWS::FIS::ExperimentTemplate', { Description: hypothesis });
  });

  it('refuses a longer hypothesis, saying how long it is', () => {
    expect(() => experiment({ hypothesis: 'a'.repeat(513) })).toThrow('Subject/NotifierInvocationErrors: the hypothesis has 513 characters; FIS takes at most 512');
  });
});
