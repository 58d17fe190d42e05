import { ApiObject, Duration, JsonPatch, Size } from 'cdk8s';
import { Construct } from 'constructs';
import { PROJECT } from '../infra/config/naming';
import { kplus } from './kplus';

/**
 * Labels by which the platform chart's NetworkPolicies let traffic through (see platform-chart.ts).
 * Their prefix is a namespace for label keys, which Kubernetes expects to be a DNS domain, not the
 * project's name: it does not follow PROJECT, since a fork's name is no domain it owns. Pods and
 * policies both read the keys from here, so a fork that owns a domain changes them in this one place.
 */
export const TRAFFIC_LABELS = {
  /** Pods that the load balancer may reach on their HTTP port. */
  fromLoadBalancer: 'hybrid-platform.dev/ingress-from-load-balancer',
  /** Pods that may open connections to the database. */
  toDatabase: 'hybrid-platform.dev/egress-to-database',
} as const;

/**
 * What every core API's objects carry and nothing else in the namespace does: the cluster sleeper
 * (infra/constructs/sleep-schedule.ts) finds the Deployments to scale by it.
 */
export const CORE_API_LABELS = { 'app.kubernetes.io/part-of': PROJECT } as const;

/** Names a core API's pods: the platform chart's NetworkPolicies between core APIs select them by it. */
export const API_NAME_LABEL = 'app.kubernetes.io/name';

export interface CoreApiWorkloadProps {
  /** The service's name: names every object, and is the ServiceAccount that its Pod Identity association expects. */
  readonly name: string;
  /** Container image with a tag or digest (validated with the chart values). */
  readonly image: string;
  /** Non-secret configuration, exposed to the container as environment variables. */
  readonly config: Record<string, string>;
  /**
   * Requests and limits per container, sized for a small sandbox (cdk8s-plus would request 1 vCPU / 512 Mi).
   * @default cpu 100m request / 500m limit, memory 128 Mi request / 256 Mi limit
   */
  readonly resources?: kplus.ContainerResources;
  /** @default 2 (one per zone, and the PodDisruptionBudget keeps one up during node drains) */
  readonly minReplicas?: number;
  /** @default 6 */
  readonly maxReplicas?: number;
  /** Average CPU utilization (percent of the request) that the HPA scales at. @default 70 */
  readonly targetCpuUtilization?: number;
  /** When set, the shared public load balancer routes this path prefix to the service. @default - not public */
  readonly publicPathPrefix?: string;
  /** IngressClass of the public load balancer. @default 'alb' */
  readonly ingressClassName?: string;
  /** Whether the pods connect to the database. @default true */
  readonly usesDatabase?: boolean;
  /** Node labels the pods must run on (e.g. the node pool that enforces NetworkPolicies). @default - any node */
  readonly nodeSelector?: Record<string, string>;
  /**
   * Whether the load balancer serves HTTPS (its certificate is set on the IngressClassParams) and
   * redirects HTTP to it. @default false
   */
  readonly https?: boolean;
  /**
   * The name of the shared load balancer, set on the Ingress so that it can be found by name. Every
   * Ingress of the group must give the same name (an "exclusive" annotation). @default - the controller's
   */
  readonly loadBalancerName?: string;
}

/** Every core API serves HTTP on this port; the platform chart's load-balancer NetworkPolicy opens it. */
export const HTTP_PORT = 8080;

/** The non-root user of the service images (services/*\/Dockerfile). */
const APP_USER = 10001;

/**
 * "A core API workload" with every secure default in one place: Deployment (probes, requests and
 * limits, restricted security context, read-only root filesystem with an emptyDir /tmp, no
 * service-account token, zone spread), Service, HPA, PodDisruptionBudget, ServiceAccount for Pod
 * Identity, ConfigMap, and optionally an Ingress on the shared load balancer.
 */
export class CoreApiWorkload extends Construct {
  readonly deployment: kplus.Deployment;
  readonly service: kplus.Service;

