import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { BUSINESS_METRICS_NAMESPACE, businessMetricsProblems, publishedBusinessMetrics, type ServiceBusinessMetrics } from '../../infra/config/business-metrics';
import { CORE_SERVICE_REGISTRY, CORE_SERVICES, type CoreServiceDefinition } from '../../infra/config/core-services';
import { EVENT_FUNCTION_NAMES } from '../../infra/config/event-functions';
import { loadEnvironmentConfig } from '../../infra/config/load-config';
import { apiLoadBalancerName, pascalCase, PROJECT } from '../../infra/config/naming';
import { UPLOAD_FUNCTION_NAMES } from '../../infra/config/upload-functions';
import { ObservabilityStack } from '../../infra/stacks/observability-stack';
import { buildPlatform, platformOf } from './platform-fixture';
import { alarmOf as alarm, alarmResourceOf, businessDimensions, dashboardBodyOf, steadyStateOf } from './support/cloudwatch-template';
import { testApp } from './test-app';

/**
 * The platform's observability, for any registry: its own alarms (load balancer, functions, database)
 * and whatever the core services' registry entries declare. A sample's own alarms are tested with it
 * (e.g. orders-alarms.test.ts).
 */

type Resource = { Properties: Record<string, unknown> };

/** The metrics of a math-expression alarm, by their id. */
const metricsOf = (properties: Record<string, unknown>) =>
  Object.fromEntries((properties.Metrics as { Id: string; ReturnData?: boolean; MetricStat?: { Metric: { MetricName: string; Namespace: string } } }[]).map((m) => [m.Id, m]));

const THRESHOLD_OPERATORS = { above: 'GreaterThanThreshold', 'at-or-above': 'GreaterThanOrEqualToThreshold', below: 'LessThanThreshold', 'at-or-below': 'LessThanOrEqualToThreshold' };
const BAND_OPERATORS = { below: 'LessThanLowerThreshold', above: 'GreaterThanUpperThreshold', outside: 'LessThanLowerOrGreaterThanUpperThreshold' };

/** Every entry's declarations, with the entry's name. */
const declarationsOf = (registry: Readonly<Record<string, CoreServiceDefinition>>) =>
  Object.entries(registry).flatMap(([service, { businessMetrics }]) => (businessMetrics ? [{ service, ...businessMetrics }] : []));
const registered = declarationsOf(CORE_SERVICE_REGISTRY);
/** The functions stack's functions, as the alarms name them: the upload functions and the event functions. */
const WATCHED_FUNCTIONS = [...UPLOAD_FUNCTION_NAMES, ...EVENT_FUNCTION_NAMES].map(pascalCase);
const sandboxCluster = `${PROJECT}-sandbox-cluster`;

