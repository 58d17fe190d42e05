import { Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import { PROJECT } from '../../infra/config/naming';
import { FaultInjectionExperiment } from '../../infra/constructs/fault-injection-experiment';
import { platformOf } from './platform-fixture';
import { testApp } from './test-app';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- CloudFormation resources of any type
type Resource = { [key: string]: any };

/** The one resource of `type` whose logical id starts with `prefix`. */
const resourceOf = (template: Template, type: string, prefix: string): Resource & { logicalId: string } => {
  const found = Object.entries(template.findResources(type)).filter(([logicalId]) => logicalId.startsWith(prefix));
  if (found.length !== 1) throw new Error(`expected one ${type} starting with ${prefix}, found ${found.length}`);
  return { logicalId: found[0][0], ...found[0][1] };
};

/** A value that another stack publishes, as `Fn::GetStackOutput` names it (a jest matcher). */
const outputOf = (stackName: string, outputName: RegExp) =>
  expect.objectContaining({ 'Fn::GetStackOutput': expect.objectContaining({ StackName: stackName, OutputName: expect.stringMatching(outputName) }) });

const EXPERIMENTS = ['OrdersPodDelete', 'CatalogOutage', 'NotifierInvocationErrors'];
const EKS_EXPERIMENTS = ['OrdersPodDelete', 'CatalogOutage'];

describe('chaos stack', () => {
  const sandbox = platformOf('sandbox').template('chaos');
  const prod = platformOf('prod').template('chaos');
  const template = (experiment: string) => resourceOf(sandbox, 'AWS::FIS::ExperimentTemplate', `${experiment}Template`);
  const statementsOf = (experiment: string) =>
    resourceOf(sandbox, 'AWS::IAM::Policy', `${experiment}RoleDefaultPolicy`).Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[];
  const wildcardActions = (experiment: string) =>
    statementsOf(experiment)
      .filter((statement) => statement.Resource === '*')
      .flatMap((statement) => statement.Action)
      .sort();
  const rbac = () => JSON.parse(resourceOf(sandbox, 'Custom::AWSCDK-EKS-KubernetesResource', 'EksAccessRbac').Properties.Manifest) as Resource[];

  it('holds one experiment template per hypothesis, each described by its hypothesis', () => {
    sandbox.resourceCountIs('AWS::FIS::ExperimentTemplate', EXPERIMENTS.length);
    expect(template('OrdersPodDelete').Properties.Description).toMatch(/^Deleting half of the orders pods does not interrupt ordering/);
    expect(template('CatalogOutage').Properties.Description).toMatch(/POST \/orders fails fast: 503 with Retry-After/);
    expect(template('NotifierInvocationErrors').Properties.Description).toMatch(/no order notification is lost/);
    for (const experiment of EXPERIMENTS) expect(template(experiment).Properties.Tags).toMatchObject({ Name: experiment });
  });

  it('deletes half of the orders pods in shop, letting them drain, through the fault-injector account under restricted pod security', () => {
    expect(template('OrdersPodDelete').Properties).toMatchObject({
      Targets: {
        Pods: {
          ResourceType: 'aws:eks:pod',
          SelectionMode: 'PERCENT(50)',
          Parameters: { namespace: 'shop', selectorType: 'labelSelector', selectorValue: 'app.kubernetes.io/name=orders' },
        },
      },
      Actions: {
        DeletePods: {
          ActionId: 'aws:eks:pod-delete',
          Targets: { Pods: 'Pods' },
          Parameters: { kubernetesServiceAccount: 'fault-injector', fisPodSecurityPolicy: 'restricted' },
        },
      },
    });
    expect(template('OrdersPodDelete').Properties.Actions.DeletePods.Parameters).not.toHaveProperty('gracePeriodSeconds');
    for (const experiment of EKS_EXPERIMENTS) {
      expect(template(experiment).Properties.Targets.Pods.Parameters.clusterIdentifier).toEqual(outputOf(`${PROJECT}-sandbox-cluster`, /^PublishOutputRefCluster/));
    }
  });

  it('makes the catalog unreachable by deleting every catalog pod at once, with no network action that the restricted namespace would refuse', () => {
    expect(template('CatalogOutage').Properties).toMatchObject({
      Targets: { Pods: { ResourceType: 'aws:eks:pod', SelectionMode: 'ALL', Parameters: { namespace: 'shop', selectorValue: 'app.kubernetes.io/name=catalog' } } },
      Actions: {
        DeletePods: { ActionId: 'aws:eks:pod-delete', Parameters: { kubernetesServiceAccount: 'fault-injector', fisPodSecurityPolicy: 'restricted', gracePeriodSeconds: '0' } },
      },
    });
    expect(JSON.stringify(sandbox.findResources('AWS::FIS::ExperimentTemplate'))).not.toMatch(/aws:eks:pod-network-/);
  });

  it("fails half of the notifier's invocations for 5 minutes, before its handler runs", () => {
    expect(template('NotifierInvocationErrors').Properties).toMatchObject({
      Targets: { Notifier: { ResourceType: 'aws:lambda:function', SelectionMode: 'ALL', ResourceArns: [outputOf(`${PROJECT}-sandbox-functions`, /^PublishOutputFnGetAttNotifier[0-9A-F]{8}Arn/)] } },
      Actions: {
        FailInvocations: {
          ActionId: 'aws:lambda:invocation-error',
          Targets: { Functions: 'Notifier' },
          Parameters: { duration: 'PT5M', invocationPercentage: '50', preventExecution: 'true' },
        },
      },
    });
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
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        {
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { Service: 'fis.amazonaws.com' },
          Condition: {
            StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':fis:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':experiment/*']] } },
          },
        },
      ]);
    }
  });

  it('lets the pod experiments describe their cluster and nothing of the notifier', () => {
    for (const experiment of EKS_EXPERIMENTS) {
      expect(wildcardActions(experiment)).toEqual(['ec2:DescribeSubnets', 'logs:CreateLogDelivery', 'logs:DescribeLogGroups', 'logs:DescribeResourcePolicies', 'logs:PutResourcePolicy', 'tag:GetResources']);
      expect(statementsOf(experiment).filter((statement) => statement.Resource !== '*')).toEqual([
        { Action: 'eks:DescribeCluster', Effect: 'Allow', Resource: outputOf(`${PROJECT}-sandbox-cluster`, /^PublishOutputFnGetAttCluster[0-9A-F]{8}Arn/) },
      ]);
    }
  });

  it("lets the notifier experiment write fault configurations in the notifier's folder and read the notifier, nothing in the cluster", () => {
    expect(wildcardActions('NotifierInvocationErrors')).toEqual(['logs:CreateLogDelivery', 'logs:DescribeLogGroups', 'logs:DescribeResourcePolicies', 'logs:PutResourcePolicy', 'tag:GetResources']);
    expect(statementsOf('NotifierInvocationErrors').filter((statement) => statement.Resource !== '*')).toEqual([
      {
        Action: ['s3:DeleteObject', 's3:PutObject'],
        Effect: 'Allow',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${PROJECT}-sandbox-fis-`, { Ref: 'AWS::AccountId' }, '-', { Ref: 'AWS::Region' }, '/FisConfigs/*']] },
      },
      { Action: 'lambda:GetFunction', Effect: 'Allow', Resource: outputOf(`${PROJECT}-sandbox-functions`, /^PublishOutputFnGetAttNotifier[0-9A-F]{8}Arn/) },
    ]);
  });

  it('maps each pod experiment role to the Kubernetes user of the RoleBinding, with no EKS access policy', () => {
    sandbox.resourceCountIs('AWS::EKS::AccessEntry', EKS_EXPERIMENTS.length);
    for (const experiment of EKS_EXPERIMENTS) {
      const role = resourceOf(sandbox, 'AWS::IAM::Role', `${experiment}Role`);
      const entry = resourceOf(sandbox, 'AWS::EKS::AccessEntry', `EksAccess${experiment}Entry`);
      expect(entry.Properties).toMatchObject({ PrincipalArn: { 'Fn::GetAtt': [role.logicalId, 'Arn'] }, Username: 'fis-experiment', Type: 'STANDARD' });
      expect(entry.Properties).not.toHaveProperty('AccessPolicies');
      // A template exists only once its runs can reach the cluster.
      expect(template(experiment).DependsOn).toEqual(expect.arrayContaining([entry.logicalId, expect.stringMatching(/^EksAccessRbac/)]));
    }
  });

  it('lets the fault injector manage ConfigMaps and pods in shop only, with no ephemeral containers and no exec', () => {
    const objects = rbac();
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

  it('publishes the id of every template for aws fis start-experiment', () => {
    for (const experiment of EXPERIMENTS) {
      expect(sandbox.findOutputs(`${experiment}TemplateId`)[`${experiment}TemplateId`].Value).toEqual({ Ref: template(experiment).logicalId });
    }
  });

  it('refuses an experiment without a stop condition', () => {
    const stack = new Stack(testApp(), 'Fixture');
    const logGroup = new logs.LogGroup(stack, 'Logs');
    expect(() => new FaultInjectionExperiment(stack, 'Unbraked', { hypothesis: 'Nothing breaks.', targets: {}, actions: {}, stopConditions: [], logGroup })).toThrow(
      /at least one stop condition/,
    );
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
    expect(reasons[`/${PROJECT}-sandbox-chaos/NotifierInvocationErrors/Role`]).not.toContain('ec2:DescribeSubnets');
  });
});

describe('the notifier as a target of FIS Lambda actions (functions stack)', () => {
  const sandbox = platformOf('sandbox').template('functions');
  const prod = platformOf('prod').template('functions');
  const notifier = () => resourceOf(sandbox, 'AWS::Lambda::Function', 'Notifier');
  const configurationFolder = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${PROJECT}-sandbox-fis-`, { Ref: 'AWS::AccountId' }, '-', { Ref: 'AWS::Region' }, '/FisConfigs/*']] };

  it("runs the FIS extension for arm64 as a layer, whose ARN CloudFormation reads from AWS's SSM public parameter in the deploy region", () => {
    const [layer] = notifier().Properties.Layers;
    expect(notifier().Properties.Architectures).toEqual(['arm64']);
    expect(sandbox.toJSON().Parameters[layer.Ref]).toEqual({ Type: 'AWS::SSM::Parameter::Value<String>', Default: '/aws/service/fis/lambda-extension/AWS-FIS-extension-arm64/1.x.x' });
    // Only the notifier takes faults.
    expect(resourceOf(sandbox, 'AWS::Lambda::Function', 'ImageResizer').Properties).not.toHaveProperty('Layers');
  });

  it('points the extension at the configuration folder and wraps the runtime with it', () => {
    expect(notifier().Properties.Environment.Variables).toMatchObject({
      AWS_LAMBDA_EXEC_WRAPPER: '/opt/aws-fis/bootstrap',
      AWS_FIS_CONFIGURATION_LOCATION: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${PROJECT}-sandbox-fis-`, { Ref: 'AWS::AccountId' }, '-', { Ref: 'AWS::Region' }, '/FisConfigs/']] },
    });
  });

  it('keeps fault configurations in a private, encrypted, TLS-only bucket, emptied and deleted with a sandbox and kept in prod', () => {
    const bucket = resourceOf(sandbox, 'AWS::S3::Bucket', 'NotifierFaultInjectionConfigurations');
    expect(bucket).toMatchObject({
      DeletionPolicy: 'Delete',
      Properties: {
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      },
    });
    sandbox.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucket.logicalId },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    sandbox.hasResourceProperties('Custom::S3AutoDeleteObjects', { BucketName: { Ref: bucket.logicalId } });
    expect(resourceOf(prod, 'AWS::S3::Bucket', 'NotifierFaultInjectionConfigurations').DeletionPolicy).toBe('Retain');
  });

  it('lets the notifier list and read the configuration folder, and nothing else of the bucket', () => {
    const bucket = resourceOf(sandbox, 'AWS::S3::Bucket', 'NotifierFaultInjectionConfigurations');
    const statements = resourceOf(sandbox, 'AWS::IAM::Policy', 'NotifierRoleDefaultPolicy').Properties.PolicyDocument.Statement as Resource[];
    const s3Statements = statements.filter((statement) => [statement.Action].flat().some((action: string) => action.startsWith('s3:')));
    expect(s3Statements).toEqual([
      { Action: 's3:ListBucket', Effect: 'Allow', Resource: { 'Fn::GetAtt': [bucket.logicalId, 'Arn'] }, Condition: { StringLike: { 's3:prefix': ['FisConfigs/*'] } } },
      { Action: 's3:GetObject', Effect: 'Allow', Resource: configurationFolder },
    ]);
  });
});
