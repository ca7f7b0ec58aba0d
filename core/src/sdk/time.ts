/** Time helpers for connector authors: instants ↔ wall-clock times in IANA zones. */
import { epochToWallInZone, wallToEpochInZone } from '../model/timezones.js';
import { formatWall, wallMs } from '../model/time-value.js';

/** The wall-clock time (`YYYY-MM-DDTHH:MM:SS`) of instant `epochMs` in IANA zone `tz` (`UTC` allowed). */
export function wallClockIn(epochMs: number, tz: string): string {
  return formatWall(tz === 'UTC' ? epochMs : epochToWallInZone(epochMs, tz), 'floating');
}

/**
 * The instant of wall-clock time `value` (`YYYY-MM-DD[THH:MM:SS]`) in IANA zone `tz`; NaN when `value` is
 * malformed. An ambiguous time (DST fall-back) is its first occurrence; a skipped one is shifted by the gap.
 */
export function epochOfWallClock(value: string, tz: string): number {
  const wall = wallMs(value.replace(/Z$/, ''));
  if (Number.isNaN(wall) || tz === 'UTC') return wall;
  return wallToEpochInZone(wall, tz);
}
