import { platformOf } from './platform-fixture';
import { alarmOf } from './support/cloudwatch-template';

/** The sample upload function's alarms in the observability stack (the platform's rule for every function: observability-stack.test.ts). */
describe('image-resizer (observability stack)', () => {
  it('alarms when its p99 duration passes 48 s, 80% of its 60 s timeout', () => {
    expect(alarmOf(platformOf('sandbox').template('observability'), 'ImageResizerNearTimeout').Threshold).toBe(48_000);
  });
});
