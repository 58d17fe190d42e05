import { CfnOutput, Duration, RemovalPolicy, Stack, Token, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct, IDependable } from 'constructs';
import { publishedBusinessMetrics } from '../config/business-metrics';
import { APP_NAMESPACE, CORE_SERVICE_REGISTRY, CORE_SERVICES, coreService, type CoreServiceName } from '../config/core-services';
import type { EnvironmentConfig } from '../config/environment-config';
import { ADDON_DEPLOYMENTS, type DeploymentRunningAddon } from '../config/addon-deployments';
import { SUPPORTED_KUBERNETES_VERSIONS } from '../config/kubernetes';
import { apiLoadBalancerName, physicalName, uploadsBucketName } from '../config/naming';
import { keyLifecycleOf, removalPolicyOf } from '../config/removal';
import { CORE_API_LABELS } from '../../k8s/core-api-workload';
import type { ChartInputs } from '../../k8s/values';
import { ClusterAdminRole } from '../constructs/cluster-admin-role';
import { ContainerInsights } from '../constructs/container-insights';
import { grantCoreServiceAccess } from '../constructs/core-service-access';
import { CoreApiNodePool } from '../constructs/core-api-node-pool';
import { IngressLoadBalancer } from '../constructs/ingress-load-balancer';
import { NodeRoleRelease } from '../constructs/node-role-release';
import { PlatformManifests } from '../constructs/platform-manifests';
import { PodIdentityRole } from '../constructs/pod-identity-role';
import { CORE_API_PLATFORM, ServiceImage } from '../constructs/service-image';
import { SleepSchedule } from '../constructs/sleep-schedule';
import { acknowledgeAutoModeNodeRoleFindings, acknowledgeControlPlaneLogChoice, acknowledgeEksConstructFindings } from './eks-nag-acknowledgements';

export interface ClusterStackProps extends StackProps {
  readonly config: EnvironmentConfig;
  readonly vpc: ec2.IVpc;
  readonly database: rds.DatabaseCluster;
  /** The database name the services connect to. */
  readonly databaseName: string;
  /** Where the orders service publishes its events. */
  readonly eventBus: events.IEventBus;
  /** Where the sleep schedule's alarm e-mails the owner (the functions stack's AlarmTopic). */
  readonly alarmTopic: sns.ITopic;
}

/** A core service's deployment-time identity: the image it runs and the AWS role its pods assume. */
export interface CoreServiceResources {
  readonly image: ServiceImage;
  readonly podIdentity: PodIdentityRole;
}

/** How long the stack waits for the load balancer's address (Auto Mode creates the ALB in 2-4 minutes). */
const LOAD_BALANCER_TIMEOUT = Duration.minutes(10);

/**
 * The container half: an EKS cluster (Auto Mode by default) with encrypted secrets, full control-plane
 * logging, an admin role for people, the metrics source of the HPAs, nodes that enforce
 * NetworkPolicies, per core service an image built by `cdk deploy` and a Pod Identity role, and the
 * k8s/ charts applied through the kubectl provider once all of that exists.
 */
export class ClusterStack extends Stack {
  readonly cluster: eks.Cluster;
  /**
   * The cluster's name as a literal (`cluster.clusterName` is a reference): the name the CloudWatch
   * agent publishes the business metrics under (`ClusterName`), and so the one their alarms must name.
   */
  readonly clusterName: string;
  readonly services: Record<CoreServiceName, CoreServiceResources>;
  /** The public load balancer of the core APIs, found once EKS has created it (for its metrics). */
  readonly apiLoadBalancer: IngressLoadBalancer;
  /** Container Insights: the CloudWatch agent (metrics, the core APIs' Prometheus metrics) and Fluent Bit (logs). */
  readonly containerInsights: ContainerInsights;
  /** Scales the core APIs to zero outside `workingHours`; absent when the environment has none (it never sleeps). */
  readonly sleepSchedule?: SleepSchedule;

  constructor(scope: Construct, id: string, props: ClusterStackProps) {
    super(scope, id, props);
    const { config, vpc, database } = props;
    const removalPolicy = removalPolicyOf(config);
    const kubernetes = SUPPORTED_KUBERNETES_VERSIONS[config.cluster.kubernetesVersion];
    const clusterName = physicalName(config, 'cluster');
    this.clusterName = clusterName;
    // The Auto Mode capacity settings, when the cluster runs on Auto Mode.
    const autoMode = config.cluster.capacity.type === 'auto-mode' ? config.cluster.capacity : undefined;
    const privateSubnets = vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).subnets;

