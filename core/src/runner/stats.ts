/** Statistics per day, ISO week or month over a period, from the per-day totals every pairing keeps (stats.json). */
import type { DayStats } from '../state/types.js';
import { emptyDay } from '../state/run-stats.js';

export type StatsPeriod = 'day' | 'week' | 'month';

/** One bucket: its first day (`YYYY-MM-DD`; a week starts on Monday) and the totals of its days. */
export interface StatsBucket extends DayStats {
  start: string;
}

function bucketStart(day: string, period: StatsPeriod): string {
  if (period === 'day') return day;
  if (period === 'month') return `${day.slice(0, 7)}-01`;
  const d = new Date(`${day}T00:00:00Z`);
  const back = (d.getUTCDay() + 6) % 7; // days since Monday
  return new Date(d.getTime() - back * 86_400_000).toISOString().slice(0, 10);
}

function add(into: DayStats, day: DayStats): void {
  into.runs += day.runs;
  into.failedRuns += day.failedRuns;
  for (const side of ['a', 'b'] as const) for (const k of ['created', 'updated', 'deleted'] as const) into[side][k] += day[side]?.[k] ?? 0;
  into.conflicts += day.conflicts;
  into.failedItems += day.failedItems;
  into.durationMs += day.durationMs;
}

/** Buckets of the days in [from, to] (inclusive `YYYY-MM-DD`), oldest first, every bucket of the period listed. */
export function aggregate(sources: Record<string, DayStats>[], period: StatsPeriod, from: string, to: string): StatsBucket[] {
  const buckets = new Map<string, StatsBucket>();
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) {
    const start = bucketStart(new Date(t).toISOString().slice(0, 10), period);
    if (!buckets.has(start)) buckets.set(start, { start, ...emptyDay() });
  }
  for (const days of sources) {
    for (const [day, totals] of Object.entries(days)) {
      if (day < from || day > to) continue;
      const b = buckets.get(bucketStart(day, period));
      if (b) add(b, totals);
    }
  }
  return [...buckets.values()];
}
