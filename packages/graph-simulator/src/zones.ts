/** Time zones as Graph takes them (Windows ids or IANA names) → instants and wall-clock times, with Intl. */
import { findIana } from 'windows-iana';

/** The IANA zone of a Graph time zone name; undefined when unknown. */
export function ianaOf(zone: string | undefined): string | undefined {
  if (!zone || zone === 'UTC' || zone === 'Etc/UTC') return 'UTC';
  const fromWindows = findIana(zone)[0];
  if (fromWindows) return fromWindows;
  try {
    return new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** `YYYY-MM-DDTHH:MM:SS` of an instant in an IANA zone. */
export function wallIn(epochMs: number, iana: string): string {
  let f = formatters.get(iana);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone: iana, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(iana, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(epochMs)).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}`;
}

/** The instant of a wall-clock time in an IANA zone (the earlier one in a fold, shifted forward in a gap). */
export function instantOf(wall: string, iana: string): number {
  const asUtc = Date.parse(`${wall.slice(0, 19)}Z`);
  if (Number.isNaN(asUtc)) return Number.NaN;
  let guess = asUtc;
  for (let i = 0; i < 3; i++) {
    const offset = Date.parse(`${wallIn(guess, iana)}Z`) - guess;
    const next = asUtc - offset;
    if (next === guess) break;
    guess = next;
  }
  return guess;
}

/** A Graph dateTimeTimeZone as an instant; NaN for an unknown zone or value. */
export function instantOfGraph(t: { dateTime?: string; timeZone?: string } | undefined): number {
  const iana = ianaOf(t?.timeZone);
  if (!t?.dateTime || !iana) return Number.NaN;
  return instantOf(t.dateTime, iana);
}

/** Graph's rendering of a time: seven fractional digits, no offset. */
export function graphDateTime(wall: string): string {
  return `${wall.slice(0, 19)}.0000000`;
}

export function utcIso(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 19)}Z`;
}
