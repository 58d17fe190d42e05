import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { createHash, createHmac } from 'node:crypto';
import { FakeKubernetesApi, localhostCertificate } from './cluster-sleeper-fixtures';
import { captureOutput } from './order-event-fixtures';

const CLUSTER_NAME = 'hybrid-platform-sandbox-cluster';
const NAMESPACE = 'shop';
const SELECTOR = 'app.kubernetes.io/part-of=hybrid-platform';
const DEPLOYMENTS = `/apis/apps/v1/namespaces/${NAMESPACE}/deployments`;
const LIST_DEPLOYMENTS = `${DEPLOYMENTS}?labelSelector=${encodeURIComponent(SELECTOR)}`;
const LIST_AUTOSCALERS = `/apis/autoscaling/v2/namespaces/${NAMESPACE}/horizontalpodautoscalers`;
const scalePath = (deployment: string) => `${DEPLOYMENTS}/${deployment}/scale`;
const METRICS_SERVER = '/apis/apps/v1/namespaces/kube-system/deployments/metrics-server';

const eks = mockClient(EKSClient);
const tls = localhostCertificate();
const api = new FakeKubernetesApi(tls, NAMESPACE, SELECTOR);
let endpoint: string;

let handler: typeof import('../../functions/cluster-sleeper/handler').handler;

beforeAll(async () => {
  endpoint = await api.listen();
  Object.assign(process.env, {
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    AWS_SESSION_TOKEN: 'session-token-of-the-function-role',
    CLUSTER_NAME,
    NAMESPACE,
    DEPLOYMENT_SELECTOR: SELECTOR,
    SYSTEM_DEPLOYMENTS: 'kube-system/metrics-server',
    POWERTOOLS_SERVICE_NAME: 'cluster-sleeper',
    POWERTOOLS_LOG_LEVEL: 'INFO',
  });
  delete process.env.POWERTOOLS_DEV;
  // Required, not imported: imports are hoisted above the environment they need.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  ({ handler } = require('../../functions/cluster-sleeper/handler') as typeof import('../../functions/cluster-sleeper/handler'));
});
afterAll(() => api.close());

let printed: string[];
const describeCluster = (overrides: { certificate?: string } = {}) =>
  eks.on(DescribeClusterCommand, { name: CLUSTER_NAME }).resolves({
    cluster: { name: CLUSTER_NAME, status: 'ACTIVE', endpoint, certificateAuthority: { data: Buffer.from(overrides.certificate ?? tls.cert).toString('base64') } },
  });
beforeEach(() => {
  printed = [];
  captureOutput(printed);
  eks.reset();
  api.reset();
  describeCluster();
});
afterEach(() => {
  (process.stdout.write as jest.Mock).mockRestore();
  (process.stderr.write as jest.Mock).mockRestore();
});

/** The function's log entries (Powertools' JSON lines) of one level. */
const logs = (level: 'INFO' | 'WARN' | 'ERROR') =>
  printed
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { level: string; message: string } & Record<string, unknown>)
    .filter((line) => line.level === level);
const errorLogs = () => logs('ERROR');
/**
 * The SigV4 signature of a presigned token URL, computed here from the AWS documentation's recipe
 * (query-string signing, empty payload), not by the signer the function uses.
 */
