/**
 * iCalendar codec: parse a text into one event/task per UID, serialize an entity by patching its raw VCALENDAR
 * (only the properties of changed fields are rewritten) or by building a fresh one.
 *
 * Decisions:
 * - A VEVENT/VTODO without UID gets a derived, deterministic uid `dovetail-derived-<hex>` (sha256 of component name,
 *   DTSTART, RECURRENCE-ID and SUMMARY as written; a repeat within the same text gets `-2`, `-3`, …). Serializing
 *   writes that UID into the output, so the next read of the target sees a real UID. An edit of those properties at
 *   a UID-less source therefore looks like delete + create.
 * - `DTSTART;VALUE=DATE:20110804T120000` (a date carrying a time) is read as the date (all-day), as VALUE says.
 * - Time zones: see timezones.ts `resolveTzid`. A TZID that resolves nowhere (`GMT-05.00/-04.00`) is kept as written:
 *   the TimeValue is `floating` with that `tzid`, written back with it, and compared as floating (servers accept
 *   such files as they are; refusing the item would lose it).
 */
import { createHash } from 'node:crypto';
import { ICAL } from './ical-lib.js';
import type { EventEntity, EventOverride, RawSource, TaskEntity } from '../sdk/entities.js';
import { canonicalJson } from './canonical-json.js';
import { readEvent, readOverride, readTask } from './ical-read.js';
import { rememberIcalendarFingerprint } from './hash.js';
import { cloneWithSources, parseWithSources, recordSources, renderComponent, renderSubcomponentsAsRead, type JCalComp } from './ical-source.js';
import { splitCalendar, usedTzids, type ComponentChunk } from './ical-split.js';
import { EVENT_WRITERS, TASK_WRITERS, writeOverride, writeText } from './ical-write.js';
import { ZoneReader, ZoneWriter } from './ical-zones.js';
import { TextMemo } from './text-memo.js';
import { toEpochMs } from './time-value.js';
import type { ItemError, Parsed } from './types.js';

/** PRODID of calendars Dovetail builds from scratch. */
export const PRODID = '-//Dovetail//Dovetail//EN';
const ITEM_COMPONENTS = new Set(['vevent', 'vtodo']);

interface Group {
  name: 'vevent' | 'vtodo';
  uid: string;
  index: number;
  components: ICAL.Component[];
  uidMissing: boolean;
}

function derivedUid(comp: ICAL.Component, name: string, taken: Set<string>): string {
  const part = (p: string) => comp.getFirstProperty(p)?.toICALString() ?? '';
  const base = `dovetail-derived-${createHash('sha256')
    .update([name, part('dtstart'), part('recurrence-id'), part('summary')].join('\n')).digest('hex').slice(0, 32)}`;
  let uid = base;
  for (let n = 2; taken.has(uid); n++) uid = `${base}-${n}`;
  taken.add(uid);
  return uid;
}

/** Parses the item chunks and groups them by component name + UID, preserving first-seen order. */
function groupComponents(chunks: ComponentChunk[], errors: ItemError[]): Group[] {
  const groups = new Map<string, Group>();
  const derived = new Set<string>();
  for (const chunk of chunks) {
    if (!ITEM_COMPONENTS.has(chunk.name)) continue;
    let comp: ICAL.Component;
    try {
      comp = new ICAL.Component(ICAL.parse(chunk.text) as unknown[]);
      recordSources(comp, chunk.lines);
    } catch (err) {
      const uid = /^UID:(.*)$/im.exec(chunk.text)?.[1]?.trim();
      errors.push({ index: chunk.index, ...(uid ? { uid } : {}), component: chunk.name, message: `unparseable ${chunk.name.toUpperCase()}: ${(err as Error).message}` });
      continue;
    }
    const written = comp.getFirstPropertyValue('uid');
    const uidMissing = typeof written !== 'string' || written.trim() === '';
    const uid = uidMissing ? derivedUid(comp, chunk.name, derived) : String(written).trim();
    const key = `${chunk.name}\u0000${uid}`;
    const group = groups.get(key);
    if (group) group.components.push(comp);
    else groups.set(key, { name: chunk.name as Group['name'], uid, index: chunk.index, components: [comp], uidMissing });
  }
  return [...groups.values()];
}

function isOverride(comp: ICAL.Component): boolean {
  return Boolean(comp.getFirstProperty('recurrence-id'));
}

