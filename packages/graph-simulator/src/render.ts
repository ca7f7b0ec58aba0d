/** Store items → Graph JSON as the v1.0 reference shows them ($select, $expand of extended properties, Prefer zones). */
import type { Folder, Instance, Item, Json, Mailbox } from './store.js';
import { graphDateTime, ianaOf, instantOfGraph, utcIso, wallIn } from './zones.js';

export interface RenderOptions {
  /** `Prefer: outlook.timezone` (a Windows or IANA name); UTC when absent. */
  timeZone?: string;
  /** `$select` property names; all when absent. */
  select?: string[];
  /** Extended property ids asked for with `$expand=singleValueExtendedProperties($filter=id eq '…')`. */
  extended?: string[];
  /** `$expand=extensions` (To Do tasks' open extensions). */
  extensions?: boolean;
}

const etag = (changeKey: string) => `W/"${changeKey}"`;

function inZone(ms: number, zone: string | undefined, allDay: boolean, allDayDate?: string): { dateTime: string; timeZone: string } {
  const name = zone && ianaOf(zone) ? zone : 'UTC';
  if (allDay && allDayDate) return { dateTime: graphDateTime(`${allDayDate}T00:00:00`), timeZone: name };
  return { dateTime: graphDateTime(wallIn(ms, ianaOf(name)!)), timeZone: name };
}

function finish(out: Json, o: RenderOptions, fields: Json): Json {
  if (o.extended?.length) {
    const wanted = new Set(o.extended.map((x) => x.toLowerCase()));
    const props = ((fields.singleValueExtendedProperties as { id: string; value: string }[]) ?? []).filter((p) => wanted.has(p.id.toLowerCase()));
    if (props.length) out.singleValueExtendedProperties = props;
  }
  if (o.extensions) out.extensions = ((fields.extensions as Json[]) ?? []).map((e) => ({ '@odata.type': '#microsoft.graph.openTypeExtension', ...e }));
  if (!o.select?.length) return out;
  const keep = new Set(['@odata.etag', 'id', ...o.select, 'singleValueExtendedProperties', 'extensions']);
  return Object.fromEntries(Object.entries(out).filter(([k]) => keep.has(k)));
}

const dateOf = (t: unknown) => String((t as Json)?.dateTime ?? '').slice(0, 10);

/** A single event or series master. */
export function renderEvent(it: Item, o: RenderOptions): Json {
  const f = it.fields;
  const allDay = !!f.isAllDay;
  const start = instantOfGraph(f.start as Json);
  const end = instantOfGraph(f.end as Json);
  const out: Json = {
    '@odata.etag': etag(it.changeKey), id: it.id, createdDateTime: `${it.created.slice(0, 19)}.0000000Z`, lastModifiedDateTime: `${it.lastModified.slice(0, 19)}.0000000Z`,
    changeKey: it.changeKey, categories: f.categories ?? [], transactionId: f.transactionId ?? null,
    originalStartTimeZone: (f.start as Json)?.timeZone, originalEndTimeZone: (f.end as Json)?.timeZone, iCalUId: f.iCalUId,
    reminderMinutesBeforeStart: f.reminderMinutesBeforeStart ?? 15, isReminderOn: f.isReminderOn ?? true, hasAttachments: false,
    subject: f.subject ?? '', bodyPreview: String((f.body as Json)?.content ?? '').slice(0, 255), importance: f.importance ?? 'normal',
    sensitivity: f.sensitivity ?? 'normal', isAllDay: allDay, isCancelled: !!f.isCancelled, isOrganizer: true, showAs: f.showAs ?? 'busy',
    type: f.recurrence ? 'seriesMaster' : 'singleInstance', body: f.body ?? { contentType: 'text', content: '' },
    start: inZone(start, o.timeZone, allDay, dateOf(f.start)), end: inZone(end, o.timeZone, allDay, dateOf(f.end)),
    location: f.location ?? { displayName: '' }, recurrence: f.recurrence ?? null, attendees: f.attendees ?? [], organizer: f.organizer,
  };
  return finish(out, o, f);
}

