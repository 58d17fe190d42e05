import { catalogEntities } from '../../scripts/catalog-info';

// The orders sample as the Backstage catalog shows it; test/scripts/backstage-catalog.test.ts checks
// the same for whatever the registry holds.
describe('the Backstage catalog: the orders sample', () => {
  it('shows orders providing its API, calling the catalog, on the database and the event bus, and where its pods are', () => {
    const orders = catalogEntities().find((entity) => entity.kind === 'Component' && entity.metadata.name === 'orders')!;
    expect(orders.spec).toMatchObject({
      type: 'service',
      providesApis: ['orders-api'],
      consumesApis: ['catalog-api'],
      dependsOn: ['resource:platform-database', 'resource:order-events-bus'],
    });
    expect(orders.metadata.annotations).toEqual({ 'backstage.io/kubernetes-label-selector': 'app.kubernetes.io/name=orders', 'backstage.io/kubernetes-namespace': 'shop' });
  });
});
