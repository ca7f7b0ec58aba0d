/** ews-javascript-api items → backend-neutral Exchange items (model/types.ts). */
import * as ews from 'ews-javascript-api';
import {
  exTimeAt, utcIso,
  type ExAddress, type ExAddressKey, type ExAttendee, type ExBody, type ExContact, type ExDay, type ExEvent, type ExException,
  type ExImportance, type ExPhoneKey, type ExRecurrence, type ExRecurrencePattern, type ExResponse, type ExSensitivity,
  type ExShowAs, type ExStamp, type ExTask, type ExTaskStatus, type ExWeekIndex,
} from '../model/index.js';
import { CARRY_PROPERTY, NAME_PREFIX_PROPERTY, UID_PROPERTY } from './schema.js';

/** A property the item was loaded with, or undefined (the library throws for properties not loaded or absent). */
export function prop<T>(item: ews.ServiceObject, definition: ews.PropertyDefinitionBase): T | undefined {
  const out: ews.IOutParam<T> = { outValue: undefined } as ews.IOutParam<T>;
  try {
    return item.TryGetProperty(definition, out) ? (out.outValue ?? undefined) : undefined;
  } catch {
    return undefined;
  }
}

function extended(item: ews.Item, definition: ews.ExtendedPropertyDefinition): string | undefined {
  const out = { outValue: undefined } as unknown as ews.IOutParam<string>;
  try {
    return item.ExtendedProperties?.TryGetValue(definition, out) ? String(out.outValue ?? '') || undefined : undefined;
  } catch {
    return undefined;
  }
}

export function utcOf(dt: ews.DateTime | null | undefined): string | undefined {
  return dt ? utcIso(dt.TotalMilliSeconds) : undefined;
}

function stampOf(item: ews.Item): ExStamp | undefined {
  const uid = extended(item, UID_PROPERTY);
  const carry = extended(item, CARRY_PROPERTY);
  return uid || carry ? { ...(uid ? { uid } : {}), ...(carry ? { carry } : {}) } : undefined;
}

function bodyOf(item: ews.Item): ExBody | undefined {
  const body = prop<ews.MessageBody>(item, ews.ItemSchema.Body);
  if (!body?.Text) return undefined;
  return { contentType: body.BodyType === ews.BodyType.HTML ? 'html' : 'text', content: body.Text };
}

const IMPORTANCE: Record<number, ExImportance> = { [ews.Importance.Low]: 'low', [ews.Importance.Normal]: 'normal', [ews.Importance.High]: 'high' };
const SENSITIVITY: Record<number, ExSensitivity> = {
  [ews.Sensitivity.Normal]: 'normal', [ews.Sensitivity.Personal]: 'personal', [ews.Sensitivity.Private]: 'private', [ews.Sensitivity.Confidential]: 'confidential',
};
const SHOW_AS: Record<number, ExShowAs> = {
  [ews.LegacyFreeBusyStatus.Free]: 'free', [ews.LegacyFreeBusyStatus.Tentative]: 'tentative', [ews.LegacyFreeBusyStatus.Busy]: 'busy',
  [ews.LegacyFreeBusyStatus.OOF]: 'oof', [ews.LegacyFreeBusyStatus.WorkingElsewhere]: 'workingElsewhere', [ews.LegacyFreeBusyStatus.NoData]: 'unknown',
};
const RESPONSE: Record<number, ExResponse> = {
  [ews.MeetingResponseType.Unknown]: 'none', [ews.MeetingResponseType.Organizer]: 'organizer', [ews.MeetingResponseType.Tentative]: 'tentativelyAccepted',
  [ews.MeetingResponseType.Accept]: 'accepted', [ews.MeetingResponseType.Decline]: 'declined', [ews.MeetingResponseType.NoResponseReceived]: 'notResponded',
};
const TASK_STATUS: Record<number, ExTaskStatus> = {
  [ews.TaskStatus.NotStarted]: 'notStarted', [ews.TaskStatus.InProgress]: 'inProgress', [ews.TaskStatus.Completed]: 'completed',
  [ews.TaskStatus.WaitingOnOthers]: 'waitingOnOthers', [ews.TaskStatus.Deferred]: 'deferred',
};
const DAYS: ExDay[] = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const INDEX: ExWeekIndex[] = ['first', 'second', 'third', 'fourth', 'last'];

