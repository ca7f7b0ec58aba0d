/** GetFolder, FindFolder, CreateFolder, DeleteFolder and SyncFolderHierarchy. */
import type { RequestContext } from '../context.js';
import { writeFolder } from '../folder-write.js';
import { hasAccess, resolveFolder, mailboxOf } from '../resolve.js';
import { readShape } from '../shape.js';
import { EwsError, schemaError } from '../soap.js';
import { folderElementFor, type Folder, type Mailbox } from '../store.js';
import { issueSyncState, readSyncState } from '../sync-state.js';
import { child, childText, el, type XmlElement, NS } from '../xml.js';
import { perElement, respond, type Handler } from './common.js';

function folderIdElements(op: XmlElement, container: string): XmlElement[] {
  const c = child(op, container, NS.M);
  if (!c || c.children.length === 0) throw schemaError(`The element '${op.local}' has incomplete content: ${container} is required.`, op.line, op.column);
  return c.children;
}

export const getFolder: Handler = (op, ctx) => {
  const shape = readShape(child(op, 'FolderShape', NS.M));
  const msgs = perElement(ctx, folderIdElements(op, 'FolderIds'), (e) => {
    const { mb, folder } = resolveFolder(ctx, e);
    return [el('m:Folders', undefined, writeFolder(ctx.store, mb, folder, shape))];
  }, [el('m:Folders')]);
  return respond(ctx, 'GetFolder', msgs);
};

function descendants(ctx: RequestContext, mb: Mailbox, folder: Folder, deep: boolean): Folder[] {
  const out: Folder[] = [];
  const visit = (f: Folder) => {
    for (const c of ctx.store.childFolders(mb, f.id).sort((a, b) => a.displayName.localeCompare(b.displayName))) {
      // A delegate sees only the folders they were granted (and walks through the ones above them).
      if (hasAccess(ctx, mb, c, 'Reviewer')) out.push(c);
      if (deep) visit(c);
    }
  };
  visit(folder);
  return out;
}

export const findFolder: Handler = (op, ctx) => {
  const traversal = op.attrs.Traversal ?? 'Shallow';
  if (!['Shallow', 'Deep', 'SoftDeleted'].includes(traversal)) throw schemaError(`'${traversal}' is not a FolderQueryTraversalType value.`, op.line, op.column);
  const shape = readShape(child(op, 'FolderShape', NS.M));
  const paging = child(op, 'IndexedPageFolderView', NS.M);
  const msgs = perElement(ctx, folderIdElements(op, 'ParentFolderIds'), (e) => {
    const { mb, folder } = resolveFolder(ctx, e);
    if (traversal === 'SoftDeleted') throw new EwsError('ErrorInvalidOperation', 'SoftDeleted traversal is not supported by this server.');
    const all = descendants(ctx, mb, folder, traversal === 'Deep');
    const { page, attrs } = pageOf(all, paging);
    return [el('m:RootFolder', attrs, el('t:Folders', undefined, ...page.map((f) => writeFolder(ctx.store, mb, f, shape))))];
  });
  return respond(ctx, 'FindFolder', msgs);
};

/** IndexedPageItemView / IndexedPageFolderView paging (BasePoint Beginning/End, Offset, MaxEntriesReturned). */
export function pageOf<T>(all: T[], view: XmlElement | undefined): { page: T[]; attrs: Record<string, string> } {
  if (!view) return { page: all, attrs: { TotalItemsInView: String(all.length), IncludesLastItemInRange: 'true' } };
  const offset = Math.max(0, Number(view.attrs.Offset ?? 0) || 0);
  const max = view.attrs.MaxEntriesReturned !== undefined ? Number(view.attrs.MaxEntriesReturned) : Number.POSITIVE_INFINITY;
  const fromEnd = view.attrs.BasePoint === 'End';
  let start = fromEnd ? Math.max(0, all.length - offset - (Number.isFinite(max) ? max : all.length)) : offset;
  let end = fromEnd ? all.length - offset : Math.min(all.length, offset + max);
  if (start > all.length) start = all.length;
  if (end < start) end = start;
  const page = all.slice(start, end);
  const last = fromEnd ? start === 0 : end >= all.length;
  return {
    page,
    attrs: {
      IndexedPagingOffset: String(fromEnd ? offset + page.length : end),
      TotalItemsInView: String(all.length),
      IncludesLastItemInRange: String(last),
    },
  };
}

const FOLDER_ELEMENTS = ['Folder', 'CalendarFolder', 'ContactsFolder', 'TasksFolder', 'SearchFolder'];

