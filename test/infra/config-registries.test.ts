import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { LayerVersion } from 'aws-cdk-lib/aws-lambda';
import { ORDER_PLACED } from '../../functions/shared/order-events';
import { UPLOADS_PREFIX } from '../../functions/shared/thumbnail-contract';
import { ADDON_DEPLOYMENTS } from '../../infra/config/addon-deployments';
import {
  BUSINESS_METRIC_DIMENSIONS,
  BUSINESS_METRICS_NAMESPACE,
  businessMetricsProblems,
  CORE_API_SCRAPE_JOB,
  publishedBusinessMetrics,
  type BusinessAlarm,
  type BusinessMetric,
  type ServiceBusinessMetrics,
} from '../../infra/config/business-metrics';
import {
  APP_NAMESPACE,
  CORE_SERVICE_REGISTRY,
  CORE_SERVICES,
  coreService,
  registryEnvironment,
  registryProblems,
  type CoreServiceDefinition,
  type PodDeletionExperiment,
} from '../../infra/config/core-services';
import { EVENT_FUNCTION_NAMES, EVENT_FUNCTIONS, grantsInUse, type EventFunctionDefinition, type InvocationErrorExperiment } from '../../infra/config/event-functions';
import { SUPPORTED_KUBERNETES_VERSIONS } from '../../infra/config/kubernetes';
import { needsUploadsBucket, UPLOAD_FUNCTION_NAMES, UPLOAD_FUNCTIONS } from '../../infra/config/upload-functions';
import { CIRCUIT_BREAKER_STATE } from '../../services/kit/business-metrics';

const README = readFileSync(join(__dirname, '../../README.md'), 'utf8');

/** An entry that follows every rule, to break one rule at a time. */
const valid: CoreServiceDefinition = { publicPath: '/things', usesDatabase: true, localPort: 8090 };

describe('the core service registry rules', () => {
  it.each([
    ['one letter', 'a'],
    ['two letters', 'ab'],
    ['an inner hyphen', 'a-b'],
    ['63 characters', 'x'.repeat(63)],
  ])('takes a name of %s, a DNS label', (_case, name) => {
    expect(registryProblems({ [name]: valid })).toEqual([]);
  });

  it.each(['/products', '/v2/orders', '/image-api'])('takes %s as a public path', (publicPath) => {
    expect(registryProblems({ things: { ...valid, publicPath } })).toEqual([]);
  });

  it.each([
    ['no leading slash', 'v2/things'],
    ['a capital letter after the first segment', '/things/Items'],
    ['an empty first segment', '//things'],
    ['no segment at all', '/'],
  ])('refuses a public path with %s, showing it', (_case, publicPath) => {
    expect(registryProblems({ things: { ...valid, publicPath } })).toEqual([`things.publicPath: must be a path like /products, got "${publicPath}"`]);
  });

  it.each([1024, 65535])('takes %p, an unprivileged port, as a local port', (localPort) => {
    expect(registryProblems({ things: { ...valid, localPort } })).toEqual([]);
  });

  it.each([1023, 65536, 8090.5])('refuses %p as a local port, naming the range', (localPort) => {
    expect(registryProblems({ things: { ...valid, localPort } })).toEqual([`things.localPort: must be an unprivileged port (1024-65535), got ${localPort}`]);
  });

  it('lists every core service when a call names none of them', () => {
    expect(registryProblems({ things: { ...valid, calls: ['stuff'] }, others: { ...valid, publicPath: '/others', localPort: 8091 } })).toEqual([
      'things.calls: "stuff" is not a core service (things, others)',
    ]);
  });

  it.each(['_DEBUG', 'S3_BUCKET'])('takes %s as an environment variable name', (variable) => {
    expect(registryProblems({ things: { ...valid, localEnvironment: { [variable]: 'x' } } })).toEqual([]);
  });

  it.each(['OUTBOX-ENABLED', 'Debug'])('refuses %s as an environment variable name', (variable) => {
    expect(registryProblems({ things: { ...valid, localEnvironment: { [variable]: 'x' } } })).toEqual([`things: "${variable}" is not an environment variable name`]);
  });
});

