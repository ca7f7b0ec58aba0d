/**
 * Semantic comparison of two iCalendar items (with ical.js, never by string): the same components (matched by
 * UID + RECURRENCE-ID), the same multiset of property names per component, and the same values of the
 * properties that carry meaning. Ignores what servers and clients legitimately rewrite: DTSTAMP, PRODID,
 * LAST-MODIFIED, CREATED, SEQUENCE, X-DOVETAIL-* and X- properties the copy gained.
 *
 * Both texts are read as a tolerant reader would (see `parseItem`): a date written without VALUE=DATE is a
 * date, and a source ical.js refuses because a TEXT value runs on over raw lines is read with those lines
 * joined back. Durations compare by length (PT86400S = P1D), so a server's normalisation is no difference.
 */
import ICAL from 'ical.js';

/** Properties whose presence and value may change in a faithful copy. */
const VOLATILE = new Set(['dtstamp', 'prodid', 'last-modified', 'created', 'sequence']);

/** Properties whose values must survive (TEXT unescaped and line endings normalised; times with TZID and type). */
export const COMPARED_PROPERTIES = [
  'uid', 'summary', 'description', 'location', 'dtstart', 'dtend', 'due', 'duration', 'rrule', 'exdate', 'rdate',
  'recurrence-id', 'status', 'class', 'categories', 'attendee', 'organizer', 'priority', 'transp', 'url',
  'related-to', 'percent-complete', 'completed',
] as const;

/** Parameters that change the meaning of a value, per property. */
const MEANINGFUL_PARAMS: Record<string, string[]> = {
  dtstart: ['tzid'], dtend: ['tzid'], due: ['tzid'], exdate: ['tzid'], rdate: ['tzid'],
  'recurrence-id': ['tzid', 'range'], trigger: ['related'], 'related-to': ['reltype'],
};
const TIME_PROPERTIES = new Set(['dtstart', 'dtend', 'due', 'exdate', 'rdate', 'recurrence-id', 'completed', 'trigger']);
/** Properties that may repeat or hold several values: compared as a sorted multiset of their values. */
const MULTI = new Set(['exdate', 'rdate', 'categories', 'attendee', 'rrule', 'related-to']);

const ITEM_COMPONENTS = new Set(['vevent', 'vtodo', 'vjournal']);

/** The item components of an iCalendar text by `NAME RECURRENCE-ID` (`VEVENT master` for masters). */
export interface ParsedItem {
  uid?: string;
  components: Map<string, ICAL.Component>;
}

/** Options for `compareItems`. */
export interface CompareOptions {
  /** The source had no UID: the copy's (derived) UID is not a difference. */
  sourceHadNoUid?: boolean;
  /**
   * A known rewrite the server applies to every value (a server bug, not ours): applied to the source's values
   * before they are compared with the copy's.
   */
  serverRewrite?: (value: string) => string;
}

function normaliseText(s: string): string {
  return s.replace(/\r\n|\r/g, '\n');
}

function valueString(v: unknown): string {
  if (typeof v === 'string') return normaliseText(v);
  if (v && typeof v === 'object') {
    const o = v as { toICALString?: () => string; toString(): string };
    if (v instanceof ICAL.Recur) return v.toString();
    if (v instanceof ICAL.Duration) return `${v.toSeconds()}s`;
    if (typeof o.toICALString === 'function') return o.toICALString();
    if (Array.isArray(v)) return v.map(valueString).join(';');
  }
  return String(v);
}

/** `PARAM=x;…:TYPE:value` for one value of a property (the params that matter, the value type for times). */
function describeValue(prop: ICAL.Property, value: unknown): string {
  const params = (MEANINGFUL_PARAMS[prop.name] ?? [])
    .map((p) => [p, prop.getParameter(p)] as const)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([p, v]) => `${p.toUpperCase()}=${Array.isArray(v) ? v.join(',') : String(v)}`);
  const type = TIME_PROPERTIES.has(prop.name) ? `${prop.type.toUpperCase()}:` : '';
  return `${params.length ? `${params.join(';')}:` : ''}${type}${valueString(value)}`;
}

/** The decoded values of `prop`; a value ical.js cannot decode is shown as its raw jCal form. */
function valuesOf(prop: ICAL.Property): unknown[] {
  try {
    return prop.getValues();
  } catch {
    return (prop.jCal as unknown[]).slice(3).map((v) => `unreadable ${JSON.stringify(v)}`);
  }
}

