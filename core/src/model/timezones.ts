/**
 * Time zone resolution and arithmetic. IANA zones are computed with Node's Intl (ICU tz data); zones that exist
 * only as a VTIMEZONE in the source (non-IANA, non-Windows TZID) are computed from that definition with ical.js.
 */
import { ICAL } from './ical-lib.js';
import { createRequire } from 'node:module';
import { windowsToIana } from './windows-zones.js';

/** The outcome of resolving a TZID: an IANA zone, a zone defined only by its VTIMEZONE, or an error message. */
export type ZoneResolution =
  | { tz: string; tzDefinition?: undefined; error?: undefined }
  | { tz: string; tzDefinition: string; error?: undefined }
  | { error: string; tz?: undefined; tzDefinition?: undefined };

type ZoneLibrary = typeof import('timezones-ical-library');
let zoneLibrary: ZoneLibrary | undefined;
/** timezones-ical-library (its data is 30 kB of source), loaded when a VTIMEZONE is first written. */
function zoneBlocks(): ZoneLibrary {
  return (zoneLibrary ??= createRequire(import.meta.url)('timezones-ical-library') as ZoneLibrary);
}

const canonicalCache = new Map<string, string | undefined>();

/** The ICU-canonical IANA name for `name` ("US/Pacific" → "America/Los_Angeles"), or undefined if Intl rejects it. */
export function canonicalIana(name: string): string | undefined {
  if (canonicalCache.has(name)) return canonicalCache.get(name);
  let result: string | undefined;
  if (/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(name)) {
    try {
      result = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
    } catch {
      result = undefined;
    }
  }
  canonicalCache.set(name, result);
  return result;
}

/**
 * TZID → IANA name, without looking at any VTIMEZONE: an IANA name (or alias), a vendor-prefixed one
 * ("/mozilla.org/20050126_1/Europe/Berlin", "/softwarestudio.org/Olson_20011030_5/America/New_York"),
 * or a Windows id / Outlook display name.
 */
export function ianaForTzid(tzid: string): string | undefined {
  const name = tzid.trim().replace(/^"|"$/g, '');
  const direct = canonicalIana(name);
  if (direct) return direct;
  if (name.startsWith('/')) {
    const segments = name.split('/').filter(Boolean);
    for (let i = 1; i < segments.length; i++) {
      const candidate = canonicalIana(segments.slice(i).join('/'));
      if (candidate && segments.length - i >= 2) return candidate;
    }
  }
  return windowsToIana(name);
}

/**
 * Resolves a TZID. Order: IANA (or alias / vendor prefix) → Windows name (CLDR table) → the source's own VTIMEZONE
 * (kept as `tzDefinition`, `tz` = the TZID as written) → error "unknown time zone X" (never silently floating).
 */
export function resolveTzid(tzid: string, vtimezone?: string): ZoneResolution {
  const iana = ianaForTzid(tzid);
  if (iana) return { tz: iana };
  if (vtimezone) return { tz: tzid, tzDefinition: vtimezone };
  const offset = offsetOfName(tzid);
  if (offset !== undefined) return offsetZone(tzid, offset);
  return { error: `unknown time zone ${JSON.stringify(tzid)} (not IANA, not a Windows zone, no VTIMEZONE)` };
}

/** `GMT+01.00`, `(GMT-05:00)`, `UTC+0530`, `GMT+1`: one fixed offset named by the TZID. */
const OFFSET_NAME = /^\(?(?:GMT|UTC)\s*([+-])(\d{1,2})(?:[.:]?(\d{2}))?\)?$/i;

/**
 * The fixed UTC offset (minutes) a TZID names (`GMT+01.00` → 60), or undefined. A name with two offsets
 * (`GMT-05.00/-04.00`, standard/daylight without the rules for switching) names no fixed offset.
 */
export function offsetOfName(tzid: string): number | undefined {
  const m = OFFSET_NAME.exec(tzid.trim().replace(/^"|"$/g, ''));
  if (!m) return undefined;
  const minutes = Number(m[2]) * 60 + Number(m[3] ?? 0);
  if (minutes > 14 * 60 || Number(m[3] ?? 0) >= 60) return undefined;
  return m[1] === '-' ? -minutes : minutes;
}

