/**
 * Time zones between Dovetail (IANA) and Exchange (Windows zone ids), and canonical TimeValues ↔ ExTimes.
 * The Windows ↔ IANA table is the SDK's (windows-iana, maintained against CLDR's windowsZones.xml).
 */
import { epochOfWallClock, ianaToWindows, toEpochMs, wallClockIn, windowsToIana, type TimeValue } from '@dovetail/core/sdk';
import type { ExTime } from './types.js';

/** The IANA zone of an Exchange zone name: `UTC` stays `UTC`; Windows ids and display names go through the SDK. */
function ianaOf(windows: string): string | undefined {
  return windows === 'UTC' ? 'UTC' : windowsToIana(windows);
}

/** The instant (epoch ms) of an Exchange time; NaN when its zone is unknown or the value malformed. */
export function exTimeInstant(t: ExTime): number {
  const iana = ianaOf(t.timeZone);
  return iana ? epochOfWallClock(t.dateTime, iana) : Number.NaN;
}

/** An Exchange time for an instant, seen in the Windows zone `windows`. */
export function exTimeAt(epochMs: number, windows: string): ExTime {
  const iana = ianaOf(windows) ?? 'UTC';
  return { dateTime: wallClockIn(epochMs, iana), timeZone: iana === 'UTC' && windows !== 'UTC' ? 'UTC' : windows };
}

/** UTC ISO-8601 (`…Z`, whole seconds) of an instant. */
export function utcIso(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 19)}Z`;
}

/**
 * Where a canonical time goes in Exchange. All-day and floating times are placed in the mailbox's zone
 * (`defaultZone`, a Windows id); zones CLDR does not map, and zones a source defined itself, become their
 * instant in UTC. `exact` is false when reading the result back gives a different TimeValue.
 */
export function toExTime(t: TimeValue, defaultZone: string): { time: ExTime; exact: boolean } {
  switch (t.kind) {
    case 'date':
      return { time: { dateTime: `${t.value.slice(0, 10)}T00:00:00`, timeZone: defaultZone }, exact: true };
    case 'floating':
      return { time: { dateTime: t.value.slice(0, 19), timeZone: defaultZone }, exact: false };
    case 'utc':
      return { time: { dateTime: t.value.slice(0, 19), timeZone: 'UTC' }, exact: true };
    case 'zoned': {
      const windows = t.tzDefinition || !t.tz ? undefined : ianaToWindows(t.tz);
      if (windows) return { time: { dateTime: t.value.slice(0, 19), timeZone: windows }, exact: ianaOf(windows) === t.tz };
      return { time: { dateTime: utcIso(toEpochMs(t)).slice(0, 19), timeZone: 'UTC' }, exact: false };
    }
  }
}

/** A canonical time for an Exchange time: a date when `allDay`, UTC for `UTC`, else zoned in the IANA zone. */
export function fromExTime(t: ExTime, allDay: boolean): TimeValue {
  if (allDay) return { kind: 'date', value: t.dateTime.slice(0, 10) };
  if (t.timeZone === 'UTC') return { kind: 'utc', value: `${t.dateTime.slice(0, 19)}Z` };
  const iana = ianaOf(t.timeZone);
  if (!iana) return { kind: 'utc', value: `${t.dateTime.slice(0, 19)}Z` };
  return { kind: 'zoned', value: t.dateTime.slice(0, 19), tz: iana };
}