describe("a core service's environment", () => {
  const inputValue = (input: string) => `<${input}>`;
  const urlOf = (service: string) => `http://${service}`;

  it('gives a service each platform input it reads, by its variable, and the base URL of each service it calls', () => {
    expect(registryEnvironment(coreService('orders'), inputValue, urlOf)).toEqual({ EVENT_BUS_NAME: '<eventBusName>', CATALOG_URL: 'http://catalog' });
  });

  it('gives a service that reads and calls nothing no environment', () => {
    expect(registryEnvironment(valid, inputValue, urlOf)).toEqual({});
  });
});

describe('the shipped core services', () => {
  // What their code needs of AWS: the policies (infra/constructs/core-service-access.ts) and the variables naming the resources.
  it('lets the catalog presign uploads into the bucket it is told of, and orders publish to the bus it is told of', () => {
    expect(CORE_SERVICE_REGISTRY.catalog).toMatchObject({ grants: ['presign-uploads'], environment: { UPLOADS_BUCKET: 'uploadsBucket' } });
    expect(CORE_SERVICE_REGISTRY.orders).toMatchObject({ grants: ['publish-events'], environment: { EVENT_BUS_NAME: 'eventBusName' }, calls: ['catalog'] });
  });

  it('keeps the outbox relay off under npm run dev, where there is no event bus to publish to', () => {
    // The orders service reads the value as a boolean string (z.stringbool): anything else fails its start.
    expect(coreService('orders').localEnvironment).toEqual({ OUTBOX_RELAY_ENABLED: 'false' });
  });

  it("runs the core APIs in the namespace the README's kubectl commands name", () => {
    expect(APP_NAMESPACE).toBe(/kubectl top pods -n (\S+)/.exec(README)?.[1]);
  });
});

