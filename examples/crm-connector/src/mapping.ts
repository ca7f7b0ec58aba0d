/**
 * A case's date as a calendar event and back, in the CRM's field names: the next step (`nextStep` on
 * `nextStepDate` for `nextStepMinutes`) or the contract (`subject` on `contractDate`); `customer` is the location,
 * `contactPerson`/`contactEmail` the attendee, `notes` the description.
 */
import { toEpochMs, type EventEntity, type TimeValue } from '@dovetail/core/sdk';
import type { CrmCase, DateKind } from './crm-file.js';

const DAY_MS = 86_400_000;

/** The collections, one per date kind. */
export const COLLECTIONS: Record<DateKind, string> = { 'next-step': 'Next steps', contract: 'Contract dates' };

export function isDateKind(id: string): id is DateKind {
  return id === 'next-step' || id === 'contract';
}

/** The date of `kind`, when the case has one. */
export function dateOf(c: CrmCase, kind: DateKind): string | undefined {
  return kind === 'next-step' ? c.nextStepDate : c.contractDate;
}

function timeValue(date: string): TimeValue {
  return /^\d{4}-\d{2}-\d{2}$/.test(date) ? { kind: 'date', value: date } : { kind: 'utc', value: new Date(date).toISOString().replace(/\.\d{3}Z$/, 'Z') };
}

function plusMs(t: TimeValue, ms: number): TimeValue {
  if (t.kind === 'date') return { kind: 'date', value: new Date(Date.parse(`${t.value}T00:00:00Z`) + ms).toISOString().slice(0, 10) };
  return { kind: 'utc', value: new Date(toEpochMs(t) + ms).toISOString().replace(/\.\d{3}Z$/, 'Z') };
}

/** The case's date as an event (the case must have that date). */
export function toEvent(c: CrmCase, kind: DateKind, contractMinutes: number): EventEntity {
  const start = timeValue(dateOf(c, kind)!);
  const minutes = kind === 'next-step' ? c.nextStepMinutes ?? 30 : contractMinutes;
  const event: EventEntity = {
    type: 'event',
    uid: c.calendarUids?.[kind] ?? `${c.caseId}-${kind}@example-crm`,
    summary: kind === 'next-step' ? c.nextStep ?? c.subject : c.subject,
    start,
    end: plusMs(start, start.kind === 'date' ? DAY_MS : minutes * 60_000),
    lastModified: c.modifiedAt,
  };
  if (c.notes) event.description = c.notes;
  if (c.customer) event.location = c.customer;
  if (c.contactEmail || c.contactPerson) event.attendees = [{ ...(c.contactEmail ? { email: c.contactEmail } : {}), ...(c.contactPerson ? { name: c.contactPerson } : {}) }];
  return event;
}

/** The CRM's form of an event's start: a day, or a UTC instant. Undefined when the event has no start. */
function crmDate(t: TimeValue | undefined): string | undefined {
  if (!t) return undefined;
  if (t.kind === 'date') return t.value;
  const ms = toEpochMs(t);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/**
 * Applies an event to a case (a copy is returned): the fields of `kind` and the shared ones. Throws a readable
 * Error when the event cannot be stored (no start).
 */
export function applyEvent(c: CrmCase, kind: DateKind, event: EventEntity): CrmCase {
  const date = crmDate(event.start);
  if (!date) throw new Error(`event "${event.summary ?? event.uid}" has no start date the CRM can store`);
  const next: CrmCase = { ...c, calendarUids: { ...c.calendarUids, [kind]: event.uid } };
  const title = event.summary ?? '';
  if (kind === 'next-step') {
    next.nextStep = title;
    next.nextStepDate = date;
    if (event.start?.kind !== 'date' && event.end) {
      const minutes = Math.round((toEpochMs(event.end) - toEpochMs(event.start!)) / 60_000);
      if (minutes > 0) next.nextStepMinutes = minutes;
    }
  } else {
    next.subject = title;
    next.contractDate = date;
  }
  next.notes = event.description;
  next.customer = event.location;
  const person = event.attendees?.[0];
  next.contactPerson = person?.name;
  next.contactEmail = person?.email;
  for (const key of ['notes', 'customer', 'contactPerson', 'contactEmail'] as const) if (next[key] === undefined) delete next[key];
  return next;
}

/** A case with the date of `kind` removed (the case itself stays in the CRM). */
export function clearDate(c: CrmCase, kind: DateKind): CrmCase {
  const next: CrmCase = { ...c, calendarUids: { ...c.calendarUids } };
  delete next.calendarUids![kind];
  if (kind === 'next-step') {
    delete next.nextStep;
    delete next.nextStepDate;
    delete next.nextStepMinutes;
  } else {
    delete next.contractDate;
  }
  return next;
}
