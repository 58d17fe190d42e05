import { platformOf } from './platform-fixture';
import { DATABASE_SECRET_STATEMENT, expectPodRoleStatements, GRANT_STATEMENTS } from './support/pod-roles';

/** The sample orders service's AWS access, as the cluster stack grants it (the platform's rule: cluster-stack.test.ts). */
describe('orders (cluster stack)', () => {
  it('gives the orders pods the database secret and PutEvents on the event bus, nothing else', () => {
    expectPodRoleStatements(platformOf('sandbox').template('cluster'), 'orders', [DATABASE_SECRET_STATEMENT, ...GRANT_STATEMENTS['publish-events']]);
  });
});
