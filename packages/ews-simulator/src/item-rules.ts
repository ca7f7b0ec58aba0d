/**
 * What Exchange fills in or keeps consistent when an item is saved: the item class, a calendar item's UID,
 * organizer, attendee response types, free/busy and time zones; a task's Status / PercentComplete / CompleteDate
 * coupling; a contact's DisplayName and FileAs.
 */
import { randomBytes } from 'node:crypto';
import type { ItemElement } from './fields.js';
import { EwsError } from './soap.js';
import type { Mailbox } from './store.js';
import { formatUtc, parseDateTime } from './time.js';
import { el, nodeChild, type XNode } from './xml.js';

export const ITEM_CLASS: Record<ItemElement, string> = {
  CalendarItem: 'IPM.Appointment', Task: 'IPM.Task', Contact: 'IPM.Contact', Message: 'IPM.Note', Item: 'IPM.Note',
};

/** The folder classes an item class may be saved in (Exchange refuses a task in a calendar, etc.). */
export function fitsFolder(cls: ItemElement, folderClass: string | undefined): boolean {
  const fc = folderClass ?? 'IPF.Note';
  if (cls === 'CalendarItem') return /^IPF\.Appointment/i.test(fc);
  if (cls === 'Task') return /^IPF\.Task/i.test(fc);
  if (cls === 'Contact') return /^IPF\.Contact/i.test(fc);
  return true;
}

/** A new iCalendar UID in the form Exchange generates (hex of a Global Object Id). */
export function newUid(): string {
  return `040000008200E00074C5B7101A82E00800000000${randomBytes(24).toString('hex').toUpperCase()}`;
}

const text = (props: Record<string, XNode>, k: string) => props[k]?.t;

function mailboxNode(name: string, email: string): XNode {
  return el('Mailbox', undefined, el('Name', undefined, name), el('EmailAddress', undefined, email), el('RoutingType', undefined, 'SMTP'),
    el('MailboxType', undefined, 'Mailbox'));
}

/** Sets ResponseType on every attendee that has none (a new meeting's attendees have not answered). */
function normaliseAttendees(list: XNode | undefined, responses: Record<string, string> | undefined): XNode | undefined {
  if (!list) return undefined;
  return {
    ...list,
    c: (list.c ?? []).map((a) => {
      const mbx = nodeChild(a, 'Mailbox');
      const email = nodeChild(mbx, 'EmailAddress')?.t?.toLowerCase() ?? '';
      const others = (a.c ?? []).filter((c) => c.n !== 'ResponseType' && c.n !== 'LastResponseTime');
      const rt = responses?.[email] ?? nodeChild(a, 'ResponseType')?.t ?? 'Unknown';
      return { ...a, c: [...others.filter((c) => c.n === 'Mailbox'), el('ResponseType', undefined, rt),
        ...others.filter((c) => c.n !== 'Mailbox')] };
    }),
  };
}

/** Fills in and checks a calendar item's properties (create and update). */
export function calendarRules(props: Record<string, XNode>, owner: Mailbox, isNew: boolean, responses?: Record<string, string>): void {
  if (isNew) {
    props.UID ??= el('UID', undefined, newUid());
    props.LegacyFreeBusyStatus ??= el('LegacyFreeBusyStatus', undefined, 'Busy');
    props.IsAllDayEvent ??= el('IsAllDayEvent', undefined, 'false');
    props.Importance ??= el('Importance', undefined, 'Normal');
    props.Sensitivity ??= el('Sensitivity', undefined, 'Normal');
    props.ReminderIsSet ??= el('ReminderIsSet', undefined, 'true');
    props.ReminderMinutesBeforeStart ??= el('ReminderMinutesBeforeStart', undefined, '15');
    props.Organizer ??= el('Organizer', undefined, mailboxNode(owner.displayName, owner.email));
    props.MyResponseType ??= el('MyResponseType', undefined, 'Organizer');
  }
  const start = parseDateTime(text(props, 'Start') ?? '');
  const end = parseDateTime(text(props, 'End') ?? '');
  if (Number.isNaN(start) || Number.isNaN(end)) {
    throw new EwsError('ErrorInvalidPropertySet', 'A calendar item needs Start and End.');
  }
  if (end < start) {
    throw new EwsError('ErrorCalendarEndDateIsEarlierThanStartDate', 'EndDate is earlier than StartDate');
  }
  for (const k of ['RequiredAttendees', 'OptionalAttendees', 'Resources']) {
    const n = normaliseAttendees(props[k], responses);
    if (n) props[k] = n;
  }
  const hasAttendees = ['RequiredAttendees', 'OptionalAttendees', 'Resources'].some((k) => (props[k]?.c ?? []).length > 0);
  props.IsMeeting = el('IsMeeting', undefined, String(hasAttendees));
  props.IsResponseRequested ??= el('IsResponseRequested', undefined, String(hasAttendees));
  if (props.Recurrence) {
    // The range's start date follows the series start when a client leaves it out of step (Exchange does the same).
    props.Recurrence = syncRangeStart(props.Recurrence, start);
  }
}

