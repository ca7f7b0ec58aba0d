/** Small conversions the event, task and contact mappings share. */
import { compile } from 'html-to-text';
import type { EntityBase, Reminder } from '@dovetail/core/sdk';
import type { ExBody, ExStamp } from './types.js';

/** What every mapping needs to know about the mailbox. */
export interface MappingContext {
  /** Windows zone id where all-day and floating times are placed (the mailbox's own zone). */
  defaultZone: string;
}

let converter: ((html: string) => string) | undefined;

/** The readable text of an HTML body (what Outlook shows), for `description`. Options compiled once. */
export function htmlToText(html: string): string {
  converter ??= compile({ wordwrap: false, selectors: [{ selector: 'img', format: 'skip' }] });
  return converter(html).trim();
}

/** `description` / `descriptionHtml` of a body. */
export function descriptionOf(body: ExBody | undefined): { description?: string; descriptionHtml?: string } {
  if (!body?.content) return {};
  if (body.contentType === 'html') {
    const text = htmlToText(body.content);
    return { description: text || undefined, descriptionHtml: body.content };
  }
  return { description: body.content };
}

/** The body for a description: HTML when the item has an HTML form, text otherwise. */
export function bodyOf(e: { description?: string; descriptionHtml?: string }): ExBody | undefined {
  if (e.descriptionHtml) return { contentType: 'html', content: e.descriptionHtml };
  if (e.description) return { contentType: 'text', content: e.description };
  return undefined;
}

const DURATION = /^([+-])?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/** Minutes of an ISO-8601 duration (`-PT15M` → -15); undefined when it is not one. */
export function durationMinutes(d: string): number | undefined {
  const m = DURATION.exec(d.trim());
  if (!m || d.trim() === 'P' || /T$/.test(d.trim())) return undefined;
  const [, sign, w, day, h, min, s] = m;
  const total = (Number(w ?? 0) * 7 * 24 * 60) + (Number(day ?? 0) * 24 * 60) + (Number(h ?? 0) * 60) + Number(min ?? 0) + Number(s ?? 0) / 60;
  return sign === '-' ? -total : total;
}

/** An ISO-8601 duration for minutes, written as iCalendar writers do (`-PT15M`, `-P1D`, `-PT1H30M`, `PT0S`). */
export function durationOf(minutes: number): string {
  if (minutes === 0) return 'PT0S';
  const sign = minutes < 0 ? '-' : '';
  let rest = Math.abs(Math.round(minutes));
  if (rest % (7 * 24 * 60) === 0) return `${sign}P${rest / (7 * 24 * 60)}W`;
  const days = Math.floor(rest / (24 * 60));
  rest -= days * 24 * 60;
  const hours = Math.floor(rest / 60);
  const mins = rest - hours * 60;
  const time = `${hours ? `${hours}H` : ''}${mins ? `${mins}M` : ''}`;
  return `${sign}P${days ? `${days}D` : ''}${time ? `T${time}` : ''}`;
}

/** Exchange's one reminder: minutes before the start, as a canonical reminder. */
export function reminderFromMinutes(minutes: number): Reminder {
  return { kind: 'relative', offset: durationOf(-minutes), related: 'start', action: 'display' };
}

/**
 * The minutes before start of the first reminder Exchange can hold (a display or audio alarm relative to the
 * start, at or before it); undefined when there is none.
 */
export function reminderMinutes(reminders: Reminder[] | undefined): number | undefined {
  for (const r of reminders ?? []) {
    if (r.kind !== 'relative' || !r.offset || (r.related ?? 'start') !== 'start' || r.action === 'email') continue;
    const m = durationMinutes(r.offset);
    if (m !== undefined && m <= 0) return -m;
  }
  return undefined;
}

/** Identity and bookkeeping fields every entity takes from an Exchange item. */
export function baseFields(ex: { categories?: string[]; lastModified?: string; created?: string; stamp?: ExStamp }, uid: string): Pick<EntityBase, 'uid' | 'categories' | 'lastModified'> & { created?: string } {
  return {
    uid,
    ...(ex.categories?.length ? { categories: [...ex.categories] } : {}),
    ...(ex.lastModified ? { lastModified: ex.lastModified } : {}),
    ...(ex.created ? { created: ex.created } : {}),
  };
}
