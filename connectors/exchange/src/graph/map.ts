/**
 * Microsoft Graph JSON ↔ backend-neutral Exchange items (model/types.ts, named after Graph's own properties).
 * Times are read in UTC (`Prefer: outlook.timezone="UTC"`) and placed in the item's own zone
 * (`originalStartTimeZone`), as the EWS backend places them in StartTimeZone; they are written in their Windows zone.
 */
import { canonicalJson, ianaToWindows, windowsToIana } from '@dovetail/core/sdk';
import {
  exTimeAt, exTimeInstant, utcIso,
  type ExAddress, type ExAddressKey, type ExContact, type ExEvent, type ExException, type ExItem, type ExPhoneKey, type ExRecurrence, type ExStamp, type ExTask, type ExTime,
} from '../model/index.js';
import { CARRY_PROPERTY_NAME, DOVETAIL_PROPERTY_SET, UID_PROPERTY_NAME } from '../stamp.js';
import type { Json } from './client.js';

/** Dovetail's extended properties in Graph's notation (the same MAPI named properties the EWS backend writes). */
export const UID_PROP = `String {${DOVETAIL_PROPERTY_SET}} Name ${UID_PROPERTY_NAME}`;
export const CARRY_PROP = `String {${DOVETAIL_PROPERTY_SET}} Name ${CARRY_PROPERTY_NAME}`;
/** To Do tasks have no extended properties: the stamp is an open extension. */
export const TASK_EXTENSION = 'dev.dovetail.stamp';

/** Contact phone slots without a Graph property, as MAPI properties (PidTag…Number). */
export const PHONE_TAGS: Partial<Record<ExPhoneKey, string>> = {
  BusinessFax: 'String 0x3A24', HomeFax: 'String 0x3A25', OtherFax: 'String 0x3A23', Pager: 'String 0x3A21', CarPhone: 'String 0x3A1E',
  OtherTelephone: 'String 0x3A1F', AssistantPhone: 'String 0x3A2E', CompanyMainPhone: 'String 0x3A57', PrimaryPhone: 'String 0x3A1A',
  Callback: 'String 0x3A02', Isdn: 'String 0x3A2D', RadioPhone: 'String 0x3A1D', Telex: 'String 0x3A2C', TtyTddPhone: 'String 0x3A4B',
};

export const EVENT_EXPAND = `singleValueExtendedProperties($filter=id eq '${UID_PROP}' or id eq '${CARRY_PROP}')`;
export const CONTACT_EXPAND = `singleValueExtendedProperties($filter=${[UID_PROP, CARRY_PROP, ...Object.values(PHONE_TAGS)].map((id) => `id eq '${id}'`).join(' or ')})`;
export const TASK_EXPAND = `extensions($filter=id eq '${TASK_EXTENSION}')`;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function extended(j: Json): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of (j.singleValueExtendedProperties as { id?: string; value?: string }[] | undefined) ?? []) {
    if (p?.id && typeof p.value === 'string' && p.value !== '') out.set(p.id.toLowerCase(), p.value);
  }
  return out;
}

function stampOf(props: Map<string, string>): ExStamp | undefined {
  const uid = props.get(UID_PROP.toLowerCase());
  const carry = props.get(CARRY_PROP.toLowerCase());
  return uid || carry ? { ...(uid ? { uid } : {}), ...(carry ? { carry } : {}) } : undefined;
}

/** A Windows zone id for a zone name Graph gives (Windows, IANA, or tzone://Microsoft/Custom → UTC). */
export function windowsOf(zone: unknown): string {
  if (typeof zone !== 'string' || !zone) return 'UTC';
  if (zone === 'UTC' || (windowsToIana(zone) && !zone.includes('/'))) return zone;
  return ianaToWindows(zone) ?? 'UTC';
}