function commonFields(item: ews.Item) {
  const importance = IMPORTANCE[prop<number>(item, ews.ItemSchema.Importance) ?? -1];
  const sensitivity = SENSITIVITY[prop<number>(item, ews.ItemSchema.Sensitivity) ?? -1];
  const categories = prop<ews.StringList>(item, ews.ItemSchema.Categories)?.GetEnumerator?.() ?? [];
  const stamp = stampOf(item);
  return {
    ...(prop<string>(item, ews.ItemSchema.Subject) ? { subject: prop<string>(item, ews.ItemSchema.Subject) } : {}),
    ...(bodyOf(item) ? { body: bodyOf(item) } : {}),
    ...(importance ? { importance } : {}),
    ...(sensitivity ? { sensitivity } : {}),
    ...(categories.length ? { categories: [...categories] } : {}),
    ...(utcOf(prop(item, ews.ItemSchema.LastModifiedTime)) ? { lastModified: utcOf(prop(item, ews.ItemSchema.LastModifiedTime)) } : {}),
    ...(utcOf(prop(item, ews.ItemSchema.DateTimeCreated)) ? { created: utcOf(prop(item, ews.ItemSchema.DateTimeCreated)) } : {}),
    ...(stamp ? { stamp } : {}),
  };
}

/** The Windows zone of a start/end zone property ('UTC' when absent). */
function zoneId(tz: ews.TimeZoneInfo | undefined): string {
  return tz?.Id || 'UTC';
}

/** Days of a pattern: the library's DayOfTheWeek (Day / Weekday / WeekendDay stand for several). */
function daysOf(d: ews.DayOfTheWeek): ExDay[] {
  if (d === ews.DayOfTheWeek.Day) return [...DAYS];
  if (d === ews.DayOfTheWeek.Weekday) return DAYS.slice(1, 6);
  if (d === ews.DayOfTheWeek.WeekendDay) return ['sunday', 'saturday'];
  return [DAYS[d]];
}

/** The first day of a weekly pattern's week; Monday (RFC 5545's default) when the server leaves it out. */
function firstDayOf(r: InstanceType<typeof ews.Recurrence.WeeklyPattern>): ExDay {
  try {
    return DAYS[r.FirstDayOfWeek] ?? 'monday';
  } catch {
    return 'monday'; // the library throws when the (optional) element was not sent
  }
}

/** A pattern of the library as a neutral recurrence; undefined for the regenerating task patterns. */
export function recurrenceOf(r: ews.Recurrence | undefined): ExRecurrence | undefined {
  if (!r) return undefined;
  let pattern: ExRecurrencePattern;
  if (r instanceof ews.Recurrence.DailyPattern) pattern = { type: 'daily', interval: Number(r.Interval) };
  else if (r instanceof ews.Recurrence.WeeklyPattern) {
    pattern = { type: 'weekly', interval: Number(r.Interval), daysOfWeek: r.DaysOfTheWeek.GetEnumerator().flatMap(daysOf), firstDayOfWeek: firstDayOf(r) };
  } else if (r instanceof ews.Recurrence.MonthlyPattern) pattern = { type: 'absoluteMonthly', interval: Number(r.Interval), dayOfMonth: Number(r.DayOfMonth) };
  else if (r instanceof ews.Recurrence.RelativeMonthlyPattern) {
    pattern = { type: 'relativeMonthly', interval: Number(r.Interval), daysOfWeek: daysOf(r.DayOfTheWeek), index: INDEX[r.DayOfTheWeekIndex] };
  } else if (r instanceof ews.Recurrence.YearlyPattern) pattern = { type: 'absoluteYearly', interval: 1, month: Number(r.Month), dayOfMonth: Number(r.DayOfMonth) };
  else if (r instanceof ews.Recurrence.RelativeYearlyPattern) {
    pattern = { type: 'relativeYearly', interval: 1, month: Number(r.Month), daysOfWeek: daysOf(r.DayOfTheWeek), index: INDEX[r.DayOfTheWeekIndex] };
  } else return undefined;
  const startDate = dateOnly(r.StartDate);
  if (r.HasEnd && r.NumberOfOccurrences) return { pattern, range: { type: 'numbered', startDate, numberOfOccurrences: Number(r.NumberOfOccurrences) } };
  if (r.HasEnd && r.EndDate) return { pattern, range: { type: 'endDate', startDate, endDate: dateOnly(r.EndDate) } };
  return { pattern, range: { type: 'noEnd', startDate } };
}