/** Every value of property `name` in `comp`, as comparable strings (sorted for multi-valued properties). */
export function propertyValues(comp: ICAL.Component, name: string): string[] {
  const out = comp.getAllProperties(name).flatMap((p) => valuesOf(p).map((v) => describeValue(p, v)));
  if (name === 'uid') return out.map((s) => s.trim());
  return MULTI.has(name) ? out.sort() : out;
}

function recurrenceKey(comp: ICAL.Component): string {
  const rid = comp.getFirstProperty('recurrence-id');
  return rid ? valuesOf(rid).map((v) => describeValue(rid, v)).join(',') : 'master';
}

/** RFC 5545 §8.3.2 / RFC 7986 property names: inside a component, only these (and X- names) start a content line. */
const REGISTERED_PROPERTIES = new Set(('ACTION ATTACH ATTENDEE CALSCALE CATEGORIES CLASS COLOR COMMENT COMPLETED CONFERENCE '
  + 'CONTACT CREATED DESCRIPTION DTEND DTSTAMP DTSTART DUE DURATION EXDATE FREEBUSY GEO IMAGE LAST-MODIFIED LOCATION '
  + 'METHOD NAME ORGANIZER PERCENT-COMPLETE PRIORITY PRODID RDATE RECURRENCE-ID REFRESH-INTERVAL RELATED-TO REPEAT '
  + 'REQUEST-STATUS RESOURCES RRULE SEQUENCE SOURCE STATUS SUMMARY TRANSP TRIGGER TZID TZNAME TZOFFSETFROM TZOFFSETTO '
  + 'TZURL UID URL VERSION BEGIN END').split(' '));
const DATE_FORM = /^(DTSTART|DTEND|DUE|RECURRENCE-ID|EXDATE|RDATE)((?:;[^:]*)?):(\d{8}(?:,\d{8})*)$/i;

function unfoldLines(text: string): string[] {
  const out: string[] = [];
  for (const line of text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/)) {
    if (/^[ \t]/.test(line) && out.length && out[out.length - 1] !== '') out[out.length - 1] += line.slice(1);
    else out.push(line);
  }
  return out;
}

/** A date-only value without VALUE=DATE (`DTSTART;TZID=X:20041225`) is a date, as its form says. */
function withDateForms(lines: string[]): string[] {
  return lines.map((line) => {
    const m = DATE_FORM.exec(line);
    return m && !/;VALUE=/i.test(m[2]!) ? `${m[1]}${m[2]};VALUE=DATE:${m[3]}` : line;
  });
}

/**
 * Raw lines that start no registered or X- property continue the TEXT value before them (Outlook writes
 * description paragraphs unfolded): joined back with newlines; blank lines at the end of such a run are dropped.
 */
function withBrokenTextJoined(lines: string[]): string[] {
  const out: string[] = [];
  let pending: string[] = [];
  const startsProperty = (line: string) => {
    const name = /^([A-Za-z0-9-]+)[;:]/.exec(line)?.[1]?.toUpperCase();
    return name !== undefined && (REGISTERED_PROPERTIES.has(name) || name.startsWith('X-'));
  };
  for (const line of lines) {
    if (startsProperty(line) || out.length === 0) {
      while (pending.length && pending[pending.length - 1]!.trim() === '') pending.pop();
      if (pending.length) out[out.length - 1] += pending.map((l) => `\\n${l}`).join('');
      pending = [];
      out.push(line);
    } else {
      pending.push(line);
    }
  }
  return out;
}

function parseRoots(lines: string[]): ICAL.Component[] {
  const parsed = ICAL.parse(lines.filter((l) => l.trim() !== '').join('\r\n') + '\r\n') as unknown[];
  return (Array.isArray(parsed[0]) ? parsed : [parsed]).map((j) => new ICAL.Component(j as unknown[]));
}

/**
 * Parses `text` (a VCALENDAR or a bare component) into its item components, reading dates by their form; a text
 * ical.js refuses is read again with broken TEXT lines joined (see above). Throws when even that is refused.
 */