/** UTC ISO of a Graph time: a UTC string (`2026-05-04T07:00:00.0000000`, maybe with Z) or a dateTimeTimeZone. */
export function utcOf(t: unknown): string | undefined {
  const v = typeof t === 'string' ? t : (t as Json | undefined)?.dateTime;
  if (typeof v !== 'string') return undefined;
  const zone = typeof t === 'object' ? (t as Json).timeZone : undefined;
  if (typeof zone === 'string' && zone !== 'UTC') {
    const ms = exTimeInstant({ dateTime: v.slice(0, 19), timeZone: windowsOf(zone) });
    return Number.isNaN(ms) ? undefined : utcIso(ms);
  }
  const ms = Date.parse(/[zZ]$|[+-]\d\d:\d\d$/.test(v) ? v : `${v.slice(0, 23)}Z`);
  return Number.isNaN(ms) ? undefined : utcIso(ms);
}

/** A time read in UTC, placed in `zone` (or, for all-day items, the date as Graph shows it). */
function timeOf(t: unknown, zone: string, allDay: boolean): ExTime | undefined {
  const dt = (t as Json | undefined)?.dateTime;
  if (typeof dt !== 'string') return undefined;
  if (allDay) return { dateTime: `${dt.slice(0, 10)}T00:00:00`, timeZone: zone };
  const utc = utcOf(t);
  return utc ? exTimeAt(Date.parse(utc), zone) : undefined;
}

function recurrenceOf(r: unknown): ExRecurrence | undefined {
  const rec = r as { pattern?: Json; range?: Json } | null | undefined;
  if (!rec?.pattern || !rec.range) return undefined;
  const p = rec.pattern;
  const pattern: ExRecurrence['pattern'] = { type: p.type as ExRecurrence['pattern']['type'], interval: Number(p.interval ?? 1) || 1 };
  if (Array.isArray(p.daysOfWeek) && p.daysOfWeek.length) pattern.daysOfWeek = p.daysOfWeek as ExRecurrence['pattern']['daysOfWeek'];
  if (p.type === 'weekly') pattern.firstDayOfWeek = (p.firstDayOfWeek as ExRecurrence['pattern']['firstDayOfWeek']) ?? 'sunday';
  if (Number(p.dayOfMonth)) pattern.dayOfMonth = Number(p.dayOfMonth);
  if (Number(p.month)) pattern.month = Number(p.month);
  if (String(p.type).startsWith('relative')) pattern.index = (p.index as ExRecurrence['pattern']['index']) ?? 'first';
  const range = rec.range;
  const startDate = String(range.startDate);
  if (range.type === 'numbered') return { pattern, range: { type: 'numbered', startDate, numberOfOccurrences: Number(range.numberOfOccurrences) } };
  if (range.type === 'endDate') return { pattern, range: { type: 'endDate', startDate, endDate: String(range.endDate) } };
  return { pattern, range: { type: 'noEnd', startDate } };
}

function recurrenceJson(r: ExRecurrence, zone: string): Json {
  const p = r.pattern;
  const pattern: Json = { type: p.type, interval: p.interval };
  if (p.daysOfWeek) pattern.daysOfWeek = p.daysOfWeek;
  if (p.firstDayOfWeek) pattern.firstDayOfWeek = p.firstDayOfWeek;
  if (p.dayOfMonth) pattern.dayOfMonth = p.dayOfMonth;
  if (p.month) pattern.month = p.month;
  if (p.index) pattern.index = p.index;
  const range: Json = { type: r.range.type, startDate: r.range.startDate, recurrenceTimeZone: zone };
  if (r.range.type === 'endDate') range.endDate = r.range.endDate;
  if (r.range.type === 'numbered') range.numberOfOccurrences = r.range.numberOfOccurrences;
  return { pattern, range };
}

