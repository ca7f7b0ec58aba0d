/**
 * SyncFolderItems: the net changes since a SyncState (Create for items new since then, Update for changed ones —
 * including a series whose occurrence was edited or deleted —, Delete for removed ones), oldest first, at most
 * MaxChangesReturned per call, with IncludesLastItemInRange telling whether more are waiting. An empty SyncState
 * reports every item as a Create.
 */
import { writeItem } from '../item-write.js';
import { resolveFolder } from '../resolve.js';
import { readShape } from '../shape.js';
import { schemaError } from '../soap.js';
import { issueSyncState, readSyncState } from '../sync-state.js';
import { masterView } from '../views.js';
import { child, childText, el, NS } from '../xml.js';
import { perElement, respond, type Handler } from './common.js';

export const syncFolderItems: Handler = (op, ctx) => {
  const shape = readShape(child(op, 'ItemShape', NS.M));
  const folderEl = child(op, 'SyncFolderId', NS.M)?.children[0];
  if (!folderEl) throw schemaError("The element 'SyncFolderItems' has incomplete content: SyncFolderId is required.", op.line, op.column);
  const maxText = childText(op, 'MaxChangesReturned', NS.M);
  const max = Number(maxText);
  if (maxText === undefined || !Number.isInteger(max) || max < 1 || max > 512) {
    throw schemaError(`The 'MaxChangesReturned' element is invalid - The value '${maxText ?? ''}' is invalid according to its datatype (1 to 512).`, op.line, op.column);
  }
  const ignore = new Set((child(op, 'Ignore', NS.M)?.children ?? []).map((e) => e.attrs.Id));
  const msgs = perElement(ctx, [op], () => {
    const { mb, folder } = resolveFolder(ctx, folderEl);
    const since = readSyncState(ctx.store, 'items', folder, childText(op, 'SyncState', NS.M));
    const candidates = Object.values(mb.items)
      .filter((i) => i.folderId === folder.id && i.changedSeq > since && !(i.deleted && i.createdSeq > since))
      .sort((a, b) => a.changedSeq - b.changedSeq);
    const picked = candidates.slice(0, max);
    const last = picked.length === candidates.length;
    const reached = last ? mb.seq : picked[picked.length - 1]!.changedSeq;
    const changes = picked.filter((i) => !ignore.has(i.id)).map((i) => {
      if (i.deleted) return el('t:Delete', undefined, el('t:ItemId', { Id: i.id }));
      const kind = i.createdSeq > since ? 't:Create' : 't:Update';
      return el(kind, undefined, writeItem(masterView(i), mb, shape));
    });
    return [
      el('m:SyncState', undefined, issueSyncState(ctx.store, 'items', folder, reached)),
      el('m:IncludesLastItemInRange', undefined, String(last)),
      el('m:Changes', undefined, ...changes),
    ];
  });
  return respond(ctx, 'SyncFolderItems', msgs);
};
