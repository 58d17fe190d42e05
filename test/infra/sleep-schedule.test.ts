import { Match, type Template } from 'aws-cdk-lib/assertions';
import { PROJECT } from '../../infra/config/naming';
import { buildPlatform, platformOf } from './platform-fixture';

/** The logical id of the one resource of a type whose id starts with `prefix` (the construct path, flattened). */
const logicalIdOf = (template: Template, type: string, prefix: string): string => {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1) throw new Error(`expected one ${type} under ${prefix}, found ${ids.join(', ') || 'none'}`);
  return ids[0];
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- template statements of any shape
const statementsOf = (template: Template, roleId: string): any[] =>
  Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => policy.Properties.Roles.some((role: { Ref: string }) => role.Ref === roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);

const WEEKDAYS = 'MON,TUE,WED,THU,FRI';
/** The amazon-cloudwatch-observability add-on's Deployments: its operator, and the Prometheus target allocator the operator creates. */
const CLOUDWATCH_OPERATOR = 'amazon-cloudwatch-observability-controller-manager';
const TARGET_ALLOCATOR = 'cloudwatch-agent-target-allocator';

describe('sleep schedule', () => {
  const sandbox = platformOf('sandbox').template('cluster');
  const functionId = logicalIdOf(sandbox, 'AWS::Lambda::Function', 'SleepScheduleFunction');
  const functionRoleId = logicalIdOf(sandbox, 'AWS::IAM::Role', 'SleepScheduleFunctionRole');
  const clusterArn = { 'Fn::GetAtt': [logicalIdOf(sandbox, 'AWS::EKS::Cluster', 'Cluster'), 'Arn'] };
  const deadLetters = logicalIdOf(sandbox, 'AWS::SQS::Queue', 'SleepScheduleDeadLetterQueue');

  const scheduleOf = (template: Template, action: 'wake' | 'sleep') => {
    const [schedule] = Object.values(template.findResources('AWS::Scheduler::Schedule', { Properties: { Target: { Input: JSON.stringify({ action }) } } }));
    return schedule.Properties;
  };

  it('wakes the sandbox at 08:00 and puts it to sleep at 18:00, Monday to Friday, Berlin time', () => {
    sandbox.resourceCountIs('AWS::Scheduler::Schedule', 2);
    expect(scheduleOf(sandbox, 'wake')).toMatchObject({
      ScheduleExpression: `cron(0 8 ? * ${WEEKDAYS} *)`,
      ScheduleExpressionTimezone: 'Europe/Berlin',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
    });
    expect(scheduleOf(sandbox, 'sleep')).toMatchObject({ ScheduleExpression: `cron(0 18 ? * ${WEEKDAYS} *)`, ScheduleExpressionTimezone: 'Europe/Berlin' });
  });

  it('follows the configured hours, days and time zone', () => {
    const custom = buildPlatform('sandbox', { workingHoursTimeZone: 'America/New_York', awakeFrom: '07:30', awakeUntil: '16:45' }, (config) => ({
      ...config,
      workingHours: { ...config.workingHours!, days: ['SAT', 'MON'] },
    })).template('cluster');
    expect(scheduleOf(custom, 'wake')).toMatchObject({ ScheduleExpression: 'cron(30 7 ? * MON,SAT *)', ScheduleExpressionTimezone: 'America/New_York' });
    expect(scheduleOf(custom, 'sleep')).toMatchObject({ ScheduleExpression: 'cron(45 16 ? * MON,SAT *)', ScheduleExpressionTimezone: 'America/New_York' });
  });

  it('invokes the sleeper with retries, and sends what still fails to a dead-letter queue', () => {
    for (const action of ['wake', 'sleep'] as const) {
      expect(scheduleOf(sandbox, action).Target).toEqual({
        Arn: { 'Fn::GetAtt': [functionId, 'Arn'] },
        RoleArn: { 'Fn::GetAtt': [logicalIdOf(sandbox, 'AWS::IAM::Role', 'SleepScheduleInvokerRole'), 'Arn'] },
        Input: JSON.stringify({ action }),
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [deadLetters, 'Arn'] } },
      });
    }
    sandbox.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { FunctionName: { Ref: functionId }, MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 });
    sandbox.hasResourceProperties('AWS::Lambda::Function', { DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [deadLetters, 'Arn'] } } });
  });

  it('e-mails the owner, through the functions stack\'s alarm topic, as soon as an event lands in the dead-letter queue', () => {
    const alarms = Object.values(sandbox.findResources('AWS::CloudWatch::Alarm')).filter((alarm) =>
      alarm.Properties.Dimensions?.some((dimension: { Value: unknown }) => JSON.stringify(dimension.Value).includes(deadLetters)),
    );
    expect(alarms.map((alarm) => alarm.Properties)).toEqual([
      expect.objectContaining({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [deadLetters, 'QueueName'] } }],
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
        AlarmActions: [
          { 'Fn::GetStackOutput': { StackName: `${PROJECT}-sandbox-functions`, OutputName: expect.stringMatching(/^PublishOutputRefAlarmTopic/), Region: { Ref: 'AWS::Region' } } },
        ],
      }),
    ]);
  });

  it("scales the core APIs' Deployments in shop, found by the label every core API carries", () => {
    sandbox.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Environment: {
        Variables: Match.objectLike({
          CLUSTER_NAME: { Ref: logicalIdOf(sandbox, 'AWS::EKS::Cluster', 'Cluster') },
          NAMESPACE: 'shop',
          DEPLOYMENT_SELECTOR: `app.kubernetes.io/part-of=${PROJECT}`,
          SYSTEM_DEPLOYMENTS: `kube-system/metrics-server,amazon-cloudwatch/${CLOUDWATCH_OPERATOR},amazon-cloudwatch/${TARGET_ALLOCATOR}`,
        }),
      },
    });
  });

  it('lets the function describe this cluster and nothing else of EKS', () => {
    const statements = statementsOf(sandbox, functionRoleId);
    const eks = statements.filter((statement) => [statement.Action].flat().some((action: string) => action.startsWith('eks:')));
    expect(eks).toEqual([{ Effect: 'Allow', Action: 'eks:DescribeCluster', Resource: clusterArn }]);
    // The rest: its logs, X-Ray (PlatformFunction) and its dead-letter queue.
    const others = statements.filter((statement) => !eks.includes(statement)).flatMap((statement) => [statement.Action].flat());
    expect(new Set(others.map((action: string) => action.split(':')[0]))).toEqual(new Set(['logs', 'xray', 'sqs']));
    expect(others).not.toContain('sqs:ReceiveMessage');
  });

  it('lets Scheduler invoke the function itself, not its versions or aliases, and write the dead-letter queue', () => {
    const invokerId = logicalIdOf(sandbox, 'AWS::IAM::Role', 'SleepScheduleInvokerRole');
    const statements = statementsOf(sandbox, invokerId);
    expect(statements).toContainEqual({ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: { 'Fn::GetAtt': [functionId, 'Arn'] } });
    expect(statements.flatMap((statement) => [statement.Action].flat()).sort()).toEqual(['lambda:InvokeFunction', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage']);
    sandbox.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [{ Effect: 'Allow', Principal: { Service: 'scheduler.amazonaws.com' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } }],
      },
    });
  });

  it("maps the function's role to a Kubernetes user with no access policy", () => {
    sandbox.hasResourceProperties('AWS::EKS::AccessEntry', {
      PrincipalArn: { 'Fn::GetAtt': [functionRoleId, 'Arn'] },
      Username: 'cluster-sleeper',
      Type: 'STANDARD',
      AccessPolicies: Match.absent(),
    });
  });

  it('lets that user only read Deployments and HPAs and scale Deployments in shop, read and scale metrics-server alone in kube-system, and the CloudWatch operator and its target allocator alone in amazon-cloudwatch', () => {
    const rbac = sandbox.findResources('Custom::AWSCDK-EKS-KubernetesResource')[logicalIdOf(sandbox, 'Custom::AWSCDK-EKS-KubernetesResource', 'SleepScheduleRbac')];
    const objects = JSON.parse(rbac.Properties.Manifest);
    // The kubectl provider's own label, by which it prunes what a later deploy no longer applies.
    const labels = objects[0].metadata.labels;
    expect(Object.keys(labels)).toEqual([expect.stringMatching(/^aws\.cdk\.eks\/prune-/)]);
    const binding = (namespace: string) => ({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'cluster-sleeper', namespace, labels },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'cluster-sleeper' }],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'cluster-sleeper' },
    });
    expect(objects).toEqual([
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: 'cluster-sleeper', namespace: 'shop', labels },
        rules: [
          { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list'] },
          { apiGroups: ['apps'], resources: ['deployments/scale'], verbs: ['patch'] },
          { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: ['get', 'list'] },
        ],
      },
      binding('shop'),
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: 'cluster-sleeper', namespace: 'kube-system', labels },
        rules: [
          { apiGroups: ['apps'], resources: ['deployments'], resourceNames: ['metrics-server'], verbs: ['get'] },
          { apiGroups: ['apps'], resources: ['deployments/scale'], resourceNames: ['metrics-server'], verbs: ['patch'] },
        ],
      },
      binding('kube-system'),
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: 'cluster-sleeper', namespace: 'amazon-cloudwatch', labels },
        rules: [
          { apiGroups: ['apps'], resources: ['deployments'], resourceNames: [CLOUDWATCH_OPERATOR, TARGET_ALLOCATOR], verbs: ['get'] },
          { apiGroups: ['apps'], resources: ['deployments/scale'], resourceNames: [CLOUDWATCH_OPERATOR, TARGET_ALLOCATOR], verbs: ['patch'] },
        ],
      },
      binding('amazon-cloudwatch'),
    ]);
    // After the platform chart and the add-ons, which create the namespaces.
    expect(rbac.DependsOn).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ClusterChartplatform/),
        logicalIdOf(sandbox, 'AWS::EKS::Addon', 'MetricsServer'),
        logicalIdOf(sandbox, 'AWS::EKS::Addon', 'ContainerInsightsAddon'),
      ]),
    );
  });

  it.each(['metrics-server', 'amazon-cloudwatch-observability'])('lets an update of the %s add-on while it sleeps overwrite its replicas rather than fail on the conflict', (addonName) => {
    sandbox.hasResourceProperties('AWS::EKS::Addon', { AddonName: addonName, ResolveConflicts: 'OVERWRITE' });
  });

  it('creates nothing of it in prod, which has no working hours', () => {
    const prod = platformOf('prod').template('cluster');
    prod.resourceCountIs('AWS::Scheduler::Schedule', 0);
    expect(Object.keys(prod.findResources('AWS::Lambda::Function')).filter((id) => id.startsWith('SleepSchedule'))).toEqual([]);
    expect(Object.values(prod.findResources('AWS::EKS::AccessEntry')).map((entry) => entry.Properties.Username)).not.toContain('cluster-sleeper');
    expect(prod.findOutputs('SleeperFunctionName')).toEqual({});
  });
});
