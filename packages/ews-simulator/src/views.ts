/**
 * What a client sees of a stored item: a single item, a recurring master, or one occurrence / exception of a series
 * (the master's properties with the exception's overrides and the occurrence's own start and end).
 */
import { expand, type Occurrence } from './recurrence.js';
import { itemChangeKey, type ExtendedProp, type StoredItem } from './store.js';
import { occurrenceId } from './ids.js';
import { formatUtc, parseDateTime, zoneOf } from './time.js';
import type { XNode } from './xml.js';

export type CalendarItemType = 'Single' | 'Occurrence' | 'Exception' | 'RecurringMaster';

export interface ItemView {
  /** The stored item (the master, for an occurrence). */
  item: StoredItem;
  id: string;
  changeKey: string;
  props: Record<string, XNode>;
  extended: ExtendedProp[];
  type?: CalendarItemType;
  /** Occurrences: original start (UTC ms) and position in the series. */
  originalStart?: number;
  index?: number;
}

/** Properties a series keeps only on the master. */
const MASTER_ONLY = ['Recurrence', 'FirstOccurrence', 'LastOccurrence', 'ModifiedOccurrences', 'DeletedOccurrences'];

export function isRecurringMaster(item: StoredItem): boolean {
  return item.element === 'CalendarItem' && item.props.Recurrence !== undefined;
}

/** UTC ms of a stored dateTime property, or NaN. */
export function propMs(props: Record<string, XNode>, name: string): number {
  const t = props[name]?.t;
  return t ? parseDateTime(t) : Number.NaN;
}

export function masterView(item: StoredItem): ItemView {
  let type: CalendarItemType | undefined;
  if (item.element === 'CalendarItem') type = isRecurringMaster(item) ? 'RecurringMaster' : 'Single';
  return { item, id: item.id, changeKey: itemChangeKey(item), props: item.props, extended: item.extended, ...(type ? { type } : {}) };
}

/** The master's start zone (IANA). */
export function seriesZone(item: StoredItem): string {
  return zoneOf(item.props.StartTimeZone ?? item.props.MeetingTimeZone);
}

/** The occurrences of a series whose original start is in [from, until) (deleted ones included). */
export function seriesOccurrences(item: StoredItem, until: number, max?: number, from?: number): Occurrence[] {
  const rec = item.props.Recurrence;
  if (!rec) return [];
  return expand(rec, propMs(item.props, 'Start'), seriesZone(item), until, max, from);
}

/** The occurrence whose original start is `originalStart`, if the pattern has one there. */
export function occurrenceAt(item: StoredItem, originalStart: number): Occurrence | undefined {
  return seriesOccurrences(item, originalStart + 1, undefined, originalStart).find((o) => o.originalStart === originalStart);
}

/** The view of one occurrence (an Exception if it was modified). */
export function occurrenceView(item: StoredItem, occ: Occurrence): ItemView {
  const duration = propMs(item.props, 'End') - propMs(item.props, 'Start');
  const exception = item.exceptions[String(occ.originalStart)];
  const props: Record<string, XNode> = {};
  for (const [k, v] of Object.entries(item.props)) if (!MASTER_ONLY.includes(k)) props[k] = v;
  props.Start = { n: 'Start', t: formatUtc(occ.originalStart) };
  props.End = { n: 'End', t: formatUtc(occ.originalStart + duration) };
  const extended = [...item.extended];
  if (exception) Object.assign(props, exception.props);
  if (exception) for (const p of exception.extended) extended.push(p);
  return {
    item, id: occurrenceId(item.id, occ.originalStart), changeKey: itemChangeKey(item), props, extended,
    type: exception ? 'Exception' : 'Occurrence', originalStart: occ.originalStart, index: occ.index,
  };
}

/** The live (not deleted) occurrence views of a series overlapping [from, to] as CalendarView selects them. */
export function occurrencesInRange(item: StoredItem, from: number, to: number): ItemView[] {
  const duration = propMs(item.props, 'End') - propMs(item.props, 'Start');
  // An exception may have moved; look a little beyond the window for originals that moved into it.
  const slack = 366 * 86_400_000;
  const out: ItemView[] = [];
  for (const occ of seriesOccurrences(item, to + slack, undefined, from - slack)) {
    if (item.deletedOccurrences.includes(occ.originalStart)) continue;
    const exception = item.exceptions[String(occ.originalStart)];
    if (!exception && (occ.originalStart >= to || occ.originalStart + duration < from)) continue;
    const view = occurrenceView(item, occ);
    const s = propMs(view.props, 'Start');
    const e = propMs(view.props, 'End');
    if (s < to && e >= from) out.push(view);
  }
  return out;
}
