/**
 * `stats.json` in a pairing's state folder: totals per UTC day (runs, failed runs, items per operation and side,
 * time spent), kept for `STATS_DAYS` days. Run history keeps only the newest runs; these totals answer "how much
 * was synced per day / week / month" over longer periods. Written atomically (temp file + rename) but not
 * flushed to disk: losing the last update in a power cut costs a count, never sync state.
 */
import { readFile } from 'node:fs/promises';
import { TextFile } from 'lowdb/node';
import { hasCode } from './durable-fs.js';
import type { DayStats, RunRecord } from './types.js';

/** Days of totals kept. */
export const STATS_DAYS = 400;

interface StatsFile {
  format: 1;
  /** `YYYY-MM-DD` (UTC) → totals of the runs started that day. */
  days: Record<string, DayStats>;
}

const SIDE_KEYS = ['created', 'updated', 'deleted'] as const;

/** Empty totals. */
export function emptyDay(): DayStats {
  return { runs: 0, failedRuns: 0, a: { created: 0, updated: 0, deleted: 0 }, b: { created: 0, updated: 0, deleted: 0 }, conflicts: 0, failedItems: 0, durationMs: 0 };
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/** Adds one run to a day's totals (dry runs are never recorded, so never counted). */
export function addRun(day: DayStats, run: RunRecord): void {
  day.runs += 1;
  if (run.aborted !== undefined || run.blocked !== undefined) day.failedRuns += 1;
  for (const side of ['a', 'b'] as const) {
    const counts = run[side] as Record<string, unknown> | undefined;
    for (const key of SIDE_KEYS) day[side][key] += num(counts?.[key]);
  }
  day.conflicts += num(run.conflicts);
  day.failedItems += num(run.failed);
  day.durationMs += num(run.durationMs);
}

/** Reads the totals; a missing or unreadable file reads as no totals (they are a record, never sync state). */
export async function readStats(file: string): Promise<Record<string, DayStats>> {
  try {
    const value = JSON.parse(await readFile(file, 'utf8')) as Partial<StatsFile>;
    return value.format === 1 && typeof value.days === 'object' && value.days !== null ? value.days : {};
  } catch (error) {
    if (hasCode(error, 'ENOENT') || error instanceof SyntaxError) return {};
    throw error;
  }
}

/** Folds one run into its day and drops days older than `STATS_DAYS`. */
export async function foldRun(file: string, run: RunRecord): Promise<void> {
  const days = await readStats(file);
  const key = run.startedAt.slice(0, 10);
  const day = days[key] ?? emptyDay();
  addRun(day, run);
  days[key] = day;
  const oldest = new Date(Date.parse(`${key}T00:00:00Z`) - STATS_DAYS * 86_400_000).toISOString().slice(0, 10);
  for (const k of Object.keys(days)) if (k < oldest) delete days[k];
  await new TextFile(file).write(JSON.stringify({ format: 1, days } satisfies StatsFile));
}