    const secretsKey = new kms.Key(this, 'SecretsKey', {
      description: `Envelope encryption of Kubernetes secrets in ${clusterName}`,
      ...keyLifecycleOf(config),
    });

    // EKS writes control-plane logs here; created first so that the retention is ours, not "never expire".
    const controlPlaneLogTypes = config.cluster.controlPlaneLogs;
    const controlPlaneLogs =
      controlPlaneLogTypes.length > 0
        ? new logs.LogGroup(this, 'ControlPlaneLogs', { logGroupName: `/aws/eks/${clusterName}/cluster`, retention: config.logRetentionDays, removalPolicy })
        : undefined;

    // The kubectl provider's functions run in the VPC (they reach the private endpoint). In a security
    // group of this stack, not the EKS-owned cluster security group: Lambda releases its network
    // interfaces late, and in the EKS-owned group they would block EKS from deleting that group, and
    // CloudFormation from deleting the VPC, on `cdk destroy`.
    const kubectlSecurityGroup = new ec2.SecurityGroup(this, 'KubectlProviderSecurityGroup', {
      vpc,
      description: 'kubectl provider functions: to the EKS API endpoint and AWS APIs over HTTPS',
    });
    // The private endpoint's network interfaces carry this group (and the EKS-owned one).
    const controlPlaneSecurityGroup = new ec2.SecurityGroup(this, 'ControlPlaneSecurityGroup', { vpc, description: 'EKS control plane network interfaces' });
    controlPlaneSecurityGroup.addIngressRule(kubectlSecurityGroup, ec2.Port.HTTPS, 'kubectl provider to the EKS API');

    // The node role of the Auto Mode pools, built-in and ours: the minimal policies EKS documents for it.
    const nodeRole = autoMode
      ? new iam.Role(this, 'NodeRole', {
          assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
          managedPolicies: ['AmazonEKSWorkerNodeMinimalPolicy', 'AmazonEC2ContainerRegistryPullOnly'].map((name) => iam.ManagedPolicy.fromAwsManagedPolicyName(name)),
        })
      : undefined;

    this.cluster = new eks.Cluster(this, 'Cluster', {
      clusterName,
      version: kubernetes.version,
      vpc,
      vpcSubnets: [{ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }],
      securityGroup: controlPlaneSecurityGroup,
      defaultCapacityType: autoMode ? eks.DefaultCapacityType.AUTOMODE : eks.DefaultCapacityType.NODEGROUP,
      // Node groups are added below with the configured sizes; Auto Mode manages capacity itself.
      defaultCapacity: autoMode ? undefined : 0,
      compute: autoMode ? { nodeRole } : undefined,
      secretsEncryptionKey: secretsKey,
      // The config's names are EKS's, which are the enum's values.
      clusterLogging: controlPlaneLogTypes.map((type) => type as eks.ClusterLoggingTypes),
      kubectlProviderOptions: { kubectlLayer: kubernetes.kubectlLayer(this, 'KubectlLayer'), securityGroups: [kubectlSecurityGroup] },
      removalPolicy,
    });
    // The kubectl provider (inside the Cluster construct) must find its way to the endpoint open.
    this.cluster.node.addDependency(controlPlaneSecurityGroup, ...(controlPlaneLogs ? [controlPlaneLogs] : []));
    acknowledgeEksConstructFindings(this.cluster);
    acknowledgeControlPlaneLogChoice(this.cluster, controlPlaneLogTypes);
    if (nodeRole) {
      acknowledgeAutoModeNodeRoleFindings(nodeRole);
      // A retained cluster keeps running on this role; a deleted one must let go of it (see NodeRoleRelease).
      nodeRole.applyRemovalPolicy(removalPolicy);
      if (removalPolicy === RemovalPolicy.DESTROY) {
        this.cluster.node.addDependency(new NodeRoleRelease(this, 'NodeRoleRelease', { role: nodeRole, logRetention: config.logRetentionDays }));
      }
    }

    // HPAs scale on metrics.k8s.io, which nothing serves on a new cluster (Auto Mode ships no metrics-server).
    const metricsServer = new eks.Addon(this, 'MetricsServer', { cluster: this.cluster, addonName: 'metrics-server' });

