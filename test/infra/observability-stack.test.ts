import { Match, type Template } from 'aws-cdk-lib/assertions';
import { BUSINESS_METRICS_NAMESPACE } from '../../infra/config/business-metrics';
import { BUSINESS_METRICS } from '../../services/kit/business-metrics';
import { apiLoadBalancerName, PROJECT } from '../../infra/config/naming';
import { buildPlatform, platformOf } from './platform-fixture';

type Resource = { Properties: Record<string, unknown> };

/** The alarm whose logical id starts with `id`. */
const alarm = (template: Template, id: string): Record<string, unknown> => {
  const found = Object.entries(template.findResources('AWS::CloudWatch::Alarm')).filter(([logicalId]) => logicalId.startsWith(id));
  if (found.length !== 1) throw new Error(`expected one alarm ${id}, found ${found.length}`);
  return (found[0][1] as Resource).Properties;
};

/** The metrics of a math-expression alarm, by their id. */
const metricsOf = (properties: Record<string, unknown>) =>
  Object.fromEntries((properties.Metrics as { Id: string; ReturnData?: boolean; MetricStat?: { Metric: { MetricName: string; Namespace: string } } }[]).map((m) => [m.Id, m]));

const businessDimensions = (service: string) => [
  { Name: 'ClusterName', Value: expect.anything() },
  { Name: 'Namespace', Value: 'shop' },
  { Name: 'service', Value: service },
];

