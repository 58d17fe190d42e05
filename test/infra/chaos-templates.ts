import type { Template } from 'aws-cdk-lib/assertions';
import { platformOf } from './platform-fixture';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- CloudFormation resources of any type
export type Resource = { [key: string]: any };

export interface Statement {
  readonly Action: string | string[];
  readonly Resource: unknown;
}

/** The one resource of `type` whose logical id starts with `prefix`. */
export const resourceOf = (template: Template, type: string, prefix: string): Resource & { logicalId: string } => {
  const found = Object.entries(template.findResources(type)).filter(([logicalId]) => logicalId.startsWith(prefix));
  if (found.length !== 1) throw new Error(`expected one ${type} starting with ${prefix}, found ${found.length}`);
  return { logicalId: found[0][0], ...found[0][1] };
};

/** A value that another stack publishes, as `Fn::GetStackOutput` names it (a jest matcher). */
export const outputOf = (stackName: string, outputName: RegExp) =>
  expect.objectContaining({ 'Fn::GetStackOutput': expect.objectContaining({ StackName: stackName, OutputName: expect.stringMatching(outputName) }) });

/** The sandbox's chaos stack, read by experiment id: shared by the platform's tests and each sample's. */
export function sandboxChaos() {
  const chaos = platformOf('sandbox').template('chaos');
  const template = (experiment: string) => resourceOf(chaos, 'AWS::FIS::ExperimentTemplate', `${experiment}Template`);
  const statementsOf = (experiment: string) => resourceOf(chaos, 'AWS::IAM::Policy', `${experiment}RoleDefaultPolicy`).Properties.PolicyDocument.Statement as Statement[];
  /** The actions an experiment's role has on "*", sorted. */
  const wildcardActions = (experiment: string) =>
    statementsOf(experiment)
      .filter((statement) => statement.Resource === '*')
      .flatMap((statement) => statement.Action)
      .sort();
  return { chaos, template, statementsOf, wildcardActions };
}

/** Who may assume an experiment's role: FIS, for experiments of the stack's own account and region only. */
export const FIS_TRUST_STATEMENT = {
  Action: 'sts:AssumeRole',
  Effect: 'Allow',
  Principal: { Service: 'fis.amazonaws.com' },
  Condition: {
    StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
    ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':fis:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':experiment/*']] } },
  },
};

/** What every experiment role may do on "*" (log delivery setup, target lookup), and what a pod deletion adds. */
export const EXPERIMENT_WILDCARD_ACTIONS = ['logs:CreateLogDelivery', 'logs:DescribeLogGroups', 'logs:DescribeResourcePolicies', 'logs:PutResourcePolicy', 'tag:GetResources'];
export const POD_DELETION_WILDCARD_ACTIONS = ['ec2:DescribeSubnets', ...EXPERIMENT_WILDCARD_ACTIONS];
