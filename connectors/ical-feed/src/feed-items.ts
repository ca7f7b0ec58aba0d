/**
 * A feed's text → its items, one per UID and component (a master with its RECURRENCE-ID overrides is one item),
 * each with the VTIMEZONEs it uses (the SDK codec does the grouping). Item id = UID, the only stable id a feed
 * has (UID-less components get the codec's deterministic derived UID). Item version = the content hash without
 * volatile properties, so a feed that regenerates DTSTAMP on every request lists the same versions.
 */
import { createHash } from 'node:crypto';
import { contentHash, Invalid, parseICalendar, type EventEntity, type TaskEntity } from '@dovetail/core/sdk';

export type FeedEntity = EventEntity | TaskEntity;
export type FeedEntityType = FeedEntity['type'];

/** One item of a feed: readable (`item`) or not (`error`, reported for that item alone). */
export interface FeedEntry {
  id: string;
  version: string;
  item?: FeedEntity;
  error?: string;
}

/** The items of a feed by entity type. */
export interface FeedItems {
  event: Map<string, FeedEntry>;
  task: Map<string, FeedEntry>;
}

const COMPONENT_TYPE: Record<string, FeedEntityType> = { vevent: 'event', vtodo: 'task' };

/**
 * Why `text` is not an iCalendar feed ("is not an iCalendar feed (got text/html: a login page?)"), or undefined
 * when it starts like one (BEGIN:VCALENDAR, or a bare VEVENT/VTODO the codec also reads).
 */
export function notICalendarReason(text: string, contentType?: string | null): string | undefined {
  const head = text.replace(/^\uFEFF/, '').trimStart();
  if (/^BEGIN:(VCALENDAR|VEVENT|VTODO)\b/i.test(head)) return undefined;
  if (head === '') return 'is not an iCalendar feed (it is empty)';
  const type = contentType?.split(';')[0]?.trim().toLowerCase() || undefined;
  const html = type === 'text/html' || type === 'application/xhtml+xml' || /^<(!doctype html|html|head|body)\b/i.test(head);
  const got = type ?? (html ? 'HTML' : 'text that does not start with BEGIN:VCALENDAR');
  return `is not an iCalendar feed (got ${got}${html ? ': a login page?' : ''})`;
}

/** Parses a feed. A component that cannot be read makes its item an error; the rest is read. */
export function readFeedItems(text: string): FeedItems {
  const parsed = parseICalendar(text);
  const out: FeedItems = { event: new Map(), task: new Map() };
  for (const item of parsed.items) out[item.type].set(item.uid, { id: item.uid, version: contentHash(item), item });
  for (const e of parsed.errors) {
    const type = e.component ? COMPONENT_TYPE[e.component] : undefined;
    if (!type) throw new Invalid(`the feed cannot be read: ${e.message}`);
    // A broken override turns its whole item into an error: syncing the rest of it would lose the override.
    const id = e.uid ?? `unreadable-item-${e.index + 1}`;
    const earlier = out[type].get(id)?.error;
    const message = earlier ? `${earlier}; ${e.message}` : e.message;
    out[type].set(id, { id, version: `error:${createHash('sha256').update(message).digest('hex').slice(0, 16)}`, error: message });
  }
  return out;
}
