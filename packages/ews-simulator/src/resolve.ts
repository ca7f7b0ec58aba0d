/**
 * Turns request ids into stored objects, with the checks Exchange makes: malformed ids, unknown mailboxes and
 * folders, deleted or out-of-range occurrences, and delegate permissions when a request reaches into another
 * user's mailbox.
 */
import { noteId, type RequestContext } from './context.js';
import { looksLikeBase64, parseOccurrenceId, versionOf } from './ids.js';
import { EwsError, schemaError } from './soap.js';
import { type DelegateLevel, type Folder, type Mailbox, type StoredItem } from './store.js';
import { isRecurringMaster, masterView, occurrenceAt, occurrenceView, seriesOccurrences, type ItemView } from './views.js';
import { child, childText, type XmlElement } from './xml.js';

/** DistinguishedFolderIdNameType values (Microsoft's DistinguishedFolderId reference). */
export const DISTINGUISHED = [
  'calendar', 'contacts', 'deleteditems', 'drafts', 'inbox', 'journal', 'notes', 'outbox', 'sentitems', 'tasks',
  'msgfolderroot', 'root', 'junkemail', 'searchfolders', 'voicemail', 'recoverableitemsroot',
  'recoverableitemsdeletions', 'recoverableitemsversions', 'recoverableitemspurges', 'archiveroot',
  'archivemsgfolderroot', 'archivedeleteditems', 'archiveinbox', 'archiverecoverableitemsroot',
  'archiverecoverableitemsdeletions', 'archiverecoverableitemsversions', 'archiverecoverableitemspurges',
  'syncissues', 'conflicts', 'localfailures', 'serverfailures', 'recipientcache', 'quickcontacts',
  'conversationhistory', 'adminauditlogs', 'todosearch', 'mycontacts', 'directory', 'imcontactlist', 'peopleconnect',
  'favorites', 'publicfoldersroot',
];

export const ERR = {
  malformed: () => new EwsError('ErrorInvalidIdMalformed', 'Id is malformed.'),
  folderNotFound: () => new EwsError('ErrorFolderNotFound', 'The specified folder could not be found in the store.'),
  itemNotFound: () => new EwsError('ErrorItemNotFound', 'The specified object was not found in the store.'),
  accessDenied: () => new EwsError('ErrorAccessDenied', 'Access is denied. Check credentials and try again.'),
  noMailbox: () => new EwsError('ErrorNonExistentMailbox', 'The SMTP address has no mailbox associated with it.'),
};

const RANK: Record<DelegateLevel | 'Owner', number> = { None: 0, Reviewer: 1, Author: 2, Editor: 3, Owner: 4 };

/** The top distinguished folder a folder lives under (delegate grants are per distinguished folder). */
function grantScope(mb: Mailbox, folder: Folder): string | undefined {
  for (let f: Folder | undefined = folder; f; f = f.parentId ? mb.folders[f.parentId] : undefined) {
    if (f.distinguished && f.distinguished !== 'msgfolderroot' && f.distinguished !== 'root') return f.distinguished;
  }
  return undefined;
}

/**
 * True if the user has at least `need` on the folder. A delegate (anyone with a grant on the mailbox) also sees the
 * mailbox's root and Top of Information Store, as the "Folder visible" right Outlook's delegate setup gives.
 */
export function hasAccess(ctx: RequestContext, mb: Mailbox, folder: Folder, need: DelegateLevel): boolean {
  const level = ctx.store.access(mb, ctx.user, grantScope(mb, folder));
  if (RANK[level] >= RANK[need]) return true;
  const isTop = folder.distinguished === 'root' || folder.distinguished === 'msgfolderroot';
  return isTop && need === 'Reviewer' && ctx.user.toLowerCase() in mb.delegates;
}

/** Throws ErrorAccessDenied unless the user has at least `need` on the folder. */
export function requireAccess(ctx: RequestContext, mb: Mailbox, folder: Folder, need: DelegateLevel): void {
  if (!hasAccess(ctx, mb, folder, need)) throw ERR.accessDenied();
}

/** The mailbox of an `t:Mailbox/t:EmailAddress` (or the caller's own). */
export function mailboxOf(ctx: RequestContext, mailboxEl: XmlElement | undefined): Mailbox {
  const email = childText(mailboxEl, 'EmailAddress') ?? ctx.user;
  const mb = ctx.store.mailbox(email);
  if (!mb) throw ERR.noMailbox();
  noteId(ctx.log.mailboxes, mb.email);
  return mb;
}

