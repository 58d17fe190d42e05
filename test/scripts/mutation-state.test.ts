import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forgetStaticSurvivors } from '../../scripts/mutation-state';

let folder: string;
beforeEach(() => (folder = mkdtempSync(join(tmpdir(), 'mutation-state-'))));
afterEach(() => rmSync(folder, { recursive: true, force: true }));

const mutant = (id: string, status: string, isStatic?: boolean) => ({ id, status, ...(isStatic === undefined ? {} : { static: isStatic }), location: { start: { line: 1, column: 1 } } });

describe('forgetting the static survivors of an incremental state', () => {
  it('drops the static mutants that survived, so that the next run tests them with the tests written since', () => {
    const file = join(folder, 'area.incremental.json');
    const state = {
      schemaVersion: '2',
      files: {
        'services/kit/ids.ts': { language: 'typescript', source: 'x', mutants: [mutant('1', 'Survived', true), mutant('2', 'Killed', true)] },
        'services/kit/http.ts': { language: 'typescript', source: 'y', mutants: [mutant('3', 'Survived', false), mutant('4', 'Survived'), mutant('5', 'Timeout', true)] },
      },
      testFiles: { 'test/services/kit.test.ts': { tests: [] } },
    };
    writeFileSync(file, JSON.stringify(state));

    expect(forgetStaticSurvivors(file)).toBe(1);

    const after = JSON.parse(readFileSync(file, 'utf8'));
    expect(after.files['services/kit/ids.ts'].mutants.map(({ id }: { id: string }) => id)).toEqual(['2']);
    // Everything else of the state is kept as it was: other mutants (a survivor with coverage is retested by StrykerJS itself), the tests, the sources.
    expect({ ...after, files: { ...after.files, 'services/kit/ids.ts': state.files['services/kit/ids.ts'] } }).toEqual(state);
  });

  it('does nothing when the area has no state yet', () => {
    expect(forgetStaticSurvivors(join(folder, 'none.incremental.json'))).toBe(0);
  });
});
