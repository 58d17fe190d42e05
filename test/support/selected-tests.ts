import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { GlobalConfig, ProjectConfig } from 'jest';
import { globsToMatcher } from 'jest-util';

function testFilesUnder(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFilesUnder(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/**
 * For a jest globalSetup: the test files under `dir` (relative to the project root) that this run may
 * include, so that a shared resource is prepared only for a run that uses it. A file is left out only
 * when it is certain not to run; selections that need jest's change tracking (--onlyChanged,
 * --findRelatedTests, --changedSince) cannot be told cheaply and keep every file.
 */
export function selectedTestFiles(globalConfig: GlobalConfig, projectConfig: ProjectConfig, dir: string): string[] {
  const ignored = projectConfig.testPathIgnorePatterns.map((pattern) => new RegExp(pattern));
  // testMatch too: a run narrowed by configuration rather than by path (test:mutation's areas) skips the
  // rest. Matched as jest matches it (hidden folders included, negations honoured), with its own matcher.
  const inTestMatch = globsToMatcher(projectConfig.testMatch);
  const matched = (file: string) => projectConfig.testMatch.length === 0 || inTestMatch(file);
  const files = testFilesUnder(join(projectConfig.rootDir, dir)).filter((file) => matched(file) && !ignored.some((pattern) => pattern.test(file)));
  if (files.length === 0) return [];
  if (globalConfig.onlyChanged || globalConfig.findRelatedTests || globalConfig.changedSince) return files;
  const patterns = globalConfig.testPathPatterns;
  if (!patterns.isSet()) return files;
  const executor = patterns.toExecutor({ rootDir: globalConfig.rootDir });
  return files.filter((file) => executor.isMatch(file));
}
