import type { Assumptions } from './assumptions';
import type { CfnTemplate } from './template-inventory';

/** One item of a stack's bill: what it is, the quantities it is computed from, and USD a month. */
export interface CostLine {
  readonly item: string;
  readonly basis: string;
  readonly alwaysOn: number;
  /** With the environment's sleep schedule (the same as alwaysOn for what does not sleep). */
  readonly sleeping: number;
}

/** What every item reads besides its stack's template. */
export interface CostContext {
  readonly assumptions: Assumptions;
  /** The share of the week the environment is awake (working-hours.ts): 1 when it never sleeps. */
  readonly awakeShare: number;
}

/** The items of one kind that a template holds: none when it holds no such resource. */
export type CostItems = (template: CfnTemplate, context: CostContext) => CostLine[];

/** USD rounded to cents: each line is rounded, and the totals add the rounded lines, so the table adds up. */
export function cents(usd: number): number {
  return Math.round(usd * 100) / 100;
}

/** A line that costs the same awake or asleep. */
export function steady(item: string, basis: string, usd: number): CostLine {
  return { item, basis, alwaysOn: cents(usd), sleeping: cents(usd) };
}

/** A line that costs only while the environment is awake. */
export function whileAwake(item: string, basis: string, usd: number, context: CostContext): CostLine {
  return { item, basis, alwaysOn: cents(usd), sleeping: cents(usd * context.awakeShare) };
}

/** "1 key", "3 keys". */
export function counted(count: number, singular: string, plural = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : plural}`;
}

/** Numbers as the basis column prints them: at most two decimals, thousands separated. */
export function amount(value: number): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: 2 });
}
