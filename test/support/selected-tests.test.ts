import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { GlobalConfig, ProjectConfig } from 'jest';
import { selectedTestFiles } from './selected-tests';

// The repository's own test folders are the fixture: what a globalSetup sees in a real run.
const rootDir = resolve(__dirname, '../..');

function project(overrides: Partial<ProjectConfig> = {}): ProjectConfig {
  return { rootDir, testMatch: ['**/*.test.ts'], testPathIgnorePatterns: ['/node_modules/'], ...overrides } as ProjectConfig;
}

/** A run given path patterns on the command line (`jest test/functions`), or none. */
function run(pathPatterns: readonly string[] = [], overrides: Partial<GlobalConfig> = {}): GlobalConfig {
  const testPathPatterns = {
    isSet: () => pathPatterns.length > 0,
    toExecutor: () => ({ isMatch: (file: string) => pathPatterns.some((pattern) => new RegExp(pattern).test(file)) }),
  };
  return { rootDir, testPathPatterns, ...overrides } as unknown as GlobalConfig;
}

describe('the test files a jest globalSetup prepares for', () => {
  it('are every test file under the folder when nothing narrows the run', () => {
    const files = selectedTestFiles(run(), project(), 'test/services');
    expect(files.length).toBeGreaterThan(5);
    expect(files.every((file) => file.startsWith(`${rootDir}/test/services/`) && file.endsWith('.test.ts'))).toBe(true);
  });

  it('leave out the files a path pattern on the command line excludes', () => {
    expect(selectedTestFiles(run(['test/functions/']), project(), 'test/services')).toEqual([]);
    expect(selectedTestFiles(run(['test/services/']), project(), 'test/services').length).toBeGreaterThan(5);
  });

  it("leave out the files the project's testMatch excludes (a run narrowed by configuration, as test:mutation's areas are)", () => {
    const onlyFunctions = project({ testMatch: [`${rootDir}/test/functions/image-resizer-config.test.ts`] });
    expect(selectedTestFiles(run(), onlyFunctions, 'test/services')).toEqual([]);
    expect(selectedTestFiles(run(), onlyFunctions, 'test/functions')).toEqual([`${rootDir}/test/functions/image-resizer-config.test.ts`]);
  });

  it('leave out the files testPathIgnorePatterns excludes', () => {
    expect(selectedTestFiles(run(), project({ testPathIgnorePatterns: ['/test/services/'] }), 'test/services')).toEqual([]);
  });

  it('keep every file when the run selects by change tracking, which cannot be told cheaply', () => {
    const all = selectedTestFiles(run(), project(), 'test/services');
    expect(selectedTestFiles(run(['test/functions/'], { onlyChanged: true }), project(), 'test/services')).toEqual(all);
  });

  it('are found in a checkout inside a hidden folder, as jest finds them', () => {
    const hidden = join(mkdtempSync(join(tmpdir(), 'selected-')), '.cache', 'checkout');
    try {
      mkdirSync(join(hidden, 'test/services'), { recursive: true });
      writeFileSync(join(hidden, 'test/services/orders.test.ts'), '');
      expect(selectedTestFiles(run(), project({ rootDir: hidden }), 'test/services')).toEqual([join(hidden, 'test/services/orders.test.ts')]);
    } finally {
      rmSync(resolve(hidden, '../..'), { recursive: true, force: true });
    }
  });

  it('are none for a folder that does not exist', () => {
    expect(selectedTestFiles(run(), project(), 'test/no-such-folder')).toEqual([]);
  });
});