/** Builds the per-item VCALENDAR: calendar props, the VTIMEZONEs used, the components. */
function itemCalendar(group: Group, split: ReturnType<typeof splitCalendar>): ICAL.Component {
  const cal = new ICAL.Component('vcalendar');
  const props = new Map(split.calendarProps.map((p) => [p.name, p.line]));
  cal.addPropertyWithValue('version', '2.0');
  const prodid = props.get('PRODID') ? ICAL.Property.fromString(props.get('PRODID') as string).getFirstValue() : undefined;
  cal.addPropertyWithValue('prodid', String(prodid ?? PRODID));
  const calscale = props.get('CALSCALE') ? ICAL.Property.fromString(props.get('CALSCALE') as string).getFirstValue() : undefined;
  if (calscale) cal.addPropertyWithValue('calscale', String(calscale));
  const tzids = new Set<string>();
  for (const comp of group.components) usedTzids(comp, tzids);
  for (const tzid of tzids) {
    const vtz = split.timezoneComponents.get(tzid);
    if (vtz) cal.addSubcomponent(cloneWithSources(vtz));
  }
  for (const comp of group.components) cal.addSubcomponent(comp);
  return cal;
}

/**
 * Parses an iCalendar text into items: one per UID (master + RECURRENCE-ID overrides together), each with
 * `raw.text` = a VCALENDAR holding that UID's components and the VTIMEZONEs they use. VEVENT → event, VTODO → task;
 * other components (VJOURNAL, VFREEBUSY) are ignored. A bare component without VCALENDAR is accepted.
 */
export function parseICalendar(text: string): Parsed<EventEntity | TaskEntity> {
  const items: (EventEntity | TaskEntity)[] = [];
  const errors: ItemError[] = [];
  let split: ReturnType<typeof splitCalendar>;
  try {
    split = splitCalendar(String(text ?? ''));
  } catch (err) {
    return { items, errors: [{ index: 0, message: `unreadable iCalendar text: ${(err as Error).message}` }] };
  }
  for (const group of groupComponents(split.components, errors)) {
    try {
      const zones = new ZoneReader(split.timezones);
      const master = group.components.find((c) => !isOverride(c));
      const overrides = group.components.filter(isOverride);
      const entity = group.name === 'vevent'
        ? readEvent(group.uid, master, overrides, zones)
        : readTask(group.uid, master ?? group.components[0], zones);
      const rendered = renderSubcomponentsAsRead(itemCalendar(group, split));
      const raw: RawSource = { format: 'icalendar', text: rendered.text };
      entity.raw = raw;
      if (rendered.asRead && !group.uidMissing) keepParse(entity, raw, group.components);
      items.push(entity);
    } catch (err) {
      errors.push({ index: group.index, uid: group.uid, component: group.name, message: `unreadable ${group.name.toUpperCase()}: ${(err as Error).message}` });
    }
  }
  return { items, errors };
}

/** Recent parses, shared between patching an item's text and hashing what the patch wrote (often that same text). */
const sharedParses = new TextMemo<Parsed<EventEntity | TaskEntity>>(64);

/**
 * `parseICalendar` for callers that only read the result: a text parsed a moment ago is not parsed again, and the
 * items handed out may be handed to the next such caller too, so they must not be changed.
 */
export function parseICalendarShared(text: string): Readonly<Parsed<EventEntity | TaskEntity>> {
  return sharedParses.get(text, parseICalendar);
}

/** What reading a raw text again gives, kept with the raw object when `parseICalendar` made it (see `keepParse`). */
interface KeptParse {
  parsed: Readonly<Parsed<EventEntity | TaskEntity>>;
  /** Every component carries a UTC DTSTAMP: a patch that changes no field leaves the text as it is. */
  stamped: boolean;
}
const keptParses = new WeakMap<RawSource, KeptParse>();

/**
 * Keeps, with an item's new raw object, what parsing its text again would give — a copy of the item as read
 * (sharing `raw`) — and the fingerprint its hash needs, so patching, hashing and writing the item later parse
 * nothing again. Only for a text that reads back the same for certain: every property of its components (and of
 * the VTIMEZONEs they use) written exactly as read, and every component carrying its UID.
 */
