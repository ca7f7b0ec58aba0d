/**
 * The simulator's state: mailboxes, their folder trees, items (with recurring-series exceptions and deleted
 * occurrences kept inside the master, as Exchange does), delegate grants and the per-mailbox change sequence that
 * SyncFolderItems / SyncFolderHierarchy read. Everything is plain JSON so `--state FILE` can save and reload it.
 */
import type { ItemElement } from './fields.js';
import { changeKeyFor, newId, type ObjectKind } from './ids.js';
import type { XNode } from './xml.js';

/** A folder's element in responses. */
export type FolderElement = 'Folder' | 'CalendarFolder' | 'ContactsFolder' | 'TasksFolder';

export interface Folder {
  id: string;
  version: number;
  parentId?: string;
  /** DistinguishedFolderId name (`calendar`, `msgfolderroot`, …) for the well-known folders. */
  distinguished?: string;
  displayName: string;
  folderClass?: string;
  element: FolderElement;
  /** Change sequence numbers for SyncFolderHierarchy. */
  createdSeq: number;
  changedSeq: number;
  deleted?: boolean;
  /** Bumped to invalidate every SyncState issued for this folder. */
  syncEpoch: number;
}

/** An extended MAPI property: the ExtendedFieldURI attributes and the value(s). */
export interface ExtendedProp {
  uri: Record<string, string>;
  value?: string;
  values?: string[];
}

export interface Attachment {
  id: string;
  name: string;
  contentType: string;
  contentId?: string;
  /** Base64. */
  content: string;
  size: number;
  isInline: boolean;
  isContactPhoto: boolean;
  lastModified: string;
}

/** A modified occurrence of a recurring series: the properties that differ from the master. */
export interface OccurrenceException {
  props: Record<string, XNode>;
  fieldVersions: Record<string, number>;
  extended: ExtendedProp[];
  modified: string;
}

export interface StoredItem {
  id: string;
  version: number;
  folderId: string;
  element: ItemElement;
  itemClass: string;
  /** Stored properties by element name (`Subject`, `Start`, `EmailAddresses`, …). */
  props: Record<string, XNode>;
  /** The version at which each property last changed (AutoResolve merges updates that touch none of them). */
  fieldVersions: Record<string, number>;
  extended: ExtendedProp[];
  attachments: Attachment[];
  created: string;
  modified: string;
  /** Exceptions of a recurring master by original start (epoch ms, as a string key). */
  exceptions: Record<string, OccurrenceException>;
  /** Original starts (epoch ms) of deleted occurrences. */
  deletedOccurrences: number[];
  createdSeq: number;
  changedSeq: number;
  deleted?: boolean;
  /** Free-form per-attendee response state kept by the out-of-band API (email → ResponseType). */
  responses?: Record<string, string>;
}

/** What a delegate may do in one folder of the owner's mailbox (a simplified DelegatePermissions). */
export type DelegateLevel = 'None' | 'Reviewer' | 'Author' | 'Editor';

export interface Mailbox {
  email: string;
  displayName: string;
  folders: Record<string, Folder>;
  items: Record<string, StoredItem>;
  /** Delegates by SMTP address; the level per distinguished folder (`calendar`, `tasks`, `contacts`, `*`). */
  delegates: Record<string, Record<string, DelegateLevel>>;
  seq: number;
}

export interface StoreData {
  mailboxes: Record<string, Mailbox>;
  /** Bumped by "invalidate all SyncStates". */
  syncEpoch: number;
}

