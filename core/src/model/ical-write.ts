/** Writes canonical fields into a VEVENT/VTODO (ical.js component), touching only the properties of that field. */
import { ICAL } from './ical-lib.js';
import type { Attendee, EventEntity, EventOverride, Person, Reminder, TaskEntity, TimeValue } from '../sdk/entities.js';
import { MODELLED_X_PROPS, parentRelation, readAttendee, readReminder } from './ical-read.js';
import type { ZoneWriter } from './ical-zones.js';
import { escapeText } from './text-escape.js';
import { icalTime } from './time-value.js';
import { canonicalJson } from './canonical-json.js';

/** Sets (or removes, when `value` is undefined/empty) a single TEXT property, keeping its parameters. */
export function writeText(comp: ICAL.Component, name: string, value: string | undefined): void {
  const props = comp.getAllProperties(name);
  if (value === undefined || value === '') {
    comp.removeAllProperties(name);
    return;
  }
  const prop = props[0] ?? comp.addPropertyWithValue(name, '');
  for (const extra of props.slice(1)) comp.removeProperty(extra);
  prop.setValue(prop.type === 'unknown' ? escapeText(value) : value);
}

function writeInt(comp: ICAL.Component, name: string, value: number | undefined): void {
  if (value === undefined) comp.removeAllProperties(name);
  else comp.updatePropertyWithValue(name, Math.trunc(value));
}

function writeUtc(comp: ICAL.Component, name: string, iso: string | undefined): void {
  if (!iso) {
    comp.removeAllProperties(name);
    return;
  }
  const time = ICAL.Time.fromDateTimeString(iso.replace(/\.\d+/, '').replace(/Z$/, '').slice(0, 19));
  time.zone = ICAL.Timezone.utcTimezone;
  comp.updatePropertyWithValue(name, time);
}

/** Puts `t` into `prop`: value type, TZID and value (keeps other parameters). */
function fillTimeProp(prop: ICAL.Property, t: TimeValue, zones: ZoneWriter): void {
  const current = prop.getParameter('tzid');
  const tzid = t.kind === 'zoned' ? zones.tzidFor(t, typeof current === 'string' ? current : undefined) : undefined;
  prop.resetType(t.kind === 'date' ? 'date' : 'date-time');
  prop.removeParameter('tzid');
  if (tzid) prop.setParameter('tzid', tzid);
  else if (t.kind === 'floating' && t.tzid) prop.setParameter('tzid', t.tzid); // an unresolved TZID, as written
  prop.setValue(icalTime(t));
}

export function writeTime(comp: ICAL.Component, name: string, t: TimeValue | undefined, zones: ZoneWriter): void {
  if (!t) {
    comp.removeAllProperties(name);
    return;
  }
  const props = comp.getAllProperties(name);
  const prop = props[0] ?? comp.addProperty(new ICAL.Property(name, comp));
  for (const extra of props.slice(1)) comp.removeProperty(extra);
  fillTimeProp(prop, t, zones);
}

