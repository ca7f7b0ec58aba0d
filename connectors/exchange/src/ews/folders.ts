/**
 * Collection ids ↔ EWS folders. Ids are what `discover` prints and pairings name:
 * - `calendar`, `tasks`, `contacts`: the mailbox's default folders (locale-independent distinguished ids);
 * - `calendar/Team/2027`: a folder below one of them, by display names;
 * - `team@example.com/calendar[/…]`: the same in another mailbox (delegate or shared access);
 * - `id:<EWS folder id>`: any folder, by id (folders elsewhere in the tree).
 * A plain name (`Team`) means a folder of that name below the default folder of the pairing's entity.
 */
import { Invalid, NotFound, type EntityType, type Logger } from '@dovetail/core/sdk';
import * as ews from 'ews-javascript-api';
import type { ExFolder } from '../backend.js';
import type { EwsService } from './service.js';
import { formatCollectionId as formatId, parseCollectionId, type FolderPath } from '../collection-id.js';

export { parseCollectionId };

const DISTINGUISHED: Record<string, { folder: ews.WellKnownFolderName; entity: EntityType }> = {
  calendar: { folder: ews.WellKnownFolderName.Calendar, entity: 'event' },
  tasks: { folder: ews.WellKnownFolderName.Tasks, entity: 'task' },
  contacts: { folder: ews.WellKnownFolderName.Contacts, entity: 'contact' },
};
function entityOfClass(folderClass: string | undefined): EntityType | undefined {
  const c = (folderClass ?? '').toLowerCase();
  if (c.startsWith('ipf.appointment')) return 'event';
  if (c.startsWith('ipf.task')) return 'task';
  if (c.startsWith('ipf.contact')) return 'contact';
  return undefined;
}

/** Resolves collection ids to EWS folder ids, once per id per connector. */
export class Folders {
  private readonly resolved = new Map<string, Promise<ews.FolderId>>();

  constructor(private readonly ews: EwsService, private readonly mailbox: string | undefined, private readonly logger: Logger) {}

  private wellKnown(root: string, mailbox: string | undefined): ews.FolderId {
    const box = mailbox ?? this.mailbox;
    return box ? new ews.FolderId(DISTINGUISHED[root].folder, new ews.Mailbox(box)) : new ews.FolderId(DISTINGUISHED[root].folder);
  }

  /** The EWS folder of a collection id; NotFound names the missing part. */
  resolve(collection: string, entity: EntityType): Promise<ews.FolderId> {
    const key = `${entity}\u0000${collection}`;
    let found = this.resolved.get(key);
    if (!found) {
      found = this.lookup(parseCollectionId(collection, entity), collection);
      found.catch(() => this.resolved.delete(key));
      this.resolved.set(key, found);
    }
    return found;
  }

  private async lookup(p: FolderPath, collection: string): Promise<ews.FolderId> {
    if (p.folderId) return new ews.FolderId(p.folderId);
    let current = this.wellKnown(p.root!, p.mailbox);
    for (const name of p.path) {
      const child = await this.child(current, name);
      if (!child) throw new NotFound(`no folder "${name}" in ${collection} (run \`dovetail discover\` for the folders this mailbox has)`);
      current = child;
    }
    return current;
  }

  private async child(parent: ews.FolderId, name: string): Promise<ews.FolderId | undefined> {
    const view = new ews.FolderView(10);
    view.Traversal = ews.FolderTraversal.Shallow;
    view.PropertySet = new ews.PropertySet(ews.BasePropertySet.IdOnly, [ews.FolderSchema.DisplayName]);
    const filter = new ews.SearchFilter.IsEqualTo(ews.FolderSchema.DisplayName, name);
    const found = await this.ews.call('FindFolder', (s) => s.FindFolders(parent, filter, view));
    // Exchange compares display names without case; the exact spelling wins when both exist.
    const folders = found.Folders;
    return (folders.find((f) => f.DisplayName === name) ?? folders.find((f) => f.DisplayName?.toLowerCase() === name.toLowerCase()))?.Id;
  }

  /** Every event, task and contact folder of the mailbox and of `shared` mailboxes. */
  async all(shared: string[]): Promise<ExFolder[]> {
    const out: ExFolder[] = [];
    for (const mailbox of [undefined, ...shared]) {
      try {
        out.push(...await this.ofMailbox(mailbox));
      } catch (e) {
        if (mailbox === undefined) throw e;
        this.logger.warn({ mailbox, error: (e as Error).message }, 'cannot list the folders of a shared mailbox');
      }
    }
    return out;
  }

