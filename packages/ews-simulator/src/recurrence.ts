/**
 * Recurrence patterns and ranges as EWS defines them (DailyRecurrence, WeeklyRecurrence, AbsoluteMonthlyRecurrence,
 * RelativeMonthlyRecurrence, AbsoluteYearlyRecurrence, RelativeYearlyRecurrence; NoEnd/EndDate/Numbered ranges),
 * expanded into occurrence start times. Occurrences keep the master's wall-clock time in its start time zone, so a
 * weekly 09:00 meeting in W. Europe stays at 09:00 local across a DST change.
 */
import { nodeChild, type XNode } from './xml.js';
import { epochToWall, wallToEpoch } from './time.js';

const DAY = 86_400_000;
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October',
  'November', 'December'];
const INDEXES = ['First', 'Second', 'Third', 'Fourth', 'Last'];

export interface Pattern {
  kind: 'Daily' | 'Weekly' | 'AbsoluteMonthly' | 'RelativeMonthly' | 'AbsoluteYearly' | 'RelativeYearly' | 'Regeneration';
  interval: number;
  /** Weekday numbers (0 = Sunday). */
  days: number[];
  firstDayOfWeek: number;
  dayOfMonth: number;
  /** 0-based month. */
  month: number;
  /** 1..4, or 5 for Last. */
  weekIndex: number;
}

export interface Range {
  /** UTC-midnight ms of the range's start date. */
  startDate: number;
  endDate?: number;
  count?: number;
}

/** A parse failure of a Recurrence element (ErrorInvalidRecurrence… at the caller). */
export class RecurrenceError extends Error {}

function text(node: XNode | undefined, name: string): string | undefined {
  const t = nodeChild(node, name)?.t?.trim();
  return t === '' ? undefined : t;
}

function parseDate(value: string | undefined, what: string): number {
  const m = value ? /^(\d{4})-(\d{2})-(\d{2})/.exec(value) : null;
  if (!m) throw new RecurrenceError(`${what} is missing or not a date`);
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!);
}

function days(value: string | undefined): number[] {
  const out = new Set<number>();
  for (const d of (value ?? '').split(/\s+/).filter(Boolean)) {
    if (d === 'Day') WEEKDAYS.forEach((_, i) => out.add(i));
    else if (d === 'Weekday') [1, 2, 3, 4, 5].forEach((i) => out.add(i));
    else if (d === 'WeekendDay') [0, 6].forEach((i) => out.add(i));
    else {
      const i = WEEKDAYS.indexOf(d);
      if (i < 0) throw new RecurrenceError(`'${d}' is not a DayOfWeekType value`);
      out.add(i);
    }
  }
  return [...out].sort();
}

/** Reads a stored Recurrence node. */
export function parseRecurrence(node: XNode): { pattern: Pattern; range: Range } {
  const [p, r] = node.c ?? [];
  if (!p || !r) throw new RecurrenceError('Recurrence needs a pattern and a range');
  const kind = p.n.replace(/Recurrence$/, '');
  const pattern: Pattern = {
    kind: /Regeneration$/.test(p.n) ? 'Regeneration' : (kind as Pattern['kind']),
    interval: Number(text(p, 'Interval') ?? 1),
    days: days(text(p, 'DaysOfWeek')),
    firstDayOfWeek: Math.max(0, WEEKDAYS.indexOf(text(p, 'FirstDayOfWeek') ?? 'Sunday')),
    dayOfMonth: Number(text(p, 'DayOfMonth') ?? 1),
    month: MONTHS.indexOf(text(p, 'Month') ?? ''),
    weekIndex: INDEXES.indexOf(text(p, 'DayOfWeekIndex') ?? 'First') + 1,
  };
  if (!['Daily', 'Weekly', 'AbsoluteMonthly', 'RelativeMonthly', 'AbsoluteYearly', 'RelativeYearly', 'Regeneration'].includes(pattern.kind)) {
    throw new RecurrenceError(`${p.n} is not a recurrence pattern`);
  }
  if (!Number.isInteger(pattern.interval) || pattern.interval < 1 || pattern.interval > 999) {
    throw new RecurrenceError('Interval must be between 1 and 999');
  }
  if (pattern.kind === 'Weekly' && pattern.days.length === 0) throw new RecurrenceError('WeeklyRecurrence needs DaysOfWeek');
  if (/Relative/.test(pattern.kind) && (pattern.days.length === 0 || pattern.weekIndex < 1)) {
    throw new RecurrenceError(`${p.n} needs DaysOfWeek and DayOfWeekIndex`);
  }
  if (/Absolute/.test(pattern.kind) && (pattern.dayOfMonth < 1 || pattern.dayOfMonth > 31)) {
    throw new RecurrenceError('DayOfMonth must be between 1 and 31');
  }
  if (/Yearly/.test(pattern.kind) && pattern.month < 0) throw new RecurrenceError(`${p.n} needs a Month`);
  const range: Range = { startDate: parseDate(text(r, 'StartDate'), 'StartDate') };
  if (r.n === 'EndDateRecurrence') range.endDate = parseDate(text(r, 'EndDate'), 'EndDate');
  else if (r.n === 'NumberedRecurrence') {
    range.count = Number(text(r, 'NumberOfOccurrences'));
    if (!Number.isInteger(range.count) || range.count < 1) throw new RecurrenceError('NumberOfOccurrences must be a positive number');
  } else if (r.n !== 'NoEndRecurrence') throw new RecurrenceError(`${r.n} is not a recurrence range`);
  return { pattern, range };
}