/** Rewrites all `name` properties (RDATE/EXDATE): one property per kind+zone group. */
function writeTimeList(comp: ICAL.Component, name: string, list: TimeValue[] | undefined, zones: ZoneWriter): void {
  comp.removeAllProperties(name);
  const groups = new Map<string, TimeValue[]>();
  for (const t of list ?? []) {
    const key = `${t.kind}|${t.tz ?? ''}|${t.tzid ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), t]);
  }
  for (const group of groups.values()) {
    const prop = new ICAL.Property(name, comp);
    fillTimeProp(prop, group[0], zones);
    prop.setValues(group.map(icalTime));
    comp.addProperty(prop);
  }
}

function writeRecurrence(comp: ICAL.Component, r: EventEntity['recurrence'], old: EventEntity['recurrence'], zones: ZoneWriter): void {
  if (canonicalJson(r?.rrule) !== canonicalJson(old?.rrule)) {
    comp.removeAllProperties('rrule');
    for (const rule of r?.rrule ?? []) comp.addPropertyWithValue('rrule', ICAL.Recur.fromString(rule.replace(/^RRULE:/i, '')));
  }
  if (canonicalJson(r?.rdate) !== canonicalJson(old?.rdate)) writeTimeList(comp, 'rdate', r?.rdate, zones);
  if (canonicalJson(r?.exdate) !== canonicalJson(old?.exdate)) writeTimeList(comp, 'exdate', r?.exdate, zones);
}

function writeCategories(comp: ICAL.Component, list: string[] | undefined): void {
  comp.removeAllProperties('categories');
  if (!list?.length) return;
  const prop = new ICAL.Property('categories', comp);
  prop.setValues(list);
  comp.addProperty(prop);
}

function writeHtml(comp: ICAL.Component, html: string | undefined): void {
  const props = comp.getAllProperties('x-alt-desc');
  if (!html) {
    comp.removeAllProperties('x-alt-desc');
    return;
  }
  const prop = props[0] ?? comp.addPropertyWithValue('x-alt-desc', '');
  prop.setParameter('fmttype', 'text/html');
  prop.setValue(escapeText(html));
}

function fillPerson(prop: ICAL.Property, p: Person): void {
  prop.setValue(p.email ? `mailto:${p.email}` : '');
  if (p.name) prop.setParameter('cn', p.name);
  else prop.removeParameter('cn');
}

function writeOrganizer(comp: ICAL.Component, p: Person | undefined): void {
  if (!p || (!p.email && !p.name)) {
    comp.removeAllProperties('organizer');
    return;
  }
  const prop = comp.getFirstProperty('organizer') ?? comp.addPropertyWithValue('organizer', '');
  fillPerson(prop, p);
}

function fillAttendee(prop: ICAL.Property, a: Attendee): void {
  fillPerson(prop, a);
  const set = (name: string, v: string | undefined) => (v ? prop.setParameter(name, v) : prop.removeParameter(name));
  set('partstat', a.partstat?.toUpperCase());
  set('role', a.role?.toUpperCase());
  set('rsvp', a.rsvp === undefined ? undefined : a.rsvp ? 'TRUE' : 'FALSE');
}

/** Updates attendees matched by e-mail in place (keeping CUTYPE etc.), removes the missing, adds the new. */
function writeAttendees(comp: ICAL.Component, list: Attendee[] | undefined): void {
  const existing = comp.getAllProperties('attendee');
  const used = new Set<ICAL.Property>();
  const key = (a: Person) => (a.email ?? a.name ?? '').toLowerCase();
  for (const a of list ?? []) {
    const match = existing.find((p) => !used.has(p) && key(readAttendee(p)) === key(a));
    if (match) {
      used.add(match);
      if (canonicalJson(readAttendee(match)) !== canonicalJson(a)) fillAttendee(match, a);
    } else {
      const prop = new ICAL.Property('attendee', comp);
      fillAttendee(prop, a);
      comp.addProperty(prop);
      used.add(prop);
    }
  }
  for (const p of existing) if (!used.has(p)) comp.removeProperty(p);
}

function buildAlarm(r: Reminder): ICAL.Component {
  const alarm = new ICAL.Component('valarm');
  alarm.addPropertyWithValue('action', (r.action ?? 'display').toUpperCase());
  if (r.kind === 'absolute' && r.at) {
    const at = ICAL.Time.fromDateTimeString(r.at.replace(/\.\d+/, '').replace(/Z$/, '').slice(0, 19));
    at.zone = ICAL.Timezone.utcTimezone;
    const trigger = new ICAL.Property('trigger', alarm);
    trigger.resetType('date-time');
    trigger.setValue(at);
    alarm.addProperty(trigger);
  } else {
    const trigger = alarm.addPropertyWithValue('trigger', ICAL.Duration.fromString(r.offset ?? '-PT15M'));
    if (r.related === 'end') trigger.setParameter('related', 'END');
  }
  // RFC 5545: DISPLAY and EMAIL alarms need a DESCRIPTION.
  const description = r.description ?? ((r.action ?? 'display') !== 'audio' ? 'Reminder' : undefined);
  if (description) alarm.addPropertyWithValue('description', description);
  if (r.action === 'email') alarm.addPropertyWithValue('summary', description ?? 'Reminder');
  return alarm;
}

/** Keeps each VALARM that already equals the wanted reminder at its position; replaces or adds the others. */
function writeReminders(comp: ICAL.Component, list: Reminder[] | undefined): void {
  const existing = comp.getAllSubcomponents('valarm');
  const wanted = list ?? [];
  existing.forEach((alarm, i) => {
    if (i >= wanted.length || canonicalJson(readReminder(alarm)) !== canonicalJson(wanted[i])) comp.removeSubcomponent(alarm);
  });
  wanted.forEach((r, i) => {
    if (i < existing.length && canonicalJson(readReminder(existing[i])) === canonicalJson(r)) return;
    comp.addSubcomponent(buildAlarm(r));
  });
}

function writeShowAs(comp: ICAL.Component, showAs: EventEntity['showAs']): void {
  if (!showAs) {
    comp.removeAllProperties('transp');
    comp.removeAllProperties('x-microsoft-cdo-busystatus');
    return;
  }
  comp.updatePropertyWithValue('transp', showAs === 'free' ? 'TRANSPARENT' : 'OPAQUE');
  if (comp.getFirstProperty('x-microsoft-cdo-busystatus') || showAs === 'tentative' || showAs === 'oof') {
    writeText(comp, 'x-microsoft-cdo-busystatus', showAs.toUpperCase());
  }
}

/** Sets each changed X- property (keeping its parameters), removes those no longer present. */
function writeX(comp: ICAL.Component, x: Record<string, string> | undefined, old: Record<string, string> | undefined): void {
  for (const name of Object.keys(old ?? {})) if (!x || !(name in x)) comp.removeAllProperties(name.toLowerCase());
  for (const [name, value] of Object.entries(x ?? {})) {
    if (MODELLED_X_PROPS.has(name.toUpperCase()) || old?.[name] === value) continue;
    const lower = name.toLowerCase();
    const prop = comp.getFirstProperty(lower) ?? comp.addPropertyWithValue(lower, '');
    prop.setValue(prop.type === 'unknown' ? escapeText(value) : value);
  }
}

function writeParent(comp: ICAL.Component, parent: string | undefined): void {
  const prop = parentRelation(comp);
  if (!parent) {
    if (prop) comp.removeProperty(prop);
    return;
  }
  if (prop) prop.setValue(parent);
  else comp.addPropertyWithValue('related-to', parent);
}

type Writer<E> = (comp: ICAL.Component, entity: E, old: E, zones: ZoneWriter) => void;

/** Field → how to write it, shared by events and tasks. */
type Shared = Omit<EventEntity, 'type'> & Omit<TaskEntity, 'type' | 'status'>;
const COMMON: Record<string, Writer<Shared>> = {
  summary: (c, e) => writeText(c, 'summary', e.summary),
  description: (c, e) => writeText(c, 'description', e.description),
  descriptionHtml: (c, e) => writeHtml(c, e.descriptionHtml),
  start: (c, e, _o, z) => writeTime(c, 'dtstart', e.start, z),
  recurrence: (c, e, o, z) => writeRecurrence(c, e.recurrence, o.recurrence, z),
  priority: (c, e) => writeInt(c, 'priority', e.priority),
  categories: (c, e) => writeCategories(c, e.categories),
  reminders: (c, e) => writeReminders(c, e.reminders),
  created: (c, e) => writeUtc(c, 'created', e.created),
  lastModified: (c, e) => writeUtc(c, 'last-modified', e.lastModified),
  x: (c, e, o) => writeX(c, e.x, o.x),
};

/** Writers for the VEVENT fields (everything except uid and overrides, which span components). */
export const EVENT_WRITERS: Record<string, Writer<EventEntity>> = {
  ...(COMMON as unknown as Record<string, Writer<EventEntity>>),
  location: (c, e) => writeText(c, 'location', e.location),
  end: (c, e, _o, z) => {
    writeTime(c, 'dtend', e.end, z);
    if (e.end && !e.duration) c.removeAllProperties('duration');
  },
  duration: (c, e) => {
    if (!e.duration) c.removeAllProperties('duration');
    else if (!e.end) {
      c.removeAllProperties('dtend');
      c.updatePropertyWithValue('duration', ICAL.Duration.fromString(e.duration));
    }
  },
  status: (c, e) => writeText(c, 'status', e.status?.toUpperCase()),
  showAs: (c, e) => writeShowAs(c, e.showAs),
  sensitivity: (c, e) => writeText(c, 'class', e.sensitivity?.toUpperCase()),
  color: (c, e) => writeText(c, 'color', e.color),
  organizer: (c, e) => writeOrganizer(c, e.organizer),
  attendees: (c, e) => writeAttendees(c, e.attendees),
  url: (c, e) => writeText(c, 'url', e.url),
  sequence: (c, e) => writeInt(c, 'sequence', e.sequence),
};

/** Writers for the VTODO fields (everything except uid). */
export const TASK_WRITERS: Record<string, Writer<TaskEntity>> = {
  ...(COMMON as unknown as Record<string, Writer<TaskEntity>>),
  due: (c, e, _o, z) => writeTime(c, 'due', e.due, z),
  completed: (c, e) => writeUtc(c, 'completed', e.completed),
  status: (c, e) => writeText(c, 'status', e.status?.toUpperCase()),
  percent: (c, e) => writeInt(c, 'percent-complete', e.percent),
  parent: (c, e) => writeParent(c, e.parent),
};

/** Writes the fields of an override into its RECURRENCE-ID component. */
export function writeOverride(comp: ICAL.Component, o: EventOverride, old: EventOverride | undefined, zones: ZoneWriter): void {
  const changed = (k: keyof EventOverride) => !old || canonicalJson(o[k]) !== canonicalJson(old[k]);
  if (changed('recurrenceId') || changed('range')) {
    writeTime(comp, 'recurrence-id', o.recurrenceId, zones);
    const prop = comp.getFirstProperty('recurrence-id');
    if (o.range === 'thisandfuture') prop?.setParameter('range', 'THISANDFUTURE');
    else prop?.removeParameter('range');
  }
  if (changed('summary')) writeText(comp, 'summary', o.summary);
  if (changed('description')) writeText(comp, 'description', o.description);
  if (changed('location')) writeText(comp, 'location', o.location);
  if (changed('start')) writeTime(comp, 'dtstart', o.start, zones);
  if (changed('end')) writeTime(comp, 'dtend', o.end, zones);
  if (changed('status')) writeText(comp, 'status', o.status?.toUpperCase());
}
