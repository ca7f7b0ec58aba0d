/**
 * Exchange recurrence patterns ↔ RRULE. Exchange stores a series as one pattern (daily, weekly, absolute or
 * relative monthly/yearly) with a range; RRULEs outside what a pattern can say (hourly, BYWEEKNO, several
 * RRULEs, RDATE, …) cannot be stored and are refused with the reason, never approximated.
 */
import { epochOfWallClock, wallClockIn, type TimeValue } from '@dovetail/core/sdk';
import type { ExDay, ExRecurrence, ExRecurrencePattern, ExWeekIndex } from './types.js';

const DAYS: readonly ExDay[] = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const ICAL_DAYS = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'] as const;
const INDEX: Readonly<Record<ExWeekIndex, number>> = { first: 1, second: 2, third: 3, fourth: 4, last: -1 };
const INDEX_OF = new Map<number, ExWeekIndex>(Object.entries(INDEX).map(([k, v]) => [v, k as ExWeekIndex]));
const ALLOWED_PARTS = new Set(['FREQ', 'INTERVAL', 'COUNT', 'UNTIL', 'BYDAY', 'BYMONTHDAY', 'BYMONTH', 'BYSETPOS', 'WKST']);

const icalDay = (d: ExDay) => ICAL_DAYS[DAYS.indexOf(d)];
const exDay = (d: string): ExDay | undefined => {
  const i = ICAL_DAYS.indexOf(d.toUpperCase() as (typeof ICAL_DAYS)[number]);
  return i < 0 ? undefined : DAYS[i];
};

/** The weekday, day of month and month of a `YYYY-MM-DD…` wall date. */
function dateParts(value: string): { day: ExDay; dayOfMonth: number; month: number } {
  const [y, m, d] = value.slice(0, 10).split('-').map(Number);
  return { day: DAYS[new Date(Date.UTC(y, m - 1, d)).getUTCDay()], dayOfMonth: d, month: m };
}

// ---------------------------------------------------------------------------------------------------------
// Exchange → RRULE

/**
 * The RRULE of a pattern for a series whose first occurrence is `start` (canonical, in the series' zone).
 * UNTIL is the last instant the range allows: the end date at the start's wall time, in UTC for zoned times.
 */
export function rruleOf(r: ExRecurrence, start: TimeValue): string {
  const p = r.pattern;
  const parts: string[] = [];
  const interval = (n: number) => { if (n > 1) parts.push(`INTERVAL=${n}`); };
  const days = (ds: ExDay[] | undefined) => (ds ?? []).map(icalDay).join(',');
  switch (p.type) {
    case 'daily':
      parts.push('FREQ=DAILY');
      interval(p.interval);
      break;
    case 'weekly':
      parts.push('FREQ=WEEKLY');
      interval(p.interval);
      if (p.daysOfWeek?.length) parts.push(`BYDAY=${days(p.daysOfWeek)}`);
      if (p.firstDayOfWeek && p.firstDayOfWeek !== 'monday') parts.push(`WKST=${icalDay(p.firstDayOfWeek)}`);
      break;
    case 'absoluteMonthly':
      parts.push('FREQ=MONTHLY');
      interval(p.interval);
      parts.push(`BYMONTHDAY=${p.dayOfMonth ?? dateParts(start.value).dayOfMonth}`);
      break;
    case 'relativeMonthly':
    case 'relativeYearly': {
      parts.push(p.type === 'relativeMonthly' ? 'FREQ=MONTHLY' : 'FREQ=YEARLY');
      if (p.type === 'relativeMonthly') interval(p.interval);
      else parts.push(`BYMONTH=${p.month ?? dateParts(start.value).month}`);
      const n = INDEX[p.index ?? 'first'];
      const ds = p.daysOfWeek?.length ? p.daysOfWeek : [dateParts(start.value).day];
      parts.push(ds.length === 1 ? `BYDAY=${n}${icalDay(ds[0])}` : `BYDAY=${days(ds)};BYSETPOS=${n}`);
      break;
    }
    case 'absoluteYearly':
      parts.push('FREQ=YEARLY', `BYMONTH=${p.month ?? dateParts(start.value).month}`,
        `BYMONTHDAY=${p.dayOfMonth ?? dateParts(start.value).dayOfMonth}`);
      break;
  }
  const range = r.range;
  if (range.type === 'numbered' && range.numberOfOccurrences) parts.push(`COUNT=${range.numberOfOccurrences}`);
  if (range.type === 'endDate' && range.endDate) parts.push(`UNTIL=${untilOf(range.endDate, start)}`);
  return parts.join(';');
}

function untilOf(endDate: string, start: TimeValue): string {
  const compact = (s: string) => s.replace(/[-:]/g, '');
  if (start.kind === 'date') return compact(endDate);
  const wall = `${endDate}T${start.value.slice(11, 19)}`;
  if (start.kind === 'floating') return compact(wall);
  const epoch = start.kind === 'zoned' && start.tz ? epochOfWallClock(wall, start.tz) : epochOfWallClock(wall, 'UTC');
  return `${compact(new Date(epoch).toISOString().slice(0, 19))}Z`;
}