  private async ofMailbox(mailbox: string | undefined): Promise<ExFolder[]> {
    const props = new ews.PropertySet(ews.BasePropertySet.IdOnly, [ews.FolderSchema.DisplayName, ews.FolderSchema.FolderClass, ews.FolderSchema.ParentFolderId, ews.FolderSchema.EffectiveRights]);
    const out: ExFolder[] = [];
    const byId = new Map<string, { name: string; parent?: string; entity?: EntityType; readOnly: boolean }>();
    const roots = new Map<string, string>();
    for (const root of Object.keys(DISTINGUISHED)) {
      let folder: ews.Folder;
      try {
        folder = await this.ews.call('GetFolder', (s) => ews.Folder.Bind(s, this.wellKnown(root, mailbox), props));
      } catch (e) {
        if (mailbox !== undefined) { this.logger.debug({ mailbox, root, error: (e as Error).message }, 'no access to a shared default folder'); continue; }
        throw e;
      }
      const id = folder.Id.UniqueId;
      roots.set(id, root);
      const readOnly = !canCreate(folder);
      byId.set(id, { name: folder.DisplayName, entity: DISTINGUISHED[root].entity, readOnly });
      out.push({ id: formatId({ mailbox, root, path: [] }), name: folder.DisplayName || root, entity: DISTINGUISHED[root].entity, ...(readOnly ? { readOnly } : {}) });
    }
    let all: ews.Folder[] = [];
    try {
      const view = new ews.FolderView(1000);
      view.Traversal = ews.FolderTraversal.Deep;
      view.PropertySet = props;
      const root = mailbox ? new ews.FolderId(ews.WellKnownFolderName.MsgFolderRoot, new ews.Mailbox(mailbox)) : new ews.FolderId(ews.WellKnownFolderName.MsgFolderRoot);
      all = (await this.ews.call('FindFolder', (s) => s.FindFolders(root, view))).Folders;
    } catch (e) {
      if (mailbox === undefined) throw e;
      this.logger.debug({ mailbox, error: (e as Error).message }, 'cannot search the folder tree of a shared mailbox');
    }
    for (const f of all) {
      byId.set(f.Id.UniqueId, { name: f.DisplayName, parent: f.ParentFolderId?.UniqueId, entity: entityOfClass(f.FolderClass), readOnly: !canCreate(f) });
    }
    for (const f of all) {
      const info = byId.get(f.Id.UniqueId)!;
      if (!info.entity || roots.has(f.Id.UniqueId)) continue;
      // The path below a default folder, if it has one.
      const names: string[] = [];
      let cur: string | undefined = f.Id.UniqueId;
      let root: string | undefined;
      while (cur && byId.has(cur)) {
        if (roots.has(cur)) { root = roots.get(cur); break; }
        names.unshift(byId.get(cur)!.name);
        cur = byId.get(cur)!.parent;
      }
      const usable = root && DISTINGUISHED[root].entity === info.entity && names.every((n) => !n.includes('/'));
      const id = usable ? formatId({ mailbox, root, path: names }) : formatId({ path: [], folderId: f.Id.UniqueId });
      out.push({ id, name: info.name, entity: info.entity, ...(info.readOnly ? { readOnly: true } : {}) });
    }
    return out;
  }

  /** Creates (or finds) a folder below the entity's default folder; returns its collection id. */
  async create(name: string, entity: EntityType): Promise<ExFolder> {
    const p = parseCollectionId(name, entity);
    if (p.folderId) throw new Invalid(`${name}: a folder to create is named by its path (e.g. calendar/Team), not by id`);
    if (p.root && DISTINGUISHED[p.root].entity !== entity) throw new Invalid(`${name} is below the ${p.root} folder, which does not hold ${entity}s`);
    let current = this.wellKnown(p.root!, p.mailbox);
    for (const part of p.path) {
      let next = await this.child(current, part);
      if (!next) {
        const folder = entity === 'event' ? new ews.CalendarFolder(this.ews.service)
          : entity === 'task' ? new ews.TasksFolder(this.ews.service) : new ews.ContactsFolder(this.ews.service);
        folder.DisplayName = part;
        await this.ews.call('CreateFolder', () => folder.Save(current));
        next = folder.Id;
      }
      current = next;
    }
    const id = formatId(p);
    this.resolved.set(`${entity}\u0000${name}`, Promise.resolve(current));
    return { id, name: p.path.at(-1) ?? p.root!, entity };
  }
}

function canCreate(folder: ews.Folder): boolean {
  try {
    const rights = folder.EffectiveRights;
    return rights === undefined || rights === null || (rights & ews.EffectiveRights.CreateContents) !== 0;
  } catch {
    return true;
  }
}
