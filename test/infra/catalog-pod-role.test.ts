import { platformOf } from './platform-fixture';
import { DATABASE_SECRET_STATEMENT, expectPodRoleStatements, GRANT_STATEMENTS } from './support/pod-roles';

/** The sample catalog's AWS access, as the cluster stack grants it (the platform's rule: cluster-stack.test.ts). */
describe('catalog (cluster stack)', () => {
  it('gives the catalog pods the database secret and presigned uploads/ PUTs and thumbnails/ GETs, nothing else', () => {
    expectPodRoleStatements(platformOf('sandbox').template('cluster'), 'catalog', [DATABASE_SECRET_STATEMENT, ...GRANT_STATEMENTS['presign-uploads']]);
  });
});