    // Where the core APIs run, with their NetworkPolicies enforced: our node pool on Auto Mode, or
    // the configured node groups.
    const nodes: NetworkPolicyNodes =
      autoMode && nodeRole
        ? new CoreApiNodePool(this, 'CoreApiNodePool', {
            cluster: this.cluster,
            nodeRole,
            subnets: privateSubnets,
            arch: CORE_API_PLATFORM.kubernetesArch,
            families: autoMode.coreApiNodes,
          })
      : this.addManagedNodeGroups(config);
    // metrics-server's pods then find the (preferred) core-apis pool ready instead of starting a node elsewhere.
    if (nodeRole) metricsServer.node.addDependency(nodes.enforcement);

    this.containerInsights = new ContainerInsights(this, 'ContainerInsights', {
      cluster: this.cluster,
      clusterName,
      level: config.cluster.containerInsights,
      appNamespace: APP_NAMESPACE,
      businessMetrics: publishedBusinessMetrics(CORE_SERVICE_REGISTRY),
      logRetention: config.logRetentionDays,
      removalPolicy,
    });

    // The add-ons whose Deployments would keep a node up all night: they sleep with the core APIs.
    const addonsWithDeployments: Record<DeploymentRunningAddon, eks.Addon> = {
      'metrics-server': metricsServer,
      'amazon-cloudwatch-observability': this.containerInsights.addon,
    };
    if (config.workingHours) {
      // The sleep schedule scales their Deployments (spec.replicas, a field EKS manages): an add-on update
      // while they sleep then resets them to the add-on's replicas instead of failing on the conflict;
      // the next sleep scales them down again.
      for (const addon of Object.values(addonsWithDeployments)) (addon.node.defaultChild as eks.CfnAddon).resolveConflicts = 'OVERWRITE';
    }

    // People: an admin role the account can assume, and optionally an existing role of theirs.
    const admin = new ClusterAdminRole(this, 'ClusterAdmin', { cluster: this.cluster });
    if (config.cluster.adminRoleArn) {
      this.cluster.grantAccess('AdminRole', config.cluster.adminRoleArn, [
        eks.AccessPolicy.fromAccessPolicyName('AmazonEKSClusterAdminPolicy', { accessScopeType: eks.AccessScopeType.CLUSTER }),
      ]);
    }

    // Pods reach the database through the cluster security group (Auto Mode nodes and the pods on
    // them use it); the platform chart's NetworkPolicies then let only the pods labelled for it
    // through. The rule is created here, through an imported handle, so the data stack does not
    // depend on the cluster stack.
    const databaseSecurityGroup = ec2.SecurityGroup.fromSecurityGroupId(
      this,
      'DatabaseSecurityGroup',
      database.connections.securityGroups[0].securityGroupId,
    );
    databaseSecurityGroup.addIngressRule(this.cluster.clusterSecurityGroup, ec2.Port.tcp(5432), 'PostgreSQL from EKS pods');

    this.services = Object.fromEntries(
      CORE_SERVICES.map((serviceName) => {
        const image = new ServiceImage(this, `${serviceName}Image`, { serviceName });
        const podIdentity = new PodIdentityRole(this, `${serviceName}PodIdentity`, {
          cluster: this.cluster,
          namespace: APP_NAMESPACE,
          serviceAccount: serviceName,
        });
        const definition = coreService(serviceName);
        if (definition.usesDatabase) database.secret?.grantRead(podIdentity.role);
        // Each service gets exactly the AWS access its code needs, and nothing for the others' jobs.
        for (const grant of definition.grants ?? []) grantCoreServiceAccess(podIdentity.role, grant, { config, eventBus: props.eventBus });
        return [serviceName, { image, podIdentity }];
      }),
    ) as Record<CoreServiceName, CoreServiceResources>;

