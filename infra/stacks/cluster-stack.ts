import { Aws, CfnOutput, Stack, Token, Validations, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as rds from 'aws-cdk-lib/aws-rds';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { APP_NAMESPACE, CORE_SERVICES, type CoreServiceName } from '../config/core-services';
import type { EnvironmentConfig } from '../config/environment-config';
import { SUPPORTED_KUBERNETES_VERSIONS } from '../config/kubernetes';
import { PROJECT, physicalName, uploadsBucketName } from '../config/naming';
import { removalPolicyOf } from '../config/removal';
import type { ChartInputs } from '../../k8s/values';
import { PlatformManifests } from '../constructs/platform-manifests';
import { PodIdentityRole } from '../constructs/pod-identity-role';
import { ServiceImageRepository } from '../constructs/service-image-repository';
import { acknowledgeEksConstructFindings } from './eks-nag-acknowledgements';
import { THUMBNAILS_PREFIX, UPLOADS_PREFIX } from './functions-stack';

export interface ClusterStackProps extends StackProps {
  readonly config: EnvironmentConfig;
  readonly vpc: ec2.IVpc;
  readonly database: rds.DatabaseCluster;
  /** The database name the services connect to. */
  readonly databaseName: string;
  /** Where the orders service publishes its events. */
  readonly eventBus: events.IEventBus;
}

/** A core service's deployment-time identity: where its images live and the AWS role its pods assume. */
export interface CoreServiceResources {
  readonly imageRepository: ServiceImageRepository;
  readonly podIdentity: PodIdentityRole;
}

/**
 * The container half: an EKS cluster (Auto Mode by default) with encrypted secrets, full control-plane
 * logging, a kubectl provider ready for the cdk8s charts, and per core service an ECR repository and
 * a Pod Identity role.
 */
export class ClusterStack extends Stack {
  readonly cluster: eks.Cluster;
  readonly services: Record<CoreServiceName, CoreServiceResources>;

  constructor(scope: Construct, id: string, props: ClusterStackProps) {
    super(scope, id, props);
    const { config, vpc, database } = props;
    const removalPolicy = removalPolicyOf(config);
    const kubernetes = SUPPORTED_KUBERNETES_VERSIONS[config.cluster.kubernetesVersion];
    const clusterName = physicalName(config, 'cluster');

    const secretsKey = new kms.Key(this, 'SecretsKey', {
      description: `Envelope encryption of Kubernetes secrets in ${clusterName}`,
      enableKeyRotation: true,
      removalPolicy,
    });

    // EKS writes control-plane logs here; created first so that the retention is ours, not "never expire".
    const controlPlaneLogs = new logs.LogGroup(this, 'ControlPlaneLogs', {
      logGroupName: `/aws/eks/${clusterName}/cluster`,
      retention: config.logRetentionDays,
      removalPolicy,
    });

    const autoMode = config.cluster.capacity.type === 'auto-mode';
    this.cluster = new eks.Cluster(this, 'Cluster', {
      clusterName,
      version: kubernetes.version,
      vpc,
      vpcSubnets: [{ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }],
      defaultCapacityType: autoMode ? eks.DefaultCapacityType.AUTOMODE : eks.DefaultCapacityType.NODEGROUP,
      // Node groups are added below with the configured sizes; Auto Mode manages capacity itself.
      defaultCapacity: autoMode ? undefined : 0,
      secretsEncryptionKey: secretsKey,
      clusterLogging: [
        eks.ClusterLoggingTypes.API,
        eks.ClusterLoggingTypes.AUDIT,
        eks.ClusterLoggingTypes.AUTHENTICATOR,
        eks.ClusterLoggingTypes.CONTROLLER_MANAGER,
        eks.ClusterLoggingTypes.SCHEDULER,
      ],
      kubectlProviderOptions: { kubectlLayer: kubernetes.kubectlLayer(this, 'KubectlLayer') },
      removalPolicy,
    });
    this.cluster.node.addDependency(controlPlaneLogs);
    acknowledgeEksConstructFindings(this.cluster);

    if (config.cluster.capacity.type === 'managed-node-group') {
      const { instanceType, minSize, maxSize } = config.cluster.capacity;
      this.cluster.addNodegroupCapacity('Nodes', {
        instanceTypes: [new ec2.InstanceType(instanceType)],
        minSize,
        maxSize,
        subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      });
      // Auto Mode runs the Pod Identity agent itself; node groups need the add-on.
      new eks.Addon(this, 'PodIdentityAgent', { cluster: this.cluster, addonName: 'eks-pod-identity-agent' });
    }

    if (config.cluster.adminRoleArn) {
      this.cluster.grantAccess('AdminRole', config.cluster.adminRoleArn, [
        eks.AccessPolicy.fromAccessPolicyName('AmazonEKSClusterAdminPolicy', { accessScopeType: eks.AccessScopeType.CLUSTER }),
      ]);
    }

    // Pods reach the database through the cluster security group (Auto Mode nodes and the pods on
    // them use it). The rule is created here, through an imported handle, so the data stack does not
    // depend on the cluster stack.
    const databaseSecurityGroup = ec2.SecurityGroup.fromSecurityGroupId(
      this,
      'DatabaseSecurityGroup',
      database.connections.securityGroups[0].securityGroupId,
    );
    databaseSecurityGroup.addIngressRule(this.cluster.clusterSecurityGroup, ec2.Port.tcp(5432), 'PostgreSQL from EKS pods');

    this.services = Object.fromEntries(
      CORE_SERVICES.map((serviceName) => {
        const imageRepository = new ServiceImageRepository(this, `${serviceName}Images`, {
          serviceName,
          repositoryNamePrefix: `${PROJECT}-${config.name}`,
          removalPolicy,
        });
        const podIdentity = new PodIdentityRole(this, `${serviceName}PodIdentity`, {
          cluster: this.cluster,
          namespace: APP_NAMESPACE,
          serviceAccount: serviceName,
        });
        database.secret?.grantRead(podIdentity.role);
        // Each service gets exactly the AWS access its code needs, and nothing for the others' jobs.
        if (serviceName === 'catalog') grantCatalogUploads(podIdentity.role, config);
        if (serviceName === 'orders') props.eventBus.grantPutEventsTo(podIdentity.role);
        new CfnOutput(this, `${serviceName}ImageRepositoryUri`, { value: imageRepository.repository.repositoryUri });
        return [serviceName, { imageRepository, podIdentity }];
      }),
    ) as Record<CoreServiceName, CoreServiceResources>;

    const chartInputs: ChartInputs = {
      region: this.region,
      // From config, not the VPC's token: the NetworkPolicies need a literal CIDR at synth time.
      vpcCidr: config.network.cidr,
      databaseHost: database.clusterEndpoint.hostname,
      databasePort: Token.asString(database.clusterEndpoint.port),
      databaseName: props.databaseName,
      databaseSecretArn: database.secret!.secretArn,
      uploadsBucket: uploadsBucketName(config),
      eventBusName: props.eventBus.eventBusName,
      imageRepositories: Object.fromEntries(
        CORE_SERVICES.map((name) => [name, this.services[name].imageRepository.repository.repositoryUri]),
      ) as ChartInputs['imageRepositories'],
    };
    new PlatformManifests(this, 'CoreApis', { cluster: this.cluster, inputs: chartInputs, imageTag: config.imageTag });

    new CfnOutput(this, 'ClusterName', { value: this.cluster.clusterName });
    // `cdk deploy --outputs-file` hands this to `npm run synth:k8s -- --cdk-outputs <file>` for GitOps/Pulumi.
    new CfnOutput(this, 'ChartInputs', { value: this.toJsonString(chartInputs) });
  }
}

/**
 * The catalog presigns PUT URLs for uploads/ (the client uploads with the pod's permission) and GET
 * URLs for thumbnails/ (product responses carry them): exactly these two, nothing else in the bucket.
 */
function grantCatalogUploads(role: iam.IRole, config: EnvironmentConfig): void {
  const grants = [
    { action: 's3:PutObject', prefix: UPLOADS_PREFIX },
    { action: 's3:GetObject', prefix: THUMBNAILS_PREFIX },
  ];
  for (const { action, prefix } of grants) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: [action], resources: [`arn:${Aws.PARTITION}:s3:::${uploadsBucketName(config)}/${prefix}*`] }),
    );
    // How cdk-nag prints that ARN, with the pseudo parameters in angle brackets.
    const nagArn = `arn:<AWS::Partition>:s3:::${physicalName(config, 'uploads')}-<AWS::AccountId>-<AWS::Region>/${prefix}*`;
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagArn}]`,
      reason: `Objects are named by key prefix: ${prefix}* is the narrowest ARN that covers objects that do not exist yet.`,
    });
  }
}
