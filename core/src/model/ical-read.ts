/** Reads the canonical fields of a VEVENT/VTODO (ical.js component) into an EventEntity/TaskEntity. */
import { ICAL } from './ical-lib.js';
import type {
  Attendee, EventEntity, EventOverride, Person, Recurrence, Reminder, TaskEntity, TimeValue,
} from '../sdk/entities.js';
import type { ZoneReader } from './ical-zones.js';
import { compactObject } from './compact.js';
import { unescapeText } from './text-escape.js';
import { utcIso } from './time-value.js';

/** X- properties the model maps to fields; they are not repeated in `x`. */
export const MODELLED_X_PROPS = new Set(['X-ALT-DESC', 'X-MICROSOFT-CDO-BUSYSTATUS']);

/** Text of the first `name` property (unescaped), undefined when absent or empty. */
export function readText(comp: ICAL.Component, name: string): string | undefined {
  const prop = comp.getFirstProperty(name);
  if (!prop) return undefined;
  const v = prop.getFirstValue();
  if (v === null || v === undefined) return undefined;
  const s = prop.type === 'unknown' ? unescapeText(String(v)) : String(v);
  return s === '' ? undefined : s;
}

function readInt(comp: ICAL.Component, name: string): number | undefined {
  const v = comp.getFirstPropertyValue(name);
  if (v === null || v === undefined || v === '') return undefined;
  const n = typeof v === 'number' ? v : Number.parseInt(String(v), 10);
  return Number.isFinite(n) ? n : undefined;
}

function readUtc(comp: ICAL.Component, name: string): string | undefined {
  const v = comp.getFirstPropertyValue(name);
  return v instanceof ICAL.Time ? utcIso(v) : undefined;
}

/** One ical.js value (time or period) of `prop` as a TimeValue. */
function timeOf(prop: ICAL.Property, value: unknown, zones: ZoneReader): TimeValue | undefined {
  const time = value instanceof ICAL.Period ? value.start : value;
  if (!(time instanceof ICAL.Time)) return undefined;
  const s = time.toString();
  if (time.isDate) return { kind: 'date', value: s.slice(0, 10) };
  if (s.endsWith('Z')) return { kind: 'utc', value: `${s.slice(0, 19)}Z` };
  const tzid = prop.getParameter('tzid');
  const wall = s.slice(0, 19);
  if (!tzid || typeof tzid !== 'string') return { kind: 'floating', value: wall };
  const zone = zones.zone(tzid);
  // A TZID nobody can resolve: the time stays as written, with its TZID, and counts as floating.
  if (!zone) return { kind: 'floating', value: wall, tzid };
  return zone.tzDefinition ? { kind: 'zoned', value: wall, tz: zone.tz, tzDefinition: zone.tzDefinition }
    : { kind: 'zoned', value: wall, tz: zone.tz };
}

/** All values of all `name` properties as TimeValues. */
export function readTimes(comp: ICAL.Component, name: string, zones: ZoneReader): TimeValue[] {
  const out: TimeValue[] = [];
  for (const prop of comp.getAllProperties(name)) {
    for (const v of prop.getValues()) {
      const t = timeOf(prop, v, zones);
      if (t) out.push(t);
    }
  }
  return out;
}

export function readTime(comp: ICAL.Component, name: string, zones: ZoneReader): TimeValue | undefined {
  const prop = comp.getFirstProperty(name);
  return prop ? timeOf(prop, prop.getFirstValue(), zones) : undefined;
}

function readRecurrence(comp: ICAL.Component, zones: ZoneReader): Recurrence | undefined {
  const rrule = comp.getAllProperties('rrule').map((p) => String(p.getFirstValue()));
  const rdate = readTimes(comp, 'rdate', zones);
  const exdate = readTimes(comp, 'exdate', zones);
  const r: Recurrence = {};
  if (rrule.length) r.rrule = rrule;
  if (rdate.length) r.rdate = rdate;
  if (exdate.length) r.exdate = exdate;
  return Object.keys(r).length ? r : undefined;
}

function readCategories(comp: ICAL.Component): string[] | undefined {
  const list = comp.getAllProperties('categories').flatMap((p) => p.getValues().map(String)).map((s) => s.trim()).filter(Boolean);
  return list.length ? list : undefined;
}

function mailto(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  const s = String(value).trim().replace(/^mailto:/i, '');
  return s === '' ? undefined : s;
}