/** The calendar date a library date carries (dates travel as midnight in the service's zone, UTC). */
function dateOnly(d: ews.DateTime): string {
  return new Date(d.TotalMilliSeconds).toISOString().slice(0, 10);
}

function isRegenerating(r: ews.Recurrence | undefined): boolean {
  return r instanceof ews.Recurrence.DailyRegenerationPattern || r instanceof ews.Recurrence.WeeklyRegenerationPattern
    || r instanceof ews.Recurrence.MonthlyRegenerationPattern || r instanceof ews.Recurrence.YearlyRegenerationPattern;
}

function attendeesOf(collection: ews.AttendeeCollection | undefined, type: ExAttendee['type']): ExAttendee[] {
  return (collection?.GetEnumerator?.() ?? []).map((a) => ({
    type,
    ...(a.Address ? { address: a.Address } : {}),
    ...(a.Name ? { name: a.Name } : {}),
    ...(a.ResponseType !== null && a.ResponseType !== undefined ? { response: RESPONSE[a.ResponseType] } : {}),
  }));
}

export function eventOf(item: ews.Appointment, exceptions: ExException[] = []): ExEvent {
  const startZone = zoneId(prop(item, ews.AppointmentSchema.StartTimeZone));
  const endZone = zoneId(prop(item, ews.AppointmentSchema.EndTimeZone) ?? prop(item, ews.AppointmentSchema.StartTimeZone));
  const start = prop<ews.DateTime>(item, ews.AppointmentSchema.Start);
  const end = prop<ews.DateTime>(item, ews.AppointmentSchema.End);
  const ex: ExEvent = { kind: 'event', ...commonFields(item) };
  if (start) ex.start = exTimeAt(start.TotalMilliSeconds, startZone);
  if (end) ex.end = exTimeAt(end.TotalMilliSeconds, endZone);
  ex.isAllDay = !!prop<boolean>(item, ews.AppointmentSchema.IsAllDayEvent);
  const location = prop<string>(item, ews.AppointmentSchema.Location);
  if (location) ex.location = location;
  const showAs = SHOW_AS[prop<number>(item, ews.AppointmentSchema.LegacyFreeBusyStatus) ?? -1];
  if (showAs) ex.showAs = showAs;
  ex.isReminderOn = !!prop<boolean>(item, ews.ItemSchema.IsReminderSet);
  const minutes = prop<number>(item, ews.ItemSchema.ReminderMinutesBeforeStart);
  if (ex.isReminderOn && minutes !== undefined) ex.reminderMinutesBeforeStart = minutes;
  const uid = prop<string>(item, ews.AppointmentSchema.ICalUid);
  if (uid) ex.iCalUid = uid;
  const organizer = prop<ews.EmailAddress>(item, ews.AppointmentSchema.Organizer);
  if (organizer?.Address || organizer?.Name) ex.organizer = { ...(organizer.Address ? { address: organizer.Address } : {}), ...(organizer.Name ? { name: organizer.Name } : {}) };
  const attendees = [
    ...attendeesOf(prop(item, ews.AppointmentSchema.RequiredAttendees), 'required'),
    ...attendeesOf(prop(item, ews.AppointmentSchema.OptionalAttendees), 'optional'),
    ...attendeesOf(prop(item, ews.AppointmentSchema.Resources), 'resource'),
  ];
  if (attendees.length) ex.attendees = attendees;
  if (prop<boolean>(item, ews.AppointmentSchema.IsCancelled)) ex.isCancelled = true;
  if (prop<number>(item, ews.AppointmentSchema.AppointmentType) === ews.AppointmentType.RecurringMaster) {
    const recurrence = recurrenceOf(prop(item, ews.AppointmentSchema.Recurrence));
    if (recurrence) ex.recurrence = recurrence;
    const deleted = prop<ews.DeletedOccurrenceInfoCollection>(item, ews.AppointmentSchema.DeletedOccurrences)?.GetEnumerator() ?? [];
    const cancelled = deleted.map((d) => utcOf(d.OriginalStart)).filter((s): s is string => !!s).sort();
    if (cancelled.length) ex.cancelledOccurrences = cancelled;
    if (exceptions.length) ex.exceptions = exceptions;
  }
  return ex;
}

