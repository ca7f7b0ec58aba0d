/**
 * patternedRecurrence expansion, as the Graph reference describes the patterns: the dates a series occurs on,
 * from its range's start date. Written from the reference, independently of any client's RRULE mapping.
 */

export type Day = 'sunday' | 'monday' | 'tuesday' | 'wednesday' | 'thursday' | 'friday' | 'saturday';
const DAYS: Day[] = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const INDEX = { first: 0, second: 1, third: 2, fourth: 3, last: -1 } as const;

export interface Pattern {
  type: 'daily' | 'weekly' | 'absoluteMonthly' | 'relativeMonthly' | 'absoluteYearly' | 'relativeYearly';
  interval?: number;
  month?: number;
  dayOfMonth?: number;
  daysOfWeek?: Day[];
  firstDayOfWeek?: Day;
  index?: keyof typeof INDEX;
}

export interface Range {
  type: 'endDate' | 'noEnd' | 'numbered';
  startDate: string;
  endDate?: string;
  numberOfOccurrences?: number;
}

export interface PatternedRecurrence {
  pattern: Pattern;
  range: Range;
}

const DAY_MS = 86_400_000;
const dayNumber = (date: string) => Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
const dateOf = (n: number) => new Date(n * DAY_MS).toISOString().slice(0, 10);

/** Why a pattern is not valid (the service refuses it with 400). */
export function patternProblem(r: PatternedRecurrence | undefined): string | undefined {
  if (!r?.pattern || !r.range) return 'recurrence needs a pattern and a range';
  const p = r.pattern;
  if (!['daily', 'weekly', 'absoluteMonthly', 'relativeMonthly', 'absoluteYearly', 'relativeYearly'].includes(p.type)) return `unknown pattern type ${p.type}`;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(r.range.startDate ?? '')) return 'range.startDate must be a date';
  if (r.range.type === 'endDate' && !/^\d{4}-\d{2}-\d{2}$/.test(r.range.endDate ?? '')) return 'range.endDate must be a date';
  if (r.range.type === 'numbered' && !(Number(r.range.numberOfOccurrences) > 0)) return 'range.numberOfOccurrences must be positive';
  if ((p.type === 'weekly' || p.type.startsWith('relative')) && !p.daysOfWeek?.length) return `${p.type} needs daysOfWeek`;
  if (p.type.startsWith('absolute') && !(Number(p.dayOfMonth) >= 1 && Number(p.dayOfMonth) <= 31)) return `${p.type} needs dayOfMonth 1–31`;
  if (p.type.endsWith('Yearly') && !(Number(p.month) >= 1 && Number(p.month) <= 12)) return `${p.type} needs month 1–12`;
  return undefined;
}

function daysInMonth(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** The dates of `days` in a month that the relative index picks (one per day set: the nth matching day). */
function relativeDate(y: number, m: number, days: Day[], index: keyof typeof INDEX): number | undefined {
  const matching: number[] = [];
  for (let d = 1; d <= daysInMonth(y, m); d++) {
    if (days.includes(DAYS[new Date(Date.UTC(y, m - 1, d)).getUTCDay()])) matching.push(d);
  }
  const i = INDEX[index];
  return i < 0 ? matching.at(-1) : matching[i];
}

function matches(p: Pattern, start: string, date: string): boolean {
  const [y, m, d] = date.split('-').map(Number);
  const [sy, sm] = start.split('-').map(Number);
  const interval = Math.max(1, p.interval ?? 1);
  const weekday = DAYS[new Date(Date.UTC(y, m - 1, d)).getUTCDay()];
  const months = (y - sy) * 12 + (m - sm);
  switch (p.type) {
    case 'daily':
      return (dayNumber(date) - dayNumber(start)) % interval === 0;
    case 'weekly': {
      if (!p.daysOfWeek?.includes(weekday)) return false;
      const first = DAYS.indexOf(p.firstDayOfWeek ?? 'sunday');
      const weekStart = (n: number) => n - ((new Date(n * DAY_MS).getUTCDay() - first + 7) % 7);
      const weeks = Math.round((weekStart(dayNumber(date)) - weekStart(dayNumber(start))) / 7);
      return weeks % interval === 0;
    }
    case 'absoluteMonthly':
      return months % interval === 0 && d === Math.min(p.dayOfMonth ?? 1, daysInMonth(y, m));
    case 'relativeMonthly':
      return months % interval === 0 && d === relativeDate(y, m, p.daysOfWeek ?? [], p.index ?? 'first');
    case 'absoluteYearly':
      return m === p.month && (y - sy) % interval === 0 && d === Math.min(p.dayOfMonth ?? 1, daysInMonth(y, m));
    case 'relativeYearly':
      return m === p.month && (y - sy) % interval === 0 && d === relativeDate(y, m, p.daysOfWeek ?? [], p.index ?? 'first');
  }
}

/** The dates (`YYYY-MM-DD`) the series occurs on, up to `untilDate` inclusive (and at most `max`). */
export function occurrenceDates(r: PatternedRecurrence, untilDate: string, max = 5000): string[] {
  const out: string[] = [];
  const first = dayNumber(r.range.startDate);
  let last = dayNumber(untilDate);
  if (r.range.type === 'endDate' && r.range.endDate) last = Math.min(last, dayNumber(r.range.endDate));
  const count = r.range.type === 'numbered' ? Number(r.range.numberOfOccurrences) : Number.POSITIVE_INFINITY;
  for (let n = first; n <= last && out.length < Math.min(count, max); n++) {
    const date = dateOf(n);
    if (matches(r.pattern, r.range.startDate, date)) out.push(date);
  }
  return out;
}
