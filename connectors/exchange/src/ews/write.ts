/**
 * Backend-neutral Exchange items → ews-javascript-api items. With `previous` (the item as last read) only the
 * properties that differ are set, so an update sends SetItemField / DeleteItemField for exactly those and keeps
 * whatever else the item holds in Exchange (a regenerating task pattern, a fourth e-mail address, …).
 */
import { canonicalJson, epochOfWallClock, Invalid, windowsToIana } from '@dovetail/core/sdk';
import * as ews from 'ews-javascript-api';
import {
  exTimeInstant,
  type ExAddressKey, type ExBody, type ExContact, type ExDay, type ExEvent, type ExItem, type ExPhoneKey, type ExRecurrence,
  type ExTask, type ExTime,
} from '../model/index.js';
import { CARRY_PROPERTY, NAME_PREFIX_PROPERTY, UID_PROPERTY } from './schema.js';

const DAYS: ExDay[] = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const INDEX = { first: ews.DayOfTheWeekIndex.First, second: ews.DayOfTheWeekIndex.Second, third: ews.DayOfTheWeekIndex.Third, fourth: ews.DayOfTheWeekIndex.Fourth, last: ews.DayOfTheWeekIndex.Last };

/**
 * An instant as the library's DateTime. Unspecified kind on purpose: with a start zone set, the library would
 * "convert" a value from that zone with the host's offset instead (it never reads the zone's rules); an
 * unspecified value passes its conversions unchanged on any host. We compute instants ourselves (Intl).
 */
export function instantValue(epochMs: number): ews.DateTime {
  return new ews.DateTime(epochMs, ews.DateTimeKind.Unspecified);
}

/** A calendar date (`YYYY-MM-DD`) as the library's DateTime: midnight UTC, which it writes as that date. */
function dateValue(date: string): ews.DateTime {
  return new ews.DateTime(Date.parse(`${date.slice(0, 10)}T00:00:00Z`), ews.DateTimeKind.Utc);
}

function instant(t: ExTime): ews.DateTime {
  const ms = exTimeInstant(t);
  if (Number.isNaN(ms)) throw new Invalid(`time ${t.dateTime} in zone "${t.timeZone}" cannot be placed`);
  return instantValue(ms);
}

/** The library's zone object for a Windows zone id. */
function timeZoneInfo(windows: string): ews.TimeZoneInfo {
  if (windows === 'UTC') return ews.TimeZoneInfo.Utc;
  try {
    return ews.TimeZoneInfo.FindSystemTimeZoneById(windows);
  } catch {
    return ews.TimeZoneInfo.Utc;
  }
}

const same = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);

/** Runs `set` for a field when there is no previous item or the field changed. */
function changed<T extends object, K extends keyof T>(next: T, prev: T | undefined, ...keys: K[]): boolean {
  return !prev || keys.some((k) => !same(next[k], prev[k]));
}

function messageBody(body: ExBody | undefined): ews.MessageBody {
  return new ews.MessageBody(body?.contentType === 'html' ? ews.BodyType.HTML : ews.BodyType.Text, body?.content ?? '');
}

/**
 * Writes Dovetail's stamp on an item bound without it: the uid, and the carry (emptied when there is none; an
 * empty carry restores nothing).
 */
export function writeStamp(item: ews.Item, stamp: ExItem['stamp']): void {
  if (stamp?.uid) item.SetExtendedProperty(UID_PROPERTY, stamp.uid);
  item.SetExtendedProperty(CARRY_PROPERTY, stamp?.carry ?? '');
}

function applyStamp(item: ews.Item, next: ExItem, prev: ExItem | undefined): void {
  if (!prev || next.stamp?.uid !== prev.stamp?.uid) {
    if (next.stamp?.uid) item.SetExtendedProperty(UID_PROPERTY, next.stamp.uid);
  }
  if (!prev || (next.stamp?.carry ?? '') !== (prev.stamp?.carry ?? '')) {
    if (next.stamp?.carry) item.SetExtendedProperty(CARRY_PROPERTY, next.stamp.carry);
    else if (prev?.stamp?.carry) item.RemoveExtendedProperty(CARRY_PROPERTY);
  }
}