/** Resolves a FolderId or DistinguishedFolderId element. */
export function resolveFolder(ctx: RequestContext, e: XmlElement, need: DelegateLevel = 'Reviewer'): { mb: Mailbox; folder: Folder } {
  if (e.local === 'DistinguishedFolderId') {
    const name = e.attrs.Id ?? '';
    if (!DISTINGUISHED.includes(name)) {
      throw schemaError(`The 'Id' attribute is invalid - The value '${name}' is invalid according to its datatype 'DistinguishedFolderIdNameType'.`, e.line, e.column);
    }
    const mb = mailboxOf(ctx, child(e, 'Mailbox'));
    const folder = ctx.store.distinguished(mb, name);
    if (!folder) throw ERR.folderNotFound();
    noteId(ctx.log.folderIds, folder.id);
    requireAccess(ctx, mb, folder, need);
    return { mb, folder };
  }
  if (e.local === 'FolderId') {
    const id = e.attrs.Id ?? '';
    if (!looksLikeBase64(id)) throw ERR.malformed();
    noteId(ctx.log.folderIds, id);
    const found = ctx.store.locate(id);
    if (!found?.folder) throw ERR.folderNotFound();
    noteId(ctx.log.mailboxes, found.mb.email);
    requireAccess(ctx, found.mb, found.folder, need);
    return { mb: found.mb, folder: found.folder };
  }
  throw new EwsError('ErrorInvalidRequest', `'${e.local}' is not a folder id.`);
}

/** A resolved item id: the stored item and how the client sees it (a master, a single item or one occurrence). */
export interface ResolvedItem {
  mb: Mailbox;
  item: StoredItem;
  view: ItemView;
  /** The ChangeKey the request carried, if any. */
  changeKey?: string;
}

function findItem(ctx: RequestContext, id: string): { mb: Mailbox; item: StoredItem } {
  if (!looksLikeBase64(id)) throw ERR.malformed();
  noteId(ctx.log.itemIds, id);
  const found = ctx.store.locate(id);
  if (!found?.item) throw ERR.itemNotFound();
  noteId(ctx.log.mailboxes, found.mb.email);
  return { mb: found.mb, item: found.item };
}

function occurrenceByIndex(item: StoredItem, index: number): ItemView {
  if (!isRecurringMaster(item)) throw new EwsError('ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange', 'The occurrence index is out of range.');
  const occ = Number.isInteger(index) && index >= 1 && index <= 100_000
    ? seriesOccurrences(item, Number.POSITIVE_INFINITY, index)[index - 1]
    : undefined;
  if (!occ) {
    throw new EwsError('ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange', 'The occurrence index is out of range.');
  }
  if (item.deletedOccurrences.includes(occ.originalStart)) {
    throw new EwsError('ErrorCalendarOccurrenceIsDeletedFromRecurrence', 'Occurrence with this index was previously deleted from the recurrence.');
  }
  return occurrenceView(item, occ);
}

function occurrenceByStart(item: StoredItem, originalStart: number): ItemView {
  if (!isRecurringMaster(item)) throw ERR.itemNotFound();
  const occ = occurrenceAt(item, originalStart);
  if (!occ || item.deletedOccurrences.includes(originalStart)) throw ERR.itemNotFound();
  return occurrenceView(item, occ);
}

/** Resolves ItemId / OccurrenceItemId / RecurringMasterItemId, checking the caller's access to the item's folder. */
export function resolveItem(ctx: RequestContext, e: XmlElement, need: DelegateLevel = 'Reviewer'): ResolvedItem {
  let resolved: ResolvedItem;
  if (e.local === 'ItemId') {
    const id = e.attrs.Id ?? '';
    const occ = looksLikeBase64(id) ? parseOccurrenceId(id) : undefined;
    if (occ) {
      noteId(ctx.log.itemIds, id);
      const { mb, item } = findItem(ctx, occ.masterId);
      resolved = { mb, item, view: occurrenceByStart(item, occ.originalStartMs) };
    } else {
      const { mb, item } = findItem(ctx, id);
      resolved = { mb, item, view: masterView(item) };
    }
    if (e.attrs.ChangeKey !== undefined) resolved.changeKey = e.attrs.ChangeKey;
  } else if (e.local === 'OccurrenceItemId') {
    const { mb, item } = findItem(ctx, e.attrs.RecurringMasterId ?? '');
    resolved = { mb, item, view: occurrenceByIndex(item, Number(e.attrs.InstanceIndex)) };
    if (e.attrs.ChangeKey !== undefined) resolved.changeKey = e.attrs.ChangeKey;
  } else if (e.local === 'RecurringMasterItemId') {
    const occ = parseOccurrenceId(e.attrs.OccurrenceId ?? '');
    const { mb, item } = findItem(ctx, occ ? occ.masterId : e.attrs.OccurrenceId ?? '');
    if (!isRecurringMaster(item)) throw ERR.itemNotFound();
    resolved = { mb, item, view: masterView(item) };
    if (e.attrs.ChangeKey !== undefined) resolved.changeKey = e.attrs.ChangeKey;
  } else {
    throw new EwsError('ErrorInvalidRequest', `'${e.local}' is not an item id.`);
  }
  const folder = resolved.mb.folders[resolved.item.folderId];
  if (folder) requireAccess(ctx, resolved.mb, folder, need);
  return resolved;
}

/** The version a request's ChangeKey names, or undefined when it is not one of this item's keys. */
export function requestVersion(r: ResolvedItem): number | undefined {
  return r.changeKey === undefined ? undefined : versionOf(r.item.id, r.changeKey);
}

