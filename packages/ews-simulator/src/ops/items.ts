/** CreateItem, GetItem, DeleteItem and FindItem. */
import type { RequestContext } from '../context.js';
import { ITEM_ELEMENTS, readItem } from '../item-read.js';
import { ITEM_CLASS, applyRules } from '../item-rules.js';
import { writeItem } from '../item-write.js';
import { resolveFolder, resolveItem, mailboxOf } from '../resolve.js';
import { restrictionOf, sortOf } from '../restriction.js';
import { readShape, type Shape } from '../shape.js';
import { EwsError, schemaError } from '../soap.js';
import type { Folder, Mailbox, StoredItem } from '../store.js';
import { parseDateTime } from '../time.js';
import { isRecurringMaster, masterView, occurrencesInRange, propMs, type ItemView } from '../views.js';
import { child, el, NS, type XmlElement } from '../xml.js';
import { pageOf } from './folders.js';
import { perElement, respond, type Handler } from './common.js';
import { deliverMeeting } from '../meetings.js';

const DEFAULT_FOLDER: Record<string, string> = { CalendarItem: 'calendar', Task: 'tasks', Contact: 'contacts', Message: 'drafts', Item: 'drafts' };
const INVITATIONS = ['SendToNone', 'SendOnlyToAll', 'SendToAllAndSaveCopy'];
const ID_ONLY: Shape = { base: 'IdOnly', bodyType: 'Best', additional: [] };

function itemsOf(op: XmlElement, name: string): XmlElement[] {
  const c = child(op, name, NS.M);
  if (!c || !c.children.length) throw schemaError(`The element '${op.local}' has incomplete content: ${name} is required.`, op.line, op.column);
  return c.children;
}

/** Creates one item from a request element in a folder (shared with the out-of-band API). */
export function createOne(ctx: RequestContext, mb: Mailbox, folder: Folder, e: XmlElement, invitations?: string): StoredItem {
  const cls = ITEM_ELEMENTS[e.local];
  if (!cls) throw schemaError(`The element '${e.local}' is not an item type.`, e.line, e.column);
  const { props, extended } = readItem(e, cls, ctx);
  if (cls === 'CalendarItem' && !props.StartTimeZone && !props.MeetingTimeZone && ctx.zoneId) {
    props.StartTimeZone = { n: 'StartTimeZone', a: { Id: ctx.zoneId, Name: ctx.zoneId } };
    props.EndTimeZone ??= { n: 'EndTimeZone', a: { Id: ctx.zoneId, Name: ctx.zoneId } };
  }
  applyRules(cls, props, mb, true);
  const send = cls === 'CalendarItem' && props.IsMeeting?.t === 'true' && invitations !== undefined && invitations !== 'SendToNone';
  if (send) props.MeetingRequestWasSent = { n: 'MeetingRequestWasSent', t: 'true' };
  const itemClass = e.children.find((c) => c.local === 'ItemClass')?.text.trim() || ITEM_CLASS[cls];
  const item = ctx.store.addItem(mb, folder, { element: cls, itemClass, props, extended });
  if (send) deliverMeeting(ctx, mb, item);
  return item;
}

export const createItem: Handler = (op, ctx) => {
  const invitations = op.attrs.SendMeetingInvitations;
  if (invitations !== undefined && !INVITATIONS.includes(invitations)) {
    throw schemaError(`The 'SendMeetingInvitations' attribute is invalid - The value '${invitations}' is invalid according to its datatype.`, op.line, op.column);
  }
  const saved = child(op, 'SavedItemFolderId', NS.M)?.children[0];
  const msgs = perElement(ctx, itemsOf(op, 'Items'), (e) => {
    const cls = ITEM_ELEMENTS[e.local];
    if (cls === 'CalendarItem' && invitations === undefined) {
      throw new EwsError('ErrorSendMeetingInvitationsRequired', 'SendMeetingInvitations attribute is required for calendar items.');
    }
    const { mb, folder } = saved ? resolveFolder(ctx, saved, 'Author') : (() => {
      const m = mailboxOf(ctx, undefined);
      return { mb: m, folder: ctx.store.distinguished(m, DEFAULT_FOLDER[cls ?? 'Item']!)! };
    })();
    const item = createOne(ctx, mb, folder, e, invitations);
    ctx.log.itemIds.push(item.id);
    return [el('m:Items', undefined, writeItem(masterView(item), mb, ID_ONLY))];
  }, [el('m:Items')]);
  return respond(ctx, 'CreateItem', msgs);
};

export const getItem: Handler = (op, ctx) => {
  const shape = readShape(child(op, 'ItemShape', NS.M));
  const msgs = perElement(ctx, itemsOf(op, 'ItemIds'), (e) => {
    const r = resolveItem(ctx, e);
    return [el('m:Items', undefined, writeItem(r.view, r.mb, shape))];
  }, [el('m:Items')]);
  return respond(ctx, 'GetItem', msgs);
};

/** Deletes one occurrence of a series: a DeletedOccurrence on the master, whose ChangeKey changes. */
export function deleteOccurrence(ctx: RequestContext, mb: Mailbox, master: StoredItem, originalStart: number): void {
  delete master.exceptions[String(originalStart)];
  if (!master.deletedOccurrences.includes(originalStart)) master.deletedOccurrences.push(originalStart);
  ctx.store.touchItem(mb, master, ['DeletedOccurrences']);
}

/** Deletes an item the way DeleteType says (MoveToDeletedItems moves it; Soft/HardDelete remove it from view). */
export function deleteOne(ctx: RequestContext, mb: Mailbox, item: StoredItem, deleteType: string): void {
  const trash = ctx.store.distinguished(mb, 'deleteditems');
  if (deleteType === 'MoveToDeletedItems' && trash && item.folderId !== trash.id) ctx.store.moveItem(mb, item, trash);
  else ctx.store.removeItem(mb, item);
}

