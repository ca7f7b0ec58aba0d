/**
 * contentHash: sha256 over a canonical JSON of (a) the entity's canonical fields and (b) the raw source's
 * non-volatile properties in a normalised form, so unmodelled content (VALARM details, X- properties, vCard
 * groups) counts, while reformatting (folding, CRLF/LF, property and parameter order, escaping, QP vs plain,
 * VTIMEZONE spelling) does not.
 *
 * Volatile, left out: iCalendar DTSTAMP, PRODID, LAST-MODIFIED, CREATED, SEQUENCE, X-MOZ-GENERATION,
 * X-MOZ-LASTACK, X-MICROSOFT-CDO-APPT-SEQUENCE, X-MICROSOFT-CDO-OWNERAPPTID, VTIMEZONE components (zones count
 * through the TimeValues); vCard REV, PRODID, VERSION. The matching canonical fields (lastModified, sequence,
 * created, raw) are left out too. A `native` raw is not hashed (connector-specific, usually carries change keys):
 * only the canonical fields count for it.
 */
import { createHash } from 'node:crypto';
import { ICAL } from './ical-lib.js';
import type { Entity, EventOverride, RawSource, TimeValue } from '../sdk/entities.js';
import { pruneEmpty } from './canonical-json.js';
import { splitCalendar } from './ical-split.js';
import { TextMemo } from './text-memo.js';
import { toEpochMs } from './time-value.js';
import { splitCards, type ContentLine } from './vcard-lines.js';
import { decodedValue, unescapeFor } from './vcard-read.js';

const VOLATILE_ICAL = new Set([
  'dtstamp', 'prodid', 'last-modified', 'created', 'sequence', 'x-moz-generation', 'x-moz-lastack',
  'x-microsoft-cdo-appt-sequence', 'x-microsoft-cdo-ownerapptid', 'x-lic-error',
]);
const VOLATILE_VCARD = new Set(['REV', 'PRODID', 'VERSION']);
const VOLATILE_FIELDS = new Set(['raw', 'lastModified', 'sequence', 'created']);

type JCal = [string, [string, Record<string, unknown>, string, ...unknown[]][], JCal[]];

/** A component as a sorted list of normalised property strings plus its sorted sub-components. */
function normalizeComponent(jcal: JCal): string {
  const props = jcal[1]
    .filter((p) => !VOLATILE_ICAL.has(p[0]))
    .map(([name, params, type, ...values]) => {
      const sortedParams = Object.keys(params).sort().map((k) => [k, params[k]]);
      return JSON.stringify([name, sortedParams, type, values]);
    })
    .sort();
  const subs = jcal[2].filter((c) => c[0] !== 'vtimezone').map(normalizeComponent).sort();
  return JSON.stringify([jcal[0], props, subs]);
}

/**
 * Fingerprints of recent raw texts: an item read and then written unchanged is fingerprinted once, as long as
 * no more than this many other items were hashed in between (a run plans in chunks of a few hundred; the memo
 * holds at most ~2 MB: the text and its fingerprint, ~1 KB each for a typical event).
 */
const FINGERPRINTS_HELD = 1024;
const icalendarFingerprints = new TextMemo<readonly string[]>(FINGERPRINTS_HELD);
const vcardFingerprints = new TextMemo<readonly string[]>(FINGERPRINTS_HELD);

/** Fingerprints known from the parse that made a raw object (see `rememberIcalendarFingerprint`). */
const keptIcalendarFingerprints = new WeakMap<RawSource, readonly string[]>();

function icalendarFingerprint(raw: RawSource): readonly string[] {
  return keptIcalendarFingerprints.get(raw) ?? icalendarFingerprints.get(raw.text, computeIcalendarFingerprint);
}

function computeIcalendarFingerprint(text: string): string[] {
  const out: string[] = [];
  for (const chunk of splitCalendar(text).components) {
    try {
      out.push(normalizeComponent(ICAL.parse(chunk.text) as unknown as JCal));
    } catch {
      out.push(JSON.stringify(['unparsed', chunk.text.replace(/\r\n[ \t]/g, '')]));
    }
  }
  return out.sort();
}