export const createFolder: Handler = (op, ctx) => {
  const parentEl = child(op, 'ParentFolderId', NS.M)?.children[0];
  if (!parentEl) throw schemaError("The element 'CreateFolder' has incomplete content: ParentFolderId is required.", op.line, op.column);
  const folders = child(op, 'Folders', NS.M)?.children ?? [];
  let parent: { mb: Mailbox; folder: Folder } | undefined;
  let parentError: EwsError | undefined;
  try {
    parent = resolveFolder(ctx, parentEl, 'Editor');
  } catch (e) {
    if (!(e instanceof EwsError)) throw e;
    parentError = e;
  }
  const msgs = perElement(ctx, folders, (f) => {
    if (parentError) throw parentError;
    if (!FOLDER_ELEMENTS.includes(f.local) || f.local === 'SearchFolder') {
      throw new EwsError('ErrorInvalidFolderTypeForOperation', `${f.local} can't be created by this server.`);
    }
    const { mb, folder } = parent!;
    const name = childText(f, 'DisplayName');
    if (!name) throw new EwsError('ErrorInvalidPropertySet', 'DisplayName is required to create a folder.');
    if (ctx.store.childFolders(mb, folder.id).some((c) => c.displayName.toLowerCase() === name.toLowerCase())) {
      throw new EwsError('ErrorFolderExists', 'A folder with the specified name already exists.');
    }
    const implied = { CalendarFolder: 'IPF.Appointment', ContactsFolder: 'IPF.Contact', TasksFolder: 'IPF.Task' }[f.local];
    const folderClass = childText(f, 'FolderClass') ?? implied ?? 'IPF.Note';
    const created = ctx.store.newFolder(mb, { displayName: name, folderClass, element: f.local === 'Folder' ? folderElementFor(folderClass) : f.local as Folder['element'], parentId: folder.id });
    ctx.store.touchFolder(mb, folder);
    ctx.log.folderIds.push(created.id);
    return [el('m:Folders', undefined, writeFolder(ctx.store, mb, created, { base: 'IdOnly', bodyType: 'Best', additional: [] }))];
  }, [el('m:Folders')]);
  return respond(ctx, 'CreateFolder', msgs);
};

export const deleteFolder: Handler = (op, ctx) => {
  const deleteType = op.attrs.DeleteType ?? '';
  if (!['HardDelete', 'SoftDelete', 'MoveToDeletedItems'].includes(deleteType)) {
    throw schemaError(`The 'DeleteType' attribute is invalid - The value '${deleteType}' is invalid according to its datatype.`, op.line, op.column);
  }
  const msgs = perElement(ctx, folderIdElements(op, 'FolderIds'), (e) => {
    const { mb, folder } = resolveFolder(ctx, e, 'Editor');
    if (folder.distinguished) throw new EwsError('ErrorDeleteDistinguishedFolder', 'Distinguished folders cannot be deleted.');
    const trash = ctx.store.distinguished(mb, 'deleteditems');
    const parent = folder.parentId ? mb.folders[folder.parentId] : undefined;
    if (deleteType === 'MoveToDeletedItems' && trash && !isUnder(mb, folder, trash)) {
      folder.parentId = trash.id;
      ctx.store.touchFolder(mb, folder);
      ctx.store.touchFolder(mb, trash);
    } else {
      removeTree(ctx, mb, folder);
    }
    if (parent) ctx.store.touchFolder(mb, parent);
    return [];
  });
  return respond(ctx, 'DeleteFolder', msgs);
};

function isUnder(mb: Mailbox, folder: Folder, ancestor: Folder): boolean {
  for (let f: Folder | undefined = folder; f; f = f.parentId ? mb.folders[f.parentId] : undefined) if (f.id === ancestor.id) return true;
  return false;
}

function removeTree(ctx: RequestContext, mb: Mailbox, folder: Folder): void {
  for (const c of ctx.store.childFolders(mb, folder.id)) removeTree(ctx, mb, c);
  for (const i of ctx.store.folderItems(mb, folder.id)) ctx.store.removeItem(mb, i);
  folder.deleted = true;
  folder.changedSeq = ctx.store.tick(mb);
}

export const syncFolderHierarchy: Handler = (op, ctx) => {
  const shape = readShape(child(op, 'FolderShape', NS.M));
  const target = child(op, 'SyncFolderId', NS.M)?.children[0];
  const msgs = perElement(ctx, [op], () => {
    const { mb, folder } = target ? resolveFolder(ctx, target) : (() => {
      const m = mailboxOf(ctx, undefined);
      return { mb: m, folder: ctx.store.distinguished(m, 'root')! };
    })();
    const since = readSyncState(ctx.store, 'folders', folder, childText(op, 'SyncState', NS.M));
    const inTree = (f: Folder) => f.id !== folder.id && isUnder(mb, f, folder);
    const changes = Object.values(mb.folders)
      .filter((f) => f.changedSeq > since && inTree(f) && (!f.deleted || f.createdSeq <= since))
      .sort((a, b) => a.changedSeq - b.changedSeq)
      .map((f) => {
        if (f.deleted) return el('t:Delete', undefined, el('t:FolderId', { Id: f.id }));
        const kind = f.createdSeq > since ? 't:Create' : 't:Update';
        return el(kind, undefined, writeFolder(ctx.store, mb, f, shape));
      });
    return [
      el('m:SyncState', undefined, issueSyncState(ctx.store, 'folders', folder, mb.seq)),
      el('m:IncludesLastFolderInRange', undefined, 'true'),
      el('m:Changes', undefined, ...changes),
    ];
  });
  return respond(ctx, 'SyncFolderHierarchy', msgs);
};