describe('the business metrics', () => {
  const entryWith = (businessMetrics: ServiceBusinessMetrics): CoreServiceDefinition => ({ ...valid, businessMetrics });
  const alarm = (id: string, name: string, rest: Partial<BusinessAlarm> = {}): BusinessAlarm => ({
    id,
    metric: { name, statistic: 'Sum' },
    threshold: 0,
    evaluationPeriods: 3,
    description: `${id} alarm`,
    ...rest,
  });

  it('lists every published metric once, in the order the entries publish them, skipping entries that publish none', () => {
    const registry = { a: entryWith({ published: ['x', 'y'] }), b: valid, c: entryWith({ published: ['y', 'z'] }) };
    expect(publishedBusinessMetrics(registry)).toEqual(['x', 'y', 'z']);
  });

  it('finds nothing wrong with an entry that only publishes', () => {
    expect(businessMetricsProblems({ things: entryWith({ published: ['x'] }) })).toEqual([]);
  });

  it('finds nothing wrong with a graph that has no right axis', () => {
    const dashboard = [{ title: 'Things', graphs: [{ title: 'Left only', left: [{ name: 'x', statistic: 'Sum' }] }] }] as const;
    expect(businessMetricsProblems({ things: entryWith({ published: ['x'], dashboard }) })).toEqual([]);
  });

  it('refuses a construct id an entry uses twice', () => {
    expect(businessMetricsProblems({ things: entryWith({ published: ['x'], alarms: [alarm('Twice', 'x'), alarm('Twice', 'x')] }) })).toEqual([
      'things.businessMetrics: the construct id Twice is used twice (by this entry)',
    ]);
  });

  it('refuses a construct id another entry already uses, naming that entry', () => {
    const bandAlarm = { id: 'Dropped', modelId: 'Shared', metric: { name: 'y', statistic: 'Sum' }, periodMinutes: 5, stdDevs: 3, direction: 'below', evaluationPeriods: 3, description: 'y dropped' } as const;
    const registry = { a: entryWith({ published: ['x'], alarms: [alarm('Shared', 'x')] }), b: entryWith({ published: ['y'], bandAlarms: [bandAlarm] }) };
    expect(businessMetricsProblems(registry)).toEqual(['b.businessMetrics: the construct id Shared is used twice (also by a)']);
  });

  it('refuses each metric alarmed on or graphed (either axis) but not published, once', () => {
    const dashboard = [{ title: 'Things', graphs: [{ title: 'Both', left: [{ name: 'alarmed', statistic: 'Sum' }], right: [{ name: 'right-axis', statistic: 'Sum' }] }] }] as const;
    expect(businessMetricsProblems({ things: entryWith({ published: ['x'], alarms: [alarm('Alarmed', 'alarmed')], dashboard }) })).toEqual([
      'things.businessMetrics: alarmed is alarmed on or graphed but not published, so CloudWatch never has it',
      'things.businessMetrics: right-axis is alarmed on or graphed but not published, so CloudWatch never has it',
    ]);
  });

  it('refuses an alarm that needs more breaching data points than it looks at, and takes one that needs all of them', () => {
    const alarms = [alarm('All', 'x', { evaluationPeriods: 3, datapointsToAlarm: 3 }), alarm('TooMany', 'x', { evaluationPeriods: 3, datapointsToAlarm: 4 })];
    expect(businessMetricsProblems({ things: entryWith({ published: ['x'], alarms }) })).toEqual(['things.businessMetrics: TooMany needs 4 of only 3 data points']);
  });

  // The CloudWatch agent's Prometheus pipeline publishes there, with these dimensions: an alarm naming others finds no data.
  it("looks for the metrics where the CloudWatch agent's Prometheus pipeline publishes them", () => {
    expect({ namespace: BUSINESS_METRICS_NAMESPACE, dimensions: BUSINESS_METRIC_DIMENSIONS }).toEqual({
      namespace: 'ContainerInsights/Prometheus',
      dimensions: ['ClusterName', 'Namespace', 'service'],
    });
  });

  // The agent's configuration matches the job with the label matcher `^<job>$`, unescaped.
  it('names the scrape job of the core APIs with no character a label matcher would read as a pattern', () => {
    expect(CORE_API_SCRAPE_JOB).toMatch(/^[a-z][a-z0-9-]*$/);
  });
});

