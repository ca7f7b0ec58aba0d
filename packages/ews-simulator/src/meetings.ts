/**
 * Meeting delivery between simulated mailboxes: when an organizer sends invitations, updates or cancellations, each
 * attendee that is a simulated mailbox gets (or has updated) a copy in their Calendar, found by UID, as Exchange's
 * calendar assistant places a tentative meeting there: same times, recurrence and exceptions, the organizer's
 * Organizer, MyResponseType NoResponseReceived and free/busy Tentative until they answer; a cancellation marks the
 * copy IsCancelled with "Canceled: " before its subject. No meeting request message goes to the Inbox.
 */
import type { RequestContext } from './context.js';
import type { Mailbox, StoredItem } from './store.js';
import { el, nodeChild, type XNode } from './xml.js';

/** The SMTP addresses of a meeting's attendees and resources. */
export function attendeeAddresses(item: StoredItem): string[] {
  const out: string[] = [];
  for (const k of ['RequiredAttendees', 'OptionalAttendees', 'Resources']) {
    for (const a of item.props[k]?.c ?? []) {
      const email = nodeChild(nodeChild(a, 'Mailbox'), 'EmailAddress')?.t?.trim();
      if (email) out.push(email.toLowerCase());
    }
  }
  return out;
}

function copyIn(ctx: RequestContext, attendee: Mailbox, uid: string): StoredItem | undefined {
  const calendar = ctx.store.distinguished(attendee, 'calendar');
  return Object.values(attendee.items).find((i) => !i.deleted && i.folderId === calendar?.id && i.props.UID?.t === uid);
}

const text = (n: string, t: string): XNode => el(n, undefined, t);

/** Sends the organizer's current meeting (or its cancellation) to every attendee that has a simulated mailbox. */
export function deliverMeeting(ctx: RequestContext, organizer: Mailbox, item: StoredItem, cancel = false): void {
  const uid = item.props.UID?.t;
  if (!uid || item.element !== 'CalendarItem') return;
  for (const email of attendeeAddresses(item)) {
    const attendee = ctx.store.mailbox(email);
    if (!attendee || attendee === organizer) continue;
    const calendar = ctx.store.distinguished(attendee, 'calendar');
    if (!calendar) continue;
    const existing = copyIn(ctx, attendee, uid);
    if (cancel) {
      if (!existing) continue;
      existing.props.IsCancelled = text('IsCancelled', 'true');
      const subject = existing.props.Subject?.t ?? '';
      if (!subject.startsWith('Canceled: ')) existing.props.Subject = text('Subject', `Canceled: ${subject}`);
      existing.props.LegacyFreeBusyStatus = text('LegacyFreeBusyStatus', 'Free');
      ctx.store.touchItem(attendee, existing, ['IsCancelled', 'Subject', 'LegacyFreeBusyStatus']);
      continue;
    }
    const props: Record<string, XNode> = structuredClone(item.props);
    const answered = existing?.props.MyResponseType?.t;
    props.MyResponseType = text('MyResponseType', answered && answered !== 'Organizer' ? answered : 'NoResponseReceived');
    props.LegacyFreeBusyStatus = existing?.props.LegacyFreeBusyStatus ?? text('LegacyFreeBusyStatus', 'Tentative');
    props.IsResponseRequested = text('IsResponseRequested', 'true');
    delete props.MeetingRequestWasSent;
    if (existing) {
      existing.props = props;
      existing.exceptions = structuredClone(item.exceptions);
      existing.deletedOccurrences = [...item.deletedOccurrences];
      ctx.store.touchItem(attendee, existing, Object.keys(props));
    } else {
      const copy = ctx.store.addItem(attendee, calendar, { element: 'CalendarItem', itemClass: 'IPM.Appointment', props, extended: [] });
      copy.exceptions = structuredClone(item.exceptions);
      copy.deletedOccurrences = [...item.deletedOccurrences];
    }
  }
}

/** An attendee's answer reaches their own copy: Accept → Busy, Tentative → Tentative, Decline → removed. */
export function answerInCopy(ctx: RequestContext, item: StoredItem, attendeeEmail: string, response: 'Accept' | 'Tentative' | 'Decline'): void {
  const attendee = ctx.store.mailbox(attendeeEmail);
  const uid = item.props.UID?.t;
  if (!attendee || !uid) return;
  const copy = copyIn(ctx, attendee, uid);
  if (!copy) return;
  if (response === 'Decline') {
    ctx.store.removeItem(attendee, copy);
    return;
  }
  copy.props.MyResponseType = text('MyResponseType', response);
  copy.props.LegacyFreeBusyStatus = text('LegacyFreeBusyStatus', response === 'Accept' ? 'Busy' : 'Tentative');
  ctx.store.touchItem(attendee, copy, ['MyResponseType', 'LegacyFreeBusyStatus']);
}
