import { parseSleeperEnv } from '../../functions/cluster-sleeper/event';

const VALID = { CLUSTER_NAME: 'hybrid-platform-sandbox-cluster', NAMESPACE: 'shop', DEPLOYMENT_SELECTOR: 'app.kubernetes.io/part-of=hybrid-platform' };

describe("the cluster sleeper's environment", () => {
  it('is read into the cluster, the namespace, the selector and no add-on Deployment when SYSTEM_DEPLOYMENTS is unset', () => {
    expect(parseSleeperEnv(VALID)).toEqual({
      clusterName: 'hybrid-platform-sandbox-cluster',
      namespace: 'shop',
      deploymentSelector: 'app.kubernetes.io/part-of=hybrid-platform',
      systemDeployments: [],
    });
  });

  it('lists each add-on Deployment of SYSTEM_DEPLOYMENTS by namespace and name, in order', () => {
    const env = parseSleeperEnv({ ...VALID, SYSTEM_DEPLOYMENTS: 'kube-system/metrics-server,amazon-cloudwatch/cloudwatch-agent-target-allocator' });
    expect(env.systemDeployments).toEqual([
      { namespace: 'kube-system', name: 'metrics-server' },
      { namespace: 'amazon-cloudwatch', name: 'cloudwatch-agent-target-allocator' },
    ]);
  });

  it('takes an empty SYSTEM_DEPLOYMENTS as no add-on Deployment', () => {
    expect(parseSleeperEnv({ ...VALID, SYSTEM_DEPLOYMENTS: '' }).systemDeployments).toEqual([]);
  });

  it.each(['metrics-server', 'kube-system/metrics-server,', 'kube-system/Metrics-Server', 'kube-system/metrics-server;amazon-cloudwatch/x'])(
    'refuses SYSTEM_DEPLOYMENTS=%j, naming the variable and the form it must take',
    (value) => {
      expect(() => parseSleeperEnv({ ...VALID, SYSTEM_DEPLOYMENTS: value })).toThrow(
        'cluster-sleeper: invalid environment: SYSTEM_DEPLOYMENTS must list <namespace>/<name>, comma-separated',
      );
    },
  );

  it('names every variable that is not set, or set empty, at once', () => {
    expect(() => parseSleeperEnv({ NAMESPACE: '' })).toThrow(
      'cluster-sleeper: invalid environment: CLUSTER_NAME is not set; NAMESPACE is not set; DEPLOYMENT_SELECTOR is not set',
    );
  });
});