// ---------------------------------------------------------------------------------------------------------
// RRULE → Exchange

/** Why a recurrence cannot be stored in Exchange. */
export class RecurrenceNotStorable extends Error {}

function parseRule(rule: string): Map<string, string> {
  const parts = new Map<string, string>();
  for (const part of rule.replace(/^RRULE:/i, '').split(';')) {
    if (!part.trim()) continue;
    const [k, v = ''] = part.split('=');
    parts.set(k.trim().toUpperCase(), v.trim().toUpperCase());
  }
  return parts;
}

/** `2TU` → { n: 2, day: 'tuesday' }; `TU` → { n: undefined, … }. */
function parseByDay(v: string): { n?: number; day: ExDay }[] {
  return v.split(',').map((tok) => {
    const m = /^([+-]?\d{1,2})?([A-Z]{2})$/.exec(tok.trim());
    const day = m ? exDay(m[2]) : undefined;
    if (!m || !day) throw new RecurrenceNotStorable(`BYDAY value "${tok}" is not a weekday`);
    return { n: m[1] === undefined ? undefined : Number(m[1]), day };
  });
}

function weekIndex(n: number | undefined, what: string): ExWeekIndex {
  const idx = n === undefined ? undefined : INDEX_OF.get(n);
  if (!idx) throw new RecurrenceNotStorable(`${what} ${n}: Exchange counts only the 1st–4th and the last`);
  return idx;
}

function positiveInt(v: string | undefined, what: string, fallback = 1): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 999) throw new RecurrenceNotStorable(`${what}=${v} is outside 1–999`);
  return n;
}

function single(v: string, what: string): number {
  if (v.includes(',')) throw new RecurrenceNotStorable(`${what}=${v}: Exchange takes one value`);
  return Number(v);
}

/**
 * The Exchange pattern and range for a canonical recurrence whose first occurrence is `start`; throws
 * `RecurrenceNotStorable` with the reason when no pattern can hold it.
 */
