import { sandboxChaos } from './chaos-templates';

describe("the catalog's chaos experiment", () => {
  const { template } = sandboxChaos();

  it('is described by its hypothesis', () => {
    expect(template('CatalogOutage').Properties.Description).toMatch(/POST \/orders fails fast: 503 with Retry-After/);
  });

  it('makes the catalog unreachable by deleting every catalog pod at once, with no network action that the restricted namespace would refuse', () => {
    expect(template('CatalogOutage').Properties).toMatchObject({
      Targets: { Pods: { ResourceType: 'aws:eks:pod', SelectionMode: 'ALL', Parameters: { namespace: 'shop', selectorValue: 'app.kubernetes.io/name=catalog' } } },
      Actions: {
        DeletePods: { ActionId: 'aws:eks:pod-delete', Parameters: { kubernetesServiceAccount: 'fault-injector', fisPodSecurityPolicy: 'restricted', gracePeriodSeconds: '0' } },
      },
    });
    expect(JSON.stringify(template('CatalogOutage'))).not.toMatch(/aws:eks:pod-network-/);
  });
});