export function parseItem(text: string): ParsedItem {
  const lines = withDateForms(unfoldLines(text));
  let roots: ICAL.Component[];
  try {
    roots = parseRoots(lines);
  } catch {
    roots = parseRoots(withBrokenTextJoined(lines));
  }
  const components = new Map<string, ICAL.Component>();
  let uid: string | undefined;
  for (const root of roots) {
    const comps = ITEM_COMPONENTS.has(root.name) ? [root] : root.getAllSubcomponents().filter((c) => ITEM_COMPONENTS.has(c.name));
    for (const comp of comps) {
      const key = `${comp.name.toUpperCase()} ${recurrenceKey(comp)}`;
      if (components.has(key)) throw new Error(`two components ${key} in one item`);
      components.set(key, comp);
      const u = comp.getFirstPropertyValue('uid');
      if (typeof u === 'string' && u.trim()) uid ??= u.trim();
    }
  }
  return { uid, components };
}

/** Sorted property names of `comp` that must be kept: volatile ones and `ignore` dropped. */
function keptNames(comp: ICAL.Component, ignore: (name: string) => boolean): string[] {
  return comp.getAllProperties().map((p) => p.name).filter((n) => !VOLATILE.has(n) && !n.startsWith('x-dovetail-') && !ignore(n)).sort();
}

const fmt = (values: string[]) => (values.length === 1 ? JSON.stringify(values[0]) : JSON.stringify(values));

/** Differences between two components (a VEVENT/VTODO or a VALARM), each as one line prefixed with `where`. */
function compareComponents(where: string, src: ICAL.Component, dst: ICAL.Component, options: CompareOptions): string[] {
  const diffs: string[] = [];
  const srcNames = new Set(src.getAllProperties().map((p) => p.name));
  // An X- property only the copy has was added by a server or client; a UID only the copy has was derived.
  const addedByCopy = (n: string) => !srcNames.has(n) && (n.startsWith('x-') || (n === 'uid' && Boolean(options.sourceHadNoUid)));
  const a = keptNames(src, () => false);
  const b = keptNames(dst, addedByCopy);
  if (a.join(' ') !== b.join(' ')) {
    const missing = multisetMinus(a, b);
    const extra = multisetMinus(b, a);
    diffs.push(`${where}: property names differ${missing.length ? `; lost ${missing.join(', ')}` : ''}${extra.length ? `; gained ${extra.join(', ')}` : ''}`);
  }
  const names = src.name === 'valarm' ? ['action', 'trigger'] : COMPARED_PROPERTIES.filter((n) => !(n === 'uid' && options.sourceHadNoUid));
  for (const name of names) {
    const x = propertyValues(src, name).map((v) => options.serverRewrite?.(v) ?? v);
    const y = propertyValues(dst, name);
    if (JSON.stringify(x) !== JSON.stringify(y)) diffs.push(`${where}: ${name.toUpperCase()} ${fmt(x)} became ${fmt(y)}`);
  }
  const srcSubs = src.getAllSubcomponents();
  const dstSubs = dst.getAllSubcomponents();
  const subNames = (cs: ICAL.Component[]) => cs.map((c) => c.name).sort().join(' ');
  if (subNames(srcSubs) !== subNames(dstSubs)) {
    diffs.push(`${where}: subcomponents [${subNames(srcSubs)}] became [${subNames(dstSubs)}]`);
  } else {
    const alarms = (c: ICAL.Component) => c.getAllSubcomponents('valarm');
    alarms(src).forEach((alarm, i) => diffs.push(...compareComponents(`${where} VALARM#${i + 1}`, alarm, alarms(dst)[i]!, options)));
  }
  return diffs;
}

function multisetMinus(a: string[], b: string[]): string[] {
  const rest = [...b];
  return a.filter((x) => {
    const i = rest.indexOf(x);
    if (i < 0) return true;
    rest.splice(i, 1);
    return false;
  });
}

/**
 * The semantic differences between an original item text and its round-tripped copy (empty when they match).
 * Components are matched by name + RECURRENCE-ID; each must have the same property names (minus the ignored
 * ones) and the same values of `COMPARED_PROPERTIES`, VALARMs the same ACTION and TRIGGER.
 */
export function compareItems(srcText: string, dstText: string, options: CompareOptions = {}): string[] {
  const src = parseItem(srcText);
  const dst = parseItem(dstText);
  const diffs: string[] = [];
  for (const [key, comp] of src.components) {
    const copy = dst.components.get(key);
    if (!copy) diffs.push(`${key}: missing in the copy`);
    else diffs.push(...compareComponents(key, comp, copy, options));
  }
  for (const key of dst.components.keys()) if (!src.components.has(key)) diffs.push(`${key}: only in the copy`);
  return diffs;
}
