/**
 * Collection ids ↔ Graph folders: calendars, To Do lists and contact folders of a mailbox (Graph's are flat:
 * `calendar/Team` is the calendar named Team). `discover` shows names and colours.
 */
import { Invalid, NotFound, type CollectionMetadata, type EntityType, type Logger } from '@dovetail/core/sdk';
import type { ExFolder } from '../backend.js';
import { formatCollectionId, parseCollectionId, ROOT_ENTITY } from '../collection-id.js';
import type { GraphClient, Json } from './client.js';
import { calendarHex, nearestNamedColour } from './colours.js';

/** A resolved collection: the mailbox path (`/users/x` or `/me`) and the folder's Graph id (undefined: the default). */
export interface GraphFolder {
  /** `/users/ann%40example.com` or `/me`. */
  user: string;
  /** The mailbox's key for concurrency limits. */
  mailbox: string;
  entity: EntityType;
  id?: string;
}

const LISTS: Record<EntityType, { path: string; name: string }> = {
  event: { path: '/calendars', name: 'name' },
  task: { path: '/todo/lists', name: 'displayName' },
  contact: { path: '/contactFolders', name: 'displayName' },
};

export class GraphFolders {
  private readonly resolved = new Map<string, Promise<GraphFolder>>();

  constructor(private readonly client: GraphClient, private readonly mailbox: string | undefined, private readonly logger: Logger) {}

  userPath(mailbox: string | undefined): string {
    const m = mailbox ?? this.mailbox;
    return m ? `/users/${encodeURIComponent(m)}` : '/me';
  }

  private key(mailbox: string | undefined): string {
    return (mailbox ?? this.mailbox ?? 'me').toLowerCase();
  }

  private async all(mailbox: string | undefined, entity: EntityType): Promise<Json[]> {
    const out: Json[] = [];
    await this.client.pages(`${this.userPath(mailbox)}${LISTS[entity].path}?$top=200`, {}, this.key(mailbox), (v) => out.push(...v));
    return out;
  }

  resolve(collection: string, entity: EntityType): Promise<GraphFolder> {
    const k = `${entity}\u0000${collection}`;
    let found = this.resolved.get(k);
    if (!found) {
      found = this.lookup(collection, entity);
      found.catch(() => this.resolved.delete(k));
      this.resolved.set(k, found);
    }
    return found;
  }

  private async lookup(collection: string, entity: EntityType): Promise<GraphFolder> {
    const p = parseCollectionId(collection, entity);
    const base = { user: this.userPath(p.mailbox), mailbox: this.key(p.mailbox), entity };
    if (p.folderId) return { ...base, id: p.folderId };
    if (p.root && ROOT_ENTITY[p.root] !== entity) throw new Invalid(`${collection} holds ${ROOT_ENTITY[p.root]}s, not ${entity}s`);
    if (!p.path.length) return entity === 'task' ? { ...base, id: await this.defaultList(p.mailbox) } : base;
    if (p.path.length > 1) throw new NotFound(`${collection}: Graph's ${LISTS[entity].path.slice(1)} are not nested (run \`dovetail discover\`)`);
    const name = p.path[0];
    const folders = await this.all(p.mailbox, entity);
    const hit = folders.find((f) => f[LISTS[entity].name] === name) ?? folders.find((f) => String(f[LISTS[entity].name]).toLowerCase() === name.toLowerCase());
    if (!hit) throw new NotFound(`no folder "${name}" in ${collection} (run \`dovetail discover\` for the folders this mailbox has)`);
    return { ...base, id: String(hit.id) };
  }

  private async defaultList(mailbox: string | undefined): Promise<string> {
    const lists = await this.all(mailbox, 'task');
    const list = lists.find((l) => l.wellknownListName === 'defaultList');
    if (!list) throw new NotFound('the mailbox has no default To Do list');
    return String(list.id);
  }

  /** The folder path for requests: `/users/x/calendars/ID` (or the default calendar / contacts). */
  path(f: GraphFolder): string {
    if (f.entity === 'event') return f.id ? `${f.user}/calendars/${encodeURIComponent(f.id)}` : `${f.user}/calendar`;
    if (f.entity === 'task') return `${f.user}/todo/lists/${encodeURIComponent(f.id!)}`;
    return f.id ? `${f.user}/contactFolders/${encodeURIComponent(f.id)}` : f.user;
  }

  /** Every calendar, To Do list and contact folder of the mailbox and of `shared` mailboxes. */
  async list(shared: string[]): Promise<ExFolder[]> {
    const out: ExFolder[] = [];
    for (const mailbox of [undefined, ...shared]) {
      try {
        out.push(...await this.ofMailbox(mailbox));
      } catch (e) {
        if (mailbox === undefined) throw e;
        this.logger.warn({ mailbox, error: (e as Error).message }, 'cannot list the folders of another mailbox');
      }
    }
    return out;
  }