const daysInMonth = (y: number, m: number) => new Date(Date.UTC(y, m + 1, 0)).getUTCDate();

/** The dates (UTC-midnight ms) in month (y, m) a relative pattern names. */
function relativeDates(y: number, m: number, p: Pattern): number[] {
  const matches: number[] = [];
  for (let d = 1; d <= daysInMonth(y, m); d++) {
    const t = Date.UTC(y, m, d);
    if (p.days.includes(new Date(t).getUTCDay())) matches.push(t);
  }
  // "First Weekday" is the first matching day, not one per weekday (as Outlook/Exchange read DaysOfWeek sets).
  const pick = p.weekIndex === 5 ? matches[matches.length - 1] : matches[p.weekIndex - 1];
  return pick === undefined ? [] : [pick];
}

/** Candidate dates of a pattern in ascending order, from the range start on (an endless generator). */
function* candidateDates(p: Pattern, startDate: number): Generator<number> {
  const start = new Date(startDate);
  const y0 = start.getUTCFullYear();
  const m0 = start.getUTCMonth();
  switch (p.kind) {
    case 'Daily':
    case 'Regeneration':
      for (let t = startDate; ; t += p.interval * DAY) yield t;
    case 'Weekly': {
      const weekStart = startDate - (((start.getUTCDay() - p.firstDayOfWeek) % 7 + 7) % 7) * DAY;
      for (let w = weekStart; ; w += p.interval * 7 * DAY) {
        for (let i = 0; i < 7; i++) {
          const t = w + i * DAY;
          if (t >= startDate && p.days.includes(new Date(t).getUTCDay())) yield t;
        }
      }
    }
    case 'AbsoluteMonthly':
    case 'RelativeMonthly':
    case 'AbsoluteYearly':
    case 'RelativeYearly': {
      const yearly = p.kind.endsWith('Yearly');
      const step = yearly ? 12 : p.interval;
      let y = y0;
      let m = yearly ? p.month : m0;
      if (yearly && m < m0) y += 1;
      for (;;) {
        const dates = p.kind.startsWith('Absolute')
          ? [Date.UTC(y, m, Math.min(p.dayOfMonth, daysInMonth(y, m)))]
          : relativeDates(y, m, p);
        for (const t of dates) if (t >= startDate) yield t;
        m += step;
        y += Math.floor(m / 12);
        m %= 12;
      }
    }
  }
}

/** One expanded occurrence. */
export interface Occurrence {
  /** 1-based position in the series (deleted occurrences count, as InstanceIndex does). */
  index: number;
  /** The start the pattern gives it (UTC ms). */
  originalStart: number;
}

/**
 * Occurrence starts of a series whose master starts at `masterStart` (UTC ms) in `zone`, up to `until` (UTC ms,
 * exclusive) and at most `max` of them. Occurrences starting well before `from` are counted (for their index) but
 * not returned, which saves the zone conversion of a long series' past.
 */
export function expand(recurrence: XNode, masterStart: number, zone: string, until: number, max = 5000, from = Number.NEGATIVE_INFINITY): Occurrence[] {
  const { pattern, range } = parseRecurrence(recurrence);
  const wallStart = epochToWall(masterStart, zone);
  const timeOfDay = ((wallStart % DAY) + DAY) % DAY;
  const out: Occurrence[] = [];
  let index = 0;
  for (const date of candidateDates(pattern, range.startDate)) {
    if (range.endDate !== undefined && date > range.endDate) break;
    if (range.count !== undefined && index >= range.count) break;
    // A zone is at most 14 hours from UTC: a wall time two days before `from` is before it in any zone.
    if (date + timeOfDay < from - 2 * DAY) {
      index += 1;
      continue;
    }
    const start = wallToEpoch(date + timeOfDay, zone);
    if (start >= until || out.length >= max) break;
    index += 1;
    if (start >= from) out.push({ index, originalStart: start });
  }
  return out;
}

/** The last occurrence of a bounded series, or undefined for a NoEnd series. */
export function lastOccurrence(recurrence: XNode, masterStart: number, zone: string): Occurrence | undefined {
  const { pattern, range } = parseRecurrence(recurrence);
  if (range.endDate === undefined && range.count === undefined) return undefined;
  const wallStart = epochToWall(masterStart, zone);
  const timeOfDay = ((wallStart % DAY) + DAY) % DAY;
  let index = 0;
  let last: number | undefined;
  for (const date of candidateDates(pattern, range.startDate)) {
    if (range.endDate !== undefined && date > range.endDate) break;
    if (range.count !== undefined && index >= range.count) break;
    index += 1;
    last = date;
  }
  return last === undefined ? undefined : { index, originalStart: wallToEpoch(last + timeOfDay, zone) };
}
