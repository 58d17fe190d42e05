import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { API_NAME_LABEL } from '../../k8s/core-api-workload';
import { APP_NAMESPACE, type CoreServiceName } from '../config/core-services';
import type { EnvironmentConfig } from '../config/environment-config';
import { removalPolicyOf } from '../config/removal';
import { EksFaultInjectionAccess } from '../constructs/eks-fault-injection-access';
import { FaultInjectionExperiment } from '../constructs/fault-injection-experiment';
import type { LambdaFaultInjection } from '../constructs/lambda-fault-injection';

export interface ChaosStackProps extends StackProps {
  readonly config: EnvironmentConfig;
  /** The cluster of the core APIs. */
  readonly cluster: eks.ICluster;
  /** The notifier, made a target of the FIS Lambda actions by the functions stack. */
  readonly notifierFaults: LambdaFaultInjection;
  /** The steady state: every experiment stops when one of these alarms goes off, and cannot start while one is. */
  readonly stopConditions: readonly cloudwatch.IAlarm[];
}

/** A pod-delete experiment on one core API. */
interface PodDeletion {
  readonly service: CoreServiceName;
  readonly hypothesis: string;
  /** Which of the service's pods: `ALL`, `COUNT(n)` or `PERCENT(n)`. */
  readonly selectionMode: string;
  /** @default - the pods' own grace period: they shut down as in a rollout */
  readonly gracePeriodSeconds?: number;
}

/**
 * Why the catalog outage deletes pods instead of using the EKS pod network actions
 * (aws:eks:pod-network-latency, -blackhole-port): those inject an ephemeral container that needs root
 * and NET_ADMIN, which the FIS actions reference marks "only compatible with the Kubernetes Security
 * Standards privileged policy", and FIS can only follow them in pods whose root filesystem is
 * writable. The namespace enforces `restricted` and the APIs run non-root on a read-only root
 * filesystem: the experiment would be refused on every run, and relaxing all three for chaos would
 * weaken the production pods. Deleting every catalog pod at once makes the catalog unreachable for
 * orders (no ready endpoint, then connections refused) until the Deployment's new pods are ready,
 * and aws:eks:pod-delete works under `restricted` (fisPodSecurityPolicy).
 */
const POD_DELETIONS: Record<string, PodDeletion> = {
  OrdersPodDelete: {
    service: 'orders',
    selectionMode: 'PERCENT(50)',
    hypothesis:
      'Deleting half of the orders pods does not interrupt ordering: each deleted pod drains as in a rollout, the load balancer ' +
      'sends to the remaining ready pod, the Deployment replaces the deleted ones within 2 minutes, and no request fails beyond the steady state.',
  },
  CatalogOutage: {
    service: 'catalog',
    selectionMode: 'ALL',
    gracePeriodSeconds: 0,
    hypothesis:
      'While the catalog is unreachable (every catalog pod deleted at once, until new ones are ready), POST /orders fails fast: ' +
      '503 with Retry-After within 3.3 s, at once while the circuit breaker is open, nothing written; ordering recovers within 30 s of the catalog being ready.',
  },
};

/**
 * Chaos experiments as AWS FIS experiment templates, each with a role of its own, the steady-state
 * alarms as stop conditions and a log of every run: core API pods deleted (orders: a share; catalog:
 * all of them, an outage seen from orders), and notifier invocations failed. Nothing runs until
 * someone starts an experiment (`aws fis start-experiment`, see README "Chaos experiments").
 */
export class ChaosStack extends Stack {
  readonly experiments: Record<string, FaultInjectionExperiment>;

  constructor(scope: Construct, id: string, props: ChaosStackProps) {
    super(scope, id, props);
    const { config, cluster, stopConditions } = props;

    const logGroup = new logs.LogGroup(this, 'ExperimentLogs', { retention: config.logRetentionDays, removalPolicy: removalPolicyOf(config) });
    const experiment = (experimentId: string, experimentProps: Omit<ConstructorParameters<typeof FaultInjectionExperiment>[2], 'stopConditions' | 'logGroup'>) =>
      new FaultInjectionExperiment(this, experimentId, { ...experimentProps, stopConditions, logGroup });

    const eksAccess = new EksFaultInjectionAccess(this, 'EksAccess', { cluster, namespace: APP_NAMESPACE });
    const podDeletions = Object.entries(POD_DELETIONS).map(([experimentId, deletion]) => {
      const podDelete = experiment(experimentId, {
        hypothesis: deletion.hypothesis,
        targets: {
          Pods: {
            resourceType: 'aws:eks:pod',
            selectionMode: deletion.selectionMode,
            parameters: { clusterIdentifier: cluster.clusterName, namespace: APP_NAMESPACE, selectorType: 'labelSelector', selectorValue: `${API_NAME_LABEL}=${deletion.service}` },
          },
        },
        actions: {
          DeletePods: {
            actionId: 'aws:eks:pod-delete',
            targets: { Pods: 'Pods' },
            parameters: {
              kubernetesServiceAccount: eksAccess.serviceAccountName,
              // FIS then starts its own pod so that the namespace's `restricted` enforcement admits it.
              fisPodSecurityPolicy: 'restricted',
              ...(deletion.gracePeriodSeconds !== undefined && { gracePeriodSeconds: String(deletion.gracePeriodSeconds) }),
            },
          },
        },
      });
      // A template exists only once its runs can reach the cluster.
      podDelete.template.node.addDependency(eksAccess.manifest, eksAccess.admit(`${experimentId}Entry`, podDelete.role));
      return [experimentId, podDelete] as const;
    });

    const notifierErrors = experiment('NotifierInvocationErrors', {
      hypothesis:
        'With half of the notifier invocations failing for 5 minutes, no order notification is lost: failed batches return to ' +
        'the queue and are retried after the visibility timeout, none reaches the dead-letter queue, each order is notified once, and the NotifierErrors alarm fires.',
      targets: { Notifier: { resourceType: 'aws:lambda:function', selectionMode: 'ALL', resourceArns: [props.notifierFaults.targetArn] } },
      actions: {
        FailInvocations: {
          actionId: 'aws:lambda:invocation-error',
          targets: { Functions: 'Notifier' },
          // Fail before the handler runs, so a failed invocation has no side effect to reason about.
          parameters: { duration: 'PT5M', invocationPercentage: '50', preventExecution: 'true' },
        },
      },
    });
    props.notifierFaults.grantInjection(notifierErrors.role);

    this.experiments = { ...Object.fromEntries(podDeletions), NotifierInvocationErrors: notifierErrors };
    for (const [experimentId, { template }] of Object.entries(this.experiments)) {
      new CfnOutput(this, `${experimentId}TemplateId`, { description: 'aws fis start-experiment --experiment-template-id <this>', value: template.ref });
    }
  }
}