const nowIso = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The folder classes the simulator gives its distinguished folders (IPF.* as Exchange does). */
const WELL_KNOWN: { name: string; displayName: string; folderClass?: string; element: FolderElement; parent: string }[] = [
  { name: 'msgfolderroot', displayName: 'Top of Information Store', element: 'Folder', parent: 'root' },
  { name: 'calendar', displayName: 'Calendar', folderClass: 'IPF.Appointment', element: 'CalendarFolder', parent: 'msgfolderroot' },
  { name: 'contacts', displayName: 'Contacts', folderClass: 'IPF.Contact', element: 'ContactsFolder', parent: 'msgfolderroot' },
  { name: 'deleteditems', displayName: 'Deleted Items', folderClass: 'IPF.Note', element: 'Folder', parent: 'msgfolderroot' },
  { name: 'drafts', displayName: 'Drafts', folderClass: 'IPF.Note', element: 'Folder', parent: 'msgfolderroot' },
  { name: 'inbox', displayName: 'Inbox', folderClass: 'IPF.Note', element: 'Folder', parent: 'msgfolderroot' },
  { name: 'journal', displayName: 'Journal', folderClass: 'IPF.Journal', element: 'Folder', parent: 'msgfolderroot' },
  { name: 'junkemail', displayName: 'Junk Email', folderClass: 'IPF.Note', element: 'Folder', parent: 'msgfolderroot' },
  { name: 'notes', displayName: 'Notes', folderClass: 'IPF.StickyNote', element: 'Folder', parent: 'msgfolderroot' },
  { name: 'outbox', displayName: 'Outbox', folderClass: 'IPF.Note', element: 'Folder', parent: 'msgfolderroot' },
  { name: 'sentitems', displayName: 'Sent Items', folderClass: 'IPF.Note', element: 'Folder', parent: 'msgfolderroot' },
  { name: 'tasks', displayName: 'Tasks', folderClass: 'IPF.Task', element: 'TasksFolder', parent: 'msgfolderroot' },
];

/** The folder element for a folder class (IPF.Appointment.Birthday is still a calendar). */
export function folderElementFor(folderClass: string | undefined): FolderElement {
  if (!folderClass) return 'Folder';
  if (/^IPF\.Appointment(\.|$)/i.test(folderClass)) return 'CalendarFolder';
  if (/^IPF\.Contact(\.|$)/i.test(folderClass)) return 'ContactsFolder';
  if (/^IPF\.Task(\.|$)/i.test(folderClass)) return 'TasksFolder';
  return 'Folder';
}

/** The ChangeKey kind of an item class. */
export function kindOf(element: ItemElement): ObjectKind {
  return element === 'CalendarItem' ? 'calendar' : element === 'Task' ? 'task' : element === 'Contact' ? 'contact' : 'message';
}

export function itemChangeKey(item: StoredItem): string {
  return changeKeyFor(kindOf(item.element), item.id, item.version);
}

export function folderChangeKey(folder: Folder): string {
  return changeKeyFor('folder', folder.id, folder.version);
}

/** The whole store with the mutations that keep ChangeKeys and change sequences right. */
export class Store {
  constructor(readonly data: StoreData = { mailboxes: {}, syncEpoch: 1 }) {}

  mailbox(email: string): Mailbox | undefined {
    return this.data.mailboxes[email.toLowerCase()];
  }

  /** Adds a mailbox with its distinguished folders (no-op if it exists). */
  addMailbox(email: string, displayName?: string): Mailbox {
    const key = email.toLowerCase();
    const existing = this.data.mailboxes[key];
    if (existing) return existing;
    const mb: Mailbox = { email, displayName: displayName ?? email.split('@')[0]!, folders: {}, items: {}, delegates: {}, seq: 0 };
    this.data.mailboxes[key] = mb;
    const root = this.newFolder(mb, { displayName: 'root', element: 'Folder', distinguished: 'root' });
    const ids: Record<string, string> = { root: root.id };
    for (const w of WELL_KNOWN) {
      const f = this.newFolder(mb, {
        displayName: w.displayName, element: w.element, distinguished: w.name, parentId: ids[w.parent],
        ...(w.folderClass ? { folderClass: w.folderClass } : {}),
      });
      ids[w.name] = f.id;
    }
    return mb;
  }

  /** Next value of the mailbox's change sequence. */
  tick(mb: Mailbox): number {
    mb.seq += 1;
    return mb.seq;
  }

  newFolder(mb: Mailbox, init: Pick<Folder, 'displayName' | 'element'> & Partial<Folder>): Folder {
    const seq = this.tick(mb);
    const folder: Folder = { id: newId(), version: 1, createdSeq: seq, changedSeq: seq, syncEpoch: 1, ...init };
    mb.folders[folder.id] = folder;
    return folder;
  }

  distinguished(mb: Mailbox, name: string): Folder | undefined {
    return Object.values(mb.folders).find((f) => f.distinguished === name && !f.deleted);
  }

