import type { Template } from 'aws-cdk-lib/assertions';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as sns from 'aws-cdk-lib/aws-sns';
import { join } from 'node:path';
import type { DeploymentRef } from '../../../functions/cluster-sleeper/event';
import { ADDON_DEPLOYMENTS } from '../../../infra/config/addon-deployments';
import type { WorkingHours } from '../../../infra/config/environment-config';
import { removalPolicyOf } from '../../../infra/config/removal';
import { SleepSchedule } from '../../../infra/constructs/sleep-schedule';
import { environmentConfig, inStack } from './construct-stack';
import { kubernetesObjectsOf, logicalIdOf, resourceOf } from './template-queries';

const REPO_ROOT = join(__dirname, '../../..');
/** The add-on Deployments the cluster stack hands it: metrics-server in kube-system, two of Container Insights in amazon-cloudwatch. */
const ADDONS: readonly DeploymentRef[] = Object.values(ADDON_DEPLOYMENTS).flat();
const CLOUDWATCH_DEPLOYMENTS = ['amazon-cloudwatch-observability-controller-manager', 'cloudwatch-agent-target-allocator'];
const WEEKDAYS = 'MON,TUE,WED,THU,FRI';

interface Options {
  /** The environment whose log retention and removal policy it gets. @default sandbox */
  readonly env?: string;
  /** @default the sandbox's (08:00 to 18:00, Monday to Friday, Berlin) */
  readonly workingHours?: Partial<WorkingHours>;
  /** @default ADDONS; `null` for none given */
  readonly systemDeployments?: readonly DeploymentRef[] | null;
  /** @default the core APIs' one label */
  readonly deploymentLabels?: Record<string, string>;
}

/**
 * The sleep schedule as the cluster stack builds it, in `shop`, on an imported cluster with its kubectl
 * provider (a new one would add a VPC and the provider's functions to every test), after a manifest
 * that stands for the namespace's.
 */
function sleepSchedule(options: Options = {}) {
  const config = environmentConfig(options.env);
  const sandbox = environmentConfig('sandbox');
  return inStack(
    (stack) => {
      const kubectlProvider = eks.KubectlProvider.fromKubectlProviderAttributes(stack, 'KubectlProvider', {
        serviceToken: 'arn:aws:lambda:eu-central-1:123456789012:function:kubectl-provider',
      });
      const cluster = eks.Cluster.fromClusterAttributes(stack, 'Cluster', { clusterName: 'hybrid-platform-sandbox', kubectlProvider });
      const namespace = new eks.KubernetesManifest(stack, 'Namespace', { cluster, manifest: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }] });
      const systemDeployments = options.systemDeployments === null ? undefined : (options.systemDeployments ?? ADDONS);
      const alarmTopic = new sns.Topic(stack, 'AlarmTopic');
      const schedule = new SleepSchedule(stack, 'SleepSchedule', {
        cluster,
        namespace: 'shop',
        deploymentLabels: options.deploymentLabels ?? { 'app.kubernetes.io/part-of': 'hybrid-platform' },
        systemDeployments,
        workingHours: { ...sandbox.workingHours!, ...options.workingHours },
        after: [namespace],
        logRetention: config.logRetentionDays,
        removalPolicy: removalPolicyOf(config),
        alarmTopic,
      });
      return { schedule, namespace, alarmTopic, cluster };
    },
    // The function's code asset names its source folder in the template.
    { 'aws:cdk:enable-asset-metadata': true },
  );
}

/** The Kubernetes objects the sleeper's RBAC manifest applies, without the kubectl provider's prune label. */
function rbacObjects(template: Template, schedule: SleepSchedule): object[] {
  const objects = kubernetesObjectsOf<{ metadata: { labels?: unknown } }>(resourceOf(template, schedule.manifest));
  for (const object of objects) delete object.metadata.labels;
  return objects;
}

