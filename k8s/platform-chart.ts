import { ApiObject, Chart, type ChartProps } from 'cdk8s';
import type { Construct } from 'constructs';
import { API_NAME_LABEL, HTTP_PORT, TRAFFIC_LABELS } from './core-api-workload';
import { kplus } from './kplus';
import { pascalCase } from '../infra/config/naming';

/** One core API calling another over HTTP, e.g. orders asking the catalog for prices. */
export interface ApiCall {
  readonly from: string;
  readonly to: string;
}

export interface PlatformChartProps extends ChartProps {
  readonly namespace: string;
  /** The VPC's CIDR block: where the load balancer and the database are. */
  readonly vpcCidr: string;
  /** An ACM certificate: the shared load balancer then listens on HTTPS too. @default - HTTP only */
  readonly certificateArn?: string;
  /**
   * The calls between core APIs: each opens exactly that connection, out of the caller's pods and into
   * the callee's, on the HTTP port. @default - none: core APIs cannot reach each other
   */
  readonly apiCalls?: readonly ApiCall[];
}

/** Pod Identity's agent answers on this link-local address (EKS docs, "Pod Identity agent"). */
const POD_IDENTITY_AGENT = '169.254.170.23/32';

/**
 * What every core API relies on: the namespace, locked to Pod Security Standards `restricted`; a
 * NetworkPolicy that denies all traffic; explicit allows for what the APIs need; and the IngressClass
 * of the one shared public load balancer (EKS Auto Mode's built-in ALB controller).
 */
export class PlatformChart extends Chart {
  constructor(scope: Construct, id: string, props: PlatformChartProps) {
    // No hash suffix on the name of an object a fork adds without one: the name stays put across changes.
    super(scope, id, { ...props, namespace: undefined, disableResourceNameHashes: true });
    const { namespace } = props;

    new kplus.Namespace(this, 'Namespace', {
      metadata: {
        name: namespace,
        labels: Object.fromEntries(
          ['enforce', 'audit', 'warn'].flatMap((mode) => [
            [`pod-security.kubernetes.io/${mode}`, 'restricted'],
            [`pod-security.kubernetes.io/${mode}-version`, 'latest'],
          ]),
        ),
      },
    });

    const allowIn = (id: string, selector: kplus.IPodSelector, traffic: { ingress?: kplus.NetworkPolicyTraffic; egress?: kplus.NetworkPolicyTraffic }) =>
      new kplus.NetworkPolicy(this, id, { metadata: { name: id.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase(), namespace }, selector, ...traffic });
    const allPods = kplus.Pods.all(this, 'AllPods', { namespaces: kplus.Namespaces.select(this, 'AppNamespace', { names: [namespace] }) });
    const labelled = (label: string) => kplus.Pods.select(this, `Pods${label}`, { labels: { [label]: 'true' }, namespaces: kplus.Namespaces.select(this, `Ns${label}`, { names: [namespace] }) });
    const vpc = kplus.NetworkPolicyIpBlock.ipv4(this, 'Vpc', props.vpcCidr);

    // Deny everything in and out of every pod; each allow below opens one need.
    allowIn('DefaultDeny', allPods, {
      ingress: { default: kplus.NetworkPolicyTrafficDefault.DENY },
      egress: { default: kplus.NetworkPolicyTrafficDefault.DENY },
    });
    allowIn('AllowDns', allPods, {
      egress: { rules: [{ peer: kplus.NetworkPolicyIpBlock.anyIpv4(this, 'AnyDns'), ports: [kplus.NetworkPolicyPort.udp(53), kplus.NetworkPolicyPort.tcp(53)] }] },
    });
    allowIn('AllowAwsApis', allPods, {
      egress: {
        rules: [
          // AWS service endpoints (EventBridge, S3, Secrets Manager, STS) are public HTTPS endpoints.
          { peer: kplus.NetworkPolicyIpBlock.anyIpv4(this, 'AnyHttps'), ports: [kplus.NetworkPolicyPort.tcp(443)] },
          { peer: kplus.NetworkPolicyIpBlock.ipv4(this, 'PodIdentityAgent', POD_IDENTITY_AGENT), ports: [kplus.NetworkPolicyPort.tcp(80)] },
        ],
      },
    });
    allowIn('AllowDatabase', labelled(TRAFFIC_LABELS.toDatabase), {
      egress: { rules: [{ peer: vpc, ports: [kplus.NetworkPolicyPort.tcp(5432)] }] },
    });
    // The ALB runs in the VPC's public subnets and sends to pod IPs (target type ip).
    allowIn('AllowLoadBalancer', labelled(TRAFFIC_LABELS.fromLoadBalancer), {
      ingress: { rules: [{ peer: vpc, ports: [kplus.NetworkPolicyPort.tcp(HTTP_PORT)] }] },
    });

    // A call between core APIs needs both ends opened: the default deny holds the caller's egress and
    // the callee's ingress alike. One selector per API, however many calls it takes part in.
    const apiPods = new Map<string, kplus.Pods>();
    const podsOf = (api: string) => {
      const id = `Api${pascalCase(api)}`;
      const pods = apiPods.get(api) ?? kplus.Pods.select(this, id, { labels: { [API_NAME_LABEL]: api }, namespaces: kplus.Namespaces.select(this, `${id}Ns`, { names: [namespace] }) });
      apiPods.set(api, pods);
      return pods;
    };
    for (const { from, to } of props.apiCalls ?? []) {
      const http = [kplus.NetworkPolicyPort.tcp(HTTP_PORT)];
      allowIn(`Allow${pascalCase(from)}To${pascalCase(to)}`, podsOf(from), { egress: { rules: [{ peer: podsOf(to), ports: http }] } });
      allowIn(`Allow${pascalCase(to)}From${pascalCase(from)}`, podsOf(to), { ingress: { rules: [{ peer: podsOf(from), ports: http }] } });
    }

    // One internet-facing ALB for all public APIs (the group), run by EKS Auto Mode.
    new ApiObject(this, 'IngressClassParams', {
      apiVersion: 'eks.amazonaws.com/v1',
      kind: 'IngressClassParams',
      metadata: { name: 'alb' },
      spec: {
        scheme: 'internet-facing',
        group: { name: namespace },
        ...(props.certificateArn && { certificateARNs: [props.certificateArn] }),
      },
    });
    new ApiObject(this, 'IngressClass', {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      metadata: { name: 'alb', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'false' } },
      spec: {
        controller: 'eks.amazonaws.com/alb',
        parameters: { apiGroup: 'eks.amazonaws.com', kind: 'IngressClassParams', name: 'alb' },
      },
    });
  }
}