function expectedSignature(url: URL, clusterName: string): string {
  const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');
  const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
  const encode = (value: string) => encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const params = [...url.searchParams].filter(([key]) => key !== 'X-Amz-Signature').sort(([a], [b]) => (a < b ? -1 : 1));
  const canonicalRequest = [
    'GET',
    '/',
    params.map(([key, value]) => `${encode(key)}=${encode(value)}`).join('&'),
    `host:${url.host}\nx-k8s-aws-id:${clusterName}\n`,
    'host;x-k8s-aws-id',
    sha256(''),
  ].join('\n');
  const date = url.searchParams.get('X-Amz-Date')!;
  const scope = `${date.slice(0, 8)}/eu-west-1/sts/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', date, scope, sha256(canonicalRequest)].join('\n');
  const key = ['eu-west-1', 'sts', 'aws4_request'].reduce<Buffer>((k, part) => hmac(k, part), hmac(`AWS4${process.env.AWS_SECRET_ACCESS_KEY}`, date.slice(0, 8)));
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}

const allCalls = () => api.requests.map(({ method, url, body }) => ({ method, url, ...(body !== undefined && { body }) }));
/** The calls about the core APIs in shop (the add-ons' are asserted on their own). */
const calls = () => allCalls().filter(({ url }) => url.startsWith(`/apis/apps/v1/namespaces/${NAMESPACE}/`) || url.startsWith(`/apis/autoscaling/v2/namespaces/${NAMESPACE}/`));
const scaleTo = (deployment: string, replicas: number) => ({ method: 'PATCH', url: scalePath(deployment), body: { spec: { replicas } } });

describe('cluster sleeper', () => {
  it('puts every core API to sleep: lists them by label, then scales each to 0', async () => {
    api.deployments.set('catalog', { replicas: 2, minReplicas: 2 });
    api.deployments.set('orders', { replicas: 4, minReplicas: 2 });

    const result = await handler({ action: 'sleep' });

    expect(calls()).toEqual([{ method: 'GET', url: LIST_DEPLOYMENTS }, scaleTo('catalog', 0), scaleTo('orders', 0)]);
    expect(result).toEqual({
      action: 'sleep',
      scaled: [
        { deployment: 'catalog', from: 2, to: 0 },
        { deployment: 'orders', from: 4, to: 0 },
      ],
      unchanged: [],
    });
  });

  it("wakes every core API to its HPA's minReplicas", async () => {
    api.deployments.set('catalog', { replicas: 0, minReplicas: 2 });
    api.deployments.set('orders', { replicas: 0, minReplicas: 3 });

    await handler({ action: 'wake' });

    expect(calls()).toEqual([{ method: 'GET', url: LIST_DEPLOYMENTS }, { method: 'GET', url: LIST_AUTOSCALERS }, scaleTo('catalog', 2), scaleTo('orders', 3)]);
  });

  it('patches the scale subresource as a JSON merge patch, with an EKS token of its role for this cluster', async () => {
    api.deployments.set('catalog', { replicas: 2, minReplicas: 2 });

    await handler({ action: 'sleep' });

    const patch = api.requests.find(({ method }) => method === 'PATCH')!;
    expect(patch.contentType).toBe('application/merge-patch+json');
    for (const { authorization } of api.requests) expect(authorization).toMatch(/^Bearer k8s-aws-v1\.[A-Za-z0-9_-]+$/);
    // The token is a presigned STS GetCallerIdentity URL, signed with the cluster's name, as aws-iam-authenticator makes it.
    const url = new URL(Buffer.from(patch.authorization!.slice('Bearer k8s-aws-v1.'.length), 'base64url').toString('utf8'));
    expect(url.origin).toBe('https://sts.eu-west-1.amazonaws.com');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      Action: 'GetCallerIdentity',
      Version: '2011-06-15',
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': expect.stringMatching(/^AKIAIOSFODNN7EXAMPLE\/\d{8}\/eu-west-1\/sts\/aws4_request$/),
      'X-Amz-Date': expect.stringMatching(/^\d{8}T\d{6}Z$/),
      'X-Amz-Expires': '60',
      'X-Amz-Security-Token': 'session-token-of-the-function-role',
      'X-Amz-SignedHeaders': 'host;x-k8s-aws-id',
      'X-Amz-Signature': expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(url.searchParams.get('X-Amz-Signature')).toBe(expectedSignature(url, CLUSTER_NAME));
  });

  it('is idempotent: a repeated sleep or wake patches nothing', async () => {
    api.deployments.set('catalog', { replicas: 0, minReplicas: 2 });
    expect(await handler({ action: 'sleep' })).toEqual({ action: 'sleep', scaled: [], unchanged: ['catalog'] });
    expect(api.requests.filter(({ method }) => method === 'PATCH')).toEqual([]);
  });

  it('does not scale down on wake what the HPA has already scaled up', async () => {
    api.deployments.set('catalog', { replicas: 5, minReplicas: 2 });
    api.deployments.set('orders', { replicas: 0, minReplicas: 2 });

    const result = await handler({ action: 'wake' });

    expect(calls().filter(({ method }) => method === 'PATCH')).toEqual([scaleTo('orders', 2)]);
    expect(result.unchanged).toEqual(['catalog']);
  });

  it('fails the invocation when a scale call fails, after trying every other Deployment, and logs the error', async () => {
    api.deployments.set('catalog', { replicas: 2, minReplicas: 2 });
    api.deployments.set('orders', { replicas: 2, minReplicas: 2 });
    api.failures.set(scalePath('catalog'), 403);

    await expect(handler({ action: 'sleep' })).rejects.toThrow(`could not sleep 1 of 2 Deployments: catalog: PATCH ${scalePath('catalog')}: 403 injected failure of ${scalePath('catalog')}`);
    expect(api.deployments.get('orders')!.replicas).toBe(0);
    expect(errorLogs().map(({ message }) => message)).toEqual(['Failed to scale Deployment catalog', 'Failed to sleep the core APIs']);
  });

  it('fails the invocation when the Deployments cannot be listed', async () => {
    api.deployments.set('catalog', { replicas: 2, minReplicas: 2 });
    api.failures.set(DEPLOYMENTS, 401);

    await expect(handler({ action: 'sleep' })).rejects.toThrow(`GET ${LIST_DEPLOYMENTS}: 401 injected failure of ${DEPLOYMENTS}`);
    expect(api.requests).toHaveLength(1);
  });

  it('fails a wake for a Deployment that no HPA targets, and wakes the others', async () => {
    api.deployments.set('catalog', { replicas: 0 });
    api.deployments.set('orders', { replicas: 0, minReplicas: 2 });

    await expect(handler({ action: 'wake' })).rejects.toThrow('catalog: no HorizontalPodAutoscaler targets Deployment catalog: its floor is unknown');
    expect(calls().filter(({ method }) => method === 'PATCH')).toEqual([scaleTo('orders', 2)]);
  });

  it('puts metrics-server to sleep after the core APIs, so that nothing keeps a node up', async () => {
    api.deployments.set('catalog', { replicas: 2, minReplicas: 2 });
    api.systemDeployments.set('kube-system/metrics-server', { replicas: 1 });

    const result = await handler({ action: 'sleep' });

    expect(allCalls()).toEqual([
      { method: 'GET', url: LIST_DEPLOYMENTS },
      { method: 'GET', url: METRICS_SERVER },
      scaleTo('catalog', 0),
      { method: 'PATCH', url: `${METRICS_SERVER}/scale`, body: { spec: { replicas: 0 } } },
    ]);
    expect(result.scaled).toEqual([
      { deployment: 'catalog', from: 2, to: 0 },
      { deployment: 'kube-system/metrics-server', from: 1, to: 0 },
    ]);
  });

  it('wakes metrics-server to one replica before the core APIs, whose HPAs read it', async () => {
    api.deployments.set('catalog', { replicas: 0, minReplicas: 2 });
    api.systemDeployments.set('kube-system/metrics-server', { replicas: 0 });

    await handler({ action: 'wake' });

    expect(allCalls().filter(({ method }) => method === 'PATCH')).toEqual([{ method: 'PATCH', url: `${METRICS_SERVER}/scale`, body: { spec: { replicas: 1 } } }, scaleTo('catalog', 2)]);
  });

  it('leaves metrics-server as it is when it already is where the action leaves it', async () => {
    api.systemDeployments.set('kube-system/metrics-server', { replicas: 2 });
    expect(await handler({ action: 'wake' })).toEqual({ action: 'wake', scaled: [], unchanged: ['kube-system/metrics-server'] });
    expect(api.requests.filter(({ method }) => method === 'PATCH')).toEqual([]);
  });

  it('skips metrics-server when its add-on is not installed, with a warning, and still puts the core APIs to sleep', async () => {
    api.deployments.set('catalog', { replicas: 2, minReplicas: 2 });

    expect((await handler({ action: 'sleep' })).scaled).toEqual([{ deployment: 'catalog', from: 2, to: 0 }]);
    expect(logs('WARN').map(({ message }) => message)).toEqual(['Deployment kube-system/metrics-server not found: nothing to scale']);
  });

  it('fails the invocation, scaling nothing, when an add-on Deployment cannot be read for another reason than not found', async () => {
    api.deployments.set('catalog', { replicas: 2, minReplicas: 2 });
    api.systemDeployments.set('kube-system/metrics-server', { replicas: 1 });
    api.failures.set(METRICS_SERVER, 403);

    await expect(handler({ action: 'sleep' })).rejects.toThrow(`GET ${METRICS_SERVER}: 403 injected failure of ${METRICS_SERVER}`);
    expect(api.requests.filter(({ method }) => method === 'PATCH')).toEqual([]);
  });

  it('takes a Deployment whose spec sets no replicas as running one (Kubernetes\' default)', async () => {
    api.systemDeployments.set('kube-system/metrics-server', {});

    expect((await handler({ action: 'sleep' })).scaled).toEqual([{ deployment: 'kube-system/metrics-server', from: 1, to: 0 }]);
  });

  it('refuses to wake a Deployment whose only HPA of that name targets a StatefulSet: its floor is unknown', async () => {
    api.deployments.set('orders', { replicas: 0 });
    api.otherAutoscalers.push({ metadata: { name: 'orders' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'orders' }, minReplicas: 3, maxReplicas: 6 } });

    await expect(handler({ action: 'wake' })).rejects.toThrow('orders: no HorizontalPodAutoscaler targets Deployment orders');
  });

  it('logs each Deployment it scales, with the action', async () => {
    api.deployments.set('catalog', { replicas: 2, minReplicas: 2 });

    await handler({ action: 'sleep' });

    expect(logs('INFO')).toEqual([expect.objectContaining({ message: 'Scaled Deployment catalog from 2 to 0', action: 'sleep', deployment: 'catalog', from: 2, to: 0 })]);
  });

  it('warns when no core API matches its selector', async () => {
    api.systemDeployments.set('kube-system/metrics-server', { replicas: 1 });

    await handler({ action: 'sleep' });

    expect(logs('WARN')).toEqual([expect.objectContaining({ message: `No Deployment in namespace ${NAMESPACE} matches ${SELECTOR}`, action: 'sleep' })]);
  });

  it('logs the Deployment it could not scale, with the error', async () => {
    api.deployments.set('catalog', { replicas: 2, minReplicas: 2 });
    api.failures.set(scalePath('catalog'), 403);

    await expect(handler({ action: 'sleep' })).rejects.toThrow();
    expect(errorLogs()[0]).toMatchObject({ message: 'Failed to scale Deployment catalog', deployment: 'catalog', error: { message: expect.stringContaining('403') } });
  });

  it('fails the invocation when metrics-server cannot be scaled, after putting the core APIs to sleep', async () => {
    api.deployments.set('catalog', { replicas: 2, minReplicas: 2 });
    api.systemDeployments.set('kube-system/metrics-server', { replicas: 1 });
    api.failures.set(`${METRICS_SERVER}/scale`, 403);

    await expect(handler({ action: 'sleep' })).rejects.toThrow(`could not sleep 1 of 2 Deployments: kube-system/metrics-server: PATCH ${METRICS_SERVER}/scale: 403`);
    expect(api.deployments.get('catalog')!.replicas).toBe(0);
  });

  it('trusts only the cluster certificate authority that EKS describes', async () => {
    eks.reset();
    describeCluster({ certificate: localhostCertificate().cert });
    api.deployments.set('catalog', { replicas: 2, minReplicas: 2 });

    await expect(handler({ action: 'sleep' })).rejects.toThrow(/self[- ]signed certificate/);
    expect(api.requests).toEqual([]);
  });

  it('fails the invocation, naming the cluster and its status, while EKS describes no endpoint for it yet', async () => {
    eks.reset();
    eks.on(DescribeClusterCommand).resolves({ cluster: { name: CLUSTER_NAME, status: 'CREATING' } });

    await expect(handler({ action: 'wake' })).rejects.toThrow(`cluster ${CLUSTER_NAME} has no endpoint or certificate authority yet (status CREATING)`);
    expect(api.requests).toEqual([]);
  });

  it('fails the invocation while EKS describes an endpoint but no certificate authority', async () => {
    eks.reset();
    eks.on(DescribeClusterCommand).resolves({ cluster: { name: CLUSTER_NAME, status: 'ACTIVE', endpoint } });

    await expect(handler({ action: 'wake' })).rejects.toThrow('has no endpoint or certificate authority yet (status ACTIVE)');
    expect(api.requests).toEqual([]);
  });

  it('fails the invocation when EKS cannot describe the cluster', async () => {
    eks.reset();
    eks.on(DescribeClusterCommand).rejects(new Error('User is not authorized to perform: eks:DescribeCluster'));

    await expect(handler({ action: 'sleep' })).rejects.toThrow('not authorized');
    expect(api.requests).toEqual([]);
  });

  it('refuses an event that is neither sleep nor wake, touching nothing', async () => {
    await expect(handler({ action: 'hibernate' })).rejects.toThrow('cluster-sleeper: expected {"action": "sleep" | "wake"}, got {"action":"hibernate"}');
    expect(eks.commandCalls(DescribeClusterCommand)).toHaveLength(0);
  });
});
