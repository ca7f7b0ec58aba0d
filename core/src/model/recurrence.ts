/**
 * Window checks with recurrence expansion. Rules are expanded on wall-clock time (as RFC 5545 defines) with
 * ical.js's RRULE iterator, and each instance is converted to an instant in the start's zone. Expansion stops past
 * the window's end; a rule that needs more than MAX_INSTANCES steps to get there counts as in range.
 */
import { ICAL } from './ical-lib.js';
import type { EventEntity, EventOverride, TaskEntity, TimeValue } from '../sdk/entities.js';
import { epochToWallLike, formatWall, toEpochMs, wallMs } from './time-value.js';

/** Iteration cap for one entity's recurrence expansion. */
export const MAX_INSTANCES = 10_000;
const DAY = 86_400_000;

function icalFloating(ms: number, isDate: boolean): ICAL.Time {
  const d = new Date(ms);
  return ICAL.Time.fromData({
    year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(),
    hour: isDate ? 0 : d.getUTCHours(), minute: isDate ? 0 : d.getUTCMinutes(), second: isDate ? 0 : d.getUTCSeconds(), isDate,
  });
}

function wallOf(time: ICAL.Time): number {
  return Date.UTC(time.year, time.month - 1, time.day, time.hour, time.minute, time.second);
}

/** Length of one instance in ms (end − start; DURATION; one day for an all-day start without end; else 0). */
function spanMs(start: TimeValue, end: TimeValue | undefined, duration: string | undefined): number {
  if (end) return Math.max(0, toEpochMs(end) - toEpochMs(start));
  if (duration) {
    try {
      return Math.max(0, ICAL.Duration.fromString(duration).toSeconds() * 1000);
    } catch {
      return 0;
    }
  }
  return start.kind === 'date' ? DAY : 0;
}

function hits(s: number, e: number, from: number, to: number): boolean {
  if (e <= s) return s >= from && s < to;
  return s < to && e > from;
}

/** The UNTIL of `rule` moved to the wall clock of `start` (ical.js compares UNTIL with floating instances). */
function localizeUntil(rule: ICAL.Recur, start: TimeValue): void {
  if (!rule.until || start.kind === 'utc') return;
  const until = rule.until;
  if (until.isDate || !until.toString().endsWith('Z')) return;
  const epoch = Date.UTC(until.year, until.month - 1, until.day, until.hour, until.minute, until.second);
  rule.until = icalFloating(epochToWallLike(epoch, start), start.kind === 'date');
}

/** True when any instance of a recurring item overlaps [from, to). */
function recurringOverlaps(
  start: TimeValue, span: number, rrules: string[], rdates: TimeValue[], exdates: TimeValue[],
  overrides: EventOverride[], from: number, to: number,
): boolean {
  const excluded = new Set(exdates.map(toEpochMs));
  const byId = new Map(overrides.map((o) => [toEpochMs(o.recurrenceId), o]));
  for (const o of overrides) {
    if (o.status === 'cancelled' || !o.start) continue;
    const s = toEpochMs(o.start);
    const e = o.end ? toEpochMs(o.end) : s + span;
    if (hits(s, e, from, to)) return true;
  }
  const instance = (epoch: number): boolean => {
    if (excluded.has(epoch)) return false;
    const o = byId.get(epoch);
    if (o && (o.start || o.status === 'cancelled')) return false; // judged above
    return hits(epoch, epoch + span, from, to);
  };
  for (const r of rdates) if (instance(toEpochMs(r))) return true;
  const isDate = start.kind === 'date';
  const wallStart = wallMs(start.value);
  let steps = 0;
  for (const text of rrules) {
    let iterator: ICAL.RecurIterator;
    try {
      const rule = ICAL.Recur.fromString(text.replace(/^RRULE:/i, ''));
      localizeUntil(rule, start);
      iterator = rule.iterator(icalFloating(wallStart, isDate));
    } catch {
      return true; // an unreadable rule: cannot prove it is out of range
    }
    for (let next = iterator.next(); next; next = iterator.next()) {
      if (++steps > MAX_INSTANCES) return true;
      const epoch = toEpochMs({ ...start, value: formatWall(wallOf(next), start.kind) });
      if (epoch >= to) break;
      if (instance(epoch)) return true;
    }
  }
  return false;
}

/**
 * The instants (epoch ms) of the occurrences one RRULE generates from `start` (which counts as the first), in
 * order, up to and including `untilMs`, at most `max` of them. EXDATEs and overrides are not applied.
 */
export function ruleInstants(start: TimeValue, rrule: string, untilMs: number, max = MAX_INSTANCES): number[] {
  const rule = ICAL.Recur.fromString(rrule.replace(/^RRULE:/i, ''));
  localizeUntil(rule, start);
  const iterator = rule.iterator(icalFloating(wallMs(start.value), start.kind === 'date'));
  const out: number[] = [];
  for (let next = iterator.next(); next && out.length < max; next = iterator.next()) {
    const epoch = toEpochMs({ ...start, value: formatWall(wallOf(next), start.kind) });
    if (epoch > untilMs) break;
    out.push(epoch);
  }
  return out;
}

/** True when the event/task (any recurrence instance) overlaps [start, end). Items without dates are in range. */
export function overlaps(entity: EventEntity | TaskEntity, start: Date, end: Date): boolean {
  const from = start.getTime();
  const to = end.getTime();
  let first: TimeValue | undefined;
  let span = 0;
  if (entity.type === 'event') {
    first = entity.start;
    if (first) span = spanMs(first, entity.end, entity.duration);
  } else {
    first = entity.start ?? entity.due;
    if (entity.start && entity.due) span = Math.max(0, toEpochMs(entity.due) - toEpochMs(entity.start));
  }
  if (!first || Number.isNaN(wallMs(first.value))) return true;
  const r = entity.recurrence;
  const overrides = entity.type === 'event' ? entity.overrides ?? [] : [];
  if (!r?.rrule?.length && !r?.rdate?.length) {
    const s = toEpochMs(first);
    return hits(s, s + span, from, to);
  }
  const rdates = [...(r.rdate ?? [])];
  if (!r.rrule?.length) rdates.push(first);
  return recurringOverlaps(first, span, r.rrule ?? [], rdates, r.exdate ?? [], overrides, from, to);
}
