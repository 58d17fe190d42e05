import { Match } from 'aws-cdk-lib/assertions';
import { PROJECT } from '../../infra/config/naming';
import { platformOf } from './platform-fixture';

describe('data stack', () => {
  const sandbox = platformOf('sandbox').template('data');
  const prod = platformOf('prod').template('data');

  it('runs Aurora PostgreSQL Serverless v2 that scales to zero in the sandbox', () => {
    sandbox.hasResourceProperties('AWS::RDS::DBCluster', {
      Engine: 'aurora-postgresql',
      ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: 2 },
    });
    prod.hasResourceProperties('AWS::RDS::DBCluster', { ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 16 } });
  });

  it('adds a reader in prod only', () => {
    sandbox.resourceCountIs('AWS::RDS::DBInstance', 1);
    prod.resourceCountIs('AWS::RDS::DBInstance', 2);
  });

  it('encrypts storage with a rotating customer-managed key', () => {
    sandbox.hasResourceProperties('AWS::RDS::DBCluster', { StorageEncrypted: true, KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DatabaseKey'), 'Arn'] } });
    sandbox.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('keeps credentials in Secrets Manager, never in the template', () => {
    sandbox.resourceCountIs('AWS::SecretsManager::Secret', 1);
    sandbox.hasResourceProperties('AWS::RDS::DBCluster', {
      MasterUserPassword: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('resolve:secretsmanager')])] },
    });
  });

  it('is not publicly accessible and sits in the isolated subnets', () => {
    sandbox.allResourcesProperties('AWS::RDS::DBInstance', { PubliclyAccessible: false });
    const [subnetGroup] = Object.values(sandbox.findResources('AWS::RDS::DBSubnetGroup'));
    const subnetIds = JSON.stringify(subnetGroup.Properties.SubnetIds);
    expect(subnetIds).toContain('DataSubnet');
    expect(subnetIds).not.toMatch(/PublicSubnet|PrivateSubnet/);
  });

  it('admits no traffic of its own: the cluster stack adds the only ingress rule', () => {
    sandbox.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    const [securityGroup] = Object.values(sandbox.findResources('AWS::EC2::SecurityGroup'));
    expect(securityGroup.Properties.SecurityGroupIngress).toBeUndefined();
  });

  it('protects prod from deletion and lets the sandbox go', () => {
    sandbox.hasResource('AWS::RDS::DBCluster', { DeletionPolicy: 'Delete', Properties: Match.objectLike({ DeletionProtection: false }) });
    prod.hasResource('AWS::RDS::DBCluster', { DeletionPolicy: 'Retain', Properties: Match.objectLike({ DeletionProtection: true }) });
  });

  it('ships PostgreSQL logs to a log group with the environment retention', () => {
    sandbox.hasResourceProperties('AWS::RDS::DBCluster', { EnableCloudwatchLogsExports: ['postgresql'] });
    sandbox.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: `/aws/rds/cluster/${PROJECT}-sandbox-db/postgresql`, RetentionInDays: 7 });
  });
});
