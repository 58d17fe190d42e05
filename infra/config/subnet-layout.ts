/**
 * The VPC's subnets, per availability zone, in the order CDK allocates them from the VPC's range:
 * public for load balancers, private with NAT egress for pods and functions (pods take VPC addresses,
 * so they are the large ones), isolated for the database. The network stack builds exactly these, and
 * the config refuses a VPC range too small to hold them.
 */
export const SUBNET_LAYOUT = [
  { name: 'Public', kind: 'public', cidrMask: 24 },
  { name: 'Private', kind: 'private', cidrMask: 20 },
  { name: 'Data', kind: 'isolated', cidrMask: 24 },
] as const;

/**
 * The longest VPC prefix (the smallest range) that holds the layout in `azCount` zones. CDK gives each
 * subnet a block aligned to its own size, group after group, so a /20 after /24s starts at the next
 * multiple of 4096: 2 AZs need /18, 3 AZs /17.
 */
export function longestVpcPrefix(azCount: number): number {
  let used = 0;
  for (const { cidrMask } of SUBNET_LAYOUT) {
    const size = 2 ** (32 - cidrMask);
    used = Math.ceil(used / size) * size + azCount * size;
  }
  return 32 - Math.ceil(Math.log2(used));
}
