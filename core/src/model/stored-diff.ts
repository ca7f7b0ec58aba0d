/**
 * What a server changed when it stored an item: the properties of the text sent that the text read back lacks or
 * holds otherwise. Formatting is not a change (folding, line endings, parameter order and case, quoting, escaping,
 * quoted-printable vs plain); properties the server adds are not reported, nor the volatile ones (DTSTAMP, PRODID,
 * LAST-MODIFIED, REV, VERSION) nor VTIMEZONE definitions (their zones count through the times that use them).
 */
import type { Alteration } from '../sdk/connector.js';
import { vcardLineKey } from './hash.js';
import { lineOf, parseWithSources, stringifyProperty } from './ical-source.js';
import { splitCards, type ContentLine } from './vcard-lines.js';

/** At most this many alterations are reported per item. */
const MAX_REPORTED = 20;
const VOLATILE_ICAL = new Set(['dtstamp', 'prodid', 'last-modified']);
const VOLATILE_VCARD = new Set(['VERSION', 'PRODID', 'REV']);

type JCalProp = [string, Record<string, unknown>, string, ...unknown[]];
type JCalComp = [string, JCalProp[], JCalComp[]];

function propKey(p: JCalProp): string {
  const params = Object.keys(p[1]).sort().map((k) => [k.toLowerCase(), p[1][k]]);
  return JSON.stringify([p[0], params, p.slice(3)]);
}

/** Component path → its non-volatile properties, for every component but VTIMEZONEs. */
function icalComponents(text: string): Map<string, JCalProp[]> {
  const out = new Map<string, JCalProp[]>();
  const walk = (c: JCalComp, path: string) => {
    if (c[0] === 'vtimezone') return;
    out.set(path, c[1].filter((p) => !VOLATILE_ICAL.has(p[0])));
    const seen = new Map<string, number>();
    for (const sub of c[2]) {
      const rid = sub[1].find((p) => p[0] === 'recurrence-id');
      const base = `${path ? `${path} ` : ''}${sub[0].toUpperCase()}${rid ? `[RECURRENCE-ID=${String(rid[3])}]` : ''}`;
      const n = (seen.get(base) ?? 0) + 1;
      seen.set(base, n);
      walk(sub, n > 1 ? `${base}#${n}` : base);
    }
  };
  walk(parseWithSources(text).jCal as unknown as JCalComp, '');
  return out;
}

/** Sent properties that `stored` lacks, paired with a stored property of the same name when there is one. */
function compare<T>(sent: T[], stored: T[], key: (x: T) => string, name: (x: T) => string, show: (x: T) => string, where: string): Alteration[] {
  const left = new Map<string, T[]>();
  for (const s of stored) left.set(key(s), [...(left.get(key(s)) ?? []), s]);
  const missing: T[] = [];
  for (const s of sent) {
    const same = left.get(key(s));
    if (same?.length) same.shift(); else missing.push(s);
  }
  const unmatched = [...left.values()].flat();
  return missing.map((s) => {
    const i = unmatched.findIndex((u) => name(u) === name(s));
    const other = i >= 0 ? unmatched.splice(i, 1)[0] : undefined;
    return { property: `${where}${name(s)}`, sent: show(s), ...(other !== undefined ? { stored: show(other) } : {}) };
  });
}

function icalAlterations(sent: string, stored: string): Alteration[] {
  const a = icalComponents(sent);
  const b = icalComponents(stored);
  const out: Alteration[] = [];
  for (const [path, props] of a) {
    if (path === '') continue; // the VCALENDAR's own properties (PRODID, CALSCALE, METHOD) are the server's business
    const where = `${path} `.replace(/^(VEVENT|VTODO) /, '');
    const other = b.get(path);
    if (!other) {
      out.push({ property: path, sent: `the whole ${path} component (${props.length} properties)` });
      continue;
    }
    out.push(...compare(props, other, propKey, (p) => p[0].toUpperCase(), (p) => lineOf(p) ?? stringifyProperty(p, true), where));
  }
  return out;
}

function vcardAlterations(sent: string, stored: string): Alteration[] {
  const [a] = splitCards(sent);
  const [b] = splitCards(stored);
  if (!a || !b) return [];
  const version = (c: typeof a) => c.lines.find((l) => l.name === 'VERSION')?.value.trim() ?? '3.0';
  const keep = (c: typeof a) => c.lines.filter((l) => l.name !== '' && !VOLATILE_VCARD.has(l.name));
  const va = version(a);
  const vb = version(b);
  const keyOf = new Map<ContentLine, string>();
  for (const l of keep(a)) keyOf.set(l, vcardLineKey(l, va));
  for (const l of keep(b)) keyOf.set(l, vcardLineKey(l, vb));
  const show = (l: ContentLine) => (l.source ?? `${l.name}:${l.value}`).replace(/\r\n[ \t]/g, '');
  return compare(keep(a), keep(b), (l) => keyOf.get(l)!, (l) => (l.group ? `${l.group}.${l.name}` : l.name), show, '');
}

/**
 * The properties of `sent` (an iCalendar or vCard text) that `stored` (the same item read back from the server)
 * lost or holds otherwise; empty when the server kept everything. Unreadable texts give no alterations.
 */
export function alteredProperties(sent: string, stored: string, format: 'icalendar' | 'vcard'): Alteration[] {
  try {
    const all = format === 'vcard' ? vcardAlterations(sent, stored) : icalAlterations(sent, stored);
    return all.slice(0, MAX_REPORTED);
  } catch {
    return [];
  }
}
