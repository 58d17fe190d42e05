import { join } from 'node:path';
import { planRemoval } from '../../scripts/remove-service';

const ROOT = join(__dirname, '../..');

/** The samples' own case of npm run remove-service: orders calls the catalog. */
describe('npm run remove-service on the samples', () => {
  it('refuses the catalog while orders still calls it, naming the caller', () => {
    expect(() => planRemoval(ROOT, ['catalog'])).toThrow('orders calls catalog: remove orders too, or its calls first (infra/config/core-services.ts).');
  });
});