function paramString(prop: ICAL.Property, name: string): string | undefined {
  const v = prop.getParameter(name);
  if (Array.isArray(v)) return v.length ? String(v[0]) : undefined;
  return v === null || v === undefined || v === '' ? undefined : String(v);
}

export function readPerson(prop: ICAL.Property): Person {
  const p: Person = {};
  const email = mailto(prop.getFirstValue());
  if (email) p.email = email;
  const name = paramString(prop, 'cn');
  if (name) p.name = name;
  return p;
}

const PARTSTATS = new Set(['needs-action', 'accepted', 'declined', 'tentative', 'delegated']);
const ROLES = new Set(['chair', 'req-participant', 'opt-participant', 'non-participant']);

export function readAttendee(prop: ICAL.Property): Attendee {
  const a: Attendee = readPerson(prop);
  const partstat = paramString(prop, 'partstat')?.toLowerCase();
  if (partstat && PARTSTATS.has(partstat)) a.partstat = partstat as Attendee['partstat'];
  const role = paramString(prop, 'role')?.toLowerCase();
  if (role && ROLES.has(role)) a.role = role as Attendee['role'];
  const rsvp = paramString(prop, 'rsvp')?.toUpperCase();
  if (rsvp === 'TRUE') a.rsvp = true;
  else if (rsvp === 'FALSE') a.rsvp = false;
  return a;
}

const ACTIONS = new Set(['display', 'audio', 'email']);

export function readReminder(alarm: ICAL.Component): Reminder {
  const trigger = alarm.getFirstProperty('trigger');
  const value = trigger?.getFirstValue();
  const r: Reminder = value instanceof ICAL.Time ? { kind: 'absolute', at: utcIso(value) } : { kind: 'relative' };
  if (value instanceof ICAL.Duration) r.offset = value.toString();
  else if (r.kind === 'relative' && value !== undefined && value !== null) r.offset = String(value);
  if (r.kind === 'relative') {
    const related = trigger && paramString(trigger, 'related')?.toLowerCase();
    r.related = related === 'end' ? 'end' : 'start';
  }
  const action = readText(alarm, 'action')?.toLowerCase();
  if (action && ACTIONS.has(action)) r.action = action as Reminder['action'];
  const description = readText(alarm, 'description');
  if (description) r.description = description;
  return r;
}

function readReminders(comp: ICAL.Component): Reminder[] | undefined {
  const list = comp.getAllSubcomponents('valarm').map(readReminder);
  return list.length ? list : undefined;
}

function readX(comp: ICAL.Component): Record<string, string> | undefined {
  const x: Record<string, string> = {};
  for (const prop of comp.getAllProperties()) {
    const name = prop.name.toUpperCase();
    if (!name.startsWith('X-') || MODELLED_X_PROPS.has(name) || name in x) continue;
    const v = prop.getFirstValue();
    x[name] = prop.type === 'unknown' || typeof v === 'string' ? unescapeText(String(v ?? '')) : String(v ?? '');
  }
  return Object.keys(x).length ? x : undefined;
}

function readHtml(comp: ICAL.Component): string | undefined {
  for (const prop of comp.getAllProperties('x-alt-desc')) {
    const fmt = paramString(prop, 'fmttype')?.toLowerCase();
    if (!fmt || fmt === 'text/html') {
      const v = unescapeText(String(prop.getFirstValue() ?? ''));
      return v === '' ? undefined : v;
    }
  }
  return undefined;
}

const EVENT_STATUS = new Set(['tentative', 'confirmed', 'cancelled']);
const SHOW_AS: Record<string, EventEntity['showAs']> = { FREE: 'free', TENTATIVE: 'tentative', BUSY: 'busy', OOF: 'oof' };
const SENSITIVITY = new Set(['public', 'private', 'confidential']);

export function readShowAs(comp: ICAL.Component): EventEntity['showAs'] {
  const busy = readText(comp, 'x-microsoft-cdo-busystatus')?.toUpperCase();
  if (busy && SHOW_AS[busy]) return SHOW_AS[busy];
  const transp = readText(comp, 'transp')?.toUpperCase();
  if (transp === 'TRANSPARENT') return 'free';
  if (transp === 'OPAQUE') return 'busy';
  return undefined;
}