function common(j: Json) {
  const body = j.body as { contentType?: string; content?: string } | undefined;
  const categories = Array.isArray(j.categories) ? (j.categories as string[]) : [];
  return {
    ...(body?.content ? { body: { contentType: body.contentType?.toLowerCase() === 'html' ? 'html' as const : 'text' as const, content: body.content } } : {}),
    ...(categories.length ? { categories: [...categories] } : {}),
    ...(utcOf(j.lastModifiedDateTime) ? { lastModified: utcOf(j.lastModifiedDateTime) } : {}),
    ...(utcOf(j.createdDateTime) ? { created: utcOf(j.createdDateTime) } : {}),
  };
}

/** A Graph event (read in UTC) as an Exchange event; exceptions and cancelled occurrences come from its instances. */
export function eventFromGraph(j: Json, exceptions: ExException[] = [], cancelled: string[] = []): ExEvent {
  const allDay = !!j.isAllDay;
  const startZone = windowsOf(j.originalStartTimeZone);
  const endZone = windowsOf(j.originalEndTimeZone ?? j.originalStartTimeZone);
  const ex: ExEvent = { kind: 'event', ...common(j), isAllDay: allDay };
  if (str(j.subject)) ex.subject = j.subject as string;
  const start = timeOf(j.start, startZone, allDay);
  const end = timeOf(j.end, endZone, allDay);
  if (start) ex.start = start;
  if (end) ex.end = end;
  const location = str((j.location as Json | undefined)?.displayName);
  if (location) ex.location = location;
  if (j.importance) ex.importance = j.importance as ExEvent['importance'];
  if (j.sensitivity) ex.sensitivity = j.sensitivity as ExEvent['sensitivity'];
  if (j.showAs) ex.showAs = j.showAs as ExEvent['showAs'];
  ex.isReminderOn = !!j.isReminderOn;
  if (ex.isReminderOn && typeof j.reminderMinutesBeforeStart === 'number') ex.reminderMinutesBeforeStart = j.reminderMinutesBeforeStart;
  if (str(j.iCalUId)) ex.iCalUid = j.iCalUId as string;
  const organizer = (j.organizer as { emailAddress?: { name?: string; address?: string } } | undefined)?.emailAddress;
  if (organizer?.address || organizer?.name) ex.organizer = { ...(organizer.address ? { address: organizer.address } : {}), ...(organizer.name ? { name: organizer.name } : {}) };
  const attendees = ((j.attendees as Json[] | undefined) ?? []).map((a) => {
    const e = (a.emailAddress ?? {}) as { name?: string; address?: string };
    const response = (a.status as { response?: string } | undefined)?.response;
    return { type: (a.type as 'required' | 'optional' | 'resource') ?? 'required', ...(e.address ? { address: e.address } : {}), ...(e.name ? { name: e.name } : {}), ...(response ? { response: response as never } : {}) };
  });
  if (attendees.length) ex.attendees = attendees;
  if (j.isCancelled) ex.isCancelled = true;
  const recurrence = j.type === 'seriesMaster' ? recurrenceOf(j.recurrence) : undefined;
  if (recurrence) {
    ex.recurrence = recurrence;
    if (exceptions.length) ex.exceptions = exceptions;
    if (cancelled.length) ex.cancelledOccurrences = [...cancelled].sort();
  }
  const stamp = stampOf(extended(j));
  if (stamp) ex.stamp = stamp;
  return ex;
}

/** A modified occurrence (from a master's instances) as an exception; times in the master's zone. */
export function exceptionFromGraph(j: Json, zone: string): ExException {
  const allDay = !!j.isAllDay;
  const x: ExException = { id: String(j.id), originalStart: utcOf(j.originalStart) ?? '' };
  if (typeof j.subject === 'string') x.subject = j.subject;
  const body = common(j).body;
  if (body) x.body = body;
  const location = str((j.location as Json | undefined)?.displayName);
  if (location) x.location = location;
  const start = timeOf(j.start, zone, allDay);
  const end = timeOf(j.end, zone, allDay);
  if (start) x.start = start;
  if (end) x.end = end;
  x.isAllDay = allDay;
  if (j.showAs) x.showAs = j.showAs as ExException['showAs'];
  if (j.isCancelled) x.isCancelled = true;
  return x;
}

