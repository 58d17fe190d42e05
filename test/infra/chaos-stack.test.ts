import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { CORE_SERVICE_REGISTRY, type CoreServiceDefinition, type PodDeletionExperiment } from '../../infra/config/core-services';
import { EVENT_FUNCTIONS, type EventFunctionDefinition, type InvocationErrorExperiment } from '../../infra/config/event-functions';
import { loadConfigFromContext } from '../../infra/config/load-config';
import { PROJECT, pascalCase } from '../../infra/config/naming';
import { FaultConfigurationsBucket } from '../../infra/constructs/fault-configurations-bucket';
import { FaultInjectionExperiment } from '../../infra/constructs/fault-injection-experiment';
import { LambdaFaultInjection } from '../../infra/constructs/lambda-fault-injection';
import { ChaosStack } from '../../infra/stacks/chaos-stack';
import { EXPERIMENT_WILDCARD_ACTIONS, FIS_TRUST_STATEMENT, outputOf, POD_DELETION_WILDCARD_ACTIONS, resourceOf, sandboxChaos, type Resource } from './chaos-templates';
import { platformOf } from './platform-fixture';
import { testApp } from './test-app';

// What the registries declare, whatever is in them: each sample's own experiment is tested in <sample>-chaos.test.ts.
const POD_DELETIONS = Object.entries(CORE_SERVICE_REGISTRY as Readonly<Record<string, CoreServiceDefinition>>).flatMap(([service, { podDeletions }]) =>
  Object.entries<PodDeletionExperiment>(podDeletions ?? {}).map(([id, deletion]) => ({ id, service, ...deletion })),
);
const INVOCATION_ERRORS = Object.entries(EVENT_FUNCTIONS as Readonly<Record<string, EventFunctionDefinition>>).flatMap(([fn, { invocationErrors }]) =>
  Object.entries<InvocationErrorExperiment>(invocationErrors ?? {}).map(([id, errors]) => ({ id, fn, ...errors })),
);
const EXPERIMENTS = [...POD_DELETIONS, ...INVOCATION_ERRORS].map(({ id }) => id);

