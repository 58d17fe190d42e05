import { Match, Template } from 'aws-cdk-lib/assertions';
import { loadEnvironmentConfig } from '../../infra/config/load-config';
import { longestVpcPrefix } from '../../infra/config/subnet-layout';
import { NetworkStack } from '../../infra/stacks/network-stack';
import { platformOf } from './platform-fixture';
import { testApp } from './test-app';

describe('network stack', () => {
  const sandbox = platformOf('sandbox').template('network');
  const prod = platformOf('prod').template('network');

  it('spreads the sandbox over 2 AZs with a single NAT instance and no NAT gateway', () => {
    sandbox.resourceCountIs('AWS::EC2::NatGateway', 0);
    sandbox.resourceCountIs('AWS::EC2::EIP', 0);
    sandbox.resourceCountIs('AWS::EC2::Instance', 1);
    sandbox.resourcePropertiesCountIs('AWS::EC2::Subnet', { MapPublicIpOnLaunch: true }, 2);
    sandbox.resourceCountIs('AWS::EC2::Subnet', 6);
  });

  describe('the sandbox NAT instance', () => {
    const [[instanceId, instance]] = Object.entries(sandbox.findResources('AWS::EC2::Instance'));
    const [networkInterface] = instance.Properties.NetworkInterfaces;

    it('is a Graviton t4g.nano on Amazon Linux 2023 arm64, forwarding what is not its own (no source/dest check)', () => {
      expect(instance.Properties).toMatchObject({ InstanceType: 't4g.nano', SourceDestCheck: false });
      expect(sandbox.toJSON().Parameters[instance.Properties.ImageId.Ref].Default).toBe('/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-arm64');
    });

    it('sits in a public subnet with an address released with it (no Elastic IP), and is the private subnets\' default route', () => {
      expect(networkInterface).toMatchObject({ AssociatePublicIpAddress: true, DeviceIndex: '0', SubnetId: { Ref: expect.stringMatching(/^VpcPublicSubnet1Subnet/) } });
      sandbox.resourcePropertiesCountIs('AWS::EC2::Route', { DestinationCidrBlock: '0.0.0.0/0', InstanceId: { Ref: instanceId } }, 2);
    });

    it('boots from an encrypted 8 GiB gp3 root volume, deleted with it, and requires IMDSv2', () => {
      expect(instance.Properties.BlockDeviceMappings).toEqual([{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: 8, VolumeType: 'gp3', Encrypted: true, DeleteOnTermination: true } }]);
      const launchTemplateId = instance.Properties.LaunchTemplate.Version['Fn::GetAtt'][0];
      expect(sandbox.findResources('AWS::EC2::LaunchTemplate')[launchTemplateId].Properties.LaunchTemplateData).toEqual({ MetadataOptions: { HttpTokens: 'required' } });
    });

    it('lets in only the VPC range, and out anything', () => {
      const group = sandbox.findResources('AWS::EC2::SecurityGroup')[networkInterface.GroupSet[0]['Fn::GetAtt'][0]];
      expect(group.Properties.SecurityGroupIngress).toEqual([{ CidrIp: '10.0.0.0/16', IpProtocol: '-1', Description: 'Everything the private subnets send out' }]);
      expect(group.Properties.SecurityGroupEgress).toEqual([{ CidrIp: '0.0.0.0/0', IpProtocol: '-1', Description: 'Allow all outbound traffic by default' }]);
    });
  });

  it('spreads prod over 3 AZs with a NAT gateway in each, and no NAT instance', () => {
    prod.resourceCountIs('AWS::EC2::NatGateway', 3);
    prod.resourceCountIs('AWS::EC2::Instance', 0);
    prod.resourceCountIs('AWS::EC2::Subnet', 9);
    for (const index of [0, 1, 2]) {
      prod.hasResourceProperties('AWS::EC2::Subnet', { AvailabilityZone: { 'Fn::Select': [index, { 'Fn::GetAZs': '' }] } });
    }
  });

  it.each(['sandbox', 'prod'])('fits its subnets into the smallest VPC range the %s config accepts, and not into one half that size', (env) => {
    const config = loadEnvironmentConfig((key) => (key === 'env' ? env : undefined));
    const network = (cidr: string) => new NetworkStack(testApp(), 'Network', { config: { ...config, network: { ...config.network, cidr } } });
    // The range is set past validation, which would refuse the second one.
    const networkWith = (prefix: number) => () => Template.fromStack(network(`10.0.0.0/${prefix}`));
    // The network stack of the environment's config, as the platform creates it: without the rest of the platform.
    const longest = longestVpcPrefix(network(config.network.cidr).availabilityZones.length);
    expect(networkWith(longest)().findResources('AWS::EC2::Subnet')).not.toEqual({});
    expect(networkWith(longest + 1)).toThrow(/SubnetCountExceedsRemainingSpace|exceeds remaining space/);
  });

  it('gives public IPs only in the public subnets', () => {
    const subnets = Object.entries(sandbox.findResources('AWS::EC2::Subnet'));
    for (const [logicalId, subnet] of subnets) {
      expect([logicalId, subnet.Properties.MapPublicIpOnLaunch === true]).toEqual([logicalId, logicalId.includes('Public')]);
    }
  });

  it('logs all traffic to CloudWatch Logs with the environment retention', () => {
    sandbox.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'ALL', LogDestinationType: 'cloud-watch-logs' });
    sandbox.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
    prod.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  it('routes S3 and DynamoDB through free gateway endpoints', () => {
    for (const service of ['s3', 'dynamodb']) {
      sandbox.hasResourceProperties('AWS::EC2::VPCEndpoint', {
        VpcEndpointType: 'Gateway',
        ServiceName: { 'Fn::Join': ['', Match.arrayWith([`.${service}`])] },
      });
    }
  });

  it('strips all rules from the default security group', () => {
    sandbox.resourceCountIs('Custom::VpcRestrictDefaultSG', 1);
  });

  it('tags subnets for load balancer discovery', () => {
    sandbox.resourcePropertiesCountIs('AWS::EC2::Subnet', { Tags: Match.arrayWith([{ Key: 'kubernetes.io/role/elb', Value: '1' }]) }, 2);
    sandbox.resourcePropertiesCountIs('AWS::EC2::Subnet', { Tags: Match.arrayWith([{ Key: 'kubernetes.io/role/internal-elb', Value: '1' }]) }, 2);
  });

  it('deletes the flow logs with a sandbox and keeps them in prod', () => {
    sandbox.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Delete' });
    prod.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Retain' });
  });
});