describe("the shipped services' alarms and graphs", () => {
  const declarations = CORE_SERVICES.flatMap((name) => {
    const { businessMetrics } = coreService(name);
    return businessMetrics ? [businessMetrics] : [];
  });
  const alarms = declarations.flatMap(({ alarms = [] }) => alarms);
  const bandAlarms = declarations.flatMap(({ bandAlarms = [] }) => bandAlarms);
  const sections = declarations.flatMap(({ dashboard = [] }) => dashboard);
  const metrics: BusinessMetric[] = [
    ...[...alarms, ...bandAlarms].map(({ metric }) => metric),
    ...sections.flatMap(({ graphs }) => graphs.flatMap(({ left, right = [] }) => [...left, ...right])),
  ];

  // Prometheus counters end in _total: a period's count is their Sum. A gauge every replica reports alike is read at its Maximum.
  it('aggregates every metric it alarms on or graphs as its kind asks: a counter summed, a gauge at its maximum', () => {
    expect(metrics.filter(({ name, statistic }) => statistic !== (name.endsWith('_total') ? 'Sum' : 'Maximum'))).toEqual([]);
  });

  it('gives every alarm and anomaly model a PascalCase construct id, and every alarm a description', () => {
    for (const { id, description } of [...alarms, ...bandAlarms]) {
      expect({ id, description }).toEqual({ id: expect.stringMatching(/^[A-Z][A-Za-z0-9]*$/), description: expect.stringMatching(/\S/) });
    }
    for (const { modelId } of bandAlarms) expect(modelId).toMatch(/^[A-Z][A-Za-z0-9]*$/);
  });

  // Each published metric is billed as a CloudWatch custom metric; the dashboard is where it is seen.
  it('shows on the dashboard every metric a service publishes', () => {
    const graphed = new Set(sections.flatMap(({ graphs }) => graphs.flatMap(({ left, right = [] }) => [...left, ...right].map(({ name }) => name))));
    expect(publishedBusinessMetrics(CORE_SERVICE_REGISTRY).filter((name) => !graphed.has(name))).toEqual([]);
  });

  it('draws at least one metric in every graph', () => {
    expect(sections.flatMap(({ graphs }) => graphs).filter(({ left }) => left.length === 0)).toEqual([]);
  });

  it('titles every dashboard section and graph', () => {
    expect(sections.flatMap(({ title, graphs }) => [title, ...graphs.map((graph) => graph.title)]).filter((title) => !/\S/.test(title))).toEqual([]);
  });

  // Open is the breaker's highest state: an alarm above it would never fire.
  it('alarms when the circuit breaker to the catalog is open, at or above the open state', () => {
    expect(Math.max(...Object.values(CIRCUIT_BREAKER_STATE))).toBe(CIRCUIT_BREAKER_STATE.open);
    expect(alarms.find(({ id }) => id === 'CatalogCircuitOpen')).toMatchObject({ threshold: CIRCUIT_BREAKER_STATE.open, comparison: 'at-or-above' });
  });

  it('alarms when orders placed fall below their learned band', () => {
    expect(bandAlarms.find(({ id }) => id === 'OrdersDropped')?.direction).toBe('below');
  });

  it('counts a stuck outbox in the steady state that stops chaos experiments, naming what it means', () => {
    expect(alarms.filter(({ steadyState }) => steadyState).map(({ id, steadyState }) => ({ id, impact: steadyState?.impact }))).toEqual([
      { id: 'OutboxStuck', impact: 'orders not reaching the event bus' },
    ]);
  });
});

describe('the event function registry', () => {
  it('lists the grants some function has, in the order of EVENT_FUNCTION_GRANTS', () => {
    expect(grantsInUse({ a: { description: 'a', detailTypes: [ORDER_PLACED], grants: ['publish-notifications', 'idempotency-table'] } })).toEqual([
      'idempotency-table',
      'publish-notifications',
    ]);
  });

  it('leaves out a grant no function has, reading a function without grants as having none', () => {
    const functions: Record<string, EventFunctionDefinition> = {
      a: { description: 'a', detailTypes: [ORDER_PLACED], grants: ['publish-notifications'] },
      b: { description: 'b', detailTypes: [ORDER_PLACED] },
    };
    expect(grantsInUse(functions)).toEqual(['publish-notifications']);
  });

  // The functions stack creates a grant's resource only while some function has it.
  it('creates the idempotency table and the notifications the notifier uses', () => {
    expect(grantsInUse(EVENT_FUNCTIONS)).toEqual(['idempotency-table', 'publish-notifications']);
  });

  it('subscribes the notifier to OrderPlaced events', () => {
    expect(EVENT_FUNCTIONS.notifier.detailTypes).toEqual([ORDER_PLACED]);
  });
});

describe('the upload function registry', () => {
  it.each([
    ['an upload function, and no service presigning', true, ['image-resizer'], {}],
    ['a service presigning uploads among others', true, [], { a: { ...valid, grants: ['presign-uploads'] }, b: valid }],
    ['services with other grants or none, and no upload function', false, [], { a: { ...valid, grants: ['publish-events'] }, b: valid }],
    ['no function and no service', false, [], {}],
  ] as const)('needs an uploads bucket with %s: %p', (_case, needed, uploadFunctions, coreServices) => {
    expect(needsUploadsBucket(uploadFunctions, coreServices)).toBe(needed);
  });

  it('tells the image-resizer what it watches: the uploads prefix', () => {
    expect(UPLOAD_FUNCTIONS['image-resizer'].description).toContain(UPLOADS_PREFIX);
  });
});