/** Graph time for an Exchange time: its wall clock in its Windows zone. */
function graphTime(t: ExTime): Json {
  return { dateTime: t.dateTime.slice(0, 19), timeZone: t.timeZone };
}

/** The event properties Graph is sent for an Exchange event (no attendees: Graph would invite them). */
export function eventJson(ex: ExEvent): Json {
  const out: Json = {
    subject: ex.subject ?? '', body: { contentType: ex.body?.contentType ?? 'text', content: ex.body?.content ?? '' },
    isAllDay: !!ex.isAllDay, location: { displayName: ex.location ?? '' }, importance: ex.importance ?? 'normal',
    sensitivity: ex.sensitivity ?? 'normal', showAs: ex.showAs ?? 'busy', isReminderOn: !!ex.isReminderOn, categories: ex.categories ?? [],
    recurrence: ex.recurrence && ex.start ? recurrenceJson(ex.recurrence, ex.start.timeZone) : null,
  };
  if (ex.start) out.start = graphTime(ex.start);
  if (ex.end) out.end = graphTime(ex.end);
  if (ex.isReminderOn) out.reminderMinutesBeforeStart = ex.reminderMinutesBeforeStart ?? 15;
  return out;
}

export function exceptionJson(x: ExException): Json {
  const out: Json = {};
  if (x.subject !== undefined) out.subject = x.subject;
  if (x.body) out.body = x.body;
  if (x.location !== undefined) out.location = { displayName: x.location };
  if (x.start && x.end) { out.start = graphTime(x.start); out.end = graphTime(x.end); out.isAllDay = !!x.isAllDay; }
  if (x.showAs) out.showAs = x.showAs;
  return out;
}

/** A To Do task as an Exchange task; dates are days (the date To Do shows), at midnight in the mailbox's zone. */
export function taskFromGraph(j: Json, mailboxZone: string): ExTask {
  const ex: ExTask = { kind: 'task', ...common(j) };
  if (str(j.title)) ex.subject = j.title as string;
  if (j.status) ex.status = j.status as ExTask['status'];
  if (j.importance) ex.importance = j.importance as ExTask['importance'];
  // To Do keeps a date as midnight in some zone and may answer in UTC (the day before, for zones east of it):
  // the date is the day the instant falls on in the mailbox's zone, half a day later.
  const day = (t: unknown): ExTime | undefined => {
    const utc = utcOf(t);
    return utc ? { dateTime: `${exTimeAt(Date.parse(utc) + 12 * 3_600_000, mailboxZone).dateTime.slice(0, 10)}T00:00:00`, timeZone: mailboxZone } : undefined;
  };
  const start = day(j.startDateTime);
  const due = day(j.dueDateTime);
  if (start) ex.startDate = start;
  if (due) ex.dueDate = due;
  const completed = utcOf(j.completedDateTime);
  if (completed) ex.completedDateTime = completed;
  ex.isReminderOn = !!j.isReminderOn;
  const reminder = utcOf(j.reminderDateTime);
  if (ex.isReminderOn && reminder) ex.reminderDateTime = reminder;
  const recurrence = recurrenceOf(j.recurrence);
  if (recurrence) ex.recurrence = recurrence;
  const ext = ((j.extensions as Json[] | undefined) ?? []).find((e) => e.id === TASK_EXTENSION || e.extensionName === TASK_EXTENSION);
  const uid = str(ext?.uid);
  const carry = str(ext?.carry);
  if (uid || carry) ex.stamp = { ...(uid ? { uid } : {}), ...(carry ? { carry } : {}) };
  return ex;
}

