import { readdirSync } from 'node:fs';
import { EVENT_FUNCTION_NAMES } from '../../infra/config/event-functions';
import { pascalCase } from '../../infra/config/naming';
import { bundledFunctions } from './support/bundled-functions';

/** The platform's Lambda assets, bundled for real and offline, for whatever the registries hold; each sample's own: <sample>-bundling.test.ts. */
describe('Lambda assets, bundled for real (esbuild), without the network', () => {
  const { assetDirOf } = bundledFunctions();

  it('ships every event function as a single minified file and its source map, with no node_modules', () => {
    for (const name of EVENT_FUNCTION_NAMES) {
      expect([name, readdirSync(assetDirOf(pascalCase(name))).sort()]).toEqual([name, ['index.js', 'index.js.map']]);
    }
  });
});
