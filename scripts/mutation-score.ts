/**
 * The mutation score of `npm run test:mutation` (scripts/test-mutation.ts), and the bar it is held to:
 * Stryker's score (killed or timed out, of all mutants that ran or had no test; compile errors,
 * runtime errors and ignored mutants count neither way) per file, per area and overall.
 */

/** The bar: the whole set, and each file of it. */
export const THRESHOLDS = { overall: 85, perFile: 80 } as const;

/** One mutant's outcome, as Stryker reports it, with the area whose run tested it. */
export interface MutantOutcome {
  readonly area: string;
  readonly fileName: string;
  readonly status: string;
}

export interface Score {
  readonly detected: number;
  readonly total: number;
  /** Percent; 100 when nothing counts (no mutant, or none that ran). */
  readonly score: number;
}

export interface ScoreReport {
  readonly files: readonly (Score & { readonly file: string; readonly area: string })[];
  readonly areas: readonly (Score & { readonly area: string })[];
  readonly overall: Score;
  /** The files under THRESHOLDS.perFile. */
  readonly below: readonly string[];
  readonly passed: boolean;
}

const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);

function scoreOf(outcomes: readonly MutantOutcome[]): Score {
  const detected = outcomes.filter(({ status }) => DETECTED.has(status)).length;
  const total = detected + outcomes.filter(({ status }) => UNDETECTED.has(status)).length;
  return { detected, total, score: total === 0 ? 100 : (100 * detected) / total };
}

function groupBy<K extends string>(outcomes: readonly MutantOutcome[], key: (outcome: MutantOutcome) => K): Map<K, MutantOutcome[]> {
  const groups = new Map<K, MutantOutcome[]>();
  for (const outcome of outcomes) groups.set(key(outcome), [...(groups.get(key(outcome)) ?? []), outcome]);
  return groups;
}

export function scoreReport(outcomes: readonly MutantOutcome[]): ScoreReport {
  const files = [...groupBy(outcomes, ({ fileName }) => fileName)]
    .map(([file, ofFile]) => ({ file, area: ofFile[0].area, ...scoreOf(ofFile) }))
    .sort((a, b) => a.file.localeCompare(b.file));
  const areas = [...groupBy(outcomes, ({ area }) => area)].map(([area, ofArea]) => ({ area, ...scoreOf(ofArea) }));
  const overall = scoreOf(outcomes);
  const below = files.filter(({ score }) => score < THRESHOLDS.perFile).map(({ file }) => file);
  return { files, areas, overall, below, passed: overall.score >= THRESHOLDS.overall && below.length === 0 };
}

/** The report as `npm run test:mutation` prints it; `scope` says what was left out, if anything. */
export function formatScoreReport(report: ScoreReport, scope = ''): string {
  const percent = ({ score }: Score) => `${score.toFixed(1).padStart(5)}%`;
  return [
    `mutation score (killed and timed out, of all mutants that ran or had no test${scope}):`,
    ...report.files.map((file) => `  ${percent(file)}  ${file.file}  (${file.detected} of ${file.total})`),
    ...report.areas.map((area) => `  ${percent(area)}  area ${area.area}  (${area.detected} of ${area.total})`),
    `  ${percent(report.overall)}  overall  (${report.overall.detected} of ${report.overall.total}; the bar: ${THRESHOLDS.overall}% overall, ${THRESHOLDS.perFile}% in every file)`,
    ...(report.below.length > 0 ? [`below ${THRESHOLDS.perFile}%: ${report.below.join(', ')}`] : []),
  ].join('\n');
}
