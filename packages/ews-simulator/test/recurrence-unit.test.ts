/** The expansion function on its own: DaysOfWeek sets, intervals, ranges and the index counting of skipped dates. */
import { describe, expect, it } from 'vitest';
import { expand, lastOccurrence, parseRecurrence } from '../src/recurrence.js';
import type { XNode } from '../src/xml.js';

const node = (pattern: string, fields: Record<string, string>, range: XNode): XNode => ({
  n: 'Recurrence',
  c: [{ n: pattern, c: Object.entries(fields).map(([n, t]) => ({ n, t })) }, range],
});
const numbered = (start: string, count: number): XNode => ({ n: 'NumberedRecurrence', c: [{ n: 'StartDate', t: start }, { n: 'NumberOfOccurrences', t: String(count) }] });
const dates = (occ: { originalStart: number }[]) => occ.map((o) => new Date(o.originalStart).toISOString().slice(0, 10));
const T = (d: string) => Date.parse(`${d}T12:00:00Z`);

describe('recurrence expansion', () => {
  it('reads "Last Weekday" as the last working day and "First WeekendDay" as the first Saturday or Sunday', () => {
    const last = node('RelativeMonthlyRecurrence', { Interval: '1', DaysOfWeek: 'Weekday', DayOfWeekIndex: 'Last' }, numbered('2026-01-01', 3));
    expect(dates(expand(last, T('2026-01-30'), 'UTC', Number.POSITIVE_INFINITY))).toEqual(['2026-01-30', '2026-02-27', '2026-03-31']);
    const weekend = node('RelativeMonthlyRecurrence', { Interval: '2', DaysOfWeek: 'WeekendDay', DayOfWeekIndex: 'First' }, numbered('2026-01-01', 3));
    expect(dates(expand(weekend, T('2026-01-03'), 'UTC', Number.POSITIVE_INFINITY))).toEqual(['2026-01-03', '2026-03-01', '2026-05-02']);
  });

  it('expands every second week on several days, starting mid-week, counting from the range start', () => {
    const weekly = node('WeeklyRecurrence', { Interval: '2', DaysOfWeek: 'Monday Thursday', FirstDayOfWeek: 'Monday' }, numbered('2026-01-08', 4));
    expect(dates(expand(weekly, T('2026-01-08'), 'UTC', Number.POSITIVE_INFINITY))).toEqual(['2026-01-08', '2026-01-19', '2026-01-22', '2026-02-02']);
  });

  it('stops at EndDate inclusive and keeps InstanceIndex counting when earlier dates are skipped', () => {
    const daily = node('DailyRecurrence', { Interval: '3' }, { n: 'EndDateRecurrence', c: [{ n: 'StartDate', t: '2026-01-01' }, { n: 'EndDate', t: '2026-01-10' }] });
    const all = expand(daily, T('2026-01-01'), 'UTC', Number.POSITIVE_INFINITY);
    expect(dates(all)).toEqual(['2026-01-01', '2026-01-04', '2026-01-07', '2026-01-10']);
    const tail = expand(daily, T('2026-01-01'), 'UTC', Number.POSITIVE_INFINITY, 5000, T('2026-01-07'));
    expect(tail.map((o) => o.index)).toEqual([3, 4]);
    expect(lastOccurrence(daily, T('2026-01-01'), 'UTC')).toEqual(all[3]);
  });

  it('refuses patterns the schema does not allow', () => {
    expect(() => parseRecurrence(node('WeeklyRecurrence', { Interval: '0', DaysOfWeek: 'Monday' }, numbered('2026-01-01', 1)))).toThrow(/Interval/);
    expect(() => parseRecurrence(node('AbsoluteYearlyRecurrence', { DayOfMonth: '9' }, numbered('2026-01-01', 1)))).toThrow(/Month/);
    expect(() => parseRecurrence(node('DailyRecurrence', { Interval: '1' }, numbered('2026-01-01', 0)))).toThrow(/NumberOfOccurrences/);
    expect(() => parseRecurrence(node('HourlyRecurrence', { Interval: '1' }, numbered('2026-01-01', 1)))).toThrow(/not a recurrence pattern/);
  });
});
