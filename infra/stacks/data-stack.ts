import { Duration, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/environment-config';
import { physicalName } from '../config/naming';
import { keyLifecycleOf, removalPolicyOf } from '../config/removal';

/** Aurora PostgreSQL's engine version; the service tests run PostgreSQL of the same major version. */
export const AURORA_POSTGRES_VERSION = rds.AuroraPostgresEngineVersion.VER_17_7;

export interface DataStackProps extends StackProps {
  readonly config: EnvironmentConfig;
  readonly vpc: ec2.IVpc;
}

/**
 * The platform's state: Aurora PostgreSQL Serverless v2 in isolated subnets. Nothing can reach it
 * until a consumer is let in through `database.connections` (the cluster stack does that).
 */
export class DataStack extends Stack {
  readonly database: rds.DatabaseCluster;
  readonly databaseName = 'platform';

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { config, vpc } = props;
    const removalPolicy = removalPolicyOf(config);

    const encryptionKey = new kms.Key(this, 'DatabaseKey', {
      description: `Encrypts the storage of the ${config.name} Aurora cluster`,
      ...keyLifecycleOf(config),
    });

    // Aurora would create its log group with no expiry; creating it first (by its fixed name) sets the
    // retention without the extra Lambda that `cloudwatchLogsRetention` deploys.
    const clusterIdentifier = physicalName(config, 'db');
    const postgresLogs = new logs.LogGroup(this, 'PostgresLogs', {
      logGroupName: `/aws/rds/cluster/${clusterIdentifier}/postgresql`,
      retention: config.logRetentionDays,
      removalPolicy,
    });

    this.database = new rds.DatabaseCluster(this, 'Database', {
      clusterIdentifier,
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: AURORA_POSTGRES_VERSION }),
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      // The secret keeps Secrets Manager's AWS-managed key: a grant to a pod role in the cluster stack then
      // needs no change to this stack's key policy (which would make the two stacks depend on each other).
      credentials: rds.Credentials.fromGeneratedSecret('platform_admin'),
      defaultDatabaseName: this.databaseName,
      writer: rds.ClusterInstance.serverlessV2('Writer'),
      readers: Array.from({ length: config.database.readers }, (_, index) =>
        rds.ClusterInstance.serverlessV2(`Reader${index + 1}`, { scaleWithWriter: true }),
      ),
      serverlessV2MinCapacity: config.database.minCapacity,
      serverlessV2MaxCapacity: config.database.maxCapacity,
      storageEncrypted: true,
      storageEncryptionKey: encryptionKey,
      iamAuthentication: true,
      backup: { retention: Duration.days(config.database.backupRetentionDays) },
      cloudwatchLogsExports: ['postgresql'],
      deletionProtection: config.database.deletionProtection,
      removalPolicy,
    });
    this.database.node.addDependency(postgresLogs);

    // Each acknowledgement names one finding and why it is acceptable here; keep README's count in step.
    Validations.of(this.database).acknowledge({
      id: 'AwsSolutions-RDS11',
      reason: 'The default port is kept so every PostgreSQL client works unchanged; only the cluster security group can reach it.',
    });
    Validations.of(this.database).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'Services read the credentials once at start-up; rotation waits for the services to re-read them (see README, Security).',
    });
    if (!config.database.deletionProtection) {
      Validations.of(this.database).acknowledge({
        id: 'AwsSolutions-RDS10',
        reason: `Environment "${config.name}" is meant to be destroyed by cdk destroy; prod turns deletion protection on.`,
      });
    }
  }
}
