import { Validations, type RemovalPolicy } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { HTTP_PORT } from '../../k8s/core-api-workload';
import type { ContainerInsightsLevel } from '../config/environment-config';
import { BUSINESS_METRICS_NAMESPACE, BUSINESS_METRIC_DIMENSIONS, CORE_API_SCRAPE_JOB } from '../config/business-metrics';
import { PodIdentityRole } from './pod-identity-role';

export interface ContainerInsightsProps {
  readonly cluster: eks.Cluster;
  /**
   * The cluster's name as a literal, not `cluster.clusterName` (a reference to the cluster): the log
   * groups named from it need no dependency on the cluster, so the cluster can depend on them.
   */
  readonly clusterName: string;
  /** What the agent collects of nodes, pods and containers (CONTAINER_INSIGHTS_LEVELS). */
  readonly level: ContainerInsightsLevel;
  /** The namespace whose pods serve Prometheus metrics at /metrics on the core APIs' HTTP port. */
  readonly appNamespace: string;
  /** The metrics the agent turns into CloudWatch metrics: the ones the services' registry entries publish. */
  readonly businessMetrics: readonly string[];
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/** Where the add-on runs its agent, and the service account the agent's pods use (fixed by the add-on). */
const AGENT_NAMESPACE = 'amazon-cloudwatch';
const AGENT_SERVICE_ACCOUNT = 'cloudwatch-agent';

/**
 * The log groups the agent (metrics as EMF) and Fluent Bit (container logs) write to: they would create
 * them on first use with no expiry, outliving `cdk destroy`. Named by the CloudWatch docs, "Container
 * Insights log groups".
 */
const LOG_GROUP_KINDS = ['application', 'dataplane', 'host', 'performance', 'prometheus'] as const;

/**
 * Container Insights (the `amazon-cloudwatch-observability` add-on): node, pod and container metrics,
 * the pods' logs, and the core APIs' Prometheus business metrics as CloudWatch metrics.
 *
 * The agent authenticates through EKS Pod Identity (add-on 3.1.0 and later); Auto Mode runs the Pod
 * Identity agent itself, node groups get its add-on from the cluster stack. The association and the log
 * groups exist before the add-on: a pod started before its association runs without credentials until
 * restarted, and a log group the agent created itself would never expire. On `cdk destroy` the add-on
 * and the cluster (with every node, so every agent and Fluent Bit pod) go first, so nothing writes to
 * or recreates a group after CloudFormation deletes it.
 */
export class ContainerInsights extends Construct {
  readonly addon: eks.Addon;
  readonly agentIdentity: PodIdentityRole;

  constructor(scope: Construct, id: string, props: ContainerInsightsProps) {
    super(scope, id);
    const { cluster, clusterName } = props;

    const logGroups = LOG_GROUP_KINDS.map(
      (kind) =>
        new logs.LogGroup(this, `${kind}Logs`, {
          logGroupName: containerInsightsLogGroupName(clusterName, kind),
          retention: props.logRetention,
          removalPolicy: props.removalPolicy,
        }),
    );
    // Deleted after the cluster, as the control-plane log group: Fluent Bit (auto_create_group) and the
    // agent would recreate a group they still write to, with no expiry, if it went while nodes ran.
    cluster.node.addDependency(...logGroups);

    this.agentIdentity = new PodIdentityRole(this, 'AgentIdentity', { cluster, namespace: AGENT_NAMESPACE, serviceAccount: AGENT_SERVICE_ACCOUNT });
    this.agentIdentity.role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('CloudWatchAgentServerPolicy'));
    Validations.of(this.agentIdentity.role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/CloudWatchAgentServerPolicy]',
      reason: 'The CloudWatch docs prescribe this AWS-managed policy for the add-on agent; AWS keeps it in step with what the agent calls.',
    });

    this.addon = new eks.Addon(this, 'Addon', {
      cluster,
      addonName: 'amazon-cloudwatch-observability',
      configurationValues: {
        agent: {
          config: agentConfig(clusterName, props.level, props.businessMetrics),
          prometheus: {
            config: scrapeConfig(props.appNamespace),
            // The agent is a DaemonSet: without the target allocator every node's agent scrapes every
            // pod, and each counter reaches CloudWatch once per node. The allocator (the chart's
            // `agent.prometheus.targetAllocator`) hands each target to exactly one agent.
            targetAllocator: { enabled: true },
          },
        },
      },
    });
    this.addon.node.addDependency(this.agentIdentity.association, ...logGroups);
  }
}

/**
 * The agent's own configuration. Setting it replaces the add-on's default, so Container Insights is
 * named again (unless `off`: without the `kubernetes` section the agent collects no node, pod or
 * container metrics); Application Signals (the default's other half) stays off until the services send
 * traces to it.
 */
function agentConfig(clusterName: string, level: ContainerInsightsLevel, businessMetrics: readonly string[]) {
  return {
    logs: {
      metrics_collected: {
        ...(level === 'off' ? {} : { kubernetes: { enhanced_container_insights: level === 'enhanced' } }),
        prometheus: {
          // The add-on fills in cluster_name for the kubernetes section only; without it here the agent
          // reads it from a node's EC2 tag, which Auto Mode nodes may lack ("ClusterName is not defined"),
          // or publishes under another ClusterName than the business alarms name (observability stack).
          cluster_name: clusterName,
          log_group_name: containerInsightsLogGroupName(clusterName, 'prometheus'),
          // Where the add-on's operator mounts `agent.prometheus.config`.
          prometheus_config_path: '/etc/prometheusconfig/prometheus.yaml',
          emf_processor: {
            metric_declaration_dedup: true,
            metric_namespace: BUSINESS_METRICS_NAMESPACE,
            // Only the business metrics become CloudWatch metrics (each one costs); the rest stays in the log group.
            metric_declaration: [
              {
                source_labels: ['job'],
                label_matcher: `^${CORE_API_SCRAPE_JOB}$`,
                dimensions: [[...BUSINESS_METRIC_DIMENSIONS]],
                metric_selectors: businessMetrics.map((name) => `^${name}$`),
              },
            ],
          },
        },
      },
    },
  };
}

/** A Container Insights log group, as the CloudWatch docs name it. */
function containerInsightsLogGroupName(clusterName: string, kind: (typeof LOG_GROUP_KINDS)[number]): string {
  return `/aws/containerinsights/${clusterName}/${kind}`;
}

/** A Prometheus scrape job for the core APIs' pods: their HTTP port, /metrics, once a minute. */
function scrapeConfig(appNamespace: string) {
  return {
    global: { scrape_interval: '1m', scrape_timeout: '10s' },
    scrape_configs: [
      {
        job_name: CORE_API_SCRAPE_JOB,
        metrics_path: '/metrics',
        kubernetes_sd_configs: [{ role: 'pod', namespaces: { names: [appNamespace] } }],
        relabel_configs: [
          // One target per pod: the container port the core APIs serve HTTP (and /metrics) on.
          { source_labels: ['__meta_kubernetes_pod_container_port_number'], regex: String(HTTP_PORT), action: 'keep' },
          { source_labels: ['__meta_kubernetes_namespace'], target_label: 'Namespace', action: 'replace' },
          { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod_name', action: 'replace' },
        ],
      },
    ],
  };
}
