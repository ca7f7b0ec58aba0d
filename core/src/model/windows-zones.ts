/**
 * Windows time zone ids ↔ IANA. The mapping is windows-iana's (maintained against CLDR's windowsZones.xml; the
 * primary zone, territory "001"); the Outlook/Exchange display names clients write as TZID ("(UTC+01:00)
 * Amsterdam, Berlin, …") come from windows-display-names.ts, then from a city match. One table for the project:
 * the Exchange connector uses these through the SDK.
 */
import { createRequire } from 'node:module';
import { DISPLAY_NAMES } from './windows-display-names.js';

/**
 * windows-iana, required on first use: it is CommonJS, so a synchronous require works, and its 90 KB of tables
 * (about 30 ms to load) are paid only by a run that meets a Windows zone id, not by every command that loads the model.
 */
let windowsIana: typeof import('windows-iana') | undefined;
function windowsIanaLib(): typeof import('windows-iana') {
  return (windowsIana ??= createRequire(import.meta.url)('windows-iana') as typeof import('windows-iana'));
}

/**
 * Windows ids Windows itself retired (older Outlook and Exchange servers still write them) → the id that
 * replaced each; CLDR dropped them, so windows-iana does not know them.
 */
const RETIRED_IDS: Readonly<Record<string, string>> = {
  'mexico standard time': 'Central Standard Time (Mexico)',
  'mexico standard time 2': 'Mountain Standard Time (Mexico)',
  'mid-atlantic standard time': 'UTC-02',
  'jerusalem standard time': 'Israel Standard Time',
  'armenian standard time': 'Caucasus Standard Time',
  'kamchatka standard time': 'Russia Time Zone 11',
  'coordinated universal time': 'UTC',
};

/** Lower-case Windows id → its primary IANA zone (territory 001), as windows-iana maps it. */
let primary: Map<string, string> | undefined;
function primaryZones(): Map<string, string> {
  if (!primary) {
    primary = new Map();
    for (const e of windowsIanaLib().WINDOWS_TO_IANA_MAP) if (e.territory === '001' && e.iana[0]) primary.set(e.windowsName.toLowerCase(), e.iana[0]);
  }
  return primary;
}

/** The IANA zone of a Windows id (any case; retired ids too); undefined when unknown. */
function ianaOfWindowsId(id: string): string | undefined {
  const lower = id.toLowerCase();
  return primaryZones().get(lower) ?? primaryZones().get(RETIRED_IDS[lower]?.toLowerCase() ?? '');
}

/**
 * The Windows id of an IANA zone (`Europe/Berlin` → `W. Europe Standard Time`, `UTC` → `UTC`); undefined when
 * CLDR maps none. Newer IANA names (Europe/Kyiv) are links to names CLDR knows (Europe/Kiev): ICU resolves them.
 */
export function ianaToWindows(iana: string): string | undefined {
  if (iana === 'UTC' || iana === 'Etc/UTC') return 'UTC';
  const { findWindows } = windowsIanaLib();
  const direct = findWindows(iana)[0];
  if (direct) return direct;
  try {
    const canonical = new Intl.DateTimeFormat('en', { timeZone: iana }).resolvedOptions().timeZone;
    return canonical !== iana ? findWindows(canonical)[0] : undefined;
  } catch {
    return undefined;
  }
}


/** Lower-case, accents removed, whitespace collapsed, iCalendar escapes (`\,`) undone. */
function normalizeName(name: string): string {
  return name.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/\\([,;\\])/g, '$1')
    .replace(/^"|"$/g, '').replace(/\s+/g, ' ').trim().toLowerCase();
}

const DISPLAY_PREFIX = /^\((?:utc|gmt)\s*(?:([+-])(\d{1,2}):?(\d{2}))?\)\s*/i;

/** Every IANA zone Node knows, by its last path segment in lower case ("berlin" → "Europe/Berlin"). */
let cityIndex: Map<string, string[]> | undefined;
function zonesByCity(): Map<string, string[]> {
  if (!cityIndex) {
    cityIndex = new Map();
    for (const zone of Intl.supportedValuesOf('timeZone')) {
      const city = zone.slice(zone.lastIndexOf('/') + 1).replace(/_/g, ' ').toLowerCase();
      cityIndex.set(city, [...(cityIndex.get(city) ?? []), zone]);
    }
  }
  return cityIndex;
}

/** UTC offset in minutes of `zone` at `epochMs` (via Intl). */
function offsetMinutes(zone: string, epochMs: number): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' }).formatToParts(epochMs);
  const name = parts.find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

/** A display name not in the table: the first listed city that is an IANA zone with that standard offset. */
function matchCities(cities: string, offset: number | undefined): string | undefined {
  const year = new Date().getUTCFullYear();
  for (const city of cities.split(',').map((c) => c.trim()).filter(Boolean)) {
    for (const zone of zonesByCity().get(city) ?? []) {
      const standard = Math.min(offsetMinutes(zone, Date.UTC(year, 0, 15)), offsetMinutes(zone, Date.UTC(year, 6, 15)));
      if (offset === undefined || standard === offset) return zone;
    }
  }
  return undefined;
}

/**
 * Maps a Windows zone id ("W. Europe Standard Time") or an Outlook display name
 * ("(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna") to IANA; undefined if unknown.
 */
export function windowsToIana(name: string): string | undefined {
  const normalized = normalizeName(name);
  const direct = ianaOfWindowsId(normalized);
  if (direct) return direct;
  const prefix = DISPLAY_PREFIX.exec(normalized);
  if (!prefix) return undefined;
  const cities = normalized.slice(prefix[0].length);
  const id = DISPLAY_NAMES[cities];
  if (id) return ianaOfWindowsId(id);
  const offset = prefix[1] ? (prefix[1] === '-' ? -1 : 1) * (Number(prefix[2]) * 60 + Number(prefix[3])) : 0;
  return matchCities(cities, offset);
}
