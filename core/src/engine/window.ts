/**
 * The time window (DESIGN §5): items outside it are out of scope — never deleted.
 *
 * `pastDays` / `futureDays` count whole UTC days from today: the window starts at 00:00 UTC `pastDays` days
 * before today and ends at 00:00 UTC of the day after the `futureDays`-th day ahead, so runs during the same day
 * see the same window. `from` / `to` are ISO dates (`2026-01-01`, read as 00:00 UTC) or date-times; a date-only
 * `to` includes that whole day. An explicit `from` wins over `pastDays` and `to` over `futureDays`. A bound not
 * given is open. No window (or an empty one) = everything in scope. With `side`, the window applies only to items
 * coming from that side: the planner leaves alone every item the other side holds or held (see plan.ts).
 */
import type { WindowConfig } from '../config/types.js';
import type { Entity } from '../sdk/entities.js';
import { overlaps } from '../model/index.js';

/** A resolved window [start, end). */
export interface TimeRange {
  start: Date;
  end: Date;
}

/** One invalid window setting; `pointer` relative to the pairing, e.g. `/window/pastDays`. */
export interface WindowError {
  pointer: string;
  message: string;
}

const DAY = 86_400_000;
/** The earliest and latest instants a Date can hold: open bounds. */
const MIN = -8.64e15;
const MAX = 8.64e15;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

function parseBound(v: string, isEnd: boolean): number | undefined {
  if (DATE_ONLY.test(v)) {
    const ms = Date.parse(`${v}T00:00:00Z`);
    if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== v) return undefined;
    return isEnd ? ms + DAY : ms;
  }
  if (DATE_TIME.test(v)) {
    const ms = Date.parse(v);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

/** Checks a window config; empty when valid. */
export function windowErrors(w: WindowConfig | undefined): WindowError[] {
  if (w === undefined) return [];
  if (!w || typeof w !== 'object' || Array.isArray(w)) return [{ pointer: '/window', message: 'window must be an object' }];
  const errors: WindowError[] = [];
  for (const key of ['pastDays', 'futureDays'] as const) {
    const v = w[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0)) {
      errors.push({ pointer: `/window/${key}`, message: `${key} must be a number of days ≥ 0` });
    }
  }
  for (const key of ['from', 'to'] as const) {
    const v = w[key];
    if (v !== undefined && (typeof v !== 'string' || parseBound(v, key === 'to') === undefined)) {
      errors.push({ pointer: `/window/${key}`, message: `${key} must be an ISO date (2026-01-01) or date-time with zone (2026-01-01T08:00:00Z)` });
    }
  }
  if (w.side !== undefined && w.side !== 'a' && w.side !== 'b') errors.push({ pointer: '/window/side', message: 'side must be "a" or "b" (leave it out for both)' });
  if (!errors.length && w.from !== undefined && w.to !== undefined && parseBound(w.from, false)! >= parseBound(w.to, true)!) {
    errors.push({ pointer: '/window/to', message: '"to" must be after "from"' });
  }
  return errors;
}

/**
 * Resolves a window against `now` (see module doc); undefined when there is no bound at all.
 * Throws a RangeError naming the setting when the config is invalid (check with `windowErrors` first).
 */
export function compileWindow(w: WindowConfig | undefined, now: Date): TimeRange | undefined {
  if (w === undefined) return undefined;
  const errors = windowErrors(w);
  if (errors.length) throw new RangeError(errors.map((e) => `${e.pointer}: ${e.message}`).join('; '));
  const today = Math.floor(now.getTime() / DAY) * DAY;
  let start: number | undefined;
  let end: number | undefined;
  if (w.from !== undefined) start = parseBound(w.from, false);
  else if (w.pastDays !== undefined) start = today - Math.floor(w.pastDays) * DAY;
  if (w.to !== undefined) end = parseBound(w.to, true);
  else if (w.futureDays !== undefined) end = today + (Math.floor(w.futureDays) + 1) * DAY;
  if (start === undefined && end === undefined) return undefined;
  return { start: new Date(start ?? MIN), end: new Date(end ?? MAX) };
}

/** True when the item meets the window: contacts always, items without dates always, others when any occurrence
 * overlaps [start, end) (recurrences expanded by the model's `overlaps`). */
export function inWindow(entity: Entity, range: TimeRange | undefined): boolean {
  if (!range || entity.type === 'contact') return true;
  if (entity.type === 'task' && !entity.start && !entity.due) return true;
  if (entity.type === 'event' && !entity.start) return true;
  return overlaps(entity, range.start, range.end);
}