/**
 * A fixed-offset zone: whole hours are IANA's `Etc/GMT∓h` (POSIX signs: `Etc/GMT-1` is UTC+1); other offsets
 * (+05:30) become a zone defined by a one-observance VTIMEZONE under the TZID as written.
 */
function offsetZone(tzid: string, minutes: number): ZoneResolution {
  if (minutes === 0) return { tz: 'Etc/UTC' };
  if (minutes % 60 === 0 && minutes >= -12 * 60) return { tz: `Etc/GMT${minutes > 0 ? '-' : '+'}${Math.abs(minutes / 60)}` };
  const offset = formatOffset(minutes * 60_000);
  const tzDefinition = ['BEGIN:VTIMEZONE', `TZID:${tzid}`, 'BEGIN:STANDARD', 'DTSTART:19700101T000000', `TZOFFSETFROM:${offset}`,
    `TZOFFSETTO:${offset}`, 'END:STANDARD', 'END:VTIMEZONE'].join('\r\n');
  return { tz: tzid, tzDefinition };
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit', era: 'short',
    });
    formatters.set(tz, f);
  }
  return f;
}

/**
 * Recent offsets by zone and instant: one item's times are converted several times in a run (read, hashed, planned,
 * written), each conversion asking for the same few instants. Cleared when full, so memory stays bounded.
 */
const recentOffsets = new Map<string, number>();
const RECENT_OFFSETS_HELD = 4096;

/** Offset of `tz` from UTC in ms at the instant `epochMs`. */
export function zoneOffsetMs(tz: string, epochMs: number): number {
  const key = `${tz} ${epochMs}`;
  const known = recentOffsets.get(key);
  if (known !== undefined) return known;
  const offset = offsetAt(tz, epochMs);
  if (recentOffsets.size >= RECENT_OFFSETS_HELD) recentOffsets.clear();
  recentOffsets.set(key, offset);
  return offset;
}