/** The todoTask properties for an Exchange task (To Do has no percent complete or sensitivity: those are carried). */
export function taskJson(ex: ExTask): Json {
  const date = (t: ExTime | undefined) => (t ? { dateTime: `${t.dateTime.slice(0, 10)}T00:00:00`, timeZone: t.timeZone } : null);
  const out: Json = {
    title: ex.subject ?? '', body: { contentType: ex.body?.contentType ?? 'text', content: ex.body?.content ?? '' },
    status: ex.status ?? 'notStarted', importance: ex.importance ?? 'normal', categories: ex.categories ?? [],
    startDateTime: date(ex.startDate), dueDateTime: date(ex.dueDate), isReminderOn: !!ex.isReminderOn,
    reminderDateTime: ex.isReminderOn && ex.reminderDateTime ? { dateTime: ex.reminderDateTime.slice(0, 19), timeZone: 'UTC' } : null,
    completedDateTime: ex.status === 'completed' && ex.completedDateTime ? { dateTime: ex.completedDateTime.slice(0, 19), timeZone: 'UTC' } : null,
    recurrence: ex.recurrence ? recurrenceJson(ex.recurrence, (ex.startDate ?? ex.dueDate)?.timeZone ?? 'UTC') : null,
  };
  return out;
}

const ADDRESS_PROPS: Record<ExAddressKey, string> = { business: 'businessAddress', home: 'homeAddress', other: 'otherAddress' };

function addressOf(a: unknown): ExAddress | undefined {
  const j = (a ?? {}) as Json;
  const out: ExAddress = {};
  for (const k of ['street', 'city', 'state', 'postalCode', 'countryOrRegion'] as const) if (str(j[k])) out[k] = j[k] as string;
  return Object.keys(out).length ? out : undefined;
}

export function contactFromGraph(j: Json): ExContact {
  const { body: _b, ...base } = common(j);
  void _b;
  const ex: ExContact = { kind: 'contact', ...base };
  const set = <K extends keyof ExContact>(k: K, v: unknown) => { if (str(v)) (ex as unknown as Json)[k] = v; };
  set('displayName', j.displayName); set('fileAs', j.fileAs); set('givenName', j.givenName); set('middleName', j.middleName);
  set('surname', j.surname); set('nickname', j.nickName); set('title', j.title); set('generation', j.generation);
  set('companyName', j.companyName); set('department', j.department); set('jobTitle', j.jobTitle); set('businessHomePage', j.businessHomePage);
  set('notes', j.personalNotes);
  const emails = ((j.emailAddresses as { name?: string; address?: string }[] | undefined) ?? []).filter((e) => e?.address).map((e) => ({ address: e.address!, ...(e.name && e.name !== e.address ? { name: e.name } : {}) }));
  if (emails.length) ex.emailAddresses = emails;
  const phones: Partial<Record<ExPhoneKey, string>> = {};
  const business = (j.businessPhones as string[] | undefined) ?? [];
  const home = (j.homePhones as string[] | undefined) ?? [];
  if (business[0]) phones.BusinessPhone = business[0];
  if (business[1]) phones.BusinessPhone2 = business[1];
  if (home[0]) phones.HomePhone = home[0];
  if (home[1]) phones.HomePhone2 = home[1];
  if (str(j.mobilePhone)) phones.MobilePhone = j.mobilePhone as string;
  const props = extended(j);
  for (const [key, tag] of Object.entries(PHONE_TAGS)) { const v = props.get(tag!.toLowerCase()); if (v) phones[key as ExPhoneKey] = v; }
  if (Object.keys(phones).length) ex.phones = phones;
  const addresses: Partial<Record<ExAddressKey, ExAddress>> = {};
  for (const [key, prop] of Object.entries(ADDRESS_PROPS)) { const a = addressOf(j[prop]); if (a) addresses[key as ExAddressKey] = a; }
  if (Object.keys(addresses).length) ex.addresses = addresses;
  const im = ((j.imAddresses as string[] | undefined) ?? []).filter(Boolean);
  if (im.length) ex.imAddresses = im;
  if (str(j.birthday)) ex.birthday = new Date(Date.parse(j.birthday as string) + 12 * 3_600_000).toISOString().slice(0, 10);
  const stamp = stampOf(props);
  if (stamp) ex.stamp = stamp;
  return ex;
}

