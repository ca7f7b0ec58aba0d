/**
 * The Exchange connector over a protocol backend: canonical entities in, Exchange items out, with the carry of
 * what Exchange cannot hold verified against what the server actually stored.
 */
import { createHash } from 'node:crypto';
import {
  Invalid, isDovetailError,
  type CollectionInfo, type CollectionMetadata, type CollectionSpec, type Connector, type Entity, type EntityType, type ItemRef, type ListOptions,
  type ListResult, type LoadResult, type Logger, type WriteOp, type WriteResult,
} from '@dovetail/core/sdk';
import type { ExchangeBackend, ExLoaded, ExRef, ExWriteOp, ExWriteResult } from './backend.js';
import { parseCollectionId, ROOT_ENTITY } from './collection-id.js';
import { carryFor, entityOf, exItemOf, shownEntity, type ExItem, type MappingContext } from './model/index.js';

/** A stable UID for an item that has none in Exchange (created in Outlook, never synced): from its id. */
export function fallbackUid(id: string): string {
  return `exchange-${createHash('sha256').update(id).digest('hex').slice(0, 32)}`;
}

/** The native raw Dovetail keeps with a loaded item: the Exchange item as read, so updates send only changes. */
function nativeRaw(item: ExItem): Entity['raw'] {
  return { format: 'native', text: JSON.stringify(item) };
}

function previousOf(e: Entity): ExItem | undefined {
  if (e.raw?.format !== 'native') return undefined;
  try {
    const item = JSON.parse(e.raw.text) as ExItem;
    return item && typeof item === 'object' && typeof item.kind === 'string' ? item : undefined;
  } catch {
    return undefined;
  }
}

function inWindow(ref: ExRef, window: { start: Date; end: Date } | undefined): boolean {
  if (!window || ref.recurring || !ref.start) return true;
  const start = Date.parse(ref.start);
  const end = ref.end ? Date.parse(ref.end) : start;
  return start < window.end.getTime() && Math.max(end, start) >= window.start.getTime();
}

export interface ExchangeConnectorOptions {
  backend: ExchangeBackend;
  mapping: MappingContext;
  logger: Logger;
}

