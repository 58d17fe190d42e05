import { Match } from 'aws-cdk-lib/assertions';
import { PROJECT } from '../../infra/config/naming';
import { EXPERIMENT_WILDCARD_ACTIONS, outputOf, resourceOf, sandboxChaos, type Resource } from './chaos-templates';
import { platformOf } from './platform-fixture';

const configurationFolder = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${PROJECT}-sandbox-faults-`, { Ref: 'AWS::AccountId' }, '-', { Ref: 'AWS::Region' }, '/FisConfigs/notifier/*']] };
const notifierArn = outputOf(`${PROJECT}-sandbox-functions`, /^PublishOutputFnGetAttNotifier[0-9A-F]{8}Arn/);

describe("the notifier's chaos experiment (chaos stack)", () => {
  const { template, statementsOf, wildcardActions } = sandboxChaos();

  it('is described by its hypothesis', () => {
    expect(template('NotifierInvocationErrors').Properties.Description).toMatch(/no order notification is lost/);
  });

  it("fails half of the notifier's invocations for 5 minutes, before its handler runs", () => {
    expect(template('NotifierInvocationErrors').Properties).toMatchObject({
      Targets: { Notifier: { ResourceType: 'aws:lambda:function', SelectionMode: 'ALL', ResourceArns: [notifierArn] } },
      Actions: {
        FailInvocations: {
          ActionId: 'aws:lambda:invocation-error',
          Targets: { Functions: 'Notifier' },
          Parameters: { duration: 'PT5M', invocationPercentage: '50', preventExecution: 'true' },
        },
      },
    });
  });

  it("lets the notifier experiment write fault configurations in the notifier's folder and read the notifier, nothing in the cluster", () => {
    expect(wildcardActions('NotifierInvocationErrors')).toEqual(EXPERIMENT_WILDCARD_ACTIONS);
    expect(statementsOf('NotifierInvocationErrors').filter((statement) => statement.Resource !== '*')).toEqual([
      { Action: ['s3:DeleteObject', 's3:PutObject'], Effect: 'Allow', Resource: configurationFolder },
      { Action: 'lambda:GetFunction', Effect: 'Allow', Resource: notifierArn },
    ]);
  });
});

describe('the notifier as a target of FIS Lambda actions (functions stack)', () => {
  const sandbox = platformOf('sandbox').template('functions');
  const prod = platformOf('prod').template('functions');
  const notifier = () => resourceOf(sandbox, 'AWS::Lambda::Function', 'Notifier');

  it("runs the FIS extension for arm64 as a layer, whose ARN CloudFormation reads from AWS's SSM public parameter in the deploy region", () => {
    const [layer] = notifier().Properties.Layers;
    expect(notifier().Properties.Architectures).toEqual(['arm64']);
    expect(sandbox.toJSON().Parameters[layer.Ref]).toEqual({ Type: 'AWS::SSM::Parameter::Value<String>', Default: '/aws/service/fis/lambda-extension/AWS-FIS-extension-arm64/1.x.x' });
    // Only the notifier takes faults.
    expect(resourceOf(sandbox, 'AWS::Lambda::Function', 'ImageResizer').Properties).not.toHaveProperty('Layers');
  });

  it("points the extension at the notifier's folder of the configurations bucket and wraps the runtime with it", () => {
    expect(notifier().Properties.Environment.Variables).toMatchObject({
      AWS_LAMBDA_EXEC_WRAPPER: '/opt/aws-fis/bootstrap',
      AWS_FIS_CONFIGURATION_LOCATION: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${PROJECT}-sandbox-faults-`, { Ref: 'AWS::AccountId' }, '-', { Ref: 'AWS::Region' }, '/FisConfigs/notifier/']] },
    });
  });

  it('lets the notifier wait up to 2 s for the FIS configuration, so preventExecution faults apply before the handler runs', () => {
    sandbox.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ AWS_LAMBDA_EXEC_WRAPPER: '/opt/aws-fis/bootstrap', AWS_FIS_POLL_MAX_WAIT_MILLISECONDS: '2000' }) },
    });
  });

  it('keeps fault configurations in a private, encrypted, TLS-only bucket, emptied and deleted with a sandbox and kept in prod', () => {
    const bucket = resourceOf(sandbox, 'AWS::S3::Bucket', 'FaultConfigurationsBucket');
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
    expect(resourceOf(prod, 'AWS::S3::Bucket', 'FaultConfigurationsBucket').DeletionPolicy).toBe('Retain');
  });

  it('does not access-log the FIS configuration bucket (late logs of its polls would refill the access-log bucket on destroy), acknowledging S1 on it', () => {
    const [bucket] = Object.values(sandbox.findResources('AWS::S3::Bucket', { Properties: { BucketName: { 'Fn::Join': ['', Match.arrayWith([`${PROJECT}-sandbox-faults-`])] } } }));
    expect(bucket.Properties.LoggingConfiguration).toBeUndefined();
    const acknowledged = platformOf('sandbox')
      .stack('functions')
      .findMetadataByType('aws:cdk:acknowledged-rules')
      .filter(({ data }) => Object.keys(data as object).includes('Annotation::AwsSolutions-S1'))
      .map(({ path }) => path);
    expect(acknowledged).toContain(`/${PROJECT}-sandbox-functions/FaultConfigurations/Bucket`);
  });

  it('lets the notifier list and read its own folder, and nothing else of the bucket', () => {
    const bucket = resourceOf(sandbox, 'AWS::S3::Bucket', 'FaultConfigurationsBucket');
    const statements = resourceOf(sandbox, 'AWS::IAM::Policy', 'NotifierRoleDefaultPolicy').Properties.PolicyDocument.Statement as Resource[];
    const s3Statements = statements.filter((statement) => [statement.Action].flat().some((action: string) => action.startsWith('s3:')));
    expect(s3Statements).toEqual([
      { Action: 's3:ListBucket', Effect: 'Allow', Resource: { 'Fn::GetAtt': [bucket.logicalId, 'Arn'] }, Condition: { StringLike: { 's3:prefix': ['FisConfigs/notifier/*'] } } },
      { Action: 's3:GetObject', Effect: 'Allow', Resource: configurationFolder },
    ]);
  });
});
