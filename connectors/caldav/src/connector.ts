/**
 * The CalDAV connector: events (VEVENT) and tasks (VTODO) in calendars that hold one or both.
 * Listing is a sync-collection delta where the server supports it (one request when nothing changed),
 * otherwise a calendar-query for href + ETag; items load by calendar-multiget in chunks; writes are
 * conditional PUT/DELETE. Collection ids are calendar hrefs as `discover` prints them.
 */
import {
  Invalid, serializeSingleItem,
  type CollectionInfo, type CollectionMetadata, type CollectionSpec, type Connector, type ConnectorContext, type EntityType,
  type ItemRef, type ListOptions, type ListResult, type LoadResult, type WriteOp, type WriteResult,
} from '@dovetail/core/sdk';
import {
  confirmsProp, currentSyncToken, davAccount, listMembers, loadMembers, multiget, openDavEndpoint, readCollectionProps,
  setCollectionProps, syncCollection, writeMembers, type MemberFormat,
  type DavCollection, type DavEndpoint, type DavEndpointSettings, type Fetched, type Member,
} from '@dovetail/dav';
import { calendarQuery, componentFromContentType, componentOfData, mkcalendarBody, type CalendarComponent } from './calendar-query.js';

export type CalDavSettings = DavEndpointSettings;

const COMPONENT: Record<'event' | 'task', CalendarComponent> = { event: 'VEVENT', task: 'VTODO' };
const CURSOR_PREFIX = 'sync:';
const ICS_FORMAT: MemberFormat = { multiget: 'calendar', extension: '.ics', contentType: 'text/calendar; charset=utf-8', serialize: (item) => serializeSingleItem(item) };