export function createExchangeConnector({ backend, mapping, logger }: ExchangeConnectorOptions): Connector {
  const toRefs = (refs: ExRef[]): ItemRef[] => refs.map((r) => ({ id: r.id, version: r.version }));

  /** The entity each collection was last listed or loaded for (a name without a root, or an `id:`, does not say). */
  const seen = new Map<string, EntityType>();

  /** The entity a collection holds: its root folder's, else what it was listed for, else events. */
  function entityOfCollection(collection: string): EntityType {
    const root = parseCollectionId(collection, 'event').root;
    const explicit = root !== undefined && root === parseCollectionId(collection, 'task').root;
    return (explicit ? ROOT_ENTITY[root] : undefined) ?? seen.get(collection) ?? 'event';
  }

  async function list(collection: string, options: ListOptions): Promise<ListResult> {
    seen.set(collection, options.entity);
    const listing = await backend.list(collection, options.entity, options.cursor, options.window);
    if (listing.kind === 'changes') return { kind: 'changes', changed: toRefs(listing.changed), deleted: listing.deleted, cursor: listing.cursor };
    return { kind: 'full', items: toRefs(listing.items.filter((r) => inWindow(r, options.window))), cursor: listing.cursor };
  }

  function toLoadResult(r: ExLoaded): LoadResult {
    if (!r.ok) return r;
    try {
      const entity = entityOf(r.item, fallbackUid(r.id));
      entity.raw = nativeRaw(r.item);
      return { ok: true, id: r.id, version: r.version, item: entity };
    } catch (e) {
      return { ok: false, id: r.id, error: new Invalid(`item ${r.id}: ${(e as Error).message}`, { cause: e }) };
    }
  }

  async function load(collection: string, ids: string[], entity: EntityType): Promise<LoadResult[]> {
    seen.set(collection, entity);
    return (await backend.load(collection, ids, entity)).map(toLoadResult);
  }

  /** The Exchange item for an op's entity, with the predicted carry; `Invalid` when Exchange cannot hold it. */
  function exchangeItem(e: Entity): ExItem {
    const ex = exItemOf(e, mapping);
    const carry = carryFor(e, shownEntity(backend.stored ? backend.stored(ex) : ex, e.uid));
    ex.stamp = { uid: e.uid, ...(carry ? { carry } : {}) };
    return ex;
  }

  /**
   * After a write, reads the items back and corrects the carry where the server stored something other than
   * predicted (an organizer it sets itself, a body it rewrote): the next read then restores exactly what was
   * written. Returns the final versions.
   */
  async function verify(collection: string, entity: EntityType, written: { index: number; id: string; intended: Entity }[], results: WriteResult[]): Promise<void> {
    if (!written.length) return;
    const fixes: { index: number; op: ExWriteOp }[] = [];
    for (const r of await backend.load(collection, written.map((w) => w.id), entity)) {
      const w = written.find((x) => x.id === r.id);
      if (!w) continue;
      if (!r.ok) { logger.warn({ id: r.id, error: r.error.message }, 'could not read back a written item'); continue; }
      const carry = carryFor(w.intended, shownEntity(r.item, w.intended.uid));
      results[w.index] = { ok: true, id: r.id, version: r.version };
      if ((carry ?? '') === (r.item.stamp?.carry ?? '') && r.item.stamp?.uid === w.intended.uid) continue;
      fixes.push({ index: w.index, op: { op: 'stamp', id: r.id, ifVersion: r.version, item: { ...r.item, stamp: { uid: w.intended.uid, ...(carry ? { carry } : {}) } } } });
    }
    if (!fixes.length) return;
    const fixed = await backend.write(collection, fixes.map((f) => f.op), entity);
    fixed.forEach((r, i) => {
      if (r.ok) results[fixes[i].index] = { ok: true, id: r.id, version: r.version };
      else logger.warn({ error: r.error.message }, 'could not correct the carried values of a written item');
    });
  }

  async function write(collection: string, ops: WriteOp[], entity: EntityType): Promise<WriteResult[]> {
    const results: WriteResult[] = new Array(ops.length);
    const exOps: { index: number; op: ExWriteOp; intended?: Entity }[] = [];
    ops.forEach((op, index) => {
      try {
        if (op.op === 'delete') { exOps.push({ index, op }); return; }
        if (op.item.type !== entity) throw new Invalid(`a ${op.item.type} cannot be written to a folder of ${entity}s`);
        const item = exchangeItem(op.item);
        exOps.push(op.op === 'create'
          ? { index, op: { op: 'create', item }, intended: op.item }
          : { index, op: { op: 'update', id: op.id, ifVersion: op.ifVersion, item, previous: previousOf(op.item) }, intended: op.item });
      } catch (e) {
        if (!isDovetailError(e)) throw e;
        results[index] = { ok: false, error: e };
      }
    });
    const done: ExWriteResult[] = exOps.length ? await backend.write(collection, exOps.map((o) => o.op), entity) : [];
    const written: { index: number; id: string; intended: Entity }[] = [];
    done.forEach((r, i) => {
      const { index, intended } = exOps[i];
      results[index] = r;
      if (r.ok && intended) written.push({ index, id: r.id, intended });
    });
    await verify(collection, entity, written, results);
    return results;
  }

  async function discover(): Promise<CollectionInfo[]> {
    const folders = await backend.folders();
    return folders.map((f) => ({ id: f.id, name: f.name, entities: [f.entity], ...(f.color ? { color: f.color } : {}), ...(f.readOnly ? { readOnly: true } : {}) }));
  }

  async function createCollection(spec: CollectionSpec): Promise<CollectionInfo> {
    const entity = spec.entities[0];
    if (!entity || spec.entities.length > 1) throw new Invalid('an Exchange folder holds one kind of item: events, tasks or contacts');
    // The folder is made where the pairing's collection id points (a path such as calendar/Team); `spec.name` is the
    // paired collection's name, which an Exchange folder named by its path cannot take without changing its id.
    const f = await backend.createFolder(spec.id, entity, spec.color);
    seen.set(f.id, entity);
    return { id: f.id, name: f.name, entities: [f.entity], ...(f.color ? { color: f.color } : {}) };
  }

  return {
    check: () => backend.check(),
    discover,
    list,
    load: (collection, ids, options) => load(collection, ids, options.entity),
    write: (collection, ops) => write(collection, ops, entityOfOps(collection, ops)),
    createCollection,
    ...(backend.folderMetadata ? { collectionMetadata: (collection: string) => backend.folderMetadata!(collection, entityOfCollection(collection)) } : {}),
    ...(backend.updateFolder ? {
      updateCollection: async (collection: string, changes: CollectionMetadata): Promise<CollectionMetadata> => {
        const { held, kept } = await backend.updateFolder!(collection, entityOfCollection(collection), changes);
        if (kept.length) logger.info({ collection, kept }, 'kept some of the collection name and colour as they are');
        return held;
      },
    } : {}),
    close: () => backend.close(),
  };
}

/** The entity type the ops write (a delete-only batch does not say: the collection's root folder does). */
function entityOfOps(collection: string, ops: WriteOp[]): EntityType {
  for (const op of ops) if (op.op !== 'delete') return op.item.type;
  const root = parseCollectionId(collection, 'event').root;
  return (root && ROOT_ENTITY[root]) || 'event';
}
