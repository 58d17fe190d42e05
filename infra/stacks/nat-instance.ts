import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';

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

/** How long CloudFormation waits for a NAT instance to report that it forwards: a boot and a package install, retried. */
const READY_TIMEOUT = Duration.minutes(15);

/**
 * The NAT instances' boot script, in place of the provider's default (one `yum install` with no retry
 * and no report: a failed install, a dnf race at boot or a nano's memory, left a running instance that
 * forwarded nothing, a green network stack, and a cluster stack failing 20 minutes later on every call
 * its private subnets make). It retries the install, sets up forwarding and masquerading, and reports
 * to CloudFormation: SUCCESS when done, FAILURE on any error, so a broken NAT fails the network stack
 * within minutes, and a replacement (a new AMI) takes the routes only once it forwards.
 *
 * The provider shares one UserData among its instances, rendered at synthesis: each instance finds its
 * own logical id by the subnet it boots in. Call once the VPC has created the instances.
 */
export function reportWhenForwarding(userData: ec2.UserData, instances: readonly ec2.Instance[]): void {
  const stack = Stack.of(instances[0]);
  const imds = (path: string) => `curl -sf -H "X-aws-ec2-metadata-token: $TOKEN" http://169.254.169.254/latest/meta-data/${path}`;
  userData.addCommands(
    'set -uo pipefail',
    "TOKEN=$(curl -sf -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 3600')",
    `INSTANCE_ID=$(${imds('instance-id')})`,
    `SUBNET_ID=$(${imds('network/interfaces/macs/$(' + imds('mac') + ')/subnet-id')})`,
    'case "$SUBNET_ID" in',
    // The provider creates each instance inside its subnet's construct.
    ...instances.map((instance) => `  ${(instance.node.scope as ec2.ISubnet).subnetId}) LOGICAL_ID=${stack.getLogicalId(instance.instance)} ;;`),
    'esac',
    `report() { aws cloudformation signal-resource --region ${stack.region} --stack-name ${stack.stackName} --logical-resource-id "$LOGICAL_ID" --unique-id "$INSTANCE_ID" --status "$1"; }`,
    "trap 'report FAILURE' ERR",
    'set -e',
    // dnf may be busy (or short of memory) right after boot: try for five minutes.
    'for attempt in $(seq 1 30); do dnf install -y iptables-services && break; [ "$attempt" -lt 30 ]; sleep 10; done',
    'systemctl enable --now iptables',
    "echo 'net.ipv4.ip_forward=1' > /etc/sysctl.d/90-nat.conf",
    'sysctl -p /etc/sysctl.d/90-nat.conf',
    "iptables -t nat -A POSTROUTING -o \"$(ip route show default | awk '{print $5; exit}')\" -j MASQUERADE",
    'iptables -F FORWARD',
    'iptables-save > /etc/sysconfig/iptables',
    'report SUCCESS',
  );
  for (const instance of instances) {
    instance.instance.cfnOptions.creationPolicy = { resourceSignal: { count: 1, timeout: READY_TIMEOUT.toIsoString() } };
    instance.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['cloudformation:SignalResource'], resources: [stack.stackId] }));
  }
}