function keepParse(entity: EventEntity | TaskEntity, raw: RawSource, components: ICAL.Component[]): void {
  const { raw: _raw, ...fields } = entity;
  void _raw;
  const copy = { ...structuredClone(fields), raw } as EventEntity | TaskEntity;
  keptParses.set(raw, { parsed: { items: [copy], errors: [] }, stamped: components.every(hasValidDtstamp) });
  rememberIcalendarFingerprint(raw, components.map((c) => c.jCal));
}

/**
 * `parseICalendarShared(raw.text)` for an iCalendar raw, answered from what `parseICalendar` kept with `raw` when it
 * made it. The result is shared: read-only.
 */
export function parseRawShared(raw: RawSource): Readonly<Parsed<EventEntity | TaskEntity>> {
  return keptParses.get(raw)?.parsed ?? parseICalendarShared(raw.text);
}

function hasValidDtstamp(comp: ICAL.Component): boolean {
  const prop = comp.getFirstProperty('dtstamp');
  const v = prop?.getFirstValue() as ICAL.Time | undefined;
  return !!prop && prop.type === 'date-time' && !!v && !v.isDate && v.zone?.tzid === 'UTC';
}

function nowUtc(): ICAL.Time {
  return ICAL.Time.fromJSDate(new Date(), true);
}

function overrideKey(o: EventOverride): number {
  return toEpochMs(o.recurrenceId);
}

/** A new RECURRENCE-ID component holding exactly the override's fields (so it reads back the same). */
function newOverrideComponent(uid: string, o: EventOverride, zones: ZoneWriter): ICAL.Component {
  const comp = new ICAL.Component('vevent');
  comp.addPropertyWithValue('uid', uid);
  comp.addPropertyWithValue('dtstamp', nowUtc());
  writeOverride(comp, o, undefined, zones);
  return comp;
}

/** A ZoneReader over the VTIMEZONEs a calendar holds. */
function zoneReaderFor(cal: ICAL.Component): ZoneReader {
  const map = new Map<string, string>();
  for (const vtz of cal.getAllSubcomponents('vtimezone')) {
    const tzid = vtz.getFirstPropertyValue('tzid');
    if (typeof tzid === 'string' && !map.has(tzid)) map.set(tzid, vtz.toString());
  }
  return new ZoneReader(map);
}

/** Patches the override components: matched by RECURRENCE-ID instant; missing ones removed, new ones added. */
function patchOverrides(cal: ICAL.Component, entity: EventEntity, zones: ZoneWriter): void {
  const reader = zoneReaderFor(cal);
  const existing = new Map<number, { comp: ICAL.Component; o: EventOverride }>();
  const components = cal.getAllSubcomponents('vevent').filter(isOverride);
  for (const comp of components) {
    const o = readOverride(comp, reader);
    if (o && !existing.has(overrideKey(o))) existing.set(overrideKey(o), { comp, o });
  }
  const keep = new Set<ICAL.Component>();
  for (const o of entity.overrides ?? []) {
    const hit = existing.get(overrideKey(o));
    if (hit && !keep.has(hit.comp)) {
      keep.add(hit.comp);
      if (canonicalJson(hit.o) !== canonicalJson(o)) writeOverride(hit.comp, o, hit.o, zones);
    } else {
      const comp = newOverrideComponent(entity.uid, o, zones);
      cal.addSubcomponent(comp);
      keep.add(comp);
    }
  }
  for (const comp of components) if (!keep.has(comp)) cal.removeSubcomponent(comp);
}

/** Orders VTIMEZONEs first and drops those no property refers to any more. */
function finishCalendar(cal: ICAL.Component): string {
  const used = new Set<string>();
  for (const comp of cal.getAllSubcomponents()) if (comp.name !== 'vtimezone') usedTzids(comp, used);
  const tzidOf = (c: JCalComp) => String((c[1].find((p) => p[0] === 'tzid') ?? [])[3] ?? '');
  return renderComponent(cal, (subs) => [
    ...subs.filter((c) => c[0] === 'vtimezone' && used.has(tzidOf(c))),
    ...subs.filter((c) => c[0] !== 'vtimezone'),
  ]);
}

type AnyWriter = (comp: ICAL.Component, e: EventEntity | TaskEntity, old: EventEntity | TaskEntity, zones: ZoneWriter) => void;

const writersOf = (e: EventEntity | TaskEntity) => (e.type === 'event' ? EVENT_WRITERS : TASK_WRITERS) as Record<string, AnyWriter>;

