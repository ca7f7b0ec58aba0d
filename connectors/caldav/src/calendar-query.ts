/** CalDAV calendar-query bodies (RFC 4791 §7.8): members of one component type, optionally in a time range. */
import type { XmlBody } from '@dovetail/dav';
import { appleColor, MEMBER_PROPS } from '@dovetail/dav';

/** The iCalendar component that holds an entity. */
export type CalendarComponent = 'VEVENT' | 'VTODO';

/** 2026-01-01T00:00:00.000Z → 20260101T000000Z */
export function icalUtc(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/**
 * A calendar-query asking for href + ETag of every `component`: overlapping `range`, when given, or holding
 * property `withProp` (e.g. RRULE), when given.
 */
export function calendarQuery(component: CalendarComponent, range?: { start: Date; end: Date }, withProp?: string): XmlBody {
  const inner: Record<string, unknown> = { _attributes: { name: component } };
  if (range) inner['c:time-range'] = { _attributes: { start: icalUtc(range.start), end: icalUtc(range.end) } };
  if (withProp) inner['c:prop-filter'] = { _attributes: { name: withProp } };
  return {
    'c:calendar-query': {
      'd:prop': MEMBER_PROPS,
      'c:filter': { 'c:comp-filter': { _attributes: { name: 'VCALENDAR' }, 'c:comp-filter': inner } },
    },
  };
}

/** The component a member's content type names (`text/calendar; component=VEVENT`), if it names one. */
export function componentFromContentType(contentType: string | undefined): CalendarComponent | 'other' | undefined {
  const m = contentType && /component=([A-Za-z]+)/i.exec(contentType);
  if (!m) return undefined;
  const c = m[1]!.toUpperCase();
  return c === 'VEVENT' || c === 'VTODO' ? c : 'other';
}

/** The component the calendar data's first item is (VEVENT/VTODO), or 'other'. */
export function componentOfData(data: string): CalendarComponent | 'other' {
  const m = /^BEGIN:(VEVENT|VTODO|VJOURNAL|VFREEBUSY)\s*$/im.exec(data);
  return m ? (m[1]!.toUpperCase() === 'VEVENT' ? 'VEVENT' : m[1]!.toUpperCase() === 'VTODO' ? 'VTODO' : 'other') : 'other';
}

/** MKCALENDAR body: name, Apple colour and the components the calendar holds. */
export function mkcalendarBody(name: string, components: CalendarComponent[], color?: string): XmlBody {
  const prop: Record<string, unknown> = {
    'd:displayname': name,
    'c:supported-calendar-component-set': { 'c:comp': components.map((c) => ({ _attributes: { name: c } })) },
  };
  if (color) prop['ical:calendar-color'] = appleColor(color);
  return { 'c:mkcalendar': { 'd:set': { 'd:prop': prop } } };
}

