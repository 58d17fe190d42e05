import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { API_NAME_LABEL } from '../../k8s/core-api-workload';
import { APP_NAMESPACE, CORE_SERVICE_REGISTRY, type CoreServiceDefinition, type PodDeletionExperiment } from '../config/core-services';
import type { EnvironmentConfig } from '../config/environment-config';
import { EVENT_FUNCTIONS, type EventFunctionDefinition, type InvocationErrorExperiment } from '../config/event-functions';
import { pascalCase } from '../config/naming';
import { removalPolicyOf } from '../config/removal';
import { EksFaultInjectionAccess } from '../constructs/eks-fault-injection-access';
import { FaultInjectionExperiment } from '../constructs/fault-injection-experiment';
import type { LambdaFaultInjection } from '../constructs/lambda-fault-injection';

export interface ChaosStackProps extends StackProps {
  readonly config: EnvironmentConfig;
  /** The cluster of the core APIs. */
  readonly cluster: eks.ICluster;
  /** The steady state: every experiment stops when one of these alarms goes off, and cannot start while one is. */
  readonly stopConditions: readonly cloudwatch.IAlarm[];
  /** The core APIs, whose declared `podDeletions` become experiments. @default CORE_SERVICE_REGISTRY */
  readonly services?: Readonly<Record<string, CoreServiceDefinition>>;
  /** The event functions, whose declared `invocationErrors` become experiments. @default EVENT_FUNCTIONS */
  readonly functions?: Readonly<Record<string, EventFunctionDefinition>>;
  /**
   * The event functions made targets of the FIS Lambda actions, by name: the functions stack's
   * `functionFaults`, one for each function that declares an experiment.
   */
  readonly functionFaults: Readonly<Partial<Record<string, LambdaFaultInjection>>>;
}

/**
 * Core APIs declare pod deletions only. Why the catalog outage deletes pods instead of using the EKS
 * pod network actions (aws:eks:pod-network-latency, -blackhole-port): those inject an ephemeral
 * container that needs root and NET_ADMIN, which the FIS actions reference marks "only compatible
 * with the Kubernetes Security Standards privileged policy", and FIS can only follow them in pods
 * whose root filesystem is writable. The namespace enforces `restricted` and the APIs run non-root on
 * a read-only root filesystem: the experiment would be refused on every run, and relaxing all three
 * for chaos would weaken the production pods. Deleting every catalog pod at once makes the catalog
 * unreachable for orders (no ready endpoint, then connections refused) until the Deployment's new
 * pods are ready, and aws:eks:pod-delete works under `restricted` (fisPodSecurityPolicy).
 */

/**
 * Chaos experiments as AWS FIS experiment templates, each with a role of its own, the steady-state
 * alarms as stop conditions and a log of every run: the ones the registries declare, core API pods
 * deleted (infra/config/core-services.ts, `podDeletions`) and event function invocations failed
 * (infra/config/event-functions.ts, `invocationErrors`). Nothing runs until someone starts an
 * experiment (`aws fis start-experiment`, see README "Chaos experiments").
 */
export class ChaosStack extends Stack {
  readonly experiments: Record<string, FaultInjectionExperiment>;

  constructor(scope: Construct, id: string, props: ChaosStackProps) {
    super(scope, id, props);
    const { config, cluster, stopConditions, services = CORE_SERVICE_REGISTRY, functions = EVENT_FUNCTIONS, functionFaults } = props;

    const logGroup = new logs.LogGroup(this, 'ExperimentLogs', { retention: config.logRetentionDays, removalPolicy: removalPolicyOf(config) });
    const experiment = (experimentId: string, experimentProps: Omit<ConstructorParameters<typeof FaultInjectionExperiment>[2], 'stopConditions' | 'logGroup'>) =>
      new FaultInjectionExperiment(this, experimentId, { ...experimentProps, stopConditions, logGroup });

    const podDeletions = Object.entries(services).flatMap(([service, definition]) =>
      Object.entries<PodDeletionExperiment>(definition.podDeletions ?? {}).map(([experimentId, deletion]) => ({ experimentId, service, ...deletion })),
    );
    // The fault injector's access to the cluster exists only once a pod deletion needs it.
    let eksAccess: EksFaultInjectionAccess | undefined;
    const access = () => (eksAccess ??= new EksFaultInjectionAccess(this, 'EksAccess', { cluster, namespace: APP_NAMESPACE }));
    const podExperiments = podDeletions.map(({ experimentId, service, hypothesis, selectionMode, gracePeriodSeconds }) => {
      const podDelete = experiment(experimentId, {
        hypothesis,
        targets: {
          Pods: {
            resourceType: 'aws:eks:pod',
            selectionMode,
            parameters: { clusterIdentifier: cluster.clusterName, namespace: APP_NAMESPACE, selectorType: 'labelSelector', selectorValue: `${API_NAME_LABEL}=${service}` },
          },
        },
        actions: {
          DeletePods: {
            actionId: 'aws:eks:pod-delete',
            targets: { Pods: 'Pods' },
            parameters: {
              kubernetesServiceAccount: access().serviceAccountName,
              // FIS then starts its own pod so that the namespace's `restricted` enforcement admits it.
              fisPodSecurityPolicy: 'restricted',
              ...(gracePeriodSeconds !== undefined && { gracePeriodSeconds: String(gracePeriodSeconds) }),
            },
          },
        },
      });
      // A template exists only once its runs can reach the cluster.
      podDelete.template.node.addDependency(access().manifest, access().admit(`${experimentId}Entry`, podDelete.role));
      return [experimentId, podDelete] as const;
    });

    const invocationExperiments = Object.entries(functions).flatMap(([name, definition]) =>
      Object.entries<InvocationErrorExperiment>(definition.invocationErrors ?? {}).map(([experimentId, errors]) => {
        const faults = functionFaults[name];
        if (!faults) throw new Error(`${experimentId}: the event function ${name} declares invocation errors but is not a target of the FIS Lambda actions (functionFaults)`);
        const target = pascalCase(name);
        const failInvocations = experiment(experimentId, {
          hypothesis: errors.hypothesis,
          targets: { [target]: { resourceType: 'aws:lambda:function', selectionMode: 'ALL', resourceArns: [faults.targetArn] } },
          actions: {
            FailInvocations: {
              actionId: 'aws:lambda:invocation-error',
              targets: { Functions: target },
              parameters: { duration: `PT${errors.durationMinutes}M`, invocationPercentage: String(errors.invocationPercentage), preventExecution: String(errors.preventExecution) },
            },
          },
        });
        faults.grantInjection(failInvocations.role);
        return [experimentId, failInvocations] as const;
      }),
    );

    this.experiments = Object.fromEntries([...podExperiments, ...invocationExperiments]);
    for (const [experimentId, { template }] of Object.entries(this.experiments)) {
      new CfnOutput(this, `${experimentId}TemplateId`, { description: 'aws fis start-experiment --experiment-template-id <this>', value: template.ref });
    }
  }
}
