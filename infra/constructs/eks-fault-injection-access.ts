import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

export interface EksFaultInjectionAccessProps {
  readonly cluster: eks.ICluster;
  /** The only namespace whose pods the experiments may touch. */
  readonly namespace: string;
}

/** The Kubernetes user that FIS experiment roles are mapped to; the RoleBinding names it. */
const FIS_KUBERNETES_USER = 'fis-experiment';

/** Names the ServiceAccount, Role and RoleBinding alike. */
const FAULT_INJECTOR = 'fault-injector';

/**
 * What the AWS FIS `aws:eks:pod` actions need inside the cluster (FIS user guide, "Use the AWS FIS
 * aws:eks:pod actions"): a ServiceAccount for the pod FIS starts to inject the fault, a Role in one
 * namespace and a RoleBinding of it to that ServiceAccount and to the Kubernetes user of the FIS
 * experiment roles, which `admit` maps through EKS access entries.
 *
 * The Role is the documented one without `pods/ephemeralcontainers` and `pods/exec`: only the
 * injection actions (stress, network) use them, these experiments delete pods, and both would let
 * whoever may start an experiment run code inside the core APIs' pods.
 */
export class EksFaultInjectionAccess extends Construct {
  /** The `kubernetesServiceAccount` parameter of every aws:eks:pod action. */
  readonly serviceAccountName = FAULT_INJECTOR;
  readonly manifest: eks.KubernetesManifest;
  private readonly cluster: eks.ICluster;

  constructor(scope: Construct, id: string, props: EksFaultInjectionAccessProps) {
    super(scope, id);
    const { cluster, namespace } = props;
    this.cluster = cluster;
    const metadata = { name: FAULT_INJECTOR, namespace };

    this.manifest = new eks.KubernetesManifest(this, 'Rbac', {
      cluster,
      manifest: [
        // The FIS pod calls the Kubernetes API with this account's token: unlike the APIs' accounts, it is mounted.
        { apiVersion: 'v1', kind: 'ServiceAccount', metadata, automountServiceAccountToken: true },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'Role',
          metadata,
          rules: [
            // FIS keeps the experiment's state in a ConfigMap, runs its own pod, and finds and deletes the targets.
            { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'create', 'patch', 'delete'] },
            { apiGroups: [''], resources: ['pods'], verbs: ['create', 'list', 'get', 'delete', 'deletecollection'] },
            { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] },
          ],
        },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata,
          subjects: [
            { kind: 'ServiceAccount', name: FAULT_INJECTOR, namespace },
            { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: FIS_KUBERNETES_USER },
          ],
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: FAULT_INJECTOR },
        },
      ],
    });
  }

  /**
   * Lets the experiments of `role` act in the namespace: an access entry that maps the role to the
   * Kubernetes user of the RoleBinding, with no access policy (the Role is all it may do), and the
   * AWS calls FIS makes to find the cluster and its pods.
   */
  admit(id: string, role: iam.IRole): eks.CfnAccessEntry {
    // The L1: the AccessEntry L2 of aws-eks-v2 cannot set a Kubernetes username.
    const entry = new eks.CfnAccessEntry(this, id, {
      clusterName: this.cluster.clusterName,
      principalArn: role.roleArn,
      username: FIS_KUBERNETES_USER,
      type: 'STANDARD',
    });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['eks:DescribeCluster'], resources: [this.cluster.clusterArn] }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ec2:DescribeSubnets'], resources: ['*'] }));
    return entry;
  }
}