/** The fields (of those the writers know) whose canonical value differs between `entity` and `old`. */
function changedFields(entity: EventEntity | TaskEntity, old: EventEntity | TaskEntity): string[] {
  return Object.keys(writersOf(entity)).filter((field) =>
    canonicalJson((entity as unknown as Record<string, unknown>)[field]) !== canonicalJson((old as unknown as Record<string, unknown>)[field]));
}

/** Writes `fields` (default: every field whose canonical value differs between `entity` and `old`); true when any. */
function applyFields(master: ICAL.Component, entity: EventEntity | TaskEntity, old: EventEntity | TaskEntity, zones: ZoneWriter, fields = changedFields(entity, old)): boolean {
  const writers = writersOf(entity);
  for (const field of fields) writers[field]!(master, entity, old, zones);
  return fields.length > 0;
}

function patchRaw(entity: EventEntity | TaskEntity): string | undefined {
  if (entity.raw?.format !== 'icalendar') return undefined;
  const kept = keptParses.get(entity.raw);
  const parsed = kept?.parsed ?? parseICalendarShared(entity.raw.text);
  const old = parsed.items.find((i) => i.type === entity.type && i.uid === entity.uid)
    ?? parsed.items.find((i) => i.type === entity.type);
  if (!old?.raw) return undefined;
  const fields = changedFields(entity, old);
  const overridesChanged = entity.type === 'event' && canonicalJson(entity.overrides) !== canonicalJson((old as EventEntity).overrides);
  // Nothing to write and nothing to repair (UID and DTSTAMP in place): the text as read.
  if (kept?.stamped && !fields.length && !overridesChanged && old.uid === entity.uid) return old.raw.text;
  const cal = parseWithSources(old.raw.text);
  const name = entity.type === 'event' ? 'vevent' : 'vtodo';
  const comps = cal.getAllSubcomponents(name);
  // Without a master (an invitation for single instances) the first component carries the top-level fields.
  const master = comps.find((c) => !isOverride(c)) ?? comps[0];
  const zones = new ZoneWriter(cal);
  let changed = applyFields(master, entity, old, zones, fields);
  if (overridesChanged) {
    patchOverrides(cal, entity as EventEntity, zones);
    changed = true;
  }
  for (const comp of cal.getAllSubcomponents(name)) {
    // A missing UID (derived one) is written without counting as an edit; a UID with stray blanks is left alone.
    if (String(comp.getFirstPropertyValue('uid') ?? '').trim() !== entity.uid) writeText(comp, 'uid', entity.uid);
  }
  for (const comp of cal.getAllSubcomponents(name)) {
    if (changed || !hasValidDtstamp(comp)) {
      // RFC 5545: DTSTAMP is a UTC date-time; a source's DATE or local form is replaced (servers refuse it).
      comp.removeAllProperties('dtstamp');
      comp.addPropertyWithValue('dtstamp', nowUtc());
    }
  }
  return finishCalendar(cal);
}

function buildFresh(entity: EventEntity | TaskEntity): string {
  const cal = new ICAL.Component('vcalendar');
  cal.addPropertyWithValue('prodid', PRODID);
  cal.addPropertyWithValue('version', '2.0');
  const master = new ICAL.Component(entity.type === 'event' ? 'vevent' : 'vtodo');
  master.addPropertyWithValue('uid', entity.uid);
  master.addPropertyWithValue('dtstamp', nowUtc());
  cal.addSubcomponent(master);
  const zones = new ZoneWriter(cal);
  const blank = { type: entity.type, uid: entity.uid } as EventEntity | TaskEntity;
  applyFields(master, entity, blank, zones);
  if (entity.type === 'event' && entity.overrides?.length) patchOverrides(cal, entity, zones);
  return finishCalendar(cal);
}

/** Serializes an event/task; patches `raw` when present, builds a fresh VCALENDAR otherwise. */
export function serializeICalendar(entity: EventEntity | TaskEntity): string {
  let text = written.get(entity);
  if (text === undefined) {
    text = (entity.raw?.format === 'icalendar' ? patchRaw(entity) : undefined) ?? buildFresh(entity);
    written.set(entity, text);
  }
  return text;
}

/**
 * Texts already written per entity object. The engine serialises an item once to hash what it will write and
 * the connector again to write it; entities are not changed once composed, so the second call is a lookup.
 */
const written = new WeakMap<EventEntity | TaskEntity, string>();

