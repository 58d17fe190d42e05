import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openApiPath } from '../../scripts/catalog-info';

// The catalog sample's API document as committed; test/scripts/backstage-catalog.test.ts keeps it what
// the service serves, and checks every service's document the same way.
describe('the Backstage catalog: the catalog sample', () => {
  it('defines the catalog API by its product routes', () => {
    const document = JSON.parse(readFileSync(join(__dirname, '../..', openApiPath('catalog')), 'utf8')) as { openapi: string; paths: Record<string, unknown> };
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/products', '/products/{id}', '/products/{id}/image', '/healthz']));
  });
});
