import type { CostEstimate } from './estimate';

/** How `npm run cost` prints an estimate: an aligned table, its JSON, the README's section, and synth's one line. */

const usd = (value: number) => value.toFixed(2);

/** The table of one environment: a row per stack (its subtotal) and per item, the totals, optionally the assumptions. */
export function formatCostTable(estimate: CostEstimate, { withAssumptions = true } = {}): string {
  const header = ['stack / item', 'basis', 'always on', 'with sleep schedule'];
  const rows: string[][] = [];
  for (const stack of estimate.stacks) {
    rows.push([stack.stackName, '', usd(stack.alwaysOn), usd(stack.sleeping)]);
    for (const line of stack.lines) rows.push([`  ${line.item}`, line.basis, usd(line.alwaysOn), usd(line.sleeping)]);
  }
  const totals = ['total', '', usd(estimate.alwaysOn), usd(estimate.sleeping)];
  const widths = header.map((_, column) => Math.max(...[header, ...rows, totals].map((row) => row[column].length)));
  const format = (row: string[]) =>
    row
      .map((cell, column) => (column < 2 ? cell.padEnd(widths[column]) : cell.padStart(widths[column])))
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  const lines = [
    `${estimate.environment}: USD/month, ${estimate.region} list prices read ${estimate.pricesReadOn} (infra/cost/prices.ts)`,
    `sleep schedule: ${estimate.sleepSchedule}`,
    '',
    format(header),
    rule,
    ...rows.map(format),
    rule,
    format(totals),
  ];
  if (withAssumptions) lines.push('', ...formatAssumptions(estimate));
  return `${lines.join('\n')}\n`;
}

export function formatAssumptions(estimate: CostEstimate): string[] {
  return ['assumptions (infra/cost/assumptions.ts):', ...estimate.assumptions.map((assumption) => `  - ${assumption}`)];
}

export function formatCostJson(estimate: CostEstimate): string {
  return `${JSON.stringify(estimate, null, 2)}\n`;
}

/** What `npm run synth` prints after it synthesized: the total in one line. */
export function formatCostSummary(estimate: CostEstimate): string {
  return `cost estimate (${estimate.environment}): ${usd(estimate.alwaysOn)} USD/month always on, ${usd(estimate.sleeping)} with the sleep schedule; the items: npm run cost -- --env ${estimate.environment}`;
}

export const README_MARKERS = { begin: '<!-- npm run cost -- --write-readme: begin -->', end: '<!-- npm run cost -- --write-readme: end -->' } as const;

/** The README's generated section: every environment's table, then the assumptions (the same for all). */
export function readmeCostSection(estimates: readonly CostEstimate[]): string {
  const tables = estimates.map((estimate) => ['```text', formatCostTable(estimate, { withAssumptions: false }).trimEnd(), '```'].join('\n'));
  const assumptions = estimates.length > 0 ? ['```text', ...formatAssumptions(estimates[0]), '```'].join('\n') : '';
  return [README_MARKERS.begin, ...tables, assumptions, README_MARKERS.end].join('\n\n');
}

/** `readme` with its generated section replaced; throws when the markers are missing. */
export function withCostSection(readme: string, section: string): string {
  const begin = readme.indexOf(README_MARKERS.begin);
  const end = readme.indexOf(README_MARKERS.end);
  if (begin < 0 || end < begin) throw new Error(`README.md has no ${README_MARKERS.begin} … ${README_MARKERS.end} section`);
  return readme.slice(0, begin) + section + readme.slice(end + README_MARKERS.end.length);
}

/** The generated section as the README holds it now, or undefined without markers. */
export function currentCostSection(readme: string): string | undefined {
  const begin = readme.indexOf(README_MARKERS.begin);
  const end = readme.indexOf(README_MARKERS.end);
  return begin < 0 || end < begin ? undefined : readme.slice(begin, end + README_MARKERS.end.length);
}