function applyCommon(item: ews.Item, next: ExEvent | ExTask | ExContact, prev: typeof next | undefined): void {
  if (next.kind !== 'contact') {
    const n = next as ExEvent | ExTask;
    const p = prev as ExEvent | ExTask | undefined;
    if (changed(n, p, 'subject')) item.Subject = n.subject ?? '';
    if (changed(n, p, 'body') && (p || n.body)) item.Body = messageBody(n.body);
    if (changed(n, p, 'importance')) item.Importance = n.importance === 'high' ? ews.Importance.High : n.importance === 'low' ? ews.Importance.Low : ews.Importance.Normal;
    if (changed(n, p, 'sensitivity')) {
      item.Sensitivity = ({ normal: ews.Sensitivity.Normal, personal: ews.Sensitivity.Personal, private: ews.Sensitivity.Private, confidential: ews.Sensitivity.Confidential })[n.sensitivity ?? 'normal'];
    }
  }
  if (changed(next, prev, 'categories')) item.Categories = new ews.StringList(next.categories ?? []);
  applyStamp(item, next, prev);
}

/** The library's single DayOfTheWeek for the days of a relative pattern (one day, or all / weekdays / weekend). */
function relativeDay(days: ExDay[] | undefined): ews.DayOfTheWeek {
  const set = [...new Set(days ?? [])].sort((a, b) => DAYS.indexOf(a) - DAYS.indexOf(b));
  if (set.length === 1) return DAYS.indexOf(set[0]) as ews.DayOfTheWeek;
  const key = set.join(',');
  if (key === DAYS.join(',')) return ews.DayOfTheWeek.Day;
  if (key === DAYS.slice(1, 6).join(',')) return ews.DayOfTheWeek.Weekday;
  if (key === 'sunday,saturday') return ews.DayOfTheWeek.WeekendDay;
  throw new Invalid(`a monthly or yearly rule on the days ${set.join(', ')} has no EWS equivalent (one weekday, every day, weekdays or weekend days)`);
}

/** A neutral recurrence as the library's pattern with its range. */
export function libraryRecurrence(r: ExRecurrence): ews.Recurrence {
  const start = dateValue(r.range.startDate);
  const p = r.pattern;
  let pattern: ews.Recurrence;
  switch (p.type) {
    case 'daily': {
      const daily = new ews.Recurrence.DailyPattern();
      daily.Interval = p.interval;
      pattern = daily;
      break;
    }
    case 'weekly': {
      const weekly = new ews.Recurrence.WeeklyPattern();
      weekly.Interval = p.interval;
      weekly.DaysOfTheWeek.AddRange((p.daysOfWeek ?? []).map((d) => DAYS.indexOf(d) as ews.DayOfTheWeek));
      weekly.FirstDayOfWeek = DAYS.indexOf(p.firstDayOfWeek ?? 'monday') as never;
      pattern = weekly;
      break;
    }
    case 'absoluteMonthly': {
      const monthly = new ews.Recurrence.MonthlyPattern();
      monthly.Interval = p.interval;
      monthly.DayOfMonth = p.dayOfMonth ?? 1;
      pattern = monthly;
      break;
    }
    case 'relativeMonthly': {
      const monthly = new ews.Recurrence.RelativeMonthlyPattern();
      monthly.Interval = p.interval;
      monthly.DayOfTheWeek = relativeDay(p.daysOfWeek);
      monthly.DayOfTheWeekIndex = INDEX[p.index ?? 'first'];
      pattern = monthly;
      break;
    }
    case 'absoluteYearly': {
      const yearly = new ews.Recurrence.YearlyPattern();
      yearly.Month = (p.month ?? 1) as ews.Month;
      yearly.DayOfMonth = p.dayOfMonth ?? 1;
      pattern = yearly;
      break;
    }
    case 'relativeYearly': {
      const yearly = new ews.Recurrence.RelativeYearlyPattern();
      yearly.Month = (p.month ?? 1) as ews.Month;
      yearly.DayOfTheWeek = relativeDay(p.daysOfWeek);
      yearly.DayOfTheWeekIndex = INDEX[p.index ?? 'first'];
      pattern = yearly;
      break;
    }
  }
  pattern.StartDate = start;
  if (r.range.type === 'numbered' && r.range.numberOfOccurrences) pattern.NumberOfOccurrences = r.range.numberOfOccurrences;
  else if (r.range.type === 'endDate' && r.range.endDate) pattern.EndDate = dateValue(r.range.endDate);
  else pattern.NeverEnds();
  return pattern;
}