/** Every declared alarm of `registry` is in `template`, as declared, on its service's metric; every band alarm with its model. */
function expectDeclaredAlarms(template: Template, registry: Readonly<Record<string, CoreServiceDefinition>>, clusterName: string): void {
  for (const { service, alarms = [], bandAlarms = [] } of declarationsOf(registry)) {
    for (const declared of alarms) {
      const properties = alarm(template, declared.id);
      expect([declared.id, properties]).toEqual([
        declared.id,
        expect.objectContaining({
          Namespace: BUSINESS_METRICS_NAMESPACE,
          MetricName: declared.metric.name,
          Statistic: declared.metric.statistic,
          Period: 60,
          Dimensions: businessDimensions(clusterName, service),
          Threshold: declared.threshold,
          ComparisonOperator: THRESHOLD_OPERATORS[declared.comparison ?? 'above'],
          EvaluationPeriods: declared.evaluationPeriods,
          AlarmDescription: declared.description,
          TreatMissingData: 'notBreaching',
        }),
      ]);
      expect([declared.id, properties.DatapointsToAlarm]).toEqual([declared.id, declared.datapointsToAlarm]);
    }
    for (const declared of bandAlarms) {
      const { Properties: properties, DependsOn } = alarmResourceOf(template, declared.id);
      expect(properties).toMatchObject({ ComparisonOperator: BAND_OPERATORS[declared.direction], EvaluationPeriods: declared.evaluationPeriods, AlarmDescription: declared.description });
      expect(JSON.stringify(properties.Metrics)).toContain(`ANOMALY_DETECTION_BAND(m0, ${declared.stdDevs})`);
      const band = (properties.Metrics as { MetricStat?: { Metric: unknown; Stat: string; Period: number } }[]).find((m) => m.MetricStat)!.MetricStat!;
      const model = { Namespace: BUSINESS_METRICS_NAMESPACE, MetricName: declared.metric.name, Dimensions: businessDimensions(clusterName, service), Stat: declared.metric.statistic };
      expect(band).toEqual({ Metric: { Namespace: model.Namespace, MetricName: model.MetricName, Dimensions: model.Dimensions }, Stat: model.Stat, Period: declared.periodMinutes * 60 });
      // Its own model, with the band's metric and stat, created before it and deleted after it.
      expect(template.findResources('AWS::CloudWatch::AnomalyDetector')[declared.modelId]?.Properties).toEqual(model);
      expect(DependsOn).toContain(declared.modelId);
    }
  }
}