/** Offset of `tz` from UTC in ms at `epochMs`, from the platform's time zone data (ICU). */
function offsetAt(tz: string, epochMs: number): number {
  const parts: Record<string, string> = {};
  for (const p of formatter(tz).formatToParts(epochMs)) parts[p.type] = p.value;
  let year = Number(parts.year);
  if (parts.era === 'BC' || parts.era === 'B') year = 1 - year;
  const wall = Date.UTC(year, Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return wall - Math.floor(epochMs / 1000) * 1000;
}

/** Wall-clock ms (the wall time read as if it were UTC) → epoch ms in IANA zone `tz`. RFC 5545: an ambiguous time is the first occurrence, a skipped time is shifted by the gap. */
export function wallToEpochInZone(wallMs: number, tz: string): number {
  const day = 86_400_000;
  const before = zoneOffsetMs(tz, wallMs - day);
  const after = zoneOffsetMs(tz, wallMs + day);
  const candidates = (before === after ? [wallMs - before] : [wallMs - before, wallMs - after]).filter((t) => zoneOffsetMs(tz, t) === wallMs - t).sort((a, b) => a - b);
  return candidates.length ? candidates[0] : wallMs - before;
}

/** Epoch ms → wall-clock ms in zone `tz`. */
export function epochToWallInZone(epochMs: number, tz: string): number {
  return epochMs + zoneOffsetMs(tz, epochMs);
}

const customZones = new Map<string, ICAL.Timezone | undefined>();

/** An ical.js zone built from a VTIMEZONE text (cached); undefined if the text does not parse. */
export function customZone(vtimezone: string): ICAL.Timezone | undefined {
  if (!customZones.has(vtimezone)) {
    let zone: ICAL.Timezone | undefined;
    try {
      const parsed = ICAL.parse(vtimezone.includes('BEGIN:VCALENDAR') ? vtimezone : `BEGIN:VCALENDAR\r\n${vtimezone}\r\nEND:VCALENDAR`);
      const comp = new ICAL.Component(parsed as unknown as unknown[]).getFirstSubcomponent('vtimezone');
      zone = comp ? new ICAL.Timezone(comp) : undefined;
    } catch {
      zone = undefined;
    }
    customZones.set(vtimezone, zone);
  }
  return customZones.get(vtimezone);
}

/** Wall-clock ms → epoch ms in a zone defined only by its VTIMEZONE (UTC if the definition is unusable). */
export function wallToEpochInCustomZone(wallMs: number, vtimezone: string): number {
  const zone = customZone(vtimezone);
  if (!zone) return wallMs;
  const d = new Date(wallMs);
  const time = new ICAL.Time({
    year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(),
    hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(), isDate: false,
  }, zone);
  return time.toUnixTime() * 1000;
}

/** Epoch ms → wall-clock ms in a zone defined only by its VTIMEZONE. */
export function epochToWallInCustomZone(epochMs: number, vtimezone: string): number {
  const zone = customZone(vtimezone);
  if (!zone) return epochMs;
  const utc = ICAL.Time.fromJSDate(new Date(epochMs), true);
  return epochMs + zone.utcOffset(utc) * 1000;
}

/**
 * A VTIMEZONE block (CRLF lines, no trailing newline) for IANA zone `tz`: from the bundled timezones-ical-library
 * set (tzdb-derived, with RRULEs), else generated from Intl transitions (1970–2037, explicit RDATEs).
 */
export function vtimezoneFor(tz: string): string {
  const aliases = [tz, canonicalIana(tz), tz === 'Europe/Kiev' ? 'Europe/Kyiv' : undefined, tz === 'Asia/Calcutta' ? 'Asia/Kolkata' : undefined]
    .filter((z): z is string => Boolean(z));
  for (const name of aliases) {
    const block = zoneBlocks().tzlib_get_ical_block(name);
    if (Array.isArray(block) && block[0]?.startsWith('BEGIN:VTIMEZONE')) {
      return block[0].replace(/^TZID:.*$/m, `TZID:${tz}`).replace(/^X-LIC-LOCATION:.*$/m, `X-LIC-LOCATION:${tz}`)
        .replace(/^LAST-MODIFIED:.*\r?\n/m, '');
    }
  }
  return vtimezoneFromIntl(tz);
}

/**
 * The VTIMEZONE block for a TZID written without one (an IANA name, a Windows name, a prefixed Olson id), defined
 * under that very TZID; undefined when the TZID names no zone Dovetail knows. For writers that must define every
 * TZID they use (RFC 5545 §3.2.19), such as a published feed.
 */
export function vtimezoneForTzid(tzid: string): string | undefined {
  const iana = ianaForTzid(tzid);
  if (!iana) return undefined;
  return vtimezoneFor(iana).replace(/^TZID:.*$/m, `TZID:${tzid}`);
}

function formatOffset(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  const abs = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
}

function formatWall(wallMs: number): string {
  return new Date(wallMs).toISOString().slice(0, 19).replace(/[-:]/g, '');
}

/** Builds a VTIMEZONE from Intl offsets: one observance per offset change between 1970 and 2037. */
export function vtimezoneFromIntl(tz: string): string {
  const lines = ['BEGIN:VTIMEZONE', `TZID:${tz}`];
  const start = Date.UTC(1970, 0, 1);
  let previous = zoneOffsetMs(tz, start);
  lines.push('BEGIN:STANDARD', `DTSTART:${formatWall(start + previous)}`, `TZOFFSETFROM:${formatOffset(previous)}`,
    `TZOFFSETTO:${formatOffset(previous)}`, 'END:STANDARD');
  const step = 7 * 86_400_000;
  for (let t = start + step; t < Date.UTC(2038, 0, 1); t += step) {
    const offset = zoneOffsetMs(tz, t);
    if (offset === previous) continue;
    let lo = t - step;
    let hi = t;
    while (hi - lo > 1000) {
      const mid = Math.floor((lo + hi) / 2000) * 1000;
      if (zoneOffsetMs(tz, mid) === previous) lo = mid; else hi = mid;
    }
    const kind = offset > previous ? 'DAYLIGHT' : 'STANDARD';
    lines.push(`BEGIN:${kind}`, `DTSTART:${formatWall(hi + previous)}`, `TZOFFSETFROM:${formatOffset(previous)}`,
      `TZOFFSETTO:${formatOffset(offset)}`, `END:${kind}`);
    previous = offset;
  }
  lines.push('END:VTIMEZONE');
  return lines.join('\r\n');
}