/** Sets an appointment's properties; returns true when its recurrence pattern was (re)written. */
export function applyEvent(item: ews.Appointment, next: ExEvent, prev: ExEvent | undefined): boolean {
  applyCommon(item, next, prev);
  if (changed(next, prev, 'start', 'end', 'isAllDay')) {
    if (!next.start || !next.end) throw new Invalid('an Exchange calendar item needs a start and an end');
    item.IsAllDayEvent = !!next.isAllDay;
    item.StartTimeZone = timeZoneInfo(next.start.timeZone);
    item.EndTimeZone = timeZoneInfo(next.end.timeZone);
    item.Start = instant(next.start);
    item.End = instant(next.end);
  }
  if (changed(next, prev, 'location') && (prev || next.location)) item.Location = next.location ?? '';
  if (changed(next, prev, 'showAs')) {
    item.LegacyFreeBusyStatus = ({
      free: ews.LegacyFreeBusyStatus.Free, tentative: ews.LegacyFreeBusyStatus.Tentative, busy: ews.LegacyFreeBusyStatus.Busy,
      oof: ews.LegacyFreeBusyStatus.OOF, workingElsewhere: ews.LegacyFreeBusyStatus.WorkingElsewhere, unknown: ews.LegacyFreeBusyStatus.NoData,
    })[next.showAs ?? 'busy'];
  }
  if (changed(next, prev, 'isReminderOn', 'reminderMinutesBeforeStart')) {
    item.IsReminderSet = !!next.isReminderOn;
    if (next.isReminderOn) item.ReminderMinutesBeforeStart = next.reminderMinutesBeforeStart ?? 15;
  }
  if (!prev && next.iCalUid) item.ICalUid = next.iCalUid;
  if (changed(next, prev, 'attendees')) {
    item.RequiredAttendees.Clear();
    item.OptionalAttendees.Clear();
    item.Resources.Clear();
    for (const a of next.attendees ?? []) {
      if (!a.address) continue;
      const list = a.type === 'optional' ? item.OptionalAttendees : a.type === 'resource' ? item.Resources : item.RequiredAttendees;
      if (a.name) list.Add(a.name, a.address); else list.Add(a.address);
    }
  }
  const rewritePattern = changed(next, prev, 'recurrence') || (!!next.recurrence && changed(next, prev, 'start', 'end'));
  if (rewritePattern) {
    if (next.recurrence) item.Recurrence = libraryRecurrence(next.recurrence);
    else if (prev?.recurrence) item.Recurrence = null as unknown as ews.Recurrence;
  }
  return rewritePattern && !!next.recurrence;
}

/** Midnight of a task date in its zone, as an instant. */
function taskDate(t: ExTime): ews.DateTime {
  const iana = (t.timeZone !== 'UTC' && windowsToIana(t.timeZone)) || 'UTC';
  return instantValue(epochOfWallClock(`${t.dateTime.slice(0, 10)}T00:00:00`, iana));
}

export function applyTask(item: ews.Task, next: ExTask, prev: ExTask | undefined): void {
  applyCommon(item, next, prev);
  if (changed(next, prev, 'startDate')) item.StartDate = next.startDate ? taskDate(next.startDate) : null as unknown as ews.DateTime;
  if (changed(next, prev, 'dueDate')) item.DueDate = next.dueDate ? taskDate(next.dueDate) : null as unknown as ews.DateTime;
  if (changed(next, prev, 'status', 'percentComplete', 'completedDateTime')) {
    item.Status = ({ notStarted: ews.TaskStatus.NotStarted, inProgress: ews.TaskStatus.InProgress, completed: ews.TaskStatus.Completed,
      waitingOnOthers: ews.TaskStatus.WaitingOnOthers, deferred: ews.TaskStatus.Deferred })[next.status ?? 'notStarted'];
    if (next.status !== 'completed') item.PercentComplete = next.percentComplete ?? 0;
    if (next.status === 'completed' && next.completedDateTime) item.CompleteDate = instantValue(Date.parse(next.completedDateTime));
  }
  if (changed(next, prev, 'isReminderOn', 'reminderDateTime')) {
    item.IsReminderSet = !!next.isReminderOn;
    if (next.isReminderOn && next.reminderDateTime) item.ReminderDueBy = instantValue(Date.parse(next.reminderDateTime));
  }
  // A regenerating pattern (Outlook only) is kept unless the task gets a pattern of its own.
  if (changed(next, prev, 'recurrence') && !(prev?.regenerates && !next.recurrence)) {
    if (next.recurrence) item.Recurrence = libraryRecurrence(next.recurrence);
    else if (prev?.recurrence) item.Recurrence = null as unknown as ews.Recurrence;
  }
}

