/** TimeValue ↔ epoch ms and ↔ iCalendar date/date-time values. */
import { ICAL } from './ical-lib.js';
import type { TimeValue } from '../sdk/entities.js';
import { epochToWallInCustomZone, epochToWallInZone, wallToEpochInCustomZone, wallToEpochInZone } from './timezones.js';

const VALUE_RE = /^(-?\d{4,})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z)?)?$/;

/** The wall-clock time of a TimeValue's `value`, read as if it were UTC (ms); NaN if malformed. */
export function wallMs(value: string): number {
  const m = VALUE_RE.exec(value);
  if (!m) return Number.NaN;
  const d = new Date(0);
  d.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  d.setUTCHours(Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0), 0);
  return d.getTime();
}

/** Epoch ms of a time value (`date` and `floating` read as UTC wall-clock). */
export function toEpochMs(t: TimeValue): number {
  const wall = wallMs(t.value);
  if (t.kind !== 'zoned' || !t.tz) return wall;
  if (t.tzDefinition) return wallToEpochInCustomZone(wall, t.tzDefinition);
  try {
    return wallToEpochInZone(wall, t.tz);
  } catch {
    return wall;
  }
}

/** Wall-clock ms of an instant seen in the zone of `like` (UTC for utc/floating/date). */
export function epochToWallLike(epochMs: number, like: TimeValue): number {
  if (like.kind !== 'zoned' || !like.tz) return epochMs;
  if (like.tzDefinition) return epochToWallInCustomZone(epochMs, like.tzDefinition);
  return epochToWallInZone(epochMs, like.tz);
}

/** Formats wall-clock ms as a TimeValue `value` of the given kind. */
export function formatWall(ms: number, kind: TimeValue['kind']): string {
  const iso = new Date(ms).toISOString();
  if (kind === 'date') return iso.slice(0, 10);
  return kind === 'utc' ? `${iso.slice(0, 19)}Z` : iso.slice(0, 19);
}

/** UTC ISO-8601 (`YYYY-MM-DDTHH:MM:SSZ`) of an ical.js time (a floating or zoned value is read as UTC). */
export function utcIso(time: ICAL.Time): string {
  const s = time.toString();
  if (time.isDate) return `${s}T00:00:00Z`;
  return s.endsWith('Z') ? s : `${s.slice(0, 19)}Z`;
}

/** An ical.js time for a TimeValue (zone-less; the caller sets TZID). */
export function icalTime(t: TimeValue): ICAL.Time {
  if (t.kind === 'date') return ICAL.Time.fromDateString(t.value.slice(0, 10));
  const time = ICAL.Time.fromDateTimeString(t.value.replace(/Z$/, '').slice(0, 19));
  if (t.kind === 'utc') time.zone = ICAL.Timezone.utcTimezone;
  return time;
}

/** Two TimeValues mean the same thing (same kind, wall value and zone). */
export function sameTime(a: TimeValue | undefined, b: TimeValue | undefined): boolean {
  if (!a || !b) return a === b;
  return a.kind === b.kind && a.value === b.value && (a.tz ?? '') === (b.tz ?? '') && (a.tzid ?? '') === (b.tzid ?? '');
}
