/** Exchange calendar items ↔ canonical events. */
import { Invalid, toEpochMs, wallClockIn, windowsToIana, type Attendee, type EventEntity, type EventOverride, type TimeValue } from '@dovetail/core/sdk';
import { baseFields, bodyOf, descriptionOf, reminderFromMinutes, reminderMinutes, type MappingContext } from './common.js';
import { exRecurrenceOf, RecurrenceNotStorable, rruleOf } from './recurrence.js';
import type { ExAttendee, ExEvent, ExException, ExTime } from './types.js';
import {
  importanceOf, partstatFromEx, priorityOf, responseToEx, sensitivityFromEx, sensitivityToEx, showAsFromEx, showAsToEx,
} from './values.js';
import { fromExTime, toExTime, utcIso } from './zones.js';

/** Event fields compared for carrying (everything but identity and bookkeeping). */
export const EVENT_FIELDS = [
  'summary', 'description', 'descriptionHtml', 'location', 'start', 'end', 'duration', 'recurrence', 'overrides',
  'status', 'showAs', 'priority', 'sensitivity', 'color', 'reminders', 'organizer', 'attendees', 'url', 'categories', 'x',
] as const;

const ROLE: Record<ExAttendee['type'], Attendee['role']> = { required: 'req-participant', optional: 'opt-participant', resource: 'non-participant' };

/** A time of the series (an occurrence's original start, a deleted one) in the form of its first start. */
function occurrenceTime(utc: string, start: TimeValue | undefined, zone: string | undefined): TimeValue {
  const epoch = Date.parse(utc);
  if (!start || start.kind === 'utc') return { kind: 'utc', value: utcIso(epoch) };
  if (start.kind === 'zoned' && start.tz) return { kind: 'zoned', value: wallClockIn(epoch, start.tz), tz: start.tz };
  const wall = wallClockIn(epoch, (zone && zone !== 'UTC' && windowsToIana(zone)) || 'UTC');
  return start.kind === 'date' ? { kind: 'date', value: wall.slice(0, 10) } : { kind: 'floating', value: wall };
}

function overrideOf(x: ExException, master: EventEntity, zone: string | undefined, allDay: boolean): EventOverride {
  const o: EventOverride = { recurrenceId: occurrenceTime(x.originalStart, master.start, zone) };
  if (x.subject !== undefined) o.summary = x.subject;
  const d = descriptionOf(x.body);
  if (d.description) o.description = d.description;
  if (x.location) o.location = x.location;
  const exAllDay = x.isAllDay ?? allDay;
  if (x.start) o.start = fromExTime(x.start, exAllDay);
  if (x.end) o.end = fromExTime(x.end, exAllDay);
  if (x.isCancelled) o.status = 'cancelled';
  return o;
}

/**
 * The canonical event of a calendar item as Exchange shows it (carried values are applied by the caller);
 * `fallbackUid` names items that carry no UID at all.
 */
export function eventFromEx(ex: ExEvent, fallbackUid: string): EventEntity {
  const uid = ex.stamp?.uid || ex.iCalUid || fallbackUid;
  const allDay = !!ex.isAllDay;
  const e: EventEntity = { type: 'event', ...baseFields(ex, uid) };
  if (ex.subject) e.summary = ex.subject;
  Object.assign(e, descriptionOf(ex.body));
  if (ex.location) e.location = ex.location;
  if (ex.start) e.start = fromExTime(ex.start, allDay);
  if (ex.end) e.end = fromExTime(ex.end, allDay);
  if (ex.isCancelled) e.status = 'cancelled';
  const showAs = showAsFromEx(ex.showAs);
  if (showAs) e.showAs = showAs;
  const priority = priorityOf(ex.importance);
  if (priority) e.priority = priority;
  const sensitivity = sensitivityFromEx(ex.sensitivity);
  if (sensitivity) e.sensitivity = sensitivity;
  if (ex.isReminderOn && ex.reminderMinutesBeforeStart !== undefined) e.reminders = [reminderFromMinutes(ex.reminderMinutesBeforeStart)];
  if (ex.organizer?.address || ex.organizer?.name) e.organizer = { ...ex.organizer.address ? { email: ex.organizer.address } : {}, ...ex.organizer.name ? { name: ex.organizer.name } : {} };
  const attendees = (ex.attendees ?? []).map((a): Attendee => ({
    ...(a.address ? { email: a.address } : {}), ...(a.name ? { name: a.name } : {}),
    role: ROLE[a.type], ...(partstatFromEx(a.response) ? { partstat: partstatFromEx(a.response) } : {}),
  }));
  if (attendees.length) e.attendees = attendees;
  if (ex.recurrence && e.start) {
    e.recurrence = { rrule: [rruleOf(ex.recurrence, e.start)] };
    const deleted = (ex.cancelledOccurrences ?? []).map((u) => occurrenceTime(u, e.start, ex.start?.timeZone));
    if (deleted.length) e.recurrence.exdate = deleted;
    const overrides = (ex.exceptions ?? []).map((x) => overrideOf(x, e, ex.start?.timeZone, allDay))
      .sort((a, b) => toEpochMs(a.recurrenceId) - toEpochMs(b.recurrenceId));
    if (overrides.length) e.overrides = overrides;
  }
  return e;
}

