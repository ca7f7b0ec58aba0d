/** Stored folders → `t:Folder` / `t:CalendarFolder` / `t:ContactsFolder` / `t:TasksFolder` for a FolderShape. */
import type { Shape } from './shape.js';
import { folderChangeKey, type Folder, type Mailbox, type Store } from './store.js';
import { el, type XNode } from './xml.js';

/** Default FolderShape properties (Microsoft's table 2: display name, id, child count, total and unread counts). */
const DEFAULT = ['DisplayName', 'TotalCount', 'ChildFolderCount', 'UnreadCount'];
const ALL = ['ParentFolderId', 'FolderClass', 'DisplayName', 'TotalCount', 'ChildFolderCount', 'EffectiveRights', 'UnreadCount'];
const ORDER = ['FolderId', 'ParentFolderId', 'FolderClass', 'DisplayName', 'TotalCount', 'ChildFolderCount', 'EffectiveRights',
  'DistinguishedFolderId', 'UnreadCount'];

export function writeFolder(store: Store, mb: Mailbox, folder: Folder, shape: Shape): XNode {
  const wanted = new Set<string>(['FolderId']);
  if (shape.base === 'Default') DEFAULT.forEach((f) => wanted.add(f));
  if (shape.base === 'AllProperties') ALL.forEach((f) => wanted.add(f));
  for (const p of shape.additional) if (p.type === 'field') wanted.add(p.element);
  const parent = folder.parentId ? mb.folders[folder.parentId] : undefined;
  const value = (name: string): XNode | undefined => {
    switch (name) {
      case 'FolderId': return el('t:FolderId', { Id: folder.id, ChangeKey: folderChangeKey(folder) });
      case 'ParentFolderId': return parent ? el('t:ParentFolderId', { Id: parent.id, ChangeKey: folderChangeKey(parent) }) : undefined;
      case 'FolderClass': return folder.folderClass ? el('t:FolderClass', undefined, folder.folderClass) : undefined;
      case 'DisplayName': return el('t:DisplayName', undefined, folder.displayName);
      case 'TotalCount': return el('t:TotalCount', undefined, String(store.folderItems(mb, folder.id).length));
      case 'ChildFolderCount': return el('t:ChildFolderCount', undefined, String(store.childFolders(mb, folder.id).length));
      case 'UnreadCount': return folder.element === 'Folder' || folder.element === 'TasksFolder' ? el('t:UnreadCount', undefined, '0') : undefined;
      case 'DistinguishedFolderId': return folder.distinguished ? el('t:DistinguishedFolderId', undefined, folder.distinguished) : undefined;
      case 'EffectiveRights': return el('t:EffectiveRights', undefined,
        el('t:CreateAssociated', undefined, 'true'), el('t:CreateContents', undefined, 'true'),
        el('t:CreateHierarchy', undefined, 'true'), el('t:Delete', undefined, 'true'), el('t:Modify', undefined, 'true'),
        el('t:Read', undefined, 'true'), el('t:ViewPrivateItems', undefined, 'true'));
      default: return undefined;
    }
  };
  return el(`t:${folder.element}`, undefined, ...ORDER.filter((n) => wanted.has(n)).map(value));
}
