import { Validations } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';

/**
 * The NAT instance's root volume: the Amazon Linux 2023 AMI's 8 GiB, as gp3 and encrypted (with the
 * account's default EBS key), deleted with the instance. The provider leaves the AMI's unencrypted default.
 */
export const NAT_INSTANCE_ROOT_VOLUME: ec2.CfnInstance.BlockDeviceMappingProperty = {
  deviceName: '/dev/xvda',
  ebs: { volumeSize: 8, volumeType: 'gp3', encrypted: true, deleteOnTermination: true },
};

/**
 * cdk-nag findings a NAT instance cannot avoid, acknowledged by exact id on the instance alone (the
 * sandbox's choice of `network.natProvider: 'instance'`; prod runs NAT gateways).
 */
export function acknowledgeNatInstanceFindings(instance: ec2.Instance): void {
  const reasons: Record<string, string> = {
    'AwsSolutions-EC28':
      'Detailed monitoring costs more than the NAT instance itself; basic (5-minute) metrics are enough for a sandbox that can be redeployed.',
    'AwsSolutions-EC29':
      'A sandbox NAT instance is meant to go with `cdk destroy`; termination protection would block it, and an Auto Scaling group would add a second address while it replaces the instance.',
  };
  for (const [id, reason] of Object.entries(reasons)) Validations.of(instance).acknowledge({ id, reason });
}