describe('observability stack', () => {
  const sandbox = platformOf('sandbox').template('observability');
  const cluster = platformOf('sandbox').template('cluster');

  describe('steady state', () => {
    it("is one composite alarm over the API 5xx rate, the API p99 latency and the registry's steady-state alarms, and nothing else", () => {
      const { properties, members } = steadyStateOf(sandbox);
      expect(properties.AlarmName).toBe(`${PROJECT}-sandbox-steady-state`);
      const declared = registered.flatMap(({ alarms = [] }) => alarms.filter(({ steadyState }) => steadyState).map(({ id }) => id));
      expect(members.sort()).toEqual(['ApiLatency', 'ApiServerErrors', ...declared].sort());
      expect(JSON.stringify(properties.AlarmRule)).toMatch(/^\{"Fn::Join":\["",\["\(ALARM.* OR ALARM/);
    });

    it('says what customer impact each of its alarms means, the API first', () => {
      const description = steadyStateOf(sandbox).properties.AlarmDescription as string;
      expect(description).toMatch(/^Customers are affected: API errors or latency[,.]/);
      expect(description).toMatch(/\. The stop condition of chaos experiments\.$/);
      for (const { alarms = [] } of registered) {
        for (const { steadyState } of alarms) if (steadyState) expect(description).toContain(`, or ${steadyState.impact}`);
      }
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

  });

  describe("the core services' business alarms, as their registry entries declare them", () => {
    it('creates every declared alarm on its service\'s metric, and every band alarm with its own anomaly model', () => {
      expectDeclaredAlarms(sandbox, CORE_SERVICE_REGISTRY, sandboxCluster);
    });

    it('declares an anomaly model for each band alarm and none else', () => {
      const models = registered.flatMap(({ bandAlarms = [] }) => bandAlarms.map(({ modelId }) => modelId));
      expect(Object.keys(sandbox.findResources('AWS::CloudWatch::AnomalyDetector')).sort()).toEqual(models.sort());
    });

    it('has no business alarm that the registry does not declare', () => {
      const declared = registered.flatMap(({ alarms = [], bandAlarms = [] }) => [...alarms, ...bandAlarms].map(({ id }) => id));
      const business = Object.entries(sandbox.findResources('AWS::CloudWatch::Alarm')).filter(([, { Properties }]) => JSON.stringify(Properties).includes(BUSINESS_METRICS_NAMESPACE));
      expect(business.map(([logicalId]) => logicalId.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual(declared.sort());
    });
  });

  describe('Lambda jobs and their dead letters', () => {
    it('alarms for every function on throttles, a p99 duration near its timeout and dead letters older than a day', () => {
      for (const name of WATCHED_FUNCTIONS) {
        expect([name, alarm(sandbox, `${name}Throttled`)]).toEqual([name, expect.objectContaining({ Namespace: 'AWS/Lambda', MetricName: 'Throttles', Threshold: 0 })]);
        expect([name, alarm(sandbox, `${name}NearTimeout`)]).toEqual([name, expect.objectContaining({ MetricName: 'Duration', ExtendedStatistic: 'p99' })]);
        expect([name, alarm(sandbox, `${name}DeadLettersAging`)]).toEqual([
          name,
          expect.objectContaining({ Namespace: 'AWS/SQS', MetricName: 'ApproximateAgeOfOldestMessage', Threshold: 86400 }),
        ]);
      }
    });

    it("sets each function's duration threshold at 80% of its timeout", () => {
      const functions = platformOf('sandbox').template('functions').findResources('AWS::Lambda::Function');
      for (const name of WATCHED_FUNCTIONS) {
        const [timeoutSeconds] = Object.entries(functions).filter(([id]) => new RegExp(`^${name}[0-9A-F]{8}$`).test(id)).map(([, fn]) => fn.Properties.Timeout as number);
        expect([name, alarm(sandbox, `${name}NearTimeout`).Threshold]).toEqual([name, 0.8 * timeoutSeconds * 1000]);
      }
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

  it("has one dashboard with every published business metric and each service's sections first, then the ALB, the functions and the database", () => {
    const body = dashboardBodyOf(sandbox);
    expect(Object.keys(sandbox.findResources('AWS::CloudWatch::Dashboard'))).toHaveLength(1);
    expect(Object.values(sandbox.findResources('AWS::CloudWatch::Dashboard'))[0].Properties.DashboardName).toBe(`${PROJECT}-sandbox-steady-state`);
    const functionMetrics = WATCHED_FUNCTIONS.length > 0 ? ['Throttles', 'ApproximateAgeOfOldestMessage'] : [];
    for (const name of [...publishedBusinessMetrics(CORE_SERVICE_REGISTRY), 'HTTPCode_Target_5XX_Count', 'TargetResponseTime', ...functionMetrics, 'ServerlessDatabaseCapacity', 'DatabaseConnections']) {
      expect([name, body.includes(name)]).toEqual([name, true]);
    }
    for (const { dashboard = [] } of registered) {
      for (const { title, graphs } of dashboard) {
        expect(body.indexOf(`## ${title}`)).toBeGreaterThan(-1);
        expect(body.indexOf(`## ${title}`)).toBeLessThan(body.indexOf('## API (load balancer)'));
        for (const graph of graphs) expect(body).toContain(`"title\\":\\"${graph.title}\\"`);
      }
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
          metric_selectors: publishedBusinessMetrics(CORE_SERVICE_REGISTRY).map((name) => `^${name}$`),
        },
      ]);
    });

    it('collects node, pod and container metrics as the environment says: none in the sandbox, enhanced in prod, basic when asked', () => {
      const kubernetesSection = (template: Template) => {
        const [properties] = Object.values(template.findResources('AWS::EKS::Addon', { Properties: { AddonName: 'amazon-cloudwatch-observability' } })) as Resource[];
        const { agent } = JSON.parse(properties.Properties.ConfigurationValues as string);
        // The business metrics are collected whatever the level.
        expect(agent.config.logs.metrics_collected.prometheus).toBeDefined();
        return agent.config.logs.metrics_collected.kubernetes;
      };
      expect(kubernetesSection(cluster)).toBeUndefined();
      expect(kubernetesSection(platformOf('prod').template('cluster'))).toEqual({ enhanced_container_insights: true });
      expect(kubernetesSection(buildPlatform('sandbox', { containerInsights: 'basic' }).template('cluster'))).toEqual({ enhanced_container_insights: false });
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
      expect(prometheus.cluster_name).toBe(sandboxCluster);
      // ...the ClusterName every declared business alarm names (expectDeclaredAlarms, above).
    });

    it('scrapes each core API pod once, through the target allocator, not once per node from the DaemonSet', () => {
      expect(addon().config.agent.prometheus.targetAllocator).toEqual({ enabled: true });
    });

    it('names the shared load balancer on every Ingress and looks it up by that name once the Ingress has its address', () => {
      const name = apiLoadBalancerName({ name: 'sandbox' });
      expect(name).toBe(`${PROJECT}-sandbox-api`);
      const manifests = JSON.stringify(cluster.findResources('Custom::AWSCDK-EKS-KubernetesResource'));
      expect(manifests.match(new RegExp(`alb.ingress.kubernetes.io/load-balancer-name\\\\":\\\\"${name}`, 'g'))).toHaveLength(CORE_SERVICES.length);
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

describe('business alarms of a fixture registry', () => {
  const config = loadEnvironmentConfig(() => undefined);
  const plain: CoreServiceDefinition = { publicPath: '/plain', usesDatabase: false, localPort: 8090 };
  const widgets: ServiceBusinessMetrics = {
    published: ['widgets_made_total', 'widget_queue_depth'],
    alarms: [
      {
        id: 'WidgetsStalled',
        metric: { name: 'widgets_made_total', statistic: 'Sum' },
        threshold: 1,
        comparison: 'at-or-below',
        evaluationPeriods: 4,
        datapointsToAlarm: 2,
        description: 'Widgets stalled',
        steadyState: { impact: 'widgets not made' },
      },
      { id: 'WidgetQueueDeep', metric: { name: 'widget_queue_depth', statistic: 'Maximum' }, threshold: 100, evaluationPeriods: 2, description: 'The widget queue is deep' },
    ],
    bandAlarms: [
      { id: 'WidgetsSurged', modelId: 'WidgetsMadeModel', metric: { name: 'widgets_made_total', statistic: 'Sum' }, periodMinutes: 10, stdDevs: 2, direction: 'above', evaluationPeriods: 2, description: 'Widgets surged' },
    ],
    dashboard: [{ title: 'Widgets', graphs: [{ title: 'Made and queued', left: [{ name: 'widgets_made_total', statistic: 'Sum' }], right: [{ name: 'widget_queue_depth', statistic: 'Maximum' }] }] }],
  };

  /** The observability stack of `services`, with a database of its own, and no functions unless a job's timeout is given. */
  const observabilityOf = (services: Record<string, CoreServiceDefinition>, jobTimeout?: Duration) => {
    const app = testApp();
    const data = new Stack(app, 'Data');
    const vpc = new ec2.Vpc(data, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const database = new rds.DatabaseCluster(data, 'Database', {
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_6 }),
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      writer: rds.ClusterInstance.serverlessV2('Writer'),
    });
    const job = jobTimeout && {
      name: 'Job',
      function: new lambda.Function(data, 'Job', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {};'), timeout: jobTimeout }),
      deadLetters: new sqs.Queue(data, 'JobDeadLetters'),
    };
    const functions = job ? [job] : [];
    const stack = new ObservabilityStack(app, 'Observability', { config, clusterName: 'fixture-cluster', appNamespace: 'shop', apiLoadBalancerDimension: 'app/fixture/0', functions, database, services });
    return Template.fromStack(stack);
  };
  const platformOnly = observabilityOf({});
  const withWidgets = observabilityOf({ plain, widgets: { ...plain, publicPath: '/widgets', localPort: 8091, businessMetrics: widgets } });

  it('adds nothing for an entry that declares no business metrics: only the platform\'s alarms and sections', () => {
    expect(observabilityOf({ plain }).toJSON()).toEqual(platformOnly.toJSON());
    expect(Object.keys(platformOnly.findResources('AWS::CloudWatch::Alarm')).map((id) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual(
      ['ApiLatency', 'ApiServerErrors', 'DatabaseConnectionsNearLimit', 'DatabaseNearMaxCapacity'],
    );
    platformOnly.resourceCountIs('AWS::CloudWatch::AnomalyDetector', 0);
    expect(steadyStateOf(platformOnly).properties.AlarmDescription).toBe('Customers are affected: API errors or latency. The stop condition of chaos experiments.');
    expect([...dashboardBodyOf(platformOnly).matchAll(/## ([^\\"]+)/g)].map(([, title]) => title)).toEqual(['API (load balancer)', 'Database (Aurora Serverless v2)']);
  });

  it("alarms on a function's throttles, its p99 duration above 80% of its timeout and its dead letters older than a day", () => {
    const withJob = observabilityOf({}, Duration.seconds(50));
    expect(alarm(withJob, 'JobThrottled')).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Throttles', Threshold: 0 });
    expect(alarm(withJob, 'JobNearTimeout')).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Duration', ExtendedStatistic: 'p99', Threshold: 40_000 });
    expect(alarm(withJob, 'JobDeadLettersAging')).toMatchObject({ Namespace: 'AWS/SQS', MetricName: 'ApproximateAgeOfOldestMessage', Threshold: 86400 });
  });

  it("creates each declared alarm on the metric with the entry's name as its service dimension", () => {
    expectDeclaredAlarms(withWidgets, { widgets: { ...plain, businessMetrics: widgets } }, 'fixture-cluster');
  });

  it('adds the alarms declared part of the steady state to the composite, and their impact to its description', () => {
    const { properties, members } = steadyStateOf(withWidgets);
    expect(members.sort()).toEqual(['ApiLatency', 'ApiServerErrors', 'WidgetsStalled']);
    expect(properties.AlarmDescription).toBe('Customers are affected: API errors or latency, or widgets not made. The stop condition of chaos experiments.');
  });

  it("puts the entry's alarms in the dashboard's alarm status and its sections before the platform's", () => {
    const body = dashboardBodyOf(withWidgets);
    expect([...body.matchAll(/## ([^\\"]+)/g)].map(([, title]) => title)).toEqual(['Widgets', 'API (load balancer)', 'Database (Aurora Serverless v2)']);
    for (const id of ['WidgetsStalled', 'WidgetQueueDeep', 'WidgetsSurged']) expect(body).toMatch(new RegExp(`"Fn::GetAtt":\\["${id}[0-9A-F]{8}","Arn"\\]`));
    expect(body).toContain('"title\\":\\"Made and queued\\"');
    expect(body).toMatch(/widget_queue_depth.*\\"yAxis\\":\\"right\\"/);
  });

  it('publishes what the entries publish, once each, in their order', () => {
    const gadgets = { ...plain, businessMetrics: { published: ['gadgets_total', 'widget_queue_depth'] } };
    expect(publishedBusinessMetrics({ plain, widgets: { ...plain, businessMetrics: widgets }, gadgets })).toEqual(['widgets_made_total', 'widget_queue_depth', 'gadgets_total']);
  });

  it('finds no problem in the fixture, and names the service of a shared construct id, an unpublished metric or an impossible alarm', () => {
    expect(businessMetricsProblems({ plain, widgets: { ...plain, businessMetrics: widgets } })).toEqual([]);
    const [stalled] = widgets.alarms!;
    const broken: ServiceBusinessMetrics = { published: [], alarms: [{ ...stalled, datapointsToAlarm: 5 }] };
    expect(businessMetricsProblems({ widgets: { ...plain, businessMetrics: widgets }, gadgets: { ...plain, businessMetrics: broken } })).toEqual([
      'gadgets.businessMetrics: the construct id WidgetsStalled is used twice (also by widgets)',
      'gadgets.businessMetrics: widgets_made_total is alarmed on or graphed but not published, so CloudWatch never has it',
      'gadgets.businessMetrics: WidgetsStalled needs 5 of only 4 data points',
    ]);
  });
});