function exTime(t: TimeValue, ctx: MappingContext): ExTime {
  return toExTime(t, ctx.defaultZone).time;
}

/** End of an event that gives a DURATION (or nothing) instead of an end. */
function endOf(e: EventEntity): TimeValue | undefined {
  if (e.end) return e.end;
  if (!e.start) return undefined;
  if (e.start.kind === 'date') {
    const next = new Date(Date.parse(`${e.start.value.slice(0, 10)}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    return { kind: 'date', value: next };
  }
  const m = e.duration ? /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(e.duration) : undefined;
  const seconds = m ? ((Number(m[1] ?? 0) * 7 + Number(m[2] ?? 0)) * 86_400 + Number(m[3] ?? 0) * 3600 + Number(m[4] ?? 0) * 60 + Number(m[5] ?? 0)) : 0;
  const epoch = toEpochMs(e.start) + seconds * 1000;
  if (e.start.kind === 'utc') return { kind: 'utc', value: utcIso(epoch) };
  if (e.start.kind === 'zoned' && e.start.tz) return { ...e.start, value: wallClockIn(epoch, e.start.tz) };
  return { kind: 'floating', value: new Date(epoch).toISOString().slice(0, 19) };
}

function exceptionOf(o: EventOverride, ctx: MappingContext): ExException {
  const x: ExException = { originalStart: utcIso(toEpochMs(o.recurrenceId)) };
  if (o.summary !== undefined) x.subject = o.summary;
  if (o.description) x.body = { contentType: 'text', content: o.description };
  if (o.location) x.location = o.location;
  if (o.start) { x.start = exTime(o.start, ctx); x.isAllDay = o.start.kind === 'date'; }
  if (o.end) x.end = exTime(o.end, ctx);
  if (o.status === 'cancelled') x.isCancelled = true;
  return x;
}

/**
 * The calendar item for a canonical event (without the carry, see model/index.ts). Throws `Invalid` when the
 * event cannot be stored at all (no start, a recurrence no Exchange pattern expresses).
 */
export function eventToEx(e: EventEntity, ctx: MappingContext): ExEvent {
  if (!e.start) throw new Invalid(`event ${e.uid} has no start; Exchange calendar items need one`);
  const end = endOf(e) ?? e.start;
  const allDay = e.start.kind === 'date';
  const ex: ExEvent = {
    kind: 'event',
    subject: e.summary ?? '',
    start: exTime(e.start, ctx),
    end: exTime(allDay && end.kind !== 'date' ? { kind: 'date', value: end.value.slice(0, 10) } : end, ctx),
    isAllDay: allDay,
    importance: importanceOf(e.priority),
    sensitivity: sensitivityToEx(e.sensitivity),
    showAs: showAsToEx(e.showAs),
    categories: e.categories ?? [],
    iCalUid: e.uid,
    stamp: { uid: e.uid },
  };
  const body = bodyOf(e);
  if (body) ex.body = body;
  if (e.location) ex.location = e.location;
  const minutes = reminderMinutes(e.reminders);
  ex.isReminderOn = minutes !== undefined;
  if (minutes !== undefined) ex.reminderMinutesBeforeStart = minutes;
  if (e.organizer) ex.organizer = { address: e.organizer.email, name: e.organizer.name };
  if (e.attendees?.length) {
    ex.attendees = e.attendees.filter((a) => a.email).map((a) => ({
      address: a.email, ...(a.name ? { name: a.name } : {}),
      type: a.role === 'opt-participant' ? 'optional' : a.role === 'non-participant' ? 'resource' : 'required',
      response: responseToEx(a.partstat),
    }));
  }
  if (e.status === 'cancelled') ex.isCancelled = true;
  if (e.recurrence?.rrule?.length || e.recurrence?.rdate?.length) {
    try {
      ex.recurrence = exRecurrenceOf(e.recurrence, e.start);
    } catch (err) {
      if (err instanceof RecurrenceNotStorable) throw new Invalid(`event ${e.uid} cannot be stored in Exchange: ${err.message}`);
      throw err;
    }
    const cancelled = (e.recurrence.exdate ?? []).map((t) => utcIso(toEpochMs(t)));
    const fromOverrides = (e.overrides ?? []).filter((o) => o.status === 'cancelled').map((o) => utcIso(toEpochMs(o.recurrenceId)));
    const all = [...new Set([...cancelled, ...fromOverrides])].sort();
    if (all.length) ex.cancelledOccurrences = all;
    const exceptions = (e.overrides ?? []).filter((o) => o.status !== 'cancelled').map((o) => exceptionOf(o, ctx));
    if (exceptions.length) ex.exceptions = exceptions;
  }
  return ex;
}