/** Fields an override (RECURRENCE-ID component) carries. */
export function readOverride(comp: ICAL.Component, zones: ZoneReader): EventOverride | undefined {
  const recurrenceId = readTime(comp, 'recurrence-id', zones);
  if (!recurrenceId) return undefined;
  const o: EventOverride = { recurrenceId };
  const range = comp.getFirstProperty('recurrence-id')?.getParameter('range');
  if (typeof range === 'string' && range.toUpperCase() === 'THISANDFUTURE') o.range = 'thisandfuture';
  const summary = readText(comp, 'summary');
  if (summary !== undefined) o.summary = summary;
  const description = readText(comp, 'description');
  if (description !== undefined) o.description = description;
  const location = readText(comp, 'location');
  if (location !== undefined) o.location = location;
  const start = readTime(comp, 'dtstart', zones);
  if (start) o.start = start;
  const end = readTime(comp, 'dtend', zones);
  if (end) o.end = end;
  const status = readText(comp, 'status')?.toLowerCase();
  if (status && EVENT_STATUS.has(status)) o.status = status as EventOverride['status'];
  return o;
}

/** Reads an event from its master component (may be undefined when only overrides exist) and its overrides. */
export function readEvent(uid: string, master: ICAL.Component | undefined, overrides: ICAL.Component[], zones: ZoneReader): EventEntity {
  const e: EventEntity = { type: 'event', uid };
  // Without a master (an invitation for single instances) the first override carries the top-level fields.
  master ??= overrides[0];
  if (master) {
    const status = readText(master, 'status')?.toLowerCase();
    const cls = readText(master, 'class')?.toLowerCase();
    const organizer = master.getFirstProperty('organizer');
    const attendees = master.getAllProperties('attendee').map(readAttendee);
    const duration = master.getFirstPropertyValue('duration');
    Object.assign(e, {
      summary: readText(master, 'summary'),
      description: readText(master, 'description'),
      descriptionHtml: readHtml(master),
      location: readText(master, 'location'),
      start: readTime(master, 'dtstart', zones),
      end: readTime(master, 'dtend', zones),
      duration: duration instanceof ICAL.Duration ? duration.toString() : undefined,
      recurrence: readRecurrence(master, zones),
      status: status && EVENT_STATUS.has(status) ? status : undefined,
      showAs: readShowAs(master),
      priority: readInt(master, 'priority'),
      sensitivity: cls && SENSITIVITY.has(cls) ? cls : undefined,
      categories: readCategories(master),
      color: readText(master, 'color'),
      reminders: readReminders(master),
      organizer: organizer ? readPerson(organizer) : undefined,
      attendees: attendees.length ? attendees : undefined,
      url: readText(master, 'url'),
      sequence: readInt(master, 'sequence'),
      created: readUtc(master, 'created'),
      lastModified: readUtc(master, 'last-modified'),
      x: readX(master),
    });
  }
  const list = overrides.map((c) => readOverride(c, zones)).filter((o): o is EventOverride => Boolean(o));
  if (list.length) e.overrides = list;
  return compactObject(e);
}

const TASK_STATUS: Record<string, TaskEntity['status']> = {
  'NEEDS-ACTION': 'needs-action', 'IN-PROCESS': 'in-process', COMPLETED: 'completed', CANCELLED: 'cancelled',
  // Non-standard values some clients write.
  'IN-PROGRESS': 'in-process', WAITING: 'needs-action', DEFERRED: 'needs-action', 'NOT-STARTED': 'needs-action',
};

/** The parent UID: RELATED-TO with RELTYPE=PARENT or no RELTYPE (PARENT is the default). */
export function parentRelation(comp: ICAL.Component): ICAL.Property | undefined {
  return comp.getAllProperties('related-to').find((p) => {
    const t = paramString(p, 'reltype');
    return !t || t.toUpperCase() === 'PARENT';
  });
}

export function readTask(uid: string, master: ICAL.Component, zones: ZoneReader): TaskEntity {
  const status = readText(master, 'status')?.toUpperCase();
  const percent = readInt(master, 'percent-complete');
  const cls = parentRelation(master);
  const t: TaskEntity = {
    type: 'task',
    uid,
    summary: readText(master, 'summary'),
    description: readText(master, 'description'),
    descriptionHtml: readHtml(master),
    start: readTime(master, 'dtstart', zones),
    due: readTime(master, 'due', zones),
    completed: readUtc(master, 'completed'),
    status: status ? TASK_STATUS[status] : undefined,
    percent,
    priority: readInt(master, 'priority'),
    categories: readCategories(master),
    reminders: readReminders(master),
    parent: cls ? (String(cls.getFirstValue() ?? '').trim() || undefined) : undefined,
    recurrence: readRecurrence(master, zones),
    created: readUtc(master, 'created'),
    lastModified: readUtc(master, 'last-modified'),
    x: readX(master),
  };
  return compactObject(t);
}