function syncRangeStart(rec: XNode, start: number): XNode {
  const [pattern, range] = rec.c ?? [];
  if (!pattern || !range) return rec;
  const sd = nodeChild(range, 'StartDate');
  if (sd?.t) return rec;
  return { ...rec, c: [pattern, { ...range, c: [el('StartDate', undefined, formatUtc(start).slice(0, 10)), ...(range.c ?? [])] }] };
}

/** Task Status / PercentComplete / CompleteDate stay consistent the way Exchange keeps them. */
export function taskRules(props: Record<string, XNode>, isNew: boolean, changed: string[] = []): void {
  if (isNew) {
    props.Status ??= el('Status', undefined, 'NotStarted');
    props.PercentComplete ??= el('PercentComplete', undefined, props.Status.t === 'Completed' ? '100' : '0');
    props.Importance ??= el('Importance', undefined, 'Normal');
    props.Sensitivity ??= el('Sensitivity', undefined, 'Normal');
  }
  const pct = Number(text(props, 'PercentComplete') ?? 0);
  if (pct < 0 || pct > 100) throw new EwsError('ErrorInvalidPercentCompleteValue', 'PercentComplete must be between 0 and 100.');
  const status = text(props, 'Status');
  if (changed.includes('PercentComplete') && !changed.includes('Status')) {
    if (pct === 100) props.Status = el('Status', undefined, 'Completed');
    else if (status === 'Completed') props.Status = el('Status', undefined, pct > 0 ? 'InProgress' : 'NotStarted');
  } else if (status === 'Completed') {
    props.PercentComplete = el('PercentComplete', undefined, '100');
  } else if ((isNew || changed.includes('Status')) && pct === 100) {
    props.PercentComplete = el('PercentComplete', undefined, '0');
  }
  if (text(props, 'Status') === 'Completed') props.CompleteDate ??= el('CompleteDate', undefined, formatUtc(Date.now()));
  else delete props.CompleteDate;
}

/** A contact's DisplayName and FileAs default from its name parts, as Outlook and Exchange fill them. */
export function contactRules(props: Record<string, XNode>): void {
  const given = text(props, 'GivenName');
  const middle = text(props, 'MiddleName');
  const surname = text(props, 'Surname');
  const company = text(props, 'CompanyName');
  const full = [given, middle, surname].filter(Boolean).join(' ');
  if (!text(props, 'DisplayName') && (full || company)) props.DisplayName = el('DisplayName', undefined, full || company!);
  if (!text(props, 'FileAs')) {
    const fileAs = surname && given ? `${surname}, ${given}` : surname ?? given ?? company ?? text(props, 'DisplayName');
    if (fileAs) props.FileAs = el('FileAs', undefined, fileAs);
  }
}

/** Applies the rules of the item's class. */
export function applyRules(cls: ItemElement, props: Record<string, XNode>, owner: Mailbox, isNew: boolean, changed: string[] = [], responses?: Record<string, string>): void {
  if (cls === 'CalendarItem') calendarRules(props, owner, isNew, responses);
  else if (cls === 'Task') taskRules(props, isNew, changed);
  else if (cls === 'Contact') contactRules(props);
}
