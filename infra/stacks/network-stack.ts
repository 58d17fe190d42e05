import { Aspects, Fn, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/environment-config';
import { removalPolicyOf } from '../config/removal';
import { SUBNET_LAYOUT } from '../config/subnet-layout';
import { acknowledgeNatInstanceFindings, NAT_INSTANCE_ROOT_VOLUME, reportWhenForwarding } from './nat-instance';

const SUBNET_TYPES = {
  public: ec2.SubnetType.PUBLIC,
  private: ec2.SubnetType.PRIVATE_WITH_EGRESS,
  isolated: ec2.SubnetType.PRIVATE_ISOLATED,
} as const satisfies Record<(typeof SUBNET_LAYOUT)[number]['kind'], ec2.SubnetType>;

export interface NetworkStackProps extends StackProps {
  readonly config: EnvironmentConfig;
}

/**
 * The VPC every other stack lives in: public subnets for load balancers, private subnets with NAT
 * egress for pods and functions, isolated subnets for the database.
 */
export class NetworkStack extends Stack {
  readonly vpc: ec2.IVpc;
  private readonly azCount: number;

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id, props);
    const { config } = props;
    // Read by `availabilityZones` (below) while the VPC is built, so it is set before the VPC.
    this.azCount = config.network.maxAzs;

    const flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      retention: config.logRetentionDays,
      removalPolicy: removalPolicyOf(config),
    });

    const natUserData = ec2.UserData.forLinux();
    const natInstances =
      config.network.natProvider === 'instance'
        ? ec2.NatProvider.instanceV2({
            // Graviton's smallest: 2 vCPU burstable, up to 5 Gbit/s, enough for a sandbox's image pulls and API calls.
            instanceType: ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.NANO),
            machineImage: ec2.MachineImage.latestAmazonLinux2023({ cpuType: ec2.AmazonLinuxCpuType.ARM_64 }),
            // Not the default (all inbound from anywhere): only the VPC's own range is let in, below.
            defaultAllowedTraffic: ec2.NatTrafficDirection.OUTBOUND_ONLY,
            // An auto-assigned address, released with the instance: no Elastic IP to release on destroy.
            associatePublicIpAddress: true,
            // Filled in below, once the instances exist (reportWhenForwarding).
            userData: natUserData,
          })
        : undefined;

    const vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(config.network.cidr),
      maxAzs: config.network.maxAzs,
      natGateways: config.network.natGateways,
      natGatewayProvider: natInstances,
      restrictDefaultSecurityGroup: true,
      subnetConfiguration: SUBNET_LAYOUT.map(({ name, kind, cidrMask }) => ({ name, subnetType: SUBNET_TYPES[kind], cidrMask })),
      flowLogs: {
        All: { destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup), trafficType: ec2.FlowLogTrafficType.ALL },
      },
      // Gateway endpoints are free and keep S3/DynamoDB traffic off the (metered) NAT gateway.
      gatewayEndpoints: {
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
        DynamoDB: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
      },
    });

    // EKS Auto Mode and the AWS Load Balancer Controller discover subnets for load balancers by these tags.
    // On the subnets alone, not on what a subnet construct holds (the NAT instance).
    const subnetsOnly = { includeResourceTypes: ['AWS::EC2::Subnet'] };
    for (const subnet of vpc.publicSubnets) Tags.of(subnet).add('kubernetes.io/role/elb', '1', subnetsOnly);
    for (const subnet of vpc.privateSubnets) Tags.of(subnet).add('kubernetes.io/role/internal-elb', '1', subnetsOnly);

    if (natInstances) {
      natInstances.connections.allowFrom(ec2.Peer.ipv4(config.network.cidr), ec2.Port.allTraffic(), 'Everything the private subnets send out');
      for (const instance of natInstances.gatewayInstances) {
        // The provider offers neither: an encrypted root volume, and IMDSv2 only (a launch template, by the aspect).
        instance.instance.blockDeviceMappings = [NAT_INSTANCE_ROOT_VOLUME];
        Aspects.of(instance).add(new ec2.InstanceRequireImdsv2Aspect());
        acknowledgeNatInstanceFindings(instance);
      }
      reportWhenForwarding(natUserData, natInstances.gatewayInstances);
    }

    this.vpc = vpc;
  }

  /**
   * The stack is environment-agnostic (synth needs no account or lookups), and CDK then only offers
   * two AZs. `Fn::GetAZs` resolves at deploy time in the target region, so we can ask for a third.
   */
  override get availabilityZones(): string[] {
    return Array.from({ length: this.azCount ?? 2 }, (_, index) => Fn.select(index, Fn.getAzs()));
  }
}
