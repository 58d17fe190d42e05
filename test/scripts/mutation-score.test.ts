import { formatScoreReport, scoreReport, THRESHOLDS, type MutantOutcome } from '../../scripts/mutation-score';

/** `count` mutants of one file with one status. */
const mutants = (fileName: string, status: string, count: number, area = 'kit'): MutantOutcome[] => Array.from({ length: count }, () => ({ area, fileName, status }));

describe('the mutation score of npm run test:mutation', () => {
  it('counts killed and timed-out mutants as detected, survivors and mutants no test reached as not, and the rest neither way', () => {
    const report = scoreReport([
      ...mutants('a.ts', 'Killed', 6),
      ...mutants('a.ts', 'Timeout', 2),
      ...mutants('a.ts', 'Survived', 1),
      ...mutants('a.ts', 'NoCoverage', 1),
      ...mutants('a.ts', 'CompileError', 5),
      ...mutants('a.ts', 'RuntimeError', 5),
      ...mutants('a.ts', 'Ignored', 5),
    ]);
    expect(report.files).toEqual([{ file: 'a.ts', area: 'kit', detected: 8, total: 10, score: 80 }]);
  });

  it('holds the set to 85% overall and every file to 80%: a file just under fails it, however good the rest', () => {
    const good = mutants('good.ts', 'Killed', 100);
    const justUnder = [...mutants('weak.ts', 'Killed', 79), ...mutants('weak.ts', 'Survived', 21)];
    expect(scoreReport([...good, ...justUnder])).toMatchObject({ below: ['weak.ts'], passed: false });
    const atTheBar = [...mutants('weak.ts', 'Killed', 80), ...mutants('weak.ts', 'Survived', 20)];
    expect(scoreReport([...good, ...atTheBar])).toMatchObject({ below: [], passed: true });
  });

  it('fails a set under 85% overall even when every file reaches 80%', () => {
    const file = (name: string, killed: number) => [...mutants(name, 'Killed', killed), ...mutants(name, 'Survived', 100 - killed)];
    expect(scoreReport([...file('a.ts', 84), ...file('b.ts', 85)])).toMatchObject({ overall: { score: 84.5 }, below: [], passed: false });
    expect(scoreReport([...file('a.ts', 85), ...file('b.ts', 85)])).toMatchObject({ overall: { score: THRESHOLDS.overall }, passed: true });
  });

  it('scores each area on its own, and prints files, areas and the overall score with what was left out', () => {
    const report = scoreReport([...mutants('k.ts', 'Killed', 3), ...mutants('k.ts', 'Survived', 1), ...mutants('f.ts', 'Killed', 1, 'functions')]);
    expect(report.areas).toEqual([
      { area: 'kit', detected: 3, total: 4, score: 75 },
      { area: 'functions', detected: 1, total: 1, score: 100 },
    ]);
    expect(formatScoreReport(report, ', static mutants left out').split('\n')).toEqual([
      'mutation score (killed and timed out, of all mutants that ran or had no test, static mutants left out):',
      '  100.0%  f.ts  (1 of 1)',
      '   75.0%  k.ts  (3 of 4)',
      '   75.0%  area kit  (3 of 4)',
      '  100.0%  area functions  (1 of 1)',
      '   80.0%  overall  (4 of 5; the bar: 85% overall, 80% in every file)',
      'below 80%: k.ts',
    ]);
  });
});