/**
 * Remembers the fingerprint of `raw` (iCalendar) from the jCal of its top-level components other than VTIMEZONEs, as
 * just parsed from `raw.text` by the caller — for a caller that knows reading `raw.text` again gives these components.
 */
export function rememberIcalendarFingerprint(raw: RawSource, components: readonly unknown[]): void {
  keptIcalendarFingerprints.set(raw, components.map((c) => normalizeComponent(c as JCal)).sort());
}

/** A vCard line in a normalised form: group, name, parameters (sorted, case-folded) and decoded value. */
export function vcardLineKey(line: ContentLine, version: string): string {
  const params = line.params
    .filter((p) => p.name !== 'ENCODING' && p.name !== 'CHARSET')
    .map((p) => [p.name, p.values.map((v) => v.toLowerCase()).sort()] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const encoded = params.length !== line.params.length;
  const value = encoded && !/BASE64|^B$/i.test(line.params.find((p) => p.name === 'ENCODING')?.values[0] ?? '')
    ? unescapeFor(version, decodedValue(line)) : unescapeFor(version, line.value);
  return JSON.stringify([line.group?.toLowerCase() ?? '', line.name, params, value.replace(/\s+$/, '')]);
}

function vcardFingerprint(text: string, version: string): readonly string[] {
  return vcardFingerprints.get(`${version}\n${text}`, (key) => computeVcardFingerprint(key.slice(version.length + 1), version));
}

function computeVcardFingerprint(text: string, version: string): string[] {
  const card = splitCards(text)[0];
  if (!card) return [];
  return card.lines.filter((l) => !VOLATILE_VCARD.has(l.name)).map((l) => vcardLineKey(l, version)).sort();
}

/** TimeValues with a custom zone hash the zone's normalised definition, not its text. */
function normalizeFields(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalizeFields);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === 'tzDefinition' && typeof v === 'string') out[k] = icalendarZone(v);
      else out[k] = normalizeFields(v);
    }
    return out;
  }
  return value;
}

function icalendarZone(block: string): string {
  try {
    const parsed = ICAL.parse(block) as unknown as JCal;
    const vtz = parsed[0] === 'vtimezone' ? parsed : parsed[2].find((c) => c[0] === 'vtimezone');
    return vtz ? JSON.stringify([vtz[1].filter((p) => p[0] !== 'last-modified').map((p) => JSON.stringify(p)).sort(), vtz[2].map((c) => normalizeComponent(c)).sort()]) : block;
  } catch {
    return block;
  }
}

/** Overrides in RECURRENCE-ID order (a writer may put them in any order; they are a set). */
function sortedOverrides(list: EventOverride[]): EventOverride[] {
  const keyed = list.map((o) => ({ o, at: toEpochMs(o.recurrenceId), json: JSON.stringify(o) }));
  keyed.sort((x, y) => (x.at - y.at) || (x.json < y.json ? -1 : x.json > y.json ? 1 : 0));
  return keyed.map((k) => k.o);
}

/** Stable hash of an entity's content: canonical fields plus non-volatile raw properties; reformatting does not change it. */
export function contentHash(entity: Entity): string {
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(entity)) {
    if (VOLATILE_FIELDS.has(k)) continue;
    fields[k] = normalizeFields(k === 'overrides' && Array.isArray(v) ? sortedOverrides(v as EventOverride[]) : v);
  }
  let raw: readonly string[] = [];
  if (entity.raw?.format === 'icalendar') raw = icalendarFingerprint(entity.raw);
  else if (entity.raw?.format === 'vcard') raw = vcardFingerprint(entity.raw.text, entity.raw.version ?? '3.0');
  const canonical = JSON.stringify(pruneEmpty({ fields, raw }));
  return createHash('sha256').update(canonical).digest('hex');
}