const role = (namespace: string, rules: object[]) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'cluster-sleeper', namespace }, rules });
const binding = (namespace: string) => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'RoleBinding',
  metadata: { name: 'cluster-sleeper', namespace },
  subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'cluster-sleeper' }],
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'cluster-sleeper' },
});
/** What the sleeper's user may do with the named Deployments of another namespace. */
const namedDeploymentRules = (resourceNames: string[]) => [
  { apiGroups: ['apps'], resources: ['deployments'], resourceNames, verbs: ['get'] },
  { apiGroups: ['apps'], resources: ['deployments/scale'], resourceNames, verbs: ['patch'] },
];
const CORE_API_RULES = [
  { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list'] },
  { apiGroups: ['apps'], resources: ['deployments/scale'], verbs: ['patch'] },
  { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: ['get', 'list'] },
];

describe('a sleep schedule', () => {
  describe('its schedules', () => {
    it('wakes the core APIs at awakeFrom and puts them to sleep at awakeUntil, on the working days, in the working hours\' time zone', () => {
      const { template, built } = sleepSchedule();
      expect(resourceOf(template, built.schedule.schedules.wake).Properties).toMatchObject({
        ScheduleExpression: `cron(0 8 ? * ${WEEKDAYS} *)`,
        ScheduleExpressionTimezone: 'Europe/Berlin',
        Target: { Input: JSON.stringify({ action: 'wake' }) },
      });
      expect(resourceOf(template, built.schedule.schedules.sleep).Properties).toMatchObject({
        ScheduleExpression: `cron(0 18 ? * ${WEEKDAYS} *)`,
        ScheduleExpressionTimezone: 'Europe/Berlin',
        Target: { Input: JSON.stringify({ action: 'sleep' }) },
      });
      template.resourceCountIs('AWS::Scheduler::Schedule', 2);
    });

    it('follows other hours, minutes and time zones, and lists the days in the week\'s order whatever order they are given in', () => {
      const { template, built } = sleepSchedule({ workingHours: { timeZone: 'America/New_York', days: ['SAT', 'MON'], awakeFrom: '07:30', awakeUntil: '16:45' } });
      expect(resourceOf(template, built.schedule.schedules.wake).Properties).toMatchObject({ ScheduleExpression: 'cron(30 7 ? * MON,SAT *)', ScheduleExpressionTimezone: 'America/New_York' });
      expect(resourceOf(template, built.schedule.schedules.sleep).Properties).toMatchObject({ ScheduleExpression: 'cron(45 16 ? * MON,SAT *)', ScheduleExpressionTimezone: 'America/New_York' });
    });

    it('says in its description when it acts, for the Scheduler console', () => {
      const { template, built } = sleepSchedule({ workingHours: { timeZone: 'America/New_York', days: ['SUN', 'TUE'], awakeFrom: '07:30', awakeUntil: '16:45' } });
      expect(resourceOf(template, built.schedule.schedules.wake).Properties.Description).toBe('Wakes the core APIs at 07:30 TUE,SUN (America/New_York)');
      expect(resourceOf(template, built.schedule.schedules.sleep).Properties.Description).toBe('Puts the core APIs to sleep at 16:45 TUE,SUN (America/New_York)');
    });

    it('invokes the sleeper as its own invoker role, retrying twice within an hour, then sending the event to the dead-letter queue', () => {
      const { template, built, stack } = sleepSchedule();
      const { schedule } = built;
      for (const action of ['wake', 'sleep'] as const) {
        expect(resourceOf(template, schedule.schedules[action]).Properties.Target).toEqual({
          Arn: stack.resolve(schedule.function.functionArn),
          RoleArn: { 'Fn::GetAtt': [logicalIdOf(schedule.node.findChild('InvokerRole')), 'Arn'] },
          Input: JSON.stringify({ action }),
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
          DeadLetterConfig: { Arn: stack.resolve(schedule.deadLetterQueue.queueArn) },
        });
      }
    });

    it('is created only once the sleeper may act in the cluster: after its RBAC objects and its access entry', () => {
      const { template, built } = sleepSchedule();
      const { schedule } = built;
      for (const action of ['wake', 'sleep'] as const) {
        expect(resourceOf(template, schedule.schedules[action]).DependsOn).toEqual(expect.arrayContaining([logicalIdOf(schedule.manifest), logicalIdOf(schedule.accessEntry)]));
      }
    });
  });

  describe('its invoker role', () => {
    it('may be assumed by EventBridge Scheduler on behalf of this account only', () => {
      const { template, built } = sleepSchedule();
      expect(resourceOf(template, built.schedule.node.findChild('InvokerRole')).Properties.AssumeRolePolicyDocument.Statement).toEqual([
        { Effect: 'Allow', Principal: { Service: 'scheduler.amazonaws.com' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } },
      ]);
    });

    it('may invoke the function itself, not its versions or aliases, and send to the dead-letter queue, and nothing else', () => {
      const { template, built, stack } = sleepSchedule();
      const { schedule } = built;
      const invokerId = logicalIdOf(schedule.node.findChild('InvokerRole'));
      const policies = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: invokerId }] } }));
      expect(policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement)).toEqual([
        { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: stack.resolve(schedule.function.functionArn) },
        { Effect: 'Allow', Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'], Resource: stack.resolve(schedule.deadLetterQueue.queueArn) },
      ]);
    });
  });

  describe('its function', () => {
    it('runs the cluster sleeper\'s handler, as the cluster-sleeper service', () => {
      const { template, built } = sleepSchedule();
      const fn = resourceOf(template, built.schedule.function);
      expect(fn.Metadata['aws:asset:path']).toBe(join(REPO_ROOT, 'functions/cluster-sleeper'));
      expect(fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME).toBe('cluster-sleeper');
    });

    it('says which namespace it scales, for the Lambda console', () => {
      const { template, built } = sleepSchedule();
      expect(resourceOf(template, built.schedule.function).Properties.Description).toBe("Scales the core APIs in shop to 0 outside working hours, and back to their HPAs' floors");
    });

    it('is told the cluster, the namespace, the label selector of the core APIs and the add-on Deployments to scale', () => {
      const { template, built } = sleepSchedule();
      expect(resourceOf(template, built.schedule.function).Properties.Environment.Variables).toEqual(
        expect.objectContaining({
          CLUSTER_NAME: 'hybrid-platform-sandbox',
          NAMESPACE: 'shop',
          DEPLOYMENT_SELECTOR: 'app.kubernetes.io/part-of=hybrid-platform',
          SYSTEM_DEPLOYMENTS: `kube-system/metrics-server,amazon-cloudwatch/${CLOUDWATCH_DEPLOYMENTS[0]},amazon-cloudwatch/${CLOUDWATCH_DEPLOYMENTS[1]}`,
        }),
      );
    });

    it('selects the Deployments that carry all of several labels (a comma is an AND in a label selector)', () => {
      const { template, built } = sleepSchedule({ deploymentLabels: { 'app.kubernetes.io/part-of': 'hybrid-platform', tier: 'api' } });
      expect(resourceOf(template, built.schedule.function).Properties.Environment.Variables.DEPLOYMENT_SELECTOR).toBe('app.kubernetes.io/part-of=hybrid-platform,tier=api');
    });

    it('scales no add-on Deployment when given none', () => {
      const { template, built } = sleepSchedule({ systemDeployments: null });
      expect(resourceOf(template, built.schedule.function).Properties.Environment.Variables.SYSTEM_DEPLOYMENTS).toBe('');
    });

    it('retries a failed run twice within an hour, then keeps the event in the dead-letter queue', () => {
      const { template, built, stack } = sleepSchedule();
      const { schedule } = built;
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { FunctionName: { Ref: logicalIdOf(schedule.function) }, MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 });
      expect(resourceOf(template, schedule.function).Properties.DeadLetterConfig).toEqual({ TargetArn: stack.resolve(schedule.deadLetterQueue.queueArn) });
    });

    it('may describe this cluster, and nothing else of EKS', () => {
      const { template, built, stack } = sleepSchedule();
      const roleId = logicalIdOf(built.schedule.function.role!);
      const statements = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } })).flatMap((policy) => policy.Properties.PolicyDocument.Statement);
      const eksStatements = statements.filter((statement) => [statement.Action].flat().some((action: string) => action.startsWith('eks:')));
      expect(eksStatements).toEqual([{ Effect: 'Allow', Action: 'eks:DescribeCluster', Resource: stack.resolve(built.cluster.clusterArn) }]);
    });

    it.each([
      ['sandbox', 'Delete', 7],
      ['prod', 'Retain', 90],
    ])('keeps its logs and dead letters as the %s environment keeps its stateful resources', (env, deletionPolicy, retentionInDays) => {
      const { template, built } = sleepSchedule({ env });
      const { schedule } = built;
      const logGroup = template.findResources('AWS::Logs::LogGroup');
      expect(Object.values(logGroup)).toEqual([expect.objectContaining({ Properties: { RetentionInDays: retentionInDays }, DeletionPolicy: deletionPolicy })]);
      expect(resourceOf(template, schedule.deadLetterQueue).DeletionPolicy).toBe(deletionPolicy);
    });
  });

  describe('its access to the cluster', () => {
    it('maps the function\'s role to the cluster-sleeper Kubernetes user, with no access policy', () => {
      const { template, built, stack } = sleepSchedule();
      expect(resourceOf(template, built.schedule.accessEntry).Properties).toEqual({
        ClusterName: 'hybrid-platform-sandbox',
        PrincipalArn: stack.resolve(built.schedule.function.role!.roleArn),
        Username: 'cluster-sleeper',
        Type: 'STANDARD',
      });
    });

    it('lets that user read Deployments and HPAs and scale Deployments in its namespace, and read and scale only the named add-on Deployments in theirs', () => {
      const { template, built } = sleepSchedule();
      expect(rbacObjects(template, built.schedule)).toEqual([
        role('shop', CORE_API_RULES),
        binding('shop'),
        role('kube-system', namedDeploymentRules(['metrics-server'])),
        binding('kube-system'),
        role('amazon-cloudwatch', namedDeploymentRules(CLOUDWATCH_DEPLOYMENTS)),
        binding('amazon-cloudwatch'),
      ]);
    });

    it('gives an add-on Deployment in its own namespace no Role of its own: the one there already covers every Deployment', () => {
      const { template, built } = sleepSchedule({ systemDeployments: [{ namespace: 'shop', name: 'cache' }, ...ADDONS.slice(0, 1)] });
      expect(rbacObjects(template, built.schedule)).toEqual([role('shop', CORE_API_RULES), binding('shop'), role('kube-system', namedDeploymentRules(['metrics-server'])), binding('kube-system')]);
    });

    it('gives it no Role outside its namespace when there are no add-on Deployments', () => {
      const { template, built } = sleepSchedule({ systemDeployments: null });
      expect(rbacObjects(template, built.schedule)).toEqual([role('shop', CORE_API_RULES), binding('shop')]);
    });

    it('applies its RBAC objects after what creates the namespace', () => {
      const { template, built } = sleepSchedule();
      expect(resourceOf(template, built.schedule.manifest).DependsOn).toEqual([logicalIdOf(built.namespace)]);
    });
  });

  describe('its dead-letter queue', () => {
    it('alarms to the given topic on its first message, saying what a failed event means', () => {
      const { template, built, stack } = sleepSchedule();
      expect(resourceOf(template, built.schedule.deadLettersAlarm).Properties).toEqual(
        expect.objectContaining({
          Namespace: 'AWS/SQS',
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Dimensions: [{ Name: 'QueueName', Value: stack.resolve(built.schedule.deadLetterQueue.queueName) }],
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
          AlarmActions: [stack.resolve(built.alarmTopic.topicArn)],
          AlarmDescription: 'Wake or sleep events of the cluster sleeper that failed after their retries (the sandbox may be up all night, or asleep all day)',
        }),
      );
    });
  });
});