const EMAIL_KEYS = [ews.EmailAddressKey.EmailAddress1, ews.EmailAddressKey.EmailAddress2, ews.EmailAddressKey.EmailAddress3];
const ADDRESS_KEYS: Record<ExAddressKey, ews.PhysicalAddressKey> = {
  business: ews.PhysicalAddressKey.Business, home: ews.PhysicalAddressKey.Home, other: ews.PhysicalAddressKey.Other,
};

export function applyContact(item: ews.Contact, next: ExContact, prev: ExContact | undefined): void {
  applyCommon(item, next, prev);
  const text = <K extends keyof ExContact>(k: K, set: (v: string) => void) => {
    if (changed(next, prev, k)) set((next[k] as string | undefined) ?? '');
  };
  text('givenName', (v) => { item.GivenName = v; });
  text('middleName', (v) => { item.MiddleName = v; });
  text('surname', (v) => { item.Surname = v; });
  text('nickname', (v) => { item.NickName = v; });
  text('generation', (v) => { item.Generation = v; });
  text('displayName', (v) => { item.DisplayName = v; });
  text('fileAs', (v) => { item.FileAs = v; });
  text('companyName', (v) => { item.CompanyName = v; });
  text('department', (v) => { item.Department = v; });
  text('jobTitle', (v) => { item.JobTitle = v; });
  text('businessHomePage', (v) => { item.BusinessHomePage = v; });
  if (changed(next, prev, 'title')) {
    if (next.title) item.SetExtendedProperty(NAME_PREFIX_PROPERTY, next.title);
    else if (prev?.title) item.RemoveExtendedProperty(NAME_PREFIX_PROPERTY);
  }
  if (changed(next, prev, 'notes')) item.Body = new ews.MessageBody(ews.BodyType.Text, next.notes ?? '');
  if (changed(next, prev, 'birthday')) item.Birthday = next.birthday ? instantValue(Date.parse(`${next.birthday}T12:00:00Z`)) : null as unknown as ews.DateTime;
  if (changed(next, prev, 'emailAddresses')) {
    EMAIL_KEYS.forEach((key, i) => {
      const e = next.emailAddresses?.[i];
      if (e?.address) item.EmailAddresses._setItem(key, new ews.EmailAddress(e.name ?? e.address, e.address));
      else if (prev?.emailAddresses?.[i]) item.EmailAddresses._setItem(key, null as unknown as ews.EmailAddress);
    });
  }
  const phoneKeys = new Set<ExPhoneKey>([...Object.keys(next.phones ?? {}), ...Object.keys(prev?.phones ?? {})] as ExPhoneKey[]);
  for (const key of phoneKeys) {
    const v = next.phones?.[key];
    if (prev && v === prev.phones?.[key]) continue;
    const libKey = (ews.PhoneNumberKey as unknown as Record<string, ews.PhoneNumberKey>)[key];
    item.PhoneNumbers._setItem(libKey, v ?? (null as unknown as string));
  }
  for (const key of Object.keys(ADDRESS_KEYS) as ExAddressKey[]) {
    const a = next.addresses?.[key];
    if (prev && same(a, prev.addresses?.[key])) continue;
    if (!a && !prev?.addresses?.[key]) continue;
    const entry = new ews.PhysicalAddressEntry();
    entry.Street = a?.street ?? '';
    entry.City = a?.city ?? '';
    entry.State = a?.state ?? '';
    entry.PostalCode = a?.postalCode ?? '';
    entry.CountryOrRegion = a?.countryOrRegion ?? '';
    item.PhysicalAddresses._setItem(ADDRESS_KEYS[key], entry);
  }
}