export function exRecurrenceOf(recurrence: { rrule?: string[]; rdate?: TimeValue[] }, start: TimeValue): ExRecurrence {
  const rules = recurrence.rrule ?? [];
  if (recurrence.rdate?.length) throw new RecurrenceNotStorable('extra dates (RDATE) have no Exchange equivalent');
  if (rules.length !== 1) throw new RecurrenceNotStorable(`${rules.length} RRULEs, where an Exchange series has exactly one pattern`);
  const parts = parseRule(rules[0]);
  for (const k of parts.keys()) {
    if (!ALLOWED_PARTS.has(k)) throw new RecurrenceNotStorable(`${k} in an RRULE has no Exchange equivalent`);
  }
  const freq = parts.get('FREQ');
  const interval = positiveInt(parts.get('INTERVAL'), 'INTERVAL');
  const startParts = dateParts(start.value);
  const byDay = parts.has('BYDAY') ? parseByDay(parts.get('BYDAY')!) : undefined;
  const setPos = parts.has('BYSETPOS') ? single(parts.get('BYSETPOS')!, 'BYSETPOS') : undefined;
  const byMonthDay = parts.has('BYMONTHDAY') ? single(parts.get('BYMONTHDAY')!, 'BYMONTHDAY') : undefined;
  const byMonth = parts.has('BYMONTH') ? single(parts.get('BYMONTH')!, 'BYMONTH') : undefined;
  const wkst = parts.has('WKST') ? exDay(parts.get('WKST')!) : undefined;
  const plainDays = () => {
    if (byDay?.some((d) => d.n !== undefined)) throw new RecurrenceNotStorable(`BYDAY=${parts.get('BYDAY')} with a position needs FREQ=MONTHLY or YEARLY`);
    return byDay?.map((d) => d.day);
  };
  const noneOf = (...keys: string[]) => {
    for (const k of keys) if (parts.has(k)) throw new RecurrenceNotStorable(`${k} with FREQ=${freq} has no Exchange equivalent`);
  };
  /** A relative pattern's days and index from BYDAY (+ BYSETPOS). */
  const relative = (): Pick<ExRecurrencePattern, 'daysOfWeek' | 'index'> => {
    if (!byDay) throw new RecurrenceNotStorable('internal: no BYDAY');
    if (setPos !== undefined) {
      if (byDay.some((d) => d.n !== undefined)) throw new RecurrenceNotStorable('BYDAY positions together with BYSETPOS');
      return { daysOfWeek: byDay.map((d) => d.day), index: weekIndex(setPos, 'BYSETPOS') };
    }
    if (byDay.length !== 1 || byDay[0].n === undefined) {
      throw new RecurrenceNotStorable(`BYDAY=${parts.get('BYDAY')}: Exchange needs one weekday with a position (e.g. 2TU) or BYSETPOS`);
    }
    return { daysOfWeek: [byDay[0].day], index: weekIndex(byDay[0].n, 'BYDAY position') };
  };

  let pattern: ExRecurrencePattern;
  switch (freq) {
    case 'DAILY': {
      noneOf('BYMONTHDAY', 'BYMONTH', 'BYSETPOS');
      const days = plainDays();
      if (days?.length) {
        if (interval !== 1) throw new RecurrenceNotStorable('FREQ=DAILY with INTERVAL and BYDAY has no Exchange equivalent');
        pattern = { type: 'weekly', interval: 1, daysOfWeek: days, firstDayOfWeek: wkst ?? 'monday' };
      } else {
        pattern = { type: 'daily', interval };
      }
      break;
    }
    case 'WEEKLY':
      noneOf('BYMONTHDAY', 'BYMONTH', 'BYSETPOS');
      pattern = { type: 'weekly', interval, daysOfWeek: plainDays() ?? [startParts.day], firstDayOfWeek: wkst ?? 'monday' };
      break;
    case 'MONTHLY':
      noneOf('BYMONTH');
      if (byDay) {
        if (byMonthDay !== undefined) throw new RecurrenceNotStorable('BYDAY together with BYMONTHDAY has no Exchange equivalent');
        pattern = { type: 'relativeMonthly', interval, ...relative() };
      } else if (byMonthDay === -1) {
        pattern = { type: 'relativeMonthly', interval, daysOfWeek: [...DAYS], index: 'last' };
      } else {
        if (setPos !== undefined) throw new RecurrenceNotStorable('BYSETPOS without BYDAY has no Exchange equivalent');
        pattern = { type: 'absoluteMonthly', interval, dayOfMonth: dayOfMonth(byMonthDay ?? startParts.dayOfMonth) };
      }
      break;
    case 'YEARLY': {
      const month = byMonth ?? startParts.month;
      if (!Number.isInteger(month) || month < 1 || month > 12) throw new RecurrenceNotStorable(`BYMONTH=${byMonth} is not a month`);
      if (byDay) {
        if (byMonthDay !== undefined) throw new RecurrenceNotStorable('BYDAY together with BYMONTHDAY has no Exchange equivalent');
        if (interval !== 1) throw new RecurrenceNotStorable('a yearly rule by weekday every several years has no Exchange equivalent');
        pattern = { type: 'relativeYearly', interval: 1, month, ...relative() };
      } else {
        if (setPos !== undefined) throw new RecurrenceNotStorable('BYSETPOS without BYDAY has no Exchange equivalent');
        const day = dayOfMonth(byMonthDay ?? startParts.dayOfMonth);
        // Every N years is what Outlook itself stores: every 12·N months on that day, starting in that month.
        pattern = interval === 1 ? { type: 'absoluteYearly', interval: 1, month, dayOfMonth: day }
          : { type: 'absoluteMonthly', interval: 12 * interval, dayOfMonth: day };
        if (interval !== 1 && month !== startParts.month) throw new RecurrenceNotStorable('every several years in a month other than the first occurrence\'s');
      }
      break;
    }
    default:
      throw new RecurrenceNotStorable(`FREQ=${freq ?? '(none)'}: Exchange series repeat daily, weekly, monthly or yearly`);
  }

  const startDate = start.value.slice(0, 10);
  if (parts.has('COUNT') && parts.has('UNTIL')) throw new RecurrenceNotStorable('COUNT together with UNTIL');
  if (parts.has('COUNT')) return { pattern, range: { type: 'numbered', startDate, numberOfOccurrences: positiveInt(parts.get('COUNT'), 'COUNT') } };
  if (parts.has('UNTIL')) return { pattern, range: { type: 'endDate', startDate, endDate: endDateOf(parts.get('UNTIL')!, start) } };
  return { pattern, range: { type: 'noEnd', startDate } };
}

function dayOfMonth(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > 31) throw new RecurrenceNotStorable(`day of month ${n}: Exchange takes 1–31 (or the last day)`);
  return n;
}

/**
 * The inclusive end date for UNTIL: the date, in the series' zone, of the last occurrence start the UNTIL
 * allows (an UNTIL before the start's time of day ends the series the day before).
 */
function endDateOf(until: string, start: TimeValue): string {
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?$/.exec(until);
  if (!m) throw new RecurrenceNotStorable(`UNTIL=${until} is not a date or date-time`);
  const date = `${m[1]}-${m[2]}-${m[3]}`;
  if (start.kind === 'date' || m[4] === undefined) return date;
  const untilWall = `${date}T${m[4]}:${m[5]}:${m[6]}`;
  const zone = start.kind === 'zoned' && start.tz ? start.tz : 'UTC';
  // UNTIL in UTC compared as wall-clock time in the series' zone.
  const untilEpoch = m[7] ? epochOfWallClock(untilWall, 'UTC') : epochOfWallClock(untilWall, zone);
  const local = start.kind === 'floating' && !m[7] ? untilWall : wallClockIn(untilEpoch, zone);
  const startTime = start.value.slice(11, 19);
  if (local.slice(11, 19) >= startTime) return local.slice(0, 10);
  const prev = new Date(Date.parse(`${local.slice(0, 10)}T00:00:00Z`) - 86_400_000);
  return prev.toISOString().slice(0, 10);
}
