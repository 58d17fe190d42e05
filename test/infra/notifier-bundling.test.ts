import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundledFunctions } from './support/bundled-functions';

/** The sample event function's asset; its shape, one minified file, is every event function's (functions-bundling.test.ts). */
describe('notifier asset, bundled for real', () => {
  const { assetDirOf } = bundledFunctions();

  it('bundles Powertools into the notifier and leaves the AWS SDK, which the runtime ships, out', () => {
    const bundle = readFileSync(join(assetDirOf('Notifier'), 'index.js'), 'utf8');
    expect(bundle).toMatch(/require\("@aws-sdk\/client-sns"\)/);
    expect(bundle).not.toMatch(/require\("@aws-lambda-powertools\//);
  });
});