export const deleteItem: Handler = (op, ctx) => {
  const deleteType = op.attrs.DeleteType ?? '';
  if (!['HardDelete', 'SoftDelete', 'MoveToDeletedItems'].includes(deleteType)) {
    throw schemaError(`The 'DeleteType' attribute is invalid - The value '${deleteType}' is invalid according to its datatype.`, op.line, op.column);
  }
  const cancellations = op.attrs.SendMeetingCancellations;
  const taskOccurrences = op.attrs.AffectedTaskOccurrences;
  const msgs = perElement(ctx, itemsOf(op, 'ItemIds'), (e) => {
    // DeleteItem ignores ChangeKeys (Exchange deletes whatever version is current).
    const r = resolveItem(ctx, e, 'Editor');
    if (r.item.element === 'CalendarItem' && cancellations === undefined) {
      throw new EwsError('ErrorSendMeetingCancellationsRequired', 'SendMeetingCancellations attribute is required for Calendar items.');
    }
    if (r.item.element === 'Task' && taskOccurrences === undefined) {
      throw new EwsError('ErrorAffectedTaskOccurrencesRequired', 'AffectedTaskOccurrences attribute is required for Task items.');
    }
    const cancel = r.item.element === 'CalendarItem' && cancellations !== 'SendToNone' && r.item.props.IsMeeting?.t === 'true';
    if (r.view.originalStart !== undefined) {
      deleteOccurrence(ctx, r.mb, r.item, r.view.originalStart);
      if (cancel) deliverMeeting(ctx, r.mb, r.item);
    } else {
      if (cancel) deliverMeeting(ctx, r.mb, r.item, true);
      deleteOne(ctx, r.mb, r.item, deleteType);
    }
    return [];
  });
  return respond(ctx, 'DeleteItem', msgs);
};

const TWO_YEARS = 2 * 366 * 86_400_000;

function calendarViewItems(ctx: RequestContext, mb: Mailbox, folder: Folder, view: XmlElement): { items: ItemView[]; attrs: Record<string, string> } {
  const from = parseDateTime(view.attrs.StartDate ?? '', ctx.zone);
  const to = parseDateTime(view.attrs.EndDate ?? '', ctx.zone);
  if (Number.isNaN(from) || Number.isNaN(to)) throw schemaError('CalendarView needs StartDate and EndDate dateTimes.', view.line, view.column);
  if (to < from) throw new EwsError('ErrorCalendarEndDateIsEarlierThanStartDate', 'EndDate is earlier than StartDate');
  if (to - from > TWO_YEARS) throw new EwsError('ErrorCalendarViewRangeTooBig', 'The time span between StartDate and EndDate is larger than the allowed maximum of 2 years.');
  const out: ItemView[] = [];
  for (const item of ctx.store.folderItems(mb, folder.id)) {
    if (item.element !== 'CalendarItem') continue;
    if (isRecurringMaster(item)) out.push(...occurrencesInRange(item, from, to));
    else {
      const s = propMs(item.props, 'Start');
      const e = propMs(item.props, 'End');
      if (s < to && e >= from) out.push(masterView(item));
    }
  }
  out.sort((a, b) => propMs(a.props, 'Start') - propMs(b.props, 'Start'));
  const max = view.attrs.MaxEntriesReturned !== undefined ? Number(view.attrs.MaxEntriesReturned) : Number.POSITIVE_INFINITY;
  const items = out.slice(0, max);
  return { items, attrs: { TotalItemsInView: String(out.length), IncludesLastItemInRange: String(items.length === out.length) } };
}

export const findItem: Handler = (op, ctx) => {
  const traversal = op.attrs.Traversal ?? 'Shallow';
  if (!['Shallow', 'SoftDeleted', 'Associated'].includes(traversal)) {
    throw schemaError(`The 'Traversal' attribute is invalid - The value '${traversal}' is invalid according to its datatype.`, op.line, op.column);
  }
  const shape = readShape(child(op, 'ItemShape', NS.M));
  const calendarView = child(op, 'CalendarView', NS.M);
  const paging = child(op, 'IndexedPageItemView', NS.M);
  if (child(op, 'GroupBy', NS.M) || child(op, 'DistinguishedGroupBy', NS.M)) {
    throw new EwsError('ErrorInvalidOperation', 'Grouped FindItem (GroupBy) is not supported by this server.');
  }
  const msgs = perElement(ctx, itemsOf(op, 'ParentFolderIds'), (e) => {
    const { mb, folder } = resolveFolder(ctx, e);
    if (traversal !== 'Shallow') return [el('m:RootFolder', { TotalItemsInView: '0', IncludesLastItemInRange: 'true' }, el('t:Items'))];
    const predicate = restrictionOf(child(op, 'Restriction', NS.M));
    if (calendarView) {
      const { items, attrs } = calendarViewItems(ctx, mb, folder, calendarView);
      const kept = items.filter(predicate);
      return [el('m:RootFolder', attrs, el('t:Items', undefined, ...kept.map((v) => writeItem(v, mb, shape))))];
    }
    let views = ctx.store.folderItems(mb, folder.id).map(masterView).filter(predicate);
    const sort = sortOf(child(op, 'SortOrder', NS.M));
    if (sort) views = [...views].sort(sort);
    const { page, attrs } = pageOf(views, paging);
    return [el('m:RootFolder', attrs, el('t:Items', undefined, ...page.map((v) => writeItem(v, mb, shape))))];
  });
  return respond(ctx, 'FindItem', msgs);
};

