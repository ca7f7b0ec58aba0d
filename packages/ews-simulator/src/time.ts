/**
 * Time on the wire and in zones. EWS writes dateTimes in UTC (`2026-03-02T09:00:00Z`); requests may carry an offset
 * or none (then the request's zone applies). Windows zone ids (`W. Europe Standard Time`) map to IANA zones through
 * the core's CLDR table; wall-clock ↔ instant conversions use the core's zone code.
 */
import { toEpochMs, windowsToIana } from '@dovetail/core/sdk';
import { nodeChild, type XNode } from './xml.js';

const DT = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?(Z|[+-]\d{2}:\d{2})?$/;

/** Epoch ms of an xs:dateTime / xs:date; a value without offset is read in `zone` (IANA). NaN if malformed. */
export function parseDateTime(value: string, zone = 'UTC'): number {
  const m = DT.exec(value.trim());
  if (!m) return Number.NaN;
  const wall = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0));
  const off = m[7];
  if (off === 'Z') return wall;
  if (off) {
    const sign = off.startsWith('-') ? -1 : 1;
    return wall - sign * (+off.slice(1, 3) * 60 + +off.slice(4, 6)) * 60_000;
  }
  return wallToEpoch(wall, zone);
}

/** UTC ISO without milliseconds, as Exchange writes dateTimes. */
export function formatUtc(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Wall-clock ms (read as UTC) of an instant in an IANA zone. */
export function epochToWall(epochMs: number, zone: string): number {
  if (zone === 'UTC') return epochMs;
  let wall = epochMs;
  for (let i = 0; i < 3; i++) wall = epochMs + (wall - wallToEpoch(wall, zone));
  return wall;
}

/** The instant of a wall-clock time (ms, read as UTC) in an IANA zone. */
export function wallToEpoch(wallMs: number, zone: string): number {
  if (zone === 'UTC') return wallMs;
  return toEpochMs({ kind: 'zoned', value: new Date(wallMs).toISOString().slice(0, 19), tz: zone });
}

/** The IANA zone of a stored StartTimeZone/EndTimeZone/TimeZoneDefinition/MeetingTimeZone node; UTC if unknown. */
export function zoneOf(node: XNode | undefined): string {
  if (!node) return 'UTC';
  const id = node.a?.Id ?? node.a?.TimeZoneName ?? nodeChild(node, 'TimeZoneDefinition')?.a?.Id;
  if (!id) return 'UTC';
  return windowsToIana(id) ?? 'UTC';
}

/** True if a Windows zone id is one the simulator knows. */
export function knownWindowsZone(id: string): boolean {
  return windowsToIana(id) !== undefined;
}

/** A TimeZoneDefinition node for a Windows id (Exchange returns Id and Name; the periods are omitted here). */
export function timeZoneNode(element: string, windowsId: string): XNode {
  return { n: element, a: { Id: windowsId, Name: windowsId } };
}