  private async ofMailbox(mailbox: string | undefined): Promise<ExFolder[]> {
    const out: ExFolder[] = [];
    const id = (root: string, name?: string) => (name && !name.includes('/') ? formatCollectionId({ mailbox, root, path: [name] }) : formatCollectionId({ mailbox, root, path: [] }));
    for (const c of await this.all(mailbox, 'event')) {
      const hex = calendarHex(c);
      const name = String(c.name ?? '');
      const cid = c.isDefaultCalendar ? id('calendar') : name.includes('/') ? `id:${c.id}` : id('calendar', name);
      out.push({ id: cid, name, entity: 'event', ...(hex ? { color: hex } : {}), ...(c.canEdit === false ? { readOnly: true } : {}) });
    }
    for (const l of await this.all(mailbox, 'task')) {
      const name = String(l.displayName ?? '');
      const cid = l.wellknownListName === 'defaultList' ? id('tasks') : name.includes('/') ? `id:${l.id}` : id('tasks', name);
      out.push({ id: cid, name, entity: 'task' });
    }
    out.push({ id: id('contacts'), name: 'Contacts', entity: 'contact' });
    for (const f of await this.all(mailbox, 'contact')) {
      const name = String(f.displayName ?? '');
      out.push({ id: name.includes('/') ? `id:${f.id}` : id('contacts', name), name, entity: 'contact' });
    }
    return out;
  }

  /** A folder's name and (calendars) colour, with one GET; the default contacts folder, no folder in Graph, has neither. */
  async metadata(collection: string, entity: EntityType): Promise<CollectionMetadata> {
    const f = await this.resolve(collection, entity);
    if (entity === 'contact' && !f.id) return {};
    const { body } = await this.client.call({ method: 'GET', url: this.path(f) }, f.mailbox);
    return folderMetadata(body as Json, entity);
  }

  /**
   * Sets a calendar's colour (Outlook's nearest named colour: Graph takes names only) and the name of a folder named
   * by id (`id:…`). A folder named by its path (`calendar/Team`, `calendar`) keeps its name: renaming it would change
   * or break the collection id the pairing names. Contact folders and To Do lists have no colour. Returns the name and
   * colour the folder holds afterwards, with what it kept and why.
   */
  async update(collection: string, entity: EntityType, changes: CollectionMetadata): Promise<{ held: CollectionMetadata; kept: string[] }> {
    const f = await this.resolve(collection, entity);
    const patch: Json = {};
    const kept: string[] = [];
    if (changes.color !== undefined) {
      if (entity === 'event') patch.color = nearestNamedColour(changes.color);
      else kept.push(`colour: ${entity === 'task' ? 'To Do lists' : 'contact folders'} have none`);
    }
    if (changes.name !== undefined) {
      if (collection.startsWith('id:')) patch[LISTS[entity].name] = changes.name;
      else kept.push(`name: the collection is named by its path ${collection}; pair it by id (id:…, \`dovetail discover\`) to let its name follow`);
    }
    if (!Object.keys(patch).length) return { held: await this.metadata(collection, entity), kept };
    const { body } = await this.client.call({ method: 'PATCH', url: this.path(f), body: patch }, f.mailbox);
    return { held: folderMetadata(body as Json, entity), kept };
  }

  /**
   * Creates (or finds) a calendar, To Do list or contact folder; a new calendar takes the Outlook named colour nearest
   * to `color`. Returns its collection id, and a calendar's colour as Graph holds it.
   */
  async create(name: string, entity: EntityType, color?: string): Promise<ExFolder> {
    const p = parseCollectionId(name, entity);
    if (p.folderId) throw new Invalid(`${name}: a folder to create is named by its path (e.g. calendar/Team), not by id`);
    if (p.root && ROOT_ENTITY[p.root] !== entity) throw new Invalid(`${name} is below the ${p.root} folder, which does not hold ${entity}s`);
    if (p.path.length !== 1) throw new Invalid(`${name}: Graph folders are flat; name one folder below ${p.root} (e.g. ${p.root}/Team)`);
    const display = p.path[0];
    const existing = (await this.all(p.mailbox, entity)).find((f) => String(f[LISTS[entity].name]).toLowerCase() === display.toLowerCase());
    let folder = existing;
    if (!folder) {
      const props: Json = { [LISTS[entity].name]: display, ...(entity === 'event' && color ? { color: nearestNamedColour(color) } : {}) };
      folder = (await this.client.call({ method: 'POST', url: `${this.userPath(p.mailbox)}${LISTS[entity].path}`, body: props }, this.key(p.mailbox))).body as Json;
    }
    const id = formatCollectionId(p);
    this.resolved.set(`${entity}\u0000${name}`, Promise.resolve({ user: this.userPath(p.mailbox), mailbox: this.key(p.mailbox), entity, id: String(folder.id) }));
    const hex = entity === 'event' ? calendarHex(folder) : undefined;
    return { id, name: display, entity, ...(hex ? { color: hex } : {}) };
  }
}

/** Name and (calendars) colour of a Graph calendar, To Do list or contact folder as Graph returns it. */
function folderMetadata(folder: Json, entity: EntityType): CollectionMetadata {
  const name = folder[LISTS[entity].name];
  const color = entity === 'event' ? calendarHex(folder) : undefined;
  return { ...(typeof name === 'string' && name ? { name } : {}), ...(color ? { color } : {}) };
}