describe('observability stack', () => {
  const sandbox = platformOf('sandbox').template('observability');
  const cluster = platformOf('sandbox').template('cluster');

  describe('steady state', () => {
    it('is one composite alarm over the API 5xx rate, the API p99 latency and the outbox age, and nothing else', () => {
      sandbox.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 1);
      const [composite] = Object.values(sandbox.findResources('AWS::CloudWatch::CompositeAlarm')) as Resource[];
      expect(composite.Properties.AlarmName).toBe(`${PROJECT}-sandbox-steady-state`);
      const rule = JSON.stringify(composite.Properties.AlarmRule);
      const named = [...rule.matchAll(/ALARM\(\\"",\{"Fn::GetAtt":\["([A-Za-z0-9]+)","Arn"\]\}/g)].map((match) => match[1].replace(/[0-9A-F]{8}$/, ''));
      expect(named.sort()).toEqual(['ApiLatency', 'ApiServerErrors', 'OutboxStuck']);
      expect(rule).toMatch(/^\{"Fn::Join":\["",\["\(ALARM.* OR ALARM/);
    });

    it('is a public property that other stacks can name as a stop condition', () => {
      const { platform } = buildPlatform('sandbox');
      expect(platform.observability.steadyState.alarmArn).toBeDefined();
    });

    it('alarms when more than 5% of API requests answer 5xx for 3 minutes, counting target and load-balancer errors', () => {
      const properties = alarm(sandbox, 'ApiServerErrors');
      expect(properties).toMatchObject({ Threshold: 5, ComparisonOperator: 'GreaterThanThreshold', EvaluationPeriods: 3, TreatMissingData: 'notBreaching' });
      const metrics = metricsOf(properties);
      expect(Object.values(metrics).find((m) => m.ReturnData !== false)).toMatchObject({ Expression: '100 * (FILL(targetErrors, 0) + FILL(balancerErrors, 0)) / requests' });
      expect(metrics.targetErrors.MetricStat).toMatchObject({ Metric: { Namespace: 'AWS/ApplicationELB', MetricName: 'HTTPCode_Target_5XX_Count' }, Stat: 'Sum', Period: 60 });
      expect(metrics.balancerErrors.MetricStat).toMatchObject({ Metric: { MetricName: 'HTTPCode_ELB_5XX_Count' } });
      expect(metrics.requests.MetricStat).toMatchObject({ Metric: { MetricName: 'RequestCount' } });
    });

    it('alarms on the p99 of the target response time above 1 s for 3 minutes', () => {
      expect(alarm(sandbox, 'ApiLatency')).toMatchObject({
        Namespace: 'AWS/ApplicationELB',
        MetricName: 'TargetResponseTime',
        ExtendedStatistic: 'p99',
        Period: 60,
        Threshold: 1,
        EvaluationPeriods: 3,
      });
    });

    it("finds the ALB's metrics by the LoadBalancer dimension the cluster stack looked up after the Ingress got its address", () => {
      const dimension = alarm(sandbox, 'ApiLatency').Dimensions as { Name: string; Value: unknown }[];
      // app/<name>/<id>: the part of the ALB's ARN after ':loadbalancer/'.
      const arn = { 'Fn::GetStackOutput': expect.objectContaining({ StackName: `${PROJECT}-sandbox-cluster`, OutputName: expect.stringMatching(/ApiLoadBalancerLookup.*LoadBalancerArn/) }) };
      expect(dimension).toEqual([{ Name: 'LoadBalancer', Value: { 'Fn::Select': [1, { 'Fn::Split': [':loadbalancer/', arn] }] } }]);
    });

    it('alarms when the oldest outbox event is older than 2 minutes for 3 minutes', () => {
      expect(alarm(sandbox, 'OutboxStuck')).toMatchObject({
        Namespace: BUSINESS_METRICS_NAMESPACE,
        MetricName: BUSINESS_METRICS.outboxOldestPendingAge,
        Dimensions: businessDimensions('orders'),
        Statistic: 'Maximum',
        Threshold: 120,
        EvaluationPeriods: 3,
      });
    });
  });

  describe('business metrics', () => {
    it.each([
      ['OutboxRelayFailing', BUSINESS_METRICS.outboxRelayFailures, 'Sum', 0],
      ['CatalogLookupsFailing', BUSINESS_METRICS.catalogLookupsFailed, 'Sum', 0],
      ['CatalogCircuitOpen', BUSINESS_METRICS.circuitBreakerState, 'Maximum', 2],
    ])('%s watches %s (%s) against %d', (id, metricName, statistic, threshold) => {
      expect(alarm(sandbox, id)).toMatchObject({ Namespace: BUSINESS_METRICS_NAMESPACE, MetricName: metricName, Statistic: statistic, Threshold: threshold, Dimensions: businessDimensions('orders') });
    });

    it('alarms when the circuit breaker is open, not half-open', () => {
      expect(alarm(sandbox, 'CatalogCircuitOpen')).toMatchObject({ ComparisonOperator: 'GreaterThanOrEqualToThreshold', Threshold: 2 });
    });

    it('alarms when orders placed fall below their anomaly band, since an idle sandbox has no fixed floor', () => {
      const properties = alarm(sandbox, 'OrdersDropped');
      expect(properties).toMatchObject({ ComparisonOperator: 'LessThanLowerThreshold', EvaluationPeriods: 3 });
      expect(JSON.stringify(properties.Metrics)).toContain('ANOMALY_DETECTION_BAND(m0, 3)');
      expect(JSON.stringify(properties.Metrics)).toContain(`"MetricName":"${BUSINESS_METRICS.ordersPlaced}"`);
    });

    it('owns the anomaly model of the orders band (same metric, dimensions and stat), so cdk destroy deletes it after the alarm', () => {
      const detectors = Object.entries(sandbox.findResources('AWS::CloudWatch::AnomalyDetector'));
      expect(detectors).toHaveLength(1);
      const [detectorId, detector] = detectors[0];
      expect(detector.Properties).toEqual({
        Namespace: BUSINESS_METRICS_NAMESPACE,
        MetricName: BUSINESS_METRICS.ordersPlaced,
        Dimensions: businessDimensions('orders'),
        Stat: 'Sum',
      });
      const band = (alarm(sandbox, 'OrdersDropped').Metrics as { MetricStat?: { Metric: { Dimensions: unknown }; Stat: string } }[]).find((m) => m.MetricStat)!.MetricStat!;
      expect(band.Stat).toBe(detector.Properties.Stat);
      expect(band.Metric.Dimensions).toEqual(detector.Properties.Dimensions);
      const [ordersDropped] = Object.values(sandbox.findResources('AWS::CloudWatch::Alarm')).filter((a) => JSON.stringify(a.Properties.Metrics ?? '').includes('ANOMALY_DETECTION_BAND'));
      expect(ordersDropped.DependsOn).toContain(detectorId);
    });
  });

  describe('Lambda jobs and their dead letters', () => {
    it.each(['ImageResizer', 'Notifier'])('%s alarms on throttles, a p99 duration near its timeout and dead letters older than a day', (name) => {
      expect(alarm(sandbox, `${name}Throttled`)).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Throttles', Threshold: 0 });
      expect(alarm(sandbox, `${name}NearTimeout`)).toMatchObject({ MetricName: 'Duration', ExtendedStatistic: 'p99' });
      expect(alarm(sandbox, `${name}DeadLettersAging`)).toMatchObject({ Namespace: 'AWS/SQS', MetricName: 'ApproximateAgeOfOldestMessage', Threshold: 86400 });
    });

    it('sets the duration thresholds at 80% of each timeout (60 s for the image-resizer)', () => {
      expect(alarm(sandbox, 'ImageResizerNearTimeout').Threshold).toBe(48_000);
    });
  });

  describe('Aurora Serverless v2', () => {
    it('alarms above 80% of the maximum ACUs for 15 minutes', () => {
      expect(alarm(sandbox, 'DatabaseNearMaxCapacity')).toMatchObject({ Namespace: 'AWS/RDS', MetricName: 'ACUUtilization', Period: 300, Threshold: 80, EvaluationPeriods: 3 });
    });

    it("alarms above 80% of the max_connections Aurora sets for the environment's maximum capacity", () => {
      // sandbox: 2 ACUs = 4 GiB; prod: 16 ACUs, capped at 5000.
      expect(alarm(sandbox, 'DatabaseConnectionsNearLimit')).toMatchObject({ MetricName: 'DatabaseConnections', Threshold: 360 });
      expect(alarm(platformOf('prod').template('observability'), 'DatabaseConnectionsNearLimit')).toMatchObject({ Threshold: 2883 });
    });
  });

  it('sends every alarm, the composite included, to its own CMK-encrypted topic that CloudWatch may use', () => {
    const topics = sandbox.findResources('AWS::SNS::Topic');
    expect(Object.keys(topics)).toHaveLength(1);
    const [topicId] = Object.keys(topics);
    expect((topics[topicId] as Resource).Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^AlarmTopicKey/), 'Arn'] });
    for (const type of ['AWS::CloudWatch::Alarm', 'AWS::CloudWatch::CompositeAlarm']) {
      for (const resource of Object.values(sandbox.findResources(type)) as Resource[]) {
        expect(resource.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
      }
    }
  });

  it('has one dashboard that names every business metric, the ALB, both functions and the database', () => {
    const dashboards = Object.values(sandbox.findResources('AWS::CloudWatch::Dashboard')) as Resource[];
    expect(dashboards).toHaveLength(1);
    expect(dashboards[0].Properties.DashboardName).toBe(`${PROJECT}-sandbox-steady-state`);
    const body = JSON.stringify(dashboards[0].Properties.DashboardBody);
    for (const name of [...Object.values(BUSINESS_METRICS), 'HTTPCode_Target_5XX_Count', 'TargetResponseTime', 'Throttles', 'ApproximateAgeOfOldestMessage', 'ServerlessDatabaseCapacity', 'DatabaseConnections']) {
      expect([name, body.includes(name)]).toEqual([name, true]);
    }
  });

  describe('in the cluster stack', () => {
    const addon = () => {
      const [properties] = Object.values(cluster.findResources('AWS::EKS::Addon', { Properties: { AddonName: 'amazon-cloudwatch-observability' } })) as Resource[];
      return { ...properties, config: JSON.parse(properties.Properties.ConfigurationValues as string) };
    };

    it('installs Container Insights after the Pod Identity association of its cloudwatch-agent service account', () => {
      cluster.hasResourceProperties('AWS::EKS::PodIdentityAssociation', {
        Namespace: 'amazon-cloudwatch',
        ServiceAccount: 'cloudwatch-agent',
        RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ContainerInsightsAgentIdentityRole'), 'Arn'] },
      });
      const [associationId] = Object.keys(cluster.findResources('AWS::EKS::PodIdentityAssociation', { Properties: { ServiceAccount: 'cloudwatch-agent' } }));
      expect((addon() as unknown as { DependsOn: string[] }).DependsOn).toContain(associationId);
    });

    it('gives the agent the CloudWatchAgentServerPolicy and nothing else', () => {
      cluster.hasResourceProperties('AWS::IAM::Role', {
        Description: 'Pod Identity for amazon-cloudwatch/cloudwatch-agent',
        ManagedPolicyArns: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/CloudWatchAgentServerPolicy']] }],
      });
    });

    it('scrapes the core APIs on their HTTP port and publishes only the business metrics, with the dimensions the alarms use', () => {
      const { agent } = addon().config;
      expect(agent.prometheus.config.scrape_configs).toEqual([
        expect.objectContaining({ job_name: 'core-apis', metrics_path: '/metrics', kubernetes_sd_configs: [{ role: 'pod', namespaces: { names: ['shop'] } }] }),
      ]);
      expect(agent.prometheus.config.scrape_configs[0].relabel_configs[0]).toEqual({ source_labels: ['__meta_kubernetes_pod_container_port_number'], regex: '8080', action: 'keep' });
      const prometheus = agent.config.logs.metrics_collected.prometheus;
      expect(prometheus.emf_processor.metric_namespace).toBe(BUSINESS_METRICS_NAMESPACE);
      expect(prometheus.emf_processor.metric_declaration).toEqual([
        {
          source_labels: ['job'],
          label_matcher: '^core-apis$',
          dimensions: [['ClusterName', 'Namespace', 'service']],
          metric_selectors: Object.values(BUSINESS_METRICS).map((name) => `^${name}$`),
        },
      ]);
      expect(agent.config.logs.metrics_collected.kubernetes).toEqual({ enhanced_container_insights: true });
    });

    it('creates the Container Insights log groups first, with the environment retention, so none is left behind by cdk destroy', () => {
      for (const kind of ['application', 'dataplane', 'host', 'performance', 'prometheus']) {
        cluster.hasResourceProperties('AWS::Logs::LogGroup', {
          LogGroupName: `/aws/containerinsights/${PROJECT}-sandbox-cluster/${kind}`,
          RetentionInDays: 7,
        });
      }
      const logGroupIds = Object.keys(cluster.findResources('AWS::Logs::LogGroup', { Properties: { LogGroupName: Match.stringLikeRegexp('^/aws/containerinsights/') } }));
      expect(logGroupIds).toHaveLength(5);
      expect((addon() as unknown as { DependsOn: string[] }).DependsOn).toEqual(expect.arrayContaining(logGroupIds));
    });

    it('deletes the Container Insights log groups only after the cluster, so no running Fluent Bit recreates one without expiry', () => {
      const logGroupIds = Object.keys(cluster.findResources('AWS::Logs::LogGroup', { Properties: { LogGroupName: Match.stringLikeRegexp('^/aws/containerinsights/') } }));
      const [eksCluster] = Object.values(cluster.findResources('AWS::EKS::Cluster')) as { DependsOn: string[] }[];
      expect(eksCluster.DependsOn).toEqual(expect.arrayContaining(logGroupIds));
    });

    it("names the cluster in the agent's Prometheus pipeline and its log group, the ClusterName the business alarms use", () => {
      const prometheus = addon().config.agent.config.logs.metrics_collected.prometheus;
      expect(prometheus).toMatchObject({ cluster_name: `${PROJECT}-sandbox-cluster`, log_group_name: `/aws/containerinsights/${PROJECT}-sandbox-cluster/prometheus` });
      expect(alarm(sandbox, 'OutboxStuck').Dimensions).toContainEqual({ Name: 'ClusterName', Value: prometheus.cluster_name });
    });

    it('scrapes each core API pod once, through the target allocator, not once per node from the DaemonSet', () => {
      expect(addon().config.agent.prometheus.targetAllocator).toEqual({ enabled: true });
    });

    it('names the shared load balancer on every Ingress and looks it up by that name once the Ingress has its address', () => {
      const name = apiLoadBalancerName({ name: 'sandbox' });
      expect(name).toBe(`${PROJECT}-sandbox-api`);
      const manifests = JSON.stringify(cluster.findResources('Custom::AWSCDK-EKS-KubernetesResource'));
      expect(manifests.match(new RegExp(`alb.ingress.kubernetes.io/load-balancer-name\\\\":\\\\"${name}`, 'g'))).toHaveLength(2);
      const [lookupId, lookup] = Object.entries(cluster.findResources('Custom::AWS')).find(([id]) => id.startsWith('ApiLoadBalancerLookup'))!;
      expect(JSON.stringify(lookup.Properties.Create)).toContain(`\\"action\\":\\"DescribeLoadBalancers\\",\\"parameters\\":{\\"Names\\":[\\"${name}\\"]}`);
      expect(lookup.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^LoadBalancerHost/)]));
      expect(lookupId).toBeDefined();
    });

    it('refuses an environment name that makes the load balancer name too long, naming the context key', () => {
      expect(() => apiLoadBalancerName({ name: 'a-much-too-long-name' })).toThrow(/context key env.*longer than the 32 characters/);
    });
  });
});
