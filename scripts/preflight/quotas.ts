import { DescribeAddressesCommand, paginateDescribeNatGateways, paginateDescribeSubnets, paginateDescribeVpcs } from '@aws-sdk/client-ec2';
import { GetAWSDefaultServiceQuotaCommand, GetServiceQuotaCommand, type ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import type { AwsContext } from './aws-checks';
import { blocker, errorNamed, ok, type Verdict } from './findings';

interface Quota {
  readonly serviceCode: string;
  readonly quotaCode: string;
  readonly name: string;
}

/** The quotas a deployment of the network stack draws on, by their Service Quotas codes. */
export const QUOTAS = {
  vpcs: { serviceCode: 'vpc', quotaCode: 'L-F678F1CE', name: 'VPCs per Region' },
  elasticIps: { serviceCode: 'ec2', quotaCode: 'L-0263D0A3', name: 'EC2-VPC Elastic IPs' },
  natGatewaysPerAz: { serviceCode: 'vpc', quotaCode: 'L-FE5A380F', name: 'NAT gateways per Availability Zone' },
} as const satisfies Record<string, Quota>;

/** The deployment creates one VPC; a default VPC counts against the quota like any other. */
export async function checkVpcQuota({ clients }: AwsContext): Promise<Verdict> {
  const limit = await quotaValue(clients.serviceQuotas, QUOTAS.vpcs);
  let used = 0;
  for await (const page of paginateDescribeVpcs({ client: clients.ec2 }, {})) used += page.Vpcs?.length ?? 0;
  return headroom(QUOTAS.vpcs, limit, used, 1, `${used} of ${limit} in use, the deployment adds 1`);
}

/** Why the NAT gateway quotas are not read: the environment's natProvider makes none. */
const NO_NAT_GATEWAYS = 'the deployment adds none (network.natProvider is instance: NAT instances, no NAT gateways)';

/** Every NAT gateway the VPC creates takes a new Elastic IP; NAT instances take an auto-assigned public IP, no Elastic IP. */
export async function checkElasticIpQuota({ clients, config }: AwsContext): Promise<Verdict> {
  if (config.network.natProvider === 'instance') return ok(NO_NAT_GATEWAYS);
  const limit = await quotaValue(clients.serviceQuotas, QUOTAS.elasticIps);
  const { Addresses = [] } = await clients.ec2.send(new DescribeAddressesCommand({}));
  const needed = config.network.natGateways;
  return headroom(QUOTAS.elasticIps, limit, Addresses.length, needed, `${Addresses.length} of ${limit} in use, the deployment adds ${needed} (one per NAT gateway)`);
}

/**
 * The VPC's AZs are chosen at deploy time (Fn::GetAZs, infra/stacks/network-stack.ts), so any AZ may
 * get one of its NAT gateways: the busiest AZ must have room for one more. Gateways still deleting
 * count against the quota; regional NAT gateways belong to no subnet and are left out.
 */
export async function checkNatGatewayQuota({ clients, config }: AwsContext): Promise<Verdict> {
  if (config.network.natProvider === 'instance') return ok(NO_NAT_GATEWAYS);
  const limit = await quotaValue(clients.serviceQuotas, QUOTAS.natGatewaysPerAz);
  const gatewaysPerSubnet = new Map<string, number>();
  const filters = [{ Name: 'state', Values: ['pending', 'available', 'deleting'] }];
  for await (const page of paginateDescribeNatGateways({ client: clients.ec2 }, { Filter: filters })) {
    for (const { SubnetId } of page.NatGateways ?? []) if (SubnetId) gatewaysPerSubnet.set(SubnetId, (gatewaysPerSubnet.get(SubnetId) ?? 0) + 1);
  }

  const perAz = new Map<string, number>();
  if (gatewaysPerSubnet.size > 0) {
    const subnetFilter = [{ Name: 'subnet-id', Values: [...gatewaysPerSubnet.keys()] }];
    for await (const page of paginateDescribeSubnets({ client: clients.ec2 }, { Filters: subnetFilter })) {
      for (const { SubnetId = '', AvailabilityZone = '' } of page.Subnets ?? []) {
        perAz.set(AvailabilityZone, (perAz.get(AvailabilityZone) ?? 0) + (gatewaysPerSubnet.get(SubnetId) ?? 0));
      }
    }
  }
  const [busiestAz, used] = [...perAz].sort(([, a], [, b]) => b - a)[0] ?? ['every AZ', 0];
  return headroom(QUOTAS.natGatewaysPerAz, limit, used, 1, `${used} of ${limit} in ${busiestAz}${used > 0 ? ' (the busiest AZ)' : ''}, the deployment adds 1 per AZ`);
}

/** GetServiceQuota knows only quotas with an applied value; the others are at the AWS default. */
async function quotaValue(client: ServiceQuotasClient, { serviceCode, quotaCode }: Quota): Promise<number> {
  const request = { ServiceCode: serviceCode, QuotaCode: quotaCode };
  let value: number | undefined;
  try {
    value = (await client.send(new GetServiceQuotaCommand(request))).Quota?.Value;
  } catch (error) {
    if (!errorNamed(error, 'NoSuchResourceException')) throw error;
    value = (await client.send(new GetAWSDefaultServiceQuotaCommand(request))).Quota?.Value;
  }
  if (value === undefined) throw new Error(`Service Quotas returned no value for ${serviceCode} ${quotaCode}`);
  return value;
}

function headroom(quota: Quota, limit: number, used: number, needed: number, reason: string): Verdict {
  if (used + needed <= limit) return ok(reason);
  return blocker(
    reason,
    `free ${used + needed - limit}, or ask for more "${quota.name}": aws service-quotas request-service-quota-increase --service-code ${quota.serviceCode} --quota-code ${quota.quotaCode} --desired-value ${used + needed}`,
  );
}