/** An occurrence or exception of a series. */
export function renderInstance(inst: Instance, o: RenderOptions): Json {
  if (inst.type === 'singleInstance') return renderEvent(inst.item, o);
  const master = renderEvent(inst.item, { ...o, select: undefined, extended: undefined });
  const x = inst.exception?.fields ?? {};
  const allDay = !!(x.isAllDay ?? inst.item.fields.isAllDay);
  const day = (ms: number) => wallIn(ms, ianaOf(String((inst.item.fields.start as Json).timeZone)) ?? 'UTC').slice(0, 10);
  const out: Json = {
    ...master, ...Object.fromEntries(Object.entries(x).filter(([k]) => !['start', 'end'].includes(k))),
    '@odata.etag': etag(inst.exception?.changeKey ?? inst.item.changeKey), id: inst.id, changeKey: inst.exception?.changeKey ?? inst.item.changeKey,
    type: inst.type, seriesMasterId: inst.item.id, originalStart: inst.originalStart, recurrence: null,
    start: inZone(inst.startMs, o.timeZone, allDay, day(inst.startMs)), end: inZone(inst.endMs, o.timeZone, allDay, day(inst.endMs)),
  };
  if (inst.exception) out.lastModifiedDateTime = `${inst.exception.lastModified.slice(0, 19)}.0000000Z`;
  return finish(out, o, inst.item.fields);
}

export function renderTask(it: Item, o: RenderOptions): Json {
  const f = it.fields;
  const out: Json = {
    '@odata.etag': etag(it.changeKey), id: it.id, importance: f.importance ?? 'normal', isReminderOn: !!f.isReminderOn, status: f.status ?? 'notStarted',
    title: f.title ?? '', createdDateTime: `${it.created.slice(0, 19)}.0000000Z`, lastModifiedDateTime: `${it.lastModified.slice(0, 19)}.0000000Z`,
    hasAttachments: false, categories: f.categories ?? [], body: f.body ?? { content: '', contentType: 'text' },
  };
  for (const k of ['dueDateTime', 'startDateTime', 'reminderDateTime', 'completedDateTime', 'recurrence'] as const) if (f[k]) out[k] = f[k];
  if (f.status === 'completed' && !f.completedDateTime) out.completedDateTime = { dateTime: graphDateTime(it.lastModified), timeZone: 'UTC' };
  return finish(out, o, f);
}

const CONTACT_STRINGS = ['displayName', 'fileAs', 'givenName', 'middleName', 'surname', 'nickName', 'title', 'generation', 'companyName', 'department', 'jobTitle', 'businessHomePage', 'mobilePhone', 'personalNotes', 'birthday'];

export function renderContact(it: Item, o: RenderOptions): Json {
  const f = it.fields;
  const out: Json = {
    '@odata.etag': etag(it.changeKey), id: it.id, createdDateTime: `${it.created.slice(0, 19)}Z`, lastModifiedDateTime: `${it.lastModified.slice(0, 19)}Z`,
    changeKey: it.changeKey, categories: f.categories ?? [], parentFolderId: it.folderId,
  };
  for (const k of CONTACT_STRINGS) out[k] = f[k] ?? (k === 'birthday' ? null : k === 'mobilePhone' ? null : '');
  for (const k of ['emailAddresses', 'businessPhones', 'homePhones', 'imAddresses']) out[k] = f[k] ?? [];
  for (const k of ['businessAddress', 'homeAddress', 'otherAddress']) out[k] = f[k] ?? {};
  return finish(out, o, f);
}

export function renderItem(it: Item, o: RenderOptions): Json {
  return it.kind === 'event' ? renderEvent(it, o) : it.kind === 'task' ? renderTask(it, o) : renderContact(it, o);
}

export function renderFolder(mb: Mailbox, f: Folder): Json {
  if (f.kind === 'event') {
    return { id: f.id, name: f.name, color: f.color ?? 'auto', hexColor: f.hexColor ?? '', isDefaultCalendar: f.isDefault, changeKey: 'x', canShare: true,
      canViewPrivateItems: true, canEdit: true, allowedOnlineMeetingProviders: [], isTallyingResponses: true, isRemovable: !f.isDefault,
      owner: { name: mb.displayName, address: mb.email } };
  }
  if (f.kind === 'task') return { '@odata.etag': 'W/"x"', id: f.id, displayName: f.name, isOwner: true, isShared: false, wellknownListName: f.isDefault ? 'defaultList' : 'none' };
  return { id: f.id, displayName: f.name, parentFolderId: 'root' };
}

export { utcIso };
