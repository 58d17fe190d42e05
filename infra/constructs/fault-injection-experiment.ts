import { Aspects, Aws, Stack, Validations } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as fis from 'aws-cdk-lib/aws-fis';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface FaultInjectionExperimentProps {
  /**
   * What must stay true while the fault lasts, as one testable sentence: the template's description,
   * which the FIS console and `aws fis get-experiment-template` show.
   */
  readonly hypothesis: string;
  /** Named target sets, as FIS takes them (aws-cdk-lib has no L2 for FIS). */
  readonly targets: Record<string, fis.CfnExperimentTemplate.ExperimentTemplateTargetProperty>;
  /** Named actions on those targets. */
  readonly actions: Record<string, fis.CfnExperimentTemplate.ExperimentTemplateActionProperty>;
  /** FIS stops the experiment as soon as one of these alarms is in ALARM, and refuses to start it while one is. */
  readonly stopConditions: readonly cloudwatch.IAlarm[];
  /** Where FIS logs the experiment: target resolution, each action's start, end or error. */
  readonly logGroup: logs.ILogGroup;
}

/** FIS rejects longer template descriptions. */
const DESCRIPTION_MAX_LENGTH = 512;

/**
 * An AWS FIS experiment template with a role of its own: FIS (and only for experiments of this
 * account and region) may assume it, and it may write the experiment's log and look targets up;
 * whatever its actions need is granted to `role` by the caller, so each template holds exactly the
 * access of its own faults.
 */
export class FaultInjectionExperiment extends Construct {
  readonly role: iam.Role;
  readonly template: fis.CfnExperimentTemplate;

  constructor(scope: Construct, id: string, props: FaultInjectionExperimentProps) {
    super(scope, id);
    if (props.stopConditions.length === 0) throw new Error(`${this.node.path}: an experiment needs at least one stop condition alarm`);
    if (props.hypothesis.length > DESCRIPTION_MAX_LENGTH) {
      throw new Error(`${this.node.path}: the hypothesis has ${props.hypothesis.length} characters; FIS takes at most ${DESCRIPTION_MAX_LENGTH}`);
    }

    // The confused-deputy guard the FIS user guide recommends: no experiment of another account can use this role.
    this.role = new iam.Role(this, 'Role', {
      description: `AWS FIS experiment ${this.node.path}`,
      assumedBy: new iam.ServicePrincipal('fis.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:fis:${Aws.REGION}:${Aws.ACCOUNT_ID}:experiment/*` },
        },
      }),
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        // CloudWatch Logs "vended" delivery, which FIS uses, sets itself up with the caller's permissions.
        actions: ['logs:CreateLogDelivery', 'logs:PutResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups', 'tag:GetResources'],
        resources: ['*'],
      }),
    );
    // Acknowledged once the role is complete, naming the actions it really has on "*": callers grant
    // theirs after construction (EksFaultInjectionAccess.admit adds ec2:DescribeSubnets, the notifier's grant none).
    Aspects.of(this).add({
      visit: (node) => {
        if (node !== this.role) return;
        Validations.of(this.role).acknowledge({
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason: `These actions have no resource-level permissions (log delivery setup, target lookup): ${unscopedActionsOf(this.role).join(', ')}.`,
        });
      },
    });

    this.template = new fis.CfnExperimentTemplate(this, 'Template', {
      description: props.hypothesis,
      roleArn: this.role.roleArn,
      targets: props.targets,
      actions: props.actions,
      stopConditions: props.stopConditions.map((alarm) => ({ source: 'aws:cloudwatch:alarm', value: alarm.alarmArn })),
      logConfiguration: { logSchemaVersion: 2, cloudWatchLogsConfiguration: { LogGroupArn: props.logGroup.logGroupArn } },
      // The FIS console lists templates by this tag.
      tags: { Name: id },
    });
  }
}

/** The actions a role's default policy allows on every resource ("*"), sorted. */
function unscopedActionsOf(role: iam.Role): string[] {
  // There is one: the constructor grants the role its log delivery.
  const policy = role.node.findChild('DefaultPolicy') as iam.Policy;
  const { Statement: statements } = Stack.of(role).resolve(policy.document) as { Statement: { Action: string | string[]; Resource: string | string[] }[] };
  return statements
    .filter((statement) => [statement.Resource].flat().includes('*'))
    .flatMap((statement) => [statement.Action].flat())
    .sort();
}