  constructor(scope: Construct, id: string, props: CoreApiWorkloadProps) {
    super(scope, id);
    const port = HTTP_PORT;
    const labels = {
      [API_NAME_LABEL]: props.name,
      ...CORE_API_LABELS,
      [TRAFFIC_LABELS.fromLoadBalancer]: String(props.publicPathPrefix !== undefined),
      [TRAFFIC_LABELS.toDatabase]: String(props.usesDatabase ?? true),
    };

    // EKS Pod Identity injects AWS credentials through its own projected token; the Kubernetes API
    // token is not needed, so it is not mounted.
    const serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', { metadata: { name: props.name }, automountToken: false });
    const config = new kplus.ConfigMap(this, 'Config', { metadata: { name: `${props.name}-config` }, data: props.config });

    this.deployment = new kplus.Deployment(this, 'Deployment', {
      metadata: { name: props.name, labels },
      podMetadata: { labels },
      serviceAccount,
      automountServiceAccountToken: false,
      securityContext: { ensureNonRoot: true, user: APP_USER, group: APP_USER, fsGroup: APP_USER },
      // The pod gets SIGTERM when removed from the Service; this leaves time to drain in-flight requests.
      terminationGracePeriod: Duration.seconds(30),
      containers: [
        {
          name: props.name,
          image: props.image,
          portNumber: port,
          envFrom: [kplus.Env.fromConfigMap(config)],
          resources: props.resources ?? {
            cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(500) },
            memory: { request: Size.mebibytes(128), limit: Size.mebibytes(256) },
          },
          securityContext: {
            ensureNonRoot: true,
            user: APP_USER,
            group: APP_USER,
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
            privileged: false,
            capabilities: { drop: [kplus.Capability.ALL] },
            seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
          },
          startup: kplus.Probe.fromHttpGet('/healthz', { port, periodSeconds: Duration.seconds(2), failureThreshold: 30 }),
          liveness: kplus.Probe.fromHttpGet('/healthz', { port, periodSeconds: Duration.seconds(10), failureThreshold: 3 }),
          readiness: kplus.Probe.fromHttpGet('/readyz', { port, periodSeconds: Duration.seconds(5), failureThreshold: 2 }),
          volumeMounts: [
            // The root filesystem is read-only; Node.js and libraries still want a writable /tmp.
            { path: '/tmp', volume: kplus.Volume.fromEmptyDir(this, 'Tmp', 'tmp', { sizeLimit: Size.mebibytes(64) }) },
          ],
        },
      ],
    });

    if (props.nodeSelector) {
      ApiObject.of(this.deployment).addJsonPatch(JsonPatch.add('/spec/template/spec/nodeSelector', props.nodeSelector));
    }
    ApiObject.of(this.deployment).addJsonPatch(
      JsonPatch.add('/spec/template/spec/topologySpreadConstraints', [
        {
          maxSkew: 1,
          topologyKey: 'topology.kubernetes.io/zone',
          // Prefer, don't insist: a sandbox in one zone (or a zone outage) must still schedule.
          whenUnsatisfiable: 'ScheduleAnyway',
          labelSelector: { matchLabels: this.deployment.matchLabels },
        },
      ]),
    );

    this.service = this.deployment.exposeViaService({ name: props.name, ports: [{ port: 80, targetPort: port }] });

    // The HPA owns the replica count, so the Deployment carries none.
    new kplus.HorizontalPodAutoscaler(this, 'Autoscaler', {
      metadata: { name: props.name },
      target: this.deployment,
      minReplicas: props.minReplicas ?? 2,
      maxReplicas: props.maxReplicas ?? 6,
      metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(props.targetCpuUtilization ?? 70))],
    });

    // cdk8s-plus has no PodDisruptionBudget; this is the plain policy/v1 object.
    new ApiObject(this, 'DisruptionBudget', {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: props.name },
      spec: { minAvailable: 1, selector: { matchLabels: this.deployment.matchLabels } },
    });

    if (props.publicPathPrefix !== undefined) {
      new kplus.Ingress(this, 'Ingress', {
        metadata: {
          name: props.name,
          annotations: {
            // Route straight to pod IPs, and only to pods that report ready.
            'alb.ingress.kubernetes.io/target-type': 'ip',
            'alb.ingress.kubernetes.io/healthcheck-path': '/readyz',
            ...(props.loadBalancerName && { 'alb.ingress.kubernetes.io/load-balancer-name': props.loadBalancerName }),
            ...(props.https && {
              'alb.ingress.kubernetes.io/listen-ports': '[{"HTTP": 80}, {"HTTPS": 443}]',
              'alb.ingress.kubernetes.io/ssl-redirect': '443',
            }),
          },
        },
        className: props.ingressClassName ?? 'alb',
        rules: [{ path: props.publicPathPrefix, pathType: kplus.HttpIngressPathType.PREFIX, backend: kplus.IngressBackend.fromService(this.service) }],
      });
    }
  }
}
