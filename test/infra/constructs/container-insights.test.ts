import type { Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import { BUSINESS_METRICS_NAMESPACE } from '../../../infra/config/business-metrics';
import type { ContainerInsightsLevel } from '../../../infra/config/environment-config';
import { removalPolicyOf } from '../../../infra/config/removal';
import { ContainerInsights } from '../../../infra/constructs/container-insights';
import { environmentConfig, inStack } from './construct-stack';
import { acknowledgementsOn, logicalIdOf, onlyResource, onlyResourceId, resourceOf } from './template-queries';

const CLUSTER_NAME = 'shop-test-cluster';
const KINDS = ['application', 'dataplane', 'host', 'performance', 'prometheus'];

interface Options {
  readonly env?: 'sandbox' | 'prod';
  readonly level?: ContainerInsightsLevel;
}

/** Container Insights on a cluster of its own (no kubectl provider: the add-on needs none), as the cluster stack adds it. */
function containerInsights({ env = 'sandbox', level = 'basic' }: Options = {}) {
  const config = environmentConfig(env);
  return inStack((stack: Stack) => {
    const cluster = new eks.Cluster(stack, 'Cluster', { clusterName: CLUSTER_NAME, version: eks.KubernetesVersion.V1_36 });
    return new ContainerInsights(stack, 'ContainerInsights', {
      cluster,
      clusterName: CLUSTER_NAME,
      level,
      appNamespace: 'shop',
      businessMetrics: ['orders_placed_total', 'circuit_breaker_state'],
      logRetention: config.logRetentionDays,
      removalPolicy: removalPolicyOf(config),
    });
  });
}

interface CfnResource {
  readonly Properties: Record<string, unknown>;
  readonly DependsOn?: string[];
  readonly DeletionPolicy?: string;
}

const addonOf = (template: Template): CfnResource => onlyResource(template, 'AWS::EKS::Addon') as CfnResource;

/** The add-on's configuration values (a JSON string in the template), under `agent`. */
function agentOf(template: Template) {
  return JSON.parse(addonOf(template).Properties.ConfigurationValues as string).agent;
}

function logGroupIdsOf(template: Template): string[] {
  return Object.keys(template.findResources('AWS::Logs::LogGroup', { Properties: { LogGroupName: Match.stringLikeRegexp('^/aws/containerinsights/') } }));
}

describe('Container Insights', () => {
  it('installs the amazon-cloudwatch-observability add-on on the cluster', () => {
    const { template } = containerInsights();
    template.hasResourceProperties('AWS::EKS::Addon', { AddonName: 'amazon-cloudwatch-observability', ClusterName: { Ref: onlyResourceId(template, 'AWS::EKS::Cluster') } });
  });

  describe('log groups', () => {
    it('creates the five log groups the agent and Fluent Bit write to, named as the CloudWatch docs name them', () => {
      const { template } = containerInsights();
      const names = Object.values(template.findResources('AWS::Logs::LogGroup')).map(({ Properties }) => Properties.LogGroupName);
      expect(names.sort()).toEqual(KINDS.map((kind) => `/aws/containerinsights/${CLUSTER_NAME}/${kind}`));
    });

    it("keeps the sandbox's logs a week and deletes them with the stack", () => {
      const groups = Object.values(containerInsights({ env: 'sandbox' }).template.findResources('AWS::Logs::LogGroup')) as CfnResource[];
      expect(groups.map((group) => [group.Properties.RetentionInDays, group.DeletionPolicy])).toEqual(KINDS.map(() => [7, 'Delete']));
    });

    it("keeps prod's logs 90 days and retains them when the stack goes", () => {
      const groups = Object.values(containerInsights({ env: 'prod' }).template.findResources('AWS::Logs::LogGroup')) as CfnResource[];
      expect(groups.map((group) => [group.Properties.RetentionInDays, group.DeletionPolicy])).toEqual(KINDS.map(() => [90, 'Retain']));
    });

    it('exist before the add-on, so the agent never creates one without expiry', () => {
      const { template } = containerInsights();
      expect(addonOf(template).DependsOn).toEqual(expect.arrayContaining(logGroupIdsOf(template)));
    });

    it('are deleted only after the cluster, so no running Fluent Bit recreates one without expiry', () => {
      const { template } = containerInsights();
      const cluster = onlyResource(template, 'AWS::EKS::Cluster') as CfnResource;
      expect(cluster.DependsOn).toEqual(expect.arrayContaining(logGroupIdsOf(template)));
    });
  });

  describe("the agent's identity", () => {
    it('is a Pod Identity role of the add-on\'s cloudwatch-agent service account in amazon-cloudwatch', () => {
      const { template, built } = containerInsights();
      template.hasResourceProperties('AWS::EKS::PodIdentityAssociation', {
        Namespace: 'amazon-cloudwatch',
        ServiceAccount: 'cloudwatch-agent',
        RoleArn: { 'Fn::GetAtt': [logicalIdOf(built.agentIdentity.role), 'Arn'] },
      });
    });

    it('has the CloudWatchAgentServerPolicy and nothing else', () => {
      const { template, built } = containerInsights();
      const role = built.agentIdentity.role;
      const { Properties } = resourceOf(template, role);
      expect(Properties.ManagedPolicyArns).toEqual([{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/CloudWatchAgentServerPolicy']] }]);
      expect(Properties.Description).toBe('Pod Identity for amazon-cloudwatch/cloudwatch-agent');
      // Nothing else: no inline policy, and no policy resource that names the role.
      expect(Properties.Policies).toBeUndefined();
      template.resourcePropertiesCountIs('AWS::IAM::Policy', { Roles: Match.arrayWith([{ Ref: logicalIdOf(role) }]) }, 0);
    });

    it("acknowledges cdk-nag's finding on that AWS-managed policy, saying why it is the right one", () => {
      const { built } = containerInsights();
      expect(acknowledgementsOn(built.agentIdentity.role)).toEqual([
        {
          id: 'Annotation::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/CloudWatchAgentServerPolicy]',
          reason: expect.stringMatching(/CloudWatch docs prescribe this AWS-managed policy/),
        },
      ]);
    });

    it('is associated before the add-on starts the agent, whose pods would otherwise run without credentials', () => {
      const { template, built } = containerInsights();
      expect(addonOf(template).DependsOn).toContain(logicalIdOf(built.agentIdentity.association));
    });
  });

  describe("the agent's Prometheus scrape", () => {
    it('scrapes the pods of the app namespace at /metrics, once a minute, as the core-apis job', () => {
      const { config } = agentOf(containerInsights().template).prometheus;
      expect(config.global).toEqual({ scrape_interval: '1m', scrape_timeout: '10s' });
      expect(config.scrape_configs).toEqual([
        expect.objectContaining({ job_name: 'core-apis', metrics_path: '/metrics', kubernetes_sd_configs: [{ role: 'pod', namespaces: { names: ['shop'] } }] }),
      ]);
    });

    it("keeps one target per pod, the core APIs' HTTP port, labelled with the pod's namespace and name", () => {
      const { config } = agentOf(containerInsights().template).prometheus;
      expect(config.scrape_configs[0].relabel_configs).toEqual([
        { source_labels: ['__meta_kubernetes_pod_container_port_number'], regex: '8080', action: 'keep' },
        { source_labels: ['__meta_kubernetes_namespace'], target_label: 'Namespace', action: 'replace' },
        { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod_name', action: 'replace' },
      ]);
    });

    it('hands each target to one agent through the target allocator, so no counter reaches CloudWatch once per node', () => {
      expect(agentOf(containerInsights().template).prometheus.targetAllocator).toEqual({ enabled: true });
    });
  });

  describe("the agent's Prometheus pipeline", () => {
    const prometheusPipeline = () => agentOf(containerInsights().template).config.logs.metrics_collected.prometheus;

    it('names the cluster and its prometheus log group itself, not through a node tag that Auto Mode nodes may lack', () => {
      expect(prometheusPipeline()).toMatchObject({ cluster_name: CLUSTER_NAME, log_group_name: `/aws/containerinsights/${CLUSTER_NAME}/prometheus` });
    });

    it('reads the scrape configuration where the add-on mounts it', () => {
      expect(prometheusPipeline().prometheus_config_path).toBe('/etc/prometheusconfig/prometheus.yaml');
    });

    it('publishes only the business metrics of the core-apis job, deduplicated, with the dimensions the alarms name', () => {
      expect(prometheusPipeline().emf_processor).toEqual({
        metric_declaration_dedup: true,
        metric_namespace: BUSINESS_METRICS_NAMESPACE,
        metric_declaration: [
          {
            source_labels: ['job'],
            label_matcher: '^core-apis$',
            dimensions: [['ClusterName', 'Namespace', 'service']],
            // Anchored: orders_placed_total must not also select orders_placed_total_created.
            metric_selectors: ['^orders_placed_total$', '^circuit_breaker_state$'],
          },
        ],
      });
    });
  });

  describe('the level of node, pod and container metrics', () => {
    const kubernetesSection = (level: ContainerInsightsLevel) => agentOf(containerInsights({ level }).template).config.logs.metrics_collected.kubernetes;

    it('collects enhanced observability when the level is enhanced', () => {
      expect(kubernetesSection('enhanced')).toEqual({ enhanced_container_insights: true });
    });

    it("collects Container Insights' aggregated metrics when the level is basic", () => {
      expect(kubernetesSection('basic')).toEqual({ enhanced_container_insights: false });
    });

    it('collects none when the level is off, and still the business metrics', () => {
      const collected = agentOf(containerInsights({ level: 'off' }).template).config.logs.metrics_collected;
      expect(Object.keys(collected)).toEqual(['prometheus']);
    });
  });
});
