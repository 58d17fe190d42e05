import { Duration, Stack, TimeZone, type RemovalPolicy } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct, type IDependable } from 'constructs';
import { deploymentRefText, SLEEPER_ENV, type DeploymentRef, type SleeperAction } from '../../functions/cluster-sleeper/event';
import { WEEKDAYS, type WorkingHours } from '../config/environment-config';
import { alarmWhenAboveZero } from './above-zero-alarm';
import { deadLetterQueue } from './dead-letter-queue';
import { PlatformFunction } from './platform-function';

export interface SleepScheduleProps {
  readonly cluster: eks.ICluster;
  /** The namespace of the Deployments, and the only one the sleeper may act in. */
  readonly namespace: string;
  /** The labels that mark the Deployments to put to sleep (and nothing else in the namespace). */
  readonly deploymentLabels: Readonly<Record<string, string>>;
  /**
   * Add-on Deployments elsewhere that would keep a node up on their own while the core APIs sleep
   * (metrics-server): scaled to 0 with them and back to one replica before them. The sleeper may read
   * and scale these by name, nothing else in their namespaces.
   * @default - none
   */
  readonly systemDeployments?: readonly DeploymentRef[];
  readonly workingHours: WorkingHours;
  /** What must exist before the RBAC objects are applied: the namespace. */
  readonly after: IDependable[];
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  /** Where the alarm on the dead-letter queue publishes: an AlarmTopic, which e-mails the owner. */
  readonly alarmTopic: sns.ITopic;
}

/** The Kubernetes user the sleeper's role is mapped to; names the Role and RoleBinding too. */
export const SLEEPER_KUBERNETES_USER = 'cluster-sleeper';

/** An invocation that fails is retried this often (Lambda's asynchronous retries, and Scheduler's for the invoke itself). */
const RETRY_ATTEMPTS = 2;
/** A wake or sleep more than an hour late is not worth doing: the next one is due in hours. */
const MAX_EVENT_AGE = Duration.hours(1);

/**
 * A sandbox that sleeps outside its working hours. Two EventBridge Scheduler schedules, in the
 * configured time zone (daylight saving included), invoke the cluster sleeper
 * (functions/cluster-sleeper/handler.ts): at awakeUntil it scales the core API Deployments to 0, and
 * the add-on Deployments that would keep a node up on their own, so EKS Auto Mode can remove the
 * emptied nodes and Aurora (minCapacity 0) pauses; at awakeFrom it scales them back (the core APIs to
 * their HPAs' floors).
 *
 * The function reaches the Kubernetes API as its own role, mapped by an EKS access entry, with no
 * access policy, to a Kubernetes user whose Role in the one namespace reads Deployments and HPAs and
 * scales Deployments, and whose Role in an add-on's namespace reads and scales the named Deployments
 * alone. It runs outside the VPC: it needs only the cluster's public
 * endpoint (which the kubectl provider's private path does not replace) and AWS APIs.
 *
 * Failures are logged and fail the invocation; after the retries the event lands in a dead-letter
 * queue (the function's for a failed run, the schedule's for an invoke that never happened), whose
 * first message alarms: a sandbox that did not sleep costs a night of nodes, one that did not wake a
 * morning's work.
 */
export class SleepSchedule extends Construct {
  readonly function: PlatformFunction;
  readonly deadLetterQueue: sqs.Queue;
  readonly deadLettersAlarm: cloudwatch.Alarm;
  readonly schedules: Record<SleeperAction, scheduler.Schedule>;
  readonly manifest: eks.KubernetesManifest;
  readonly accessEntry: eks.CfnAccessEntry;

  constructor(scope: Construct, id: string, props: SleepScheduleProps) {
    super(scope, id);
    const { cluster, namespace, workingHours } = props;
    const systemDeployments = props.systemDeployments ?? [];

    this.deadLetterQueue = deadLetterQueue(this, 'DeadLetterQueue', props.removalPolicy);
    this.deadLettersAlarm = alarmWhenAboveZero(this, 'DeadLettersAlarm', {
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible(),
      description: 'Wake or sleep events of the cluster sleeper that failed after their retries (the sandbox may be up all night, or asleep all day)',
      topic: props.alarmTopic,
    });
    this.function = new PlatformFunction(this, 'Function', {
      entry: 'functions/cluster-sleeper/handler.ts',
      serviceName: 'cluster-sleeper',
      description: `Scales the core APIs in ${namespace} to 0 outside working hours, and back to their HPAs' floors`,
      environment: {
        [SLEEPER_ENV.clusterName]: cluster.clusterName,
        [SLEEPER_ENV.namespace]: namespace,
        [SLEEPER_ENV.deploymentSelector]: Object.entries(props.deploymentLabels)
          .map(([key, value]) => `${key}=${value}`)
          .join(','),
        [SLEEPER_ENV.systemDeployments]: systemDeployments.map(deploymentRefText).join(','),
      },
      retryAttempts: RETRY_ATTEMPTS,
      maxEventAge: MAX_EVENT_AGE,
      deadLetterQueue: this.deadLetterQueue,
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    const role = this.function.role!;
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['eks:DescribeCluster'], resources: [cluster.clusterArn] }));