    const loadBalancerName = apiLoadBalancerName(config);
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
      images: Object.fromEntries(CORE_SERVICES.map((name) => [name, this.services[name].image.imageUri])) as ChartInputs['images'],
      nodeSelector: nodes.nodeSelector,
      certificateArn: config.cluster.apiCertificateArn,
      loadBalancerName,
    };
    const manifests = new PlatformManifests(this, 'CoreApis', {
      cluster: this.cluster,
      inputs: chartInputs,
      beforePlatform: [nodes.enforcement],
      beforeServices: [metricsServer, nodes.enforcement],
      beforeService: (name) => [this.services[name].podIdentity.association],
    });

    // Every public API shares one ALB (the IngressClass's group); its address appears on the Ingress
    // status once Auto Mode has created it.
    const loadBalancerHost = new eks.KubernetesObjectValue(this, 'LoadBalancerHost', {
      cluster: this.cluster,
      objectType: 'ingress',
      objectName: CORE_SERVICES[0],
      objectNamespace: APP_NAMESPACE,
      jsonPath: '.status.loadBalancer.ingress[0].hostname',
      timeout: LOAD_BALANCER_TIMEOUT,
    });
    loadBalancerHost.node.addDependency(manifests.services[CORE_SERVICES[0]]);

    if (config.workingHours) {
      this.sleepSchedule = new SleepSchedule(this, 'SleepSchedule', {
        cluster: this.cluster,
        namespace: APP_NAMESPACE,
        deploymentLabels: CORE_API_LABELS,
        // Else their pods keep a node up all night (the core-apis pool is their preferred home).
        systemDeployments: Object.values(ADDON_DEPLOYMENTS).flat(),
        workingHours: config.workingHours,
        // The platform chart creates the app namespace, the add-ons theirs.
        after: [manifests.platform, ...Object.values(addonsWithDeployments)],
        logRetention: config.logRetentionDays,
        removalPolicy,
        alarmTopic: props.alarmTopic,
      });
      new CfnOutput(this, 'SleeperFunctionName', {
        description: `Wakes the core APIs early: aws lambda invoke --function-name <this> --cli-binary-format raw-in-base64-out --payload '{"action":"wake"}' /dev/stdout`,
        value: this.sleepSchedule.function.functionName,
      });
    }
    // The address appears once the load balancer exists: then it can be found by its name.
    this.apiLoadBalancer = new IngressLoadBalancer(this, 'ApiLoadBalancer', { loadBalancerName, after: loadBalancerHost });

    new CfnOutput(this, 'ApiUrl', {
      description: config.cluster.apiCertificateArn
        ? 'The core APIs (HTTPS; point a DNS name of the certificate at this host)'
        : 'The core APIs, plain HTTP (set -c apiCertificateArn=<ACM ARN> for HTTPS)',
      value: `${config.cluster.apiCertificateArn ? 'https' : 'http'}://${loadBalancerHost.value}`,
    });
    new CfnOutput(this, 'ClusterName', { value: this.cluster.clusterName });
    new CfnOutput(this, 'KubectlCommand', { description: 'Writes a kubeconfig entry with cluster-admin', value: admin.kubectlCommand });
    new CfnOutput(this, 'ClusterAdminRoleArn', { value: admin.role.roleArn });
    // `cdk deploy --outputs-file` hands this to `npm run synth:k8s -- --cdk-outputs <file>` for GitOps/Pulumi.
    new CfnOutput(this, 'ChartInputs', { value: this.toJsonString(chartInputs) });
  }

  /** Managed node groups of the configured size, whose NetworkPolicies the VPC CNI add-on enforces on every node. */
  private addManagedNodeGroups(config: EnvironmentConfig): NetworkPolicyNodes {
    const capacity = config.cluster.capacity;
    if (capacity.type !== 'managed-node-group') throw new Error(`cluster.capacity.type ${capacity.type} has no node groups`);
    this.cluster.addNodegroupCapacity('Nodes', {
      instanceTypes: [new ec2.InstanceType(capacity.instanceType)],
      minSize: capacity.minSize,
      maxSize: capacity.maxSize,
      subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    });
    // Auto Mode runs the Pod Identity agent itself; node groups need the add-on.
    new eks.Addon(this, 'PodIdentityAgent', { cluster: this.cluster, addonName: 'eks-pod-identity-agent' });
    const vpcCni = new eks.Addon(this, 'VpcCni', { cluster: this.cluster, addonName: 'vpc-cni', configurationValues: { enableNetworkPolicy: 'true' } });
    return { enforcement: vpcCni };
  }
}

/** Nodes that enforce the NetworkPolicies of the pods on them. */
interface NetworkPolicyNodes {
  /** Apply NetworkPolicies (and the pods they protect) after this. */
  readonly enforcement: IDependable;
  /** What a pod spec selects to land on these nodes. @default - any node */
  readonly nodeSelector?: Record<string, string>;
}
