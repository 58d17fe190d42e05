/**
 * The sleep schedule as the cost estimate reads it: the environment's optional `workingHours` setting
 * (infra/config/environment-config.ts validates it). Outside those hours the core API pods scale to
 * zero, so the Auto Mode nodes go away, and a database that can pause pauses.
 */
export const WEEK_DAYS = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'] as const;

export interface WorkingHours {
  readonly timeZone: string;
  readonly days: readonly (typeof WEEK_DAYS)[number][];
  /** 'HH:MM', in timeZone. */
  readonly awakeFrom: string;
  readonly awakeUntil: string;
}

const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

function isWorkingHours(value: unknown): value is WorkingHours {
  const hours = value as Partial<Record<keyof WorkingHours, unknown>> | null;
  return (
    typeof hours === 'object' &&
    hours !== null &&
    typeof hours.timeZone === 'string' &&
    Array.isArray(hours.days) &&
    hours.days.every((day) => (WEEK_DAYS as readonly unknown[]).includes(day)) &&
    typeof hours.awakeFrom === 'string' &&
    TIME.test(hours.awakeFrom) &&
    typeof hours.awakeUntil === 'string' &&
    TIME.test(hours.awakeUntil)
  );
}

/** The environment's working hours, if it has any (the config was validated when loaded). */
export function workingHoursOf(config: object): WorkingHours | undefined {
  const value = (config as { workingHours?: unknown }).workingHours;
  if (value === undefined) return undefined;
  if (!isWorkingHours(value)) throw new Error(`Unexpected workingHours ${JSON.stringify(value)}: expected { timeZone, days, awakeFrom: 'HH:MM', awakeUntil: 'HH:MM' }`);
  return value;
}

function hoursOf(time: string): number {
  const [, hours, minutes] = TIME.exec(time)!;
  return Number(hours) + Number(minutes) / 60;
}

/** Awake hours a week: days × (until − from), distinct days counted once. */
export function awakeHoursPerWeek(hours: WorkingHours): number {
  const span = hoursOf(hours.awakeUntil) - hoursOf(hours.awakeFrom);
  if (span <= 0) throw new Error(`workingHours.awakeFrom (${hours.awakeFrom}) must be before awakeUntil (${hours.awakeUntil})`);
  return new Set(hours.days).size * span;
}

/** The share of the week the environment is awake: 1 without working hours. */
export function awakeShare(hours: WorkingHours | undefined): number {
  return hours ? awakeHoursPerWeek(hours) / (7 * 24) : 1;
}

export function describeWorkingHours(hours: WorkingHours | undefined): string {
  if (!hours) return 'no workingHours: never sleeps, both columns are the same';
  const perWeek = awakeHoursPerWeek(hours);
  return `workingHours ${hours.days.join(',')} ${hours.awakeFrom}-${hours.awakeUntil} ${hours.timeZone}: awake ${round2(perWeek)} h of 168 a week (${round2((perWeek / 168) * 100)}%)`;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