/** Creates a connector for one CalDAV account. */
export async function createCalDavConnector(ctx: ConnectorContext<CalDavSettings>): Promise<Connector> {
  const ep: DavEndpoint = await openDavEndpoint(ctx, 'caldav');
  const { client, quirks } = ep;
  /** Data fetched while classifying a delta, served to the `load` that follows (so K changes load K items). */
  const prefetched = new Map<string, Fetched>();
  const account = davAccount(ctx, ep, 'caldav');
  const { collectionHref, canSync } = account;

  /**
   * Keeps the members holding `component`. Members whose content type does not say are decided by a
   * calendar-query (full listings) or by fetching them now (deltas; the data is kept for `load`).
   */
  async function ofComponent(href: string, members: Member[], component: CalendarComponent, full: boolean): Promise<Member[]> {
    const unknown = members.filter((m) => componentFromContentType(m.contentType) === undefined);
    if (unknown.length === 0) return members.filter((m) => componentFromContentType(m.contentType) === component);
    let kinds: Map<string, CalendarComponent | 'other'>;
    if (full) {
      const matching = new Set((await listMembers(client, href, calendarQuery(component))).map((m) => m.href));
      kinds = new Map(unknown.map((m) => [m.href, matching.has(m.href) ? component : 'other']));
    } else {
      const fetched = await multiget(client, href, unknown.map((m) => m.href), 'calendar', ep.multigetChunk);
      kinds = new Map();
      for (const m of unknown) {
        const f = fetched.get(m.href);
        if (f?.ok) { prefetched.set(m.href, f); kinds.set(m.href, componentOfData(f.data)); } else kinds.set(m.href, component); // let load report it
      }
    }
    return members.filter((m) => (kinds.get(m.href) ?? componentFromContentType(m.contentType)) === component);
  }

  const refs = (ms: Member[]): ItemRef[] => ms.map((m) => ({ id: m.href, version: m.etag }));

  async function list(collection: string, options: ListOptions): Promise<ListResult> {
    const component = componentFor(options.entity);
    const href = await collectionHref(collection);
    prefetched.clear();
    if (options.cursor?.startsWith(CURSOR_PREFIX) && quirks.syncCollection) {
      const delta = await syncCollection(client, href, options.cursor.slice(CURSOR_PREFIX.length));
      const changed = await ofComponent(href, delta.changed, component, false);
      return { kind: 'changes', changed: refs(changed), deleted: delta.deleted, cursor: CURSOR_PREFIX + delta.token };
    }
    const sync = await canSync(href);
    const range = options.window && quirks.timeRangeExpandsRecurrences ? options.window : undefined;
    if (sync && !range) {
      const all = await syncCollection(client, href, '');
      return { kind: 'full', items: refs(await ofComponent(href, all.changed, component, true)), cursor: CURSOR_PREFIX + all.token };
    }
    // The token is read before listing: changes made meanwhile show up again in the next delta, never get lost.
    const token = sync ? await currentSyncToken(client, href) : undefined;
    const members = await listMembers(client, href, calendarQuery(component, range));
    if (range) {
      // Servers differ in expanding recurrences for time-range (Xandikos does not): every recurring item is
      // listed too, and the engine decides with its own expansion whether an instance falls in the window.
      const seen = new Set(members.map((m) => m.href));
      for (const prop of ['RRULE', 'RDATE']) {
        for (const m of await listMembers(client, href, calendarQuery(component, undefined, prop))) {
          if (!seen.has(m.href)) { seen.add(m.href); members.push(m); }
        }
      }
    }
    return { kind: 'full', items: refs(members), cursor: token ? CURSOR_PREFIX + token : undefined };
  }

  async function load(collection: string, ids: string[], entity: EntityType): Promise<LoadResult[]> {
    componentFor(entity);
    return loadMembers(client, await collectionHref(collection), ids, entity, 'calendar', ep.multigetChunk, prefetched);
  }

  async function write(collection: string, ops: WriteOp[]): Promise<WriteResult[]> {
    return writeMembers(client, await collectionHref(collection), ops, ICS_FORMAT, ep.multigetChunk, { verify: ctx.settings.verifyWrites !== false, concurrency: ep.writeConcurrency });
  }

  async function discover(): Promise<CollectionInfo[]> {
    return (await account.collections()).map(toInfo);
  }

  async function createCollection(spec: CollectionSpec): Promise<CollectionInfo> {
    const href = await collectionHref(spec.id);
    const components = spec.entities.filter((e): e is 'event' | 'task' => e === 'event' || e === 'task').map((e) => COMPONENT[e]);
    const name = spec.name && spec.name !== spec.id ? spec.name : decodeURIComponent(href.split('/').filter(Boolean).pop() ?? 'calendar');
    const color = quirks.colorProperty === 'apple' ? spec.color : undefined;
    const res = await account.create(href, 'MKCALENDAR', mkcalendarBody(name, components.length ? components : ['VEVENT', 'VTODO'], color));
    if (color && !confirmsProp(res.text, 'calendar-color')) await setColor(href, color); // Xandikos ignores it in MKCALENDAR
    return { id: href, name, entities: components.length ? spec.entities : ['event', 'task'], color: spec.color };
  }

  /** Sets the Apple calendar-color with PROPPATCH; a refusal is logged, not fatal. */
  async function setColor(href: string, color: string): Promise<void> {
    if ((await setCollectionProps(client, href, { color })).length) ctx.logger.warn({ href }, 'the server did not store the calendar colour');
  }

  /** The calendar's displayname and calendar-color (one PROPFIND Depth 0). */
  async function collectionMetadata(collection: string): Promise<CollectionMetadata> {
    return readCollectionProps(client, await collectionHref(collection), quirks.colorProperty === 'apple');
  }

  /** PROPPATCH of displayname and calendar-color; a property the server refuses is logged, the other is kept. */
  async function updateCollection(collection: string, changes: CollectionMetadata): Promise<void> {
    const color = quirks.colorProperty === 'apple' ? changes.color : undefined;
    const refused = await setCollectionProps(client, await collectionHref(collection), { name: changes.name, color });
    if (refused.length) ctx.logger.warn({ collection, refused }, 'the server did not store every collection property');
  }

  return {
    check: account.check, discover, list, write, createCollection, collectionMetadata, updateCollection,
    load: (collection, ids, options) => load(collection, ids, options.entity),
    close: () => ep.transport.close(),
  };
}

function componentFor(entity: EntityType): CalendarComponent {
  if (entity !== 'event' && entity !== 'task') throw new Invalid(`CalDAV holds events and tasks, not ${entity}s`);
  return COMPONENT[entity];
}

function toInfo(c: DavCollection): CollectionInfo {
  const entities: EntityType[] = [];
  if (c.components.length === 0 || c.components.includes('VEVENT')) entities.push('event');
  if (c.components.length === 0 || c.components.includes('VTODO')) entities.push('task');
  return { id: c.href, name: c.name, entities, color: c.color, readOnly: c.readOnly };
}