describe('the functions', () => {
  // The Lambda console and the catalog show them; Lambda takes at most 256 characters.
  const descriptions: [string, string][] = [
    ...EVENT_FUNCTION_NAMES.map((name): [string, string] => [name, EVENT_FUNCTIONS[name].description]),
    ...UPLOAD_FUNCTION_NAMES.map((name): [string, string] => [name, UPLOAD_FUNCTIONS[name].description]),
  ];

  it.each(descriptions)("describes %s within Lambda's 256 characters", (_name, description) => {
    expect(description).toMatch(/^\S.{0,255}$/);
  });

  it.each(UPLOAD_FUNCTION_NAMES)('says what the dead-letter queue of %s holds', (name) => {
    expect(UPLOAD_FUNCTIONS[name].deadLettersDescription).toMatch(/\S/);
  });
});

describe('the chaos experiments', () => {
  const podDeletions = CORE_SERVICES.flatMap((name) => Object.entries<PodDeletionExperiment>(coreService(name).podDeletions ?? {}));
  const invocationErrors = EVENT_FUNCTION_NAMES.flatMap((name) => Object.entries<InvocationErrorExperiment>(EVENT_FUNCTIONS[name].invocationErrors ?? {}));

  it("are exactly the ones the README's chaos table lists, by their template outputs", () => {
    const listed = [...README.matchAll(/^\| `(\w+)TemplateId` \|/gm)].map(([, id]) => id);
    expect([...podDeletions, ...invocationErrors].map(([id]) => id).sort()).toEqual(listed.sort());
  });

  // The hypothesis is the FIS template's description: one testable sentence, which FIS takes up to 512 characters.
  it.each([...podDeletions, ...invocationErrors])('states the hypothesis of %s as one sentence FIS takes', (_id, { hypothesis }) => {
    expect(hypothesis).toMatch(/^[A-Z].{0,510}\.$/);
  });

  it.each(podDeletions)('selects the pods of %s as FIS selection modes are written', (_id, { selectionMode }) => {
    expect(selectionMode).toMatch(/^(ALL|COUNT\([1-9]\d*\)|PERCENT\(([1-9]\d?|100)\))$/);
  });

  // As the README's chaos table describes them.
  it('cuts the catalog off by deleting every catalog pod at once, with no grace period', () => {
    expect(CORE_SERVICE_REGISTRY.catalog.podDeletions.CatalogOutage).toMatchObject({ selectionMode: 'ALL', gracePeriodSeconds: 0 });
  });

  it('deletes half of the orders pods, each draining with its own grace period', () => {
    expect(CORE_SERVICE_REGISTRY.orders.podDeletions.OrdersPodDelete).toEqual({ selectionMode: 'PERCENT(50)', hypothesis: expect.any(String) });
  });

  it("fails half of the notifier's invocations for 5 minutes, before the handler runs", () => {
    expect(EVENT_FUNCTIONS.notifier.invocationErrors.NotifierInvocationErrors).toMatchObject({ invocationPercentage: 50, durationMinutes: 5, preventExecution: true });
  });
});

describe('the add-on Deployments the sleep schedule scales', () => {
  // The README's cost assumptions (npm run cost) list them in the order the sleeper scales them: a controller before what it manages.
  it('are the ones the README lists, in its order', () => {
    const listed = /add-on Deployments: ([^)]+)\)/.exec(README)?.[1].split(', ');
    expect(Object.values(ADDON_DEPLOYMENTS).flatMap((deployments) => deployments.map(({ namespace, name }) => `${namespace}/${name}`))).toEqual(listed);
  });
});

describe('the supported Kubernetes versions', () => {
  it.each(Object.entries(SUPPORTED_KUBERNETES_VERSIONS))('pairs %s with the EKS version of that name and a kubectl layer', (name, { version, kubectlLayer }) => {
    expect(version.version).toBe(name);
    expect(kubectlLayer(new Stack(), 'Kubectl')).toBeInstanceOf(LayerVersion);
  });
});