describe('chaos stack', () => {
  const { chaos: sandbox, template, statementsOf, wildcardActions } = sandboxChaos();
  const prod = platformOf('prod').template('chaos');
  const functions = platformOf('sandbox').template('functions');

  it('holds one experiment template per declared experiment, described by its hypothesis and named by its id', () => {
    sandbox.resourceCountIs('AWS::FIS::ExperimentTemplate', EXPERIMENTS.length);
    for (const { id, hypothesis } of [...POD_DELETIONS, ...INVOCATION_ERRORS]) {
      expect(template(id).Properties.Description).toBe(hypothesis);
      expect(template(id).Properties.Tags).toMatchObject({ Name: id });
    }
  });

  it("deletes each declared share of the service's pods in shop through the fault-injector account under restricted pod security, never with a network action", () => {
    for (const { id, service, selectionMode, gracePeriodSeconds } of POD_DELETIONS) {
      expect(template(id).Properties).toMatchObject({
        Targets: {
          Pods: {
            ResourceType: 'aws:eks:pod',
            SelectionMode: selectionMode,
            Parameters: { namespace: 'shop', selectorType: 'labelSelector', selectorValue: `app.kubernetes.io/name=${service}` },
          },
        },
        Actions: { DeletePods: { ActionId: 'aws:eks:pod-delete', Targets: { Pods: 'Pods' }, Parameters: { kubernetesServiceAccount: 'fault-injector', fisPodSecurityPolicy: 'restricted' } } },
      });
      expect(template(id).Properties.Actions.DeletePods.Parameters.gracePeriodSeconds).toBe(gracePeriodSeconds === undefined ? undefined : String(gracePeriodSeconds));
      expect(template(id).Properties.Targets.Pods.Parameters.clusterIdentifier).toEqual(outputOf(`${PROJECT}-sandbox-cluster`, /^PublishOutputRefCluster/));
    }
    expect(JSON.stringify(sandbox.findResources('AWS::FIS::ExperimentTemplate'))).not.toMatch(/aws:eks:pod-network-/);
  });

  it("fails each declared share of its function's invocations, through that function's fault injection", () => {
    for (const { id, fn, durationMinutes, invocationPercentage, preventExecution } of INVOCATION_ERRORS) {
      const target = pascalCase(fn);
      const functionArn = outputOf(`${PROJECT}-sandbox-functions`, new RegExp(`^PublishOutputFnGetAtt${target}[0-9A-F]{8}Arn`));
      expect(template(id).Properties).toMatchObject({
        Targets: { [target]: { ResourceType: 'aws:lambda:function', SelectionMode: 'ALL', ResourceArns: [functionArn] } },
        Actions: {
          FailInvocations: {
            ActionId: 'aws:lambda:invocation-error',
            Targets: { Functions: target },
            Parameters: { duration: `PT${durationMinutes}M`, invocationPercentage: String(invocationPercentage), preventExecution: String(preventExecution) },
          },
        },
      });
      // It may write exactly where the function's FIS extension reads, and read the function; nothing in the cluster.
      const location = resourceOf(functions, 'AWS::Lambda::Function', target).Properties.Environment.Variables.AWS_FIS_CONFIGURATION_LOCATION;
      const folder = JSON.parse(JSON.stringify(location).replace(/(\/FisConfigs\/[a-z0-9-]+\/)"/, '$1*"'));
      expect(wildcardActions(id)).toEqual(EXPERIMENT_WILDCARD_ACTIONS);
      expect(statementsOf(id).filter((statement) => statement.Resource !== '*')).toEqual([
        { Action: ['s3:DeleteObject', 's3:PutObject'], Effect: 'Allow', Resource: folder },
        { Action: 'lambda:GetFunction', Effect: 'Allow', Resource: functionArn },
      ]);
    }
  });

  it('stops every experiment on the steady-state alarm of the observability stack', () => {
    for (const experiment of EXPERIMENTS) {
      expect(template(experiment).Properties.StopConditions).toEqual([
        { Source: 'aws:cloudwatch:alarm', Value: outputOf(`${PROJECT}-sandbox-observability`, /^PublishOutputFnGetAttSteadyState/) },
      ]);
    }
  });

  it("logs every run to a log group of the stack with the environment's retention, deleted with a sandbox and kept in prod", () => {
    const logGroup = resourceOf(sandbox, 'AWS::Logs::LogGroup', 'ExperimentLogs');
    expect(logGroup).toMatchObject({ Properties: { RetentionInDays: 7 }, DeletionPolicy: 'Delete' });
    prod.hasResource('AWS::Logs::LogGroup', { Properties: { RetentionInDays: 90 }, DeletionPolicy: 'Retain' });
    for (const experiment of EXPERIMENTS) {
      expect(template(experiment).Properties.LogConfiguration).toEqual({
        LogSchemaVersion: 2,
        CloudWatchLogsConfiguration: { LogGroupArn: { 'Fn::GetAtt': [logGroup.logicalId, 'Arn'] } },
      });
    }
  });

  it('gives each experiment a role of its own that only FIS experiments of this account and region may assume', () => {
    sandbox.resourceCountIs('AWS::IAM::Role', EXPERIMENTS.length);
    for (const experiment of EXPERIMENTS) {
      const role = resourceOf(sandbox, 'AWS::IAM::Role', `${experiment}Role`);
      expect(template(experiment).Properties.RoleArn).toEqual({ 'Fn::GetAtt': [role.logicalId, 'Arn'] });
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([FIS_TRUST_STATEMENT]);
    }
  });

  it('lets the pod experiments describe their cluster and nothing of the functions', () => {
    for (const { id } of POD_DELETIONS) {
      expect(wildcardActions(id)).toEqual(POD_DELETION_WILDCARD_ACTIONS);
      expect(statementsOf(id).filter((statement) => statement.Resource !== '*')).toEqual([
        { Action: 'eks:DescribeCluster', Effect: 'Allow', Resource: outputOf(`${PROJECT}-sandbox-cluster`, /^PublishOutputFnGetAttCluster[0-9A-F]{8}Arn/) },
      ]);
    }
  });

  it('maps each pod experiment role to the Kubernetes user of the RoleBinding, with no EKS access policy', () => {
    sandbox.resourceCountIs('AWS::EKS::AccessEntry', POD_DELETIONS.length);
    for (const { id } of POD_DELETIONS) {
      const role = resourceOf(sandbox, 'AWS::IAM::Role', `${id}Role`);
      const entry = resourceOf(sandbox, 'AWS::EKS::AccessEntry', `EksAccess${id}Entry`);
      expect(entry.Properties).toMatchObject({ PrincipalArn: { 'Fn::GetAtt': [role.logicalId, 'Arn'] }, Username: 'fis-experiment', Type: 'STANDARD' });
      expect(entry.Properties).not.toHaveProperty('AccessPolicies');
      // A template exists only once its runs can reach the cluster.
      expect(template(id).DependsOn).toEqual(expect.arrayContaining([entry.logicalId, expect.stringMatching(/^EksAccessRbac/)]));
    }
  });

  it('publishes the id of every template for aws fis start-experiment', () => {
    expect(Object.keys(sandbox.findOutputs('*')).sort()).toEqual(EXPERIMENTS.map((experiment) => `${experiment}TemplateId`).sort());
    for (const experiment of EXPERIMENTS) {
      expect(sandbox.findOutputs(`${experiment}TemplateId`)[`${experiment}TemplateId`].Value).toEqual({ Ref: template(experiment).logicalId });
    }
  });

  it('acknowledges IAM5[Resource::*] on each experiment role naming exactly the actions that role has on "*"', () => {
    const reasons = Object.fromEntries(
      platformOf('sandbox')
        .stack('chaos')
        .findMetadataByType('aws:cdk:acknowledged-rules')
        .flatMap(({ path, data }) => Object.entries(data as unknown as Record<string, string>).filter(([id]) => id === 'Annotation::AwsSolutions-IAM5[Resource::*]').map(([, reason]) => [path, reason])),
    );
    for (const experiment of EXPERIMENTS) {
      expect(reasons[`/${PROJECT}-sandbox-chaos/${experiment}/Role`]).toMatch(new RegExp(`: ${wildcardActions(experiment).join(', ')}\\.$`));
    }
    for (const { id } of INVOCATION_ERRORS) expect(reasons[`/${PROJECT}-sandbox-chaos/${id}/Role`]).not.toContain('ec2:DescribeSubnets');
  });

  it('refuses an experiment without a stop condition', () => {
    const stack = new Stack(testApp(), 'Fixture');
    const logGroup = new logs.LogGroup(stack, 'Logs');
    expect(() => new FaultInjectionExperiment(stack, 'Unbraked', { hypothesis: 'Nothing breaks.', targets: {}, actions: {}, stopConditions: [], logGroup })).toThrow(
      /at least one stop condition/,
    );
  });
});

describe('chaos stack of a registry of its own (what a fork declares)', () => {
  const config = loadConfigFromContext({ env: 'sandbox' });
  /** A chaos stack of fixture registries, with an imported cluster and a function of its own. */
  const chaosOf = (services: Readonly<Record<string, CoreServiceDefinition>>, functions: Readonly<Record<string, EventFunctionDefinition>>, withFaults = true) => {
    const app = testApp();
    const targets = new Stack(app, 'Targets');
    const cluster = eks.Cluster.fromClusterAttributes(targets, 'Cluster', {
      clusterName: 'fixture',
      kubectlProvider: eks.KubectlProvider.fromKubectlProviderAttributes(targets, 'Kubectl', { serviceToken: 'arn:aws:lambda:eu-west-1:111111111111:function:kubectl' }),
    });
    const auditor = new lambda.Function(targets, 'Auditor', { runtime: lambda.Runtime.NODEJS_22_X, architecture: lambda.Architecture.ARM_64, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {};') });
    const configurations = new FaultConfigurationsBucket(targets, 'FaultConfigurations', { config, removalPolicy: RemovalPolicy.DESTROY });
    const functionFaults = withFaults ? { auditor: new LambdaFaultInjection(targets, 'AuditorFaults', { target: auditor, name: 'auditor', configurations }) } : {};
    const stopConditions = [cloudwatch.Alarm.fromAlarmArn(targets, 'SteadyState', 'arn:aws:cloudwatch:eu-west-1:111111111111:alarm:steady-state')];
    return new ChaosStack(app, 'Chaos', { config, cluster, stopConditions, services, functions, functionFaults });
  };
  const service: CoreServiceDefinition = { publicPath: '/stock', usesDatabase: false, localPort: 8089 };
  const fn: EventFunctionDefinition = { description: 'Audits orders', detailTypes: [] };
  const withPodDeletion: CoreServiceDefinition = { ...service, podDeletions: { InventoryPodDelete: { selectionMode: 'COUNT(1)', hypothesis: 'One inventory pod less goes unnoticed.' } } };

  it('holds no experiment, and no access to the cluster, when no entry declares one', () => {
    const template = Template.fromStack(chaosOf({ inventory: service }, { auditor: fn }));
    template.resourceCountIs('AWS::FIS::ExperimentTemplate', 0);
    template.resourceCountIs('AWS::IAM::Role', 0);
    template.resourceCountIs('AWS::EKS::AccessEntry', 0);
    template.resourceCountIs('Custom::AWSCDK-EKS-KubernetesResource', 0);
    expect(template.findOutputs('*')).toEqual({});
  });

  it("makes a template of each experiment a fork's entries declare", () => {
    const stack = chaosOf(
      { inventory: withPodDeletion },
      { auditor: { ...fn, invocationErrors: { AuditorInvocationErrors: { durationMinutes: 2, invocationPercentage: 10, preventExecution: false, hypothesis: 'No audit is lost.' } } } },
    );
    const template = Template.fromStack(stack);
    expect(Object.keys(stack.experiments)).toEqual(['InventoryPodDelete', 'AuditorInvocationErrors']);
    template.resourceCountIs('AWS::EKS::AccessEntry', 1);
    template.hasResourceProperties('AWS::FIS::ExperimentTemplate', {
      Description: 'One inventory pod less goes unnoticed.',
      Targets: { Pods: { SelectionMode: 'COUNT(1)', Parameters: { selectorValue: 'app.kubernetes.io/name=inventory' } } },
    });
    template.hasResourceProperties('AWS::FIS::ExperimentTemplate', {
      Description: 'No audit is lost.',
      Targets: { Auditor: { ResourceType: 'aws:lambda:function' } },
      Actions: { FailInvocations: { Parameters: { duration: 'PT2M', invocationPercentage: '10', preventExecution: 'false' } } },
    });
  });

  it('lets the fault injector manage ConfigMaps and pods in shop only, with no ephemeral containers and no exec', () => {
    const template = Template.fromStack(chaosOf({ inventory: withPodDeletion }, { auditor: fn }));
    const objects = JSON.parse(resourceOf(template, 'Custom::AWSCDK-EKS-KubernetesResource', 'EksAccessRbac').Properties.Manifest) as Resource[];
    expect(objects.map(({ kind, metadata }) => [kind, metadata.name, metadata.namespace])).toEqual([
      ['ServiceAccount', 'fault-injector', 'shop'],
      ['Role', 'fault-injector', 'shop'],
      ['RoleBinding', 'fault-injector', 'shop'],
    ]);
    expect(objects[0].automountServiceAccountToken).toBe(true);
    expect(objects[1].rules).toEqual([
      { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'create', 'patch', 'delete'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['create', 'list', 'get', 'delete', 'deletecollection'] },
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] },
    ]);
    expect(objects[2]).toMatchObject({
      subjects: [
        { kind: 'ServiceAccount', name: 'fault-injector', namespace: 'shop' },
        { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'fis-experiment' },
      ],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'fault-injector' },
    });
  });

  it('refuses an invocation-error experiment on a function that is not a target of the FIS Lambda actions', () => {
    const declared = { auditor: { ...fn, invocationErrors: { AuditorInvocationErrors: { durationMinutes: 2, invocationPercentage: 10, preventExecution: true, hypothesis: 'No audit is lost.' } } } };
    expect(() => chaosOf({}, declared, false)).toThrow(/auditor declares invocation errors but is not a target/);
  });
});