/** The ids and original starts of a master's modified occurrences. */
export function modifiedOccurrences(item: ews.Appointment): { id: string; originalStart: string }[] {
  const infos = prop<ews.OccurrenceInfoCollection>(item, ews.AppointmentSchema.ModifiedOccurrences)?.GetEnumerator() ?? [];
  return infos.map((o) => ({ id: o.ItemId.UniqueId, originalStart: utcOf(o.OriginalStart) ?? '' })).filter((o) => o.originalStart);
}

export function exceptionOf(item: ews.Appointment, originalStart: string, zone: string): ExException {
  const x: ExException = { id: item.Id.UniqueId, originalStart };
  const subject = prop<string>(item, ews.ItemSchema.Subject);
  if (subject !== undefined) x.subject = subject;
  const body = bodyOf(item);
  if (body) x.body = body;
  const location = prop<string>(item, ews.AppointmentSchema.Location);
  if (location) x.location = location;
  const start = prop<ews.DateTime>(item, ews.AppointmentSchema.Start);
  const end = prop<ews.DateTime>(item, ews.AppointmentSchema.End);
  if (start) x.start = exTimeAt(start.TotalMilliSeconds, zone);
  if (end) x.end = exTimeAt(end.TotalMilliSeconds, zone);
  x.isAllDay = !!prop<boolean>(item, ews.AppointmentSchema.IsAllDayEvent);
  const showAs = SHOW_AS[prop<number>(item, ews.AppointmentSchema.LegacyFreeBusyStatus) ?? -1];
  if (showAs) x.showAs = showAs;
  if (prop<boolean>(item, ews.AppointmentSchema.IsCancelled)) x.isCancelled = true;
  return x;
}

export function taskOf(item: ews.Task, mailboxZone: string): ExTask {
  const ex: ExTask = { kind: 'task', ...commonFields(item) };
  const status = TASK_STATUS[prop<number>(item, ews.TaskSchema.Status) ?? -1];
  if (status) ex.status = status;
  const start = prop<ews.DateTime>(item, ews.TaskSchema.StartDate);
  const due = prop<ews.DateTime>(item, ews.TaskSchema.DueDate);
  if (start) ex.startDate = exTimeAt(start.TotalMilliSeconds, mailboxZone);
  if (due) ex.dueDate = exTimeAt(due.TotalMilliSeconds, mailboxZone);
  const completed = utcOf(prop(item, ews.TaskSchema.CompleteDate));
  if (completed) ex.completedDateTime = completed;
  const percent = prop<number>(item, ews.TaskSchema.PercentComplete);
  if (percent) ex.percentComplete = percent;
  ex.isReminderOn = !!prop<boolean>(item, ews.ItemSchema.IsReminderSet);
  const at = utcOf(prop(item, ews.ItemSchema.ReminderDueBy));
  if (ex.isReminderOn && at) ex.reminderDateTime = at;
  const recurrence = prop<ews.Recurrence>(item, ews.TaskSchema.Recurrence);
  if (isRegenerating(recurrence)) ex.regenerates = true;
  else if (recurrence) ex.recurrence = recurrenceOf(recurrence);
  return ex;
}

const PHONE_KEYS: ExPhoneKey[] = [
  'BusinessPhone', 'BusinessPhone2', 'HomePhone', 'HomePhone2', 'MobilePhone', 'BusinessFax', 'HomeFax', 'OtherFax', 'OtherTelephone',
  'Pager', 'CarPhone', 'AssistantPhone', 'CompanyMainPhone', 'PrimaryPhone', 'Callback', 'Isdn', 'RadioPhone', 'Telex', 'TtyTddPhone',
];
const ADDRESS_KEYS: [ExAddressKey, ews.PhysicalAddressKey][] = [
  ['business', ews.PhysicalAddressKey.Business], ['home', ews.PhysicalAddressKey.Home], ['other', ews.PhysicalAddressKey.Other],
];

function tryIndexed<T>(dictionary: { TryGetValue?(key: number, out: ews.IOutParam<T>): boolean } | undefined, key: number): T | undefined {
  if (!dictionary?.TryGetValue) return undefined;
  const out = { outValue: undefined } as unknown as ews.IOutParam<T>;
  return dictionary.TryGetValue(key, out) ? (out.outValue ?? undefined) : undefined;
}