  /** Live child folders. */
  childFolders(mb: Mailbox, folderId: string): Folder[] {
    return Object.values(mb.folders).filter((f) => f.parentId === folderId && !f.deleted);
  }

  /** Live items of a folder. */
  folderItems(mb: Mailbox, folderId: string): StoredItem[] {
    return Object.values(mb.items).filter((i) => i.folderId === folderId && !i.deleted);
  }

  /** Finds the mailbox holding a live item or folder id. */
  locate(id: string): { mb: Mailbox; item?: StoredItem; folder?: Folder } | undefined {
    for (const mb of Object.values(this.data.mailboxes)) {
      const item = mb.items[id];
      if (item && !item.deleted) return { mb, item };
      const folder = mb.folders[id];
      if (folder && !folder.deleted) return { mb, folder };
    }
    return undefined;
  }

  addItem(mb: Mailbox, folder: Folder, init: Pick<StoredItem, 'element' | 'itemClass' | 'props'> & Partial<StoredItem>): StoredItem {
    const seq = this.tick(mb);
    const now = nowIso();
    const item: StoredItem = {
      id: newId(), version: 1, folderId: folder.id, extended: [], attachments: [], exceptions: {}, deletedOccurrences: [],
      created: now, modified: now, createdSeq: seq, changedSeq: seq, fieldVersions: {}, ...init,
    };
    for (const k of Object.keys(item.props)) item.fieldVersions[k] = 1;
    mb.items[item.id] = item;
    this.touchFolder(mb, folder);
    return item;
  }

  /** Records a modification: new ChangeKey, LastModifiedTime and a change for SyncFolderItems. */
  touchItem(mb: Mailbox, item: StoredItem, changedFields: string[] = []): void {
    item.version += 1;
    item.modified = nowIso();
    item.changedSeq = this.tick(mb);
    for (const f of changedFields) item.fieldVersions[f] = item.version;
  }

  /** Removes an item (a tombstone stays so SyncFolderItems can report the delete). */
  removeItem(mb: Mailbox, item: StoredItem): void {
    item.deleted = true;
    item.changedSeq = this.tick(mb);
    const folder = mb.folders[item.folderId];
    if (folder) this.touchFolder(mb, folder);
  }

  /** Moves an item: a delete in the old folder and a create in the new one (a new id, as Exchange gives moved items). */
  moveItem(mb: Mailbox, item: StoredItem, target: Folder): StoredItem {
    const copy: StoredItem = JSON.parse(JSON.stringify(item));
    this.removeItem(mb, item);
    const seq = this.tick(mb);
    const moved: StoredItem = { ...copy, id: newId(), folderId: target.id, version: 1, createdSeq: seq, changedSeq: seq };
    delete moved.deleted;
    mb.items[moved.id] = moved;
    this.touchFolder(mb, target);
    return moved;
  }

  /** A folder's counts changed: Exchange changes the folder's ChangeKey too. */
  touchFolder(mb: Mailbox, folder: Folder): void {
    folder.version += 1;
    folder.changedSeq = this.tick(mb);
  }

  /** Grants (or with level None, removes) a delegate's access to folders of the owner's mailbox. */
  grant(owner: Mailbox, delegate: string, folders: Record<string, DelegateLevel>): void {
    const key = delegate.toLowerCase();
    owner.delegates[key] = { ...(owner.delegates[key] ?? {}), ...folders };
  }

  /** The access `user` has to a distinguished folder (or any folder: `*`) of `owner`'s mailbox. */
  access(owner: Mailbox, user: string, distinguished: string | undefined): DelegateLevel | 'Owner' {
    if (owner.email.toLowerCase() === user.toLowerCase()) return 'Owner';
    const grant = owner.delegates[user.toLowerCase()];
    if (!grant) return 'None';
    return (distinguished ? grant[distinguished] : undefined) ?? grant['*'] ?? 'None';
  }

  /** Invalidates SyncStates: one folder's, or all of them. */
  invalidateSyncStates(folderId?: string): void {
    if (!folderId) {
      this.data.syncEpoch += 1;
      return;
    }
    for (const mb of Object.values(this.data.mailboxes)) {
      const f = mb.folders[folderId];
      if (f) f.syncEpoch += 1;
    }
  }

  toJSON(): StoreData {
    return this.data;
  }
}