    const coreApiRules = [
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list'] },
      { apiGroups: ['apps'], resources: ['deployments/scale'], verbs: ['patch'] },
      { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: ['get', 'list'] },
    ];
    // In another namespace only the named Deployments (`resourceNames`; `list` cannot be narrowed so, and is not needed).
    const systemNamespaces = [...new Set(systemDeployments.map((deployment) => deployment.namespace))].filter((other) => other !== namespace);
    const systemRules = (inNamespace: string) => {
      const resourceNames = systemDeployments.filter((deployment) => deployment.namespace === inNamespace).map((deployment) => deployment.name);
      return [
        { apiGroups: ['apps'], resources: ['deployments'], resourceNames, verbs: ['get'] },
        { apiGroups: ['apps'], resources: ['deployments/scale'], resourceNames, verbs: ['patch'] },
      ];
    };
    this.manifest = new eks.KubernetesManifest(this, 'Rbac', {
      cluster,
      manifest: [
        ...sleeperRole(namespace, coreApiRules),
        ...systemNamespaces.flatMap((other) => sleeperRole(other, systemRules(other))),
      ],
    });
    this.manifest.node.addDependency(...props.after);
    // The L1: the AccessEntry L2 of aws-eks-v2 cannot set a Kubernetes username.
    this.accessEntry = new eks.CfnAccessEntry(this, 'AccessEntry', {
      clusterName: cluster.clusterName,
      principalArn: role.roleArn,
      username: SLEEPER_KUBERNETES_USER,
      type: 'STANDARD',
    });

    // Our own role for Scheduler, not the target's default: that one may invoke every version and alias
    // (`<function>:*`), Scheduler calls only the function.
    const invoker = new iam.Role(this, 'InvokerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } } }),
    });
    invoker.addToPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.function.functionArn] }));
    this.deadLetterQueue.grantSendMessages(invoker);
    const target = (action: SleeperAction) =>
      new LambdaInvoke(this.function, {
        // Without policy updates: the target would add its wider grant to it.
        role: invoker.withoutPolicyUpdates(),
        input: scheduler.ScheduleTargetInput.fromObject({ action }),
        retryAttempts: RETRY_ATTEMPTS,
        maxEventAge: MAX_EVENT_AGE,
        deadLetterQueue: this.deadLetterQueue,
      });
    const days = WEEKDAYS.filter((day) => workingHours.days.includes(day)).join(',');
    const at = (time: string) => {
      const [hour, minute] = time.split(':').map(Number);
      return scheduler.ScheduleExpression.cron({ minute: String(minute), hour: String(hour), weekDay: days, timeZone: TimeZone.of(workingHours.timeZone) });
    };
    const when = `${days} (${workingHours.timeZone})`;
    this.schedules = {
      wake: new scheduler.Schedule(this, 'Wake', {
        schedule: at(workingHours.awakeFrom),
        target: target('wake'),
        description: `Wakes the core APIs at ${workingHours.awakeFrom} ${when}`,
      }),
      sleep: new scheduler.Schedule(this, 'Sleep', {
        schedule: at(workingHours.awakeUntil),
        target: target('sleep'),
        description: `Puts the core APIs to sleep at ${workingHours.awakeUntil} ${when}`,
      }),
    };
    // A schedule that fires before the sleeper may act would only fill the dead-letter queue.
    for (const schedule of Object.values(this.schedules)) schedule.node.addDependency(this.manifest, this.accessEntry);
  }
}

/** A Role of the sleeper's Kubernetes user in one namespace, and its binding. */
function sleeperRole(namespace: string, rules: readonly object[]): object[] {
  const metadata = { name: SLEEPER_KUBERNETES_USER, namespace };
  return [
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata, rules },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata,
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: SLEEPER_KUBERNETES_USER }],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: SLEEPER_KUBERNETES_USER },
    },
  ];
}
