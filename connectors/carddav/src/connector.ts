/**
 * The CardDAV connector: contacts and groups (vCard 2.1/3.0/4.0, Apple and RFC 6350 groups) in one or more
 * address books. Listing is a sync-collection delta where supported (one request when nothing changed),
 * otherwise a PROPFIND of every card's ETag; cards load by addressbook-multiget in chunks; writes are
 * conditional PUT/DELETE. Collection ids are address book hrefs as `discover` prints them.
 */
import {
  Invalid, serializeSingleItem,
  type CollectionInfo, type CollectionMetadata, type CollectionSpec, type Connector, type ConnectorContext, type ContactEntity,
  type EntityType, type ItemRef, type ListOptions, type ListResult, type LoadResult, type WriteOp, type WriteResult,
} from '@dovetail/core/sdk';
import {
  davAccount, listMembers, loadMembers, openDavEndpoint, readCollectionProps, setCollectionProps, syncCollection, writeMembers,
  type DavEndpoint, type DavEndpointSettings, type Member, type MemberFormat,
} from '@dovetail/dav';

export interface CardDavSettings extends DavEndpointSettings {
  /** vCard version for new cards (a card read from the server keeps its own). */
  vcardVersion?: '3.0' | '4.0';
  /** Largest photo (decoded bytes) written; larger ones fail that card alone. Default 1 MiB. */
  maxPhotoBytes?: number;
}

const CURSOR_PREFIX = 'sync:';
const DEFAULT_MAX_PHOTO = 1024 * 1024;

/** Creates a connector for one CardDAV account. */
export async function createCardDavConnector(ctx: ConnectorContext<CardDavSettings>): Promise<Connector> {
  const ep: DavEndpoint = await openDavEndpoint(ctx, 'carddav');
  const { client, quirks } = ep;
  const maxPhoto = ctx.settings.maxPhotoBytes ?? DEFAULT_MAX_PHOTO;
  const account = davAccount(ctx, ep, 'carddav');
  const { collectionHref, canSync } = account;

  const format: MemberFormat = {
    multiget: 'addressbook', extension: '.vcf', contentType: 'text/vcard; charset=utf-8',
    serialize(item, op) {
      if (item.type !== 'contact') throw new Invalid(`CardDAV holds contacts, not ${item.type}s`);
      if (op === 'create' || !photoUnchanged(item)) checkPhoto(item, maxPhoto);
      // New cards take the configured version; an update keeps the version the server's card has.
      return serializeSingleItem(item, op === 'create' ? ctx.settings.vcardVersion : undefined);
    },
  };

  const refs = (ms: Member[]): ItemRef[] => ms.map((m) => ({ id: m.href, version: m.etag }));

  async function list(collection: string, options: ListOptions): Promise<ListResult> {
    contactsOnly(options.entity);
    const href = await collectionHref(collection);
    if (options.cursor?.startsWith(CURSOR_PREFIX) && quirks.syncCollection) {
      const delta = await syncCollection(client, href, options.cursor.slice(CURSOR_PREFIX.length));
      return { kind: 'changes', changed: refs(delta.changed), deleted: delta.deleted, cursor: CURSOR_PREFIX + delta.token };
    }
    if (await canSync(href)) {
      const all = await syncCollection(client, href, '');
      return { kind: 'full', items: refs(all.changed), cursor: CURSOR_PREFIX + all.token };
    }
    return { kind: 'full', items: refs(await listMembers(client, href)) };
  }

  async function load(collection: string, ids: string[], entity: EntityType): Promise<LoadResult[]> {
    contactsOnly(entity);
    return loadMembers(client, await collectionHref(collection), ids, 'contact', 'addressbook', ep.multigetChunk);
  }

  async function write(collection: string, ops: WriteOp[]): Promise<WriteResult[]> {
    return writeMembers(client, await collectionHref(collection), ops, format, ep.multigetChunk, { verify: ctx.settings.verifyWrites !== false, concurrency: ep.writeConcurrency });
  }

  async function discover(): Promise<CollectionInfo[]> {
    return (await account.collections()).map((b) => ({ id: b.href, name: b.name, entities: ['contact'], color: b.color, readOnly: b.readOnly }));
  }

  async function createCollection(spec: CollectionSpec): Promise<CollectionInfo> {
    const href = await collectionHref(spec.id);
    const name = spec.name && spec.name !== spec.id ? spec.name : decodeURIComponent(href.split('/').filter(Boolean).pop() ?? 'contacts');
    const body = { 'd:mkcol': { 'd:set': { 'd:prop': { 'd:resourcetype': { 'd:collection': {}, 'card:addressbook': {} }, 'd:displayname': name } } } };
    await account.create(href, 'MKCOL', body);
    return { id: href, name, entities: ['contact'] };
  }

  /** The address book's displayname (one PROPFIND Depth 0); address books have no colour. */
  async function collectionMetadata(collection: string): Promise<CollectionMetadata> {
    return readCollectionProps(client, await collectionHref(collection), false);
  }

  /** PROPPATCH of displayname; a colour is ignored (CardDAV has none). */
  async function updateCollection(collection: string, changes: CollectionMetadata): Promise<void> {
    if (changes.name === undefined) return;
    const refused = await setCollectionProps(client, await collectionHref(collection), { name: changes.name });
    if (refused.length) ctx.logger.warn({ collection }, 'the server did not store the address book name');
  }

  return {
    check: account.check, discover, list, write, createCollection, collectionMetadata, updateCollection,
    load: (collection, ids, options) => load(collection, ids, options.entity),
    close: () => ep.transport.close(),
  };
}

function contactsOnly(entity: EntityType): void {
  if (entity !== 'contact') throw new Invalid(`CardDAV holds contacts, not ${entity}s`);
}

/**
 * On an update: the photo is the one the card already carries (another field changed), so a card whose large
 * photo came from elsewhere stays editable. (A same-version source carries its raw, so a new large photo
 * from it passes here; the server then answers 413, which is the same per-card error.)
 */
function photoUnchanged(item: ContactEntity): boolean {
  const data = item.photo?.data;
  return !data || (item.raw?.format === 'vcard' && item.raw.text.replace(/\r?\n[ \t]/g, '').includes(data.slice(0, 256)));
}

/** Refuses a card whose inline photo is larger than `max` decoded bytes (servers refuse or truncate them). */
function checkPhoto(item: ContactEntity, max: number): void {
  const data = item.photo?.data;
  if (!data) return;
  const bytes = Buffer.byteLength(data.replace(/\s+/g, ''), 'base64');
  if (bytes > max) {
    const size = (n: number) => (n >= 1048576 ? `${(n / 1048576).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} bytes`);
    throw new Invalid(`${item.formattedName ?? item.uid}: the photo is ${size(bytes)} (${bytes} bytes), larger than the ${size(max)} (${max} bytes) allowed ("maxPhotoBytes"); scale it down`);
  }
}
