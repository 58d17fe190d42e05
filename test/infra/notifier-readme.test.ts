import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { platformOf } from './platform-fixture';

// The sandbox walkthrough's step with the notifier sample: test/infra/readme.test.ts checks the
// platform's steps for any registry, and leaves the samples' outputs to their own tests.
describe('the README: the notifier sample', () => {
  it("walks through the notifier's NotificationTopicArn output, which the sandbox functions stack has", () => {
    const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
    expect(readme).toMatch(/jq -r '\."[a-z0-9-]+-sandbox-functions"\.NotificationTopicArn'/);
    expect(Object.keys(platformOf('sandbox').template('functions').findOutputs('NotificationTopicArn'))).toEqual(['NotificationTopicArn']);
  });
});