export function contactOf(item: ews.Contact): ExContact {
  const { subject: _subject, body, ...common } = commonFields(item);
  void _subject;
  const ex: ExContact = { kind: 'contact', ...common };
  const text = (d: ews.PropertyDefinitionBase) => prop<string>(item, d) || undefined;
  const set = <K extends keyof ExContact>(k: K, v: ExContact[K] | undefined) => { if (v !== undefined && v !== '') ex[k] = v; };
  set('displayName', text(ews.ContactSchema.DisplayName));
  set('fileAs', text(ews.ContactSchema.FileAs));
  set('givenName', text(ews.ContactSchema.GivenName));
  set('middleName', text(ews.ContactSchema.MiddleName));
  set('surname', text(ews.ContactSchema.Surname));
  set('nickname', text(ews.ContactSchema.NickName));
  set('generation', text(ews.ContactSchema.Generation));
  set('title', extended(item, NAME_PREFIX_PROPERTY));
  set('companyName', text(ews.ContactSchema.CompanyName));
  set('department', text(ews.ContactSchema.Department));
  set('jobTitle', text(ews.ContactSchema.JobTitle));
  set('businessHomePage', text(ews.ContactSchema.BusinessHomePage));
  const emails = prop<ews.EmailAddressDictionary>(item, ews.ContactSchema.EmailAddresses);
  const addresses = [ews.EmailAddressKey.EmailAddress1, ews.EmailAddressKey.EmailAddress2, ews.EmailAddressKey.EmailAddress3]
    .map((k) => tryIndexed<ews.EmailAddress>(emails as never, k)).filter((e): e is ews.EmailAddress => !!e?.Address)
    .map((e) => ({ address: e.Address, ...(e.Name && e.Name !== e.Address ? { name: e.Name } : {}) }));
  if (addresses.length) ex.emailAddresses = addresses;
  const phones = prop<ews.PhoneNumberDictionary>(item, ews.ContactSchema.PhoneNumbers);
  for (const key of PHONE_KEYS) {
    const n = tryIndexed<string>(phones as never, (ews.PhoneNumberKey as unknown as Record<string, number>)[key]);
    if (n) (ex.phones ??= {})[key] = n;
  }
  const physical = prop<ews.PhysicalAddressDictionary>(item, ews.ContactSchema.PhysicalAddresses);
  for (const [key, libKey] of ADDRESS_KEYS) {
    const a = tryIndexed<ews.PhysicalAddressEntry>(physical as never, libKey);
    if (!a) continue;
    const out: ExAddress = {};
    if (a.Street) out.street = a.Street;
    if (a.City) out.city = a.City;
    if (a.State) out.state = a.State;
    if (a.PostalCode) out.postalCode = a.PostalCode;
    if (a.CountryOrRegion) out.countryOrRegion = a.CountryOrRegion;
    if (Object.keys(out).length) (ex.addresses ??= {})[key] = out;
  }
  const im = prop<ews.ImAddressDictionary>(item, ews.ContactSchema.ImAddresses);
  const ims = [ews.ImAddressKey.ImAddress1, ews.ImAddressKey.ImAddress2, ews.ImAddressKey.ImAddress3].map((k) => tryIndexed<string>(im as never, k)).filter((x): x is string => !!x);
  if (ims.length) ex.imAddresses = ims;
  const birthday = prop<ews.DateTime>(item, ews.ContactSchema.Birthday);
  if (birthday) ex.birthday = new Date(birthday.TotalMilliSeconds + 12 * 3_600_000).toISOString().slice(0, 10);
  if (body?.content) ex.notes = body.contentType === 'html' ? body.content : body.content;
  return ex;
}

/** The contact photo attachment of a contact, if it has one. */
export function contactPhotoAttachment(item: ews.Contact): ews.FileAttachment | undefined {
  if (!prop<boolean>(item, ews.ContactSchema.HasPicture)) return undefined;
  const attachments = prop<ews.AttachmentCollection>(item, ews.ItemSchema.Attachments)?.GetEnumerator() ?? [];
  return attachments.find((a): a is ews.FileAttachment => a instanceof ews.FileAttachment && a.IsContactPhoto);
}