/** The contact properties for an Exchange contact; phone slots Graph lacks go to their MAPI properties. */
export function contactJson(ex: ExContact): Json {
  const p = ex.phones ?? {};
  const out: Json = {
    displayName: ex.displayName ?? '', fileAs: ex.fileAs ?? '', givenName: ex.givenName ?? '', middleName: ex.middleName ?? '', surname: ex.surname ?? '',
    nickName: ex.nickname ?? '', title: ex.title ?? '', generation: ex.generation ?? '', companyName: ex.companyName ?? '', department: ex.department ?? '',
    jobTitle: ex.jobTitle ?? '', businessHomePage: ex.businessHomePage ?? '', personalNotes: ex.notes ?? '', categories: ex.categories ?? [],
    emailAddresses: (ex.emailAddresses ?? []).slice(0, 3).map((e) => ({ address: e.address, name: e.name ?? e.address })),
    businessPhones: [p.BusinessPhone, p.BusinessPhone2].filter(Boolean), homePhones: [p.HomePhone, p.HomePhone2].filter(Boolean),
    mobilePhone: p.MobilePhone ?? null, imAddresses: ex.imAddresses ?? [],
    birthday: ex.birthday ? `${ex.birthday}T11:59:00Z` : null,
  };
  for (const [key, prop] of Object.entries(ADDRESS_PROPS)) out[prop] = ex.addresses?.[key as ExAddressKey] ?? {};
  return out;
}

/** The contact's MAPI phone properties (an empty value clears a slot). */
export function contactPhoneProps(ex: ExContact, prev: ExContact | undefined): { id: string; value: string }[] {
  return Object.entries(PHONE_TAGS)
    .filter(([key]) => !prev || (ex.phones?.[key as ExPhoneKey] ?? '') !== (prev.phones?.[key as ExPhoneKey] ?? ''))
    .filter(([key]) => ex.phones?.[key as ExPhoneKey] || prev?.phones?.[key as ExPhoneKey])
    .map(([key, id]) => ({ id: id!, value: ex.phones?.[key as ExPhoneKey] ?? '' }));
}

/** The properties of `next` that differ from `prev` (all of them without `prev`). */
export function changedProps(next: Json, prev: Json | undefined): Json {
  if (!prev) return next;
  return Object.fromEntries(Object.entries(next).filter(([k, v]) => canonicalJson(v) !== canonicalJson(prev[k])));
}

/** The stamp as extended properties (an empty carry restores nothing). */
export function stampProps(stamp: ExStamp | undefined, prev: ExStamp | undefined): { id: string; value: string }[] {
  const out: { id: string; value: string }[] = [];
  if (stamp?.uid && stamp.uid !== prev?.uid) out.push({ id: UID_PROP, value: stamp.uid });
  if (!prev || (stamp?.carry ?? '') !== (prev.carry ?? '')) out.push({ id: CARRY_PROP, value: stamp?.carry ?? '' });
  return out;
}

/** What Graph keeps of an item Dovetail writes: what the carry must make up for (see ExchangeBackend.stored). */
export function storedByGraph(item: ExItem): ExItem {
  if (item.kind === 'event') {
    const { attendees: _a, organizer: _o, isCancelled: _c, iCalUid: _u, ...rest } = item;
    void _a; void _o; void _c; void _u;
    return rest;
  }
  if (item.kind === 'task') {
    const { percentComplete: _p, sensitivity: _s, ...rest } = item;
    void _p; void _s;
    return rest.status === 'completed' ? rest : { ...rest, completedDateTime: undefined };
  }
  return { ...item, ...(item.emailAddresses ? { emailAddresses: item.emailAddresses.map((e) => ({ address: e.address, ...(e.name && e.name !== e.address ? { name: e.name } : {}) })) } : {}) };
}
