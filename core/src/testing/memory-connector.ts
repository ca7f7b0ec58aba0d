/**
 * An in-memory connector for engine tests (ours and third parties'): a real implementation of the
 * connector interface with knobs for the faults real servers have — failing writes, missing ETags,
 * changes under the engine's feet, a change feed with stale cursors.
 */
import { defineConnector, type Connector, type ConnectorDefinition, type ListResult, type LoadResult, type WriteOp, type WriteResult } from '../sdk/connector.js';
import type { Entity, EntityType } from '../sdk/entities.js';
import { CursorInvalid, NotFound, PreconditionFailed, type DovetailError } from '../sdk/errors.js';
import { overlaps } from '../model/recurrence.js';

export interface MemoryItem {
  version: string;
  entity: Entity;
}

export interface MemoryFaults {
  /** Return an error to fail this write op (called once per op, per attempt). */
  failWrite?: (op: WriteOp, collection: string) => DovetailError | undefined;
  /** Writes succeed but return no version (a server that answers PUT without an ETag). */
  dropVersions?: boolean;
  /** Called before each write call: the place to change items under the engine's feet. */
  beforeWrite?: (store: MemoryStore, collection: string, ops: WriteOp[]) => void;
  /** Offer a change feed (sync-token style) instead of full listings. */
  changeFeed?: boolean;
  /** Make the next list with a cursor throw CursorInvalid. */
  invalidateCursor?: boolean;
  /** Full listings with a window hold only the items overlapping it, as a CalDAV time-range query does. */
  timeRange?: boolean;
}

interface Change { seq: number; id: string; deleted: boolean }

/** The data behind memory connectors; shared by reference so tests can edit it "as a user" between syncs. */
export class MemoryStore {
  readonly collections = new Map<string, Map<string, MemoryItem>>();
  private counter = 0;
  private seq = 0;
  private readonly log = new Map<string, Change[]>();
  /** Counters for assertions: how many items were loaded and how many write ops were made. */
  readonly stats = { loads: 0, writes: 0, lists: 0 };
  faults: MemoryFaults = {};

  collection(name: string): Map<string, MemoryItem> {
    let c = this.collections.get(name);
    if (!c) {
      c = new Map();
      this.collections.set(name, c);
      this.log.set(name, []);
    }
    return c;
  }

  private nextVersion(): string {
    return `v${++this.counter}`;
  }

  private record(collection: string, id: string, deleted: boolean): void {
    this.collection(collection);
    this.log.get(collection)!.push({ seq: ++this.seq, id, deleted });
  }

  /** Adds an item as a user would (no engine involved); returns its id. */
  put(collection: string, entity: Entity, id = `m${++this.counter}`): string {
    this.collection(collection).set(id, { version: this.nextVersion(), entity: structuredClone(entity) });
    this.record(collection, id, false);
    return id;
  }

  /** Replaces an item's content as a user would. */
  edit(collection: string, id: string, change: (e: Entity) => Entity): void {
    const c = this.collection(collection);
    const it = c.get(id);
    if (!it) throw new Error(`no item ${id} in ${collection}`);
    c.set(id, { version: this.nextVersion(), entity: change(structuredClone(it.entity)) });
    this.record(collection, id, false);
  }

  remove(collection: string, id: string): void {
    if (this.collection(collection).delete(id)) this.record(collection, id, true);
  }

  /** Items of a collection as plain entities. */
  entities(collection: string): Entity[] {
    return [...this.collection(collection).values()].map((i) => i.entity);
  }

  cursor(collection: string): string {
    this.collection(collection);
    return String(this.seq);
  }

  changesSince(collection: string, cursor: string): { changed: string[]; deleted: string[] } {
    const since = Number(cursor);
    const changed = new Set<string>();
    const deleted = new Set<string>();
    for (const ch of this.log.get(collection) ?? []) {
      if (ch.seq <= since) continue;
      if (ch.deleted) { deleted.add(ch.id); changed.delete(ch.id); } else { changed.add(ch.id); deleted.delete(ch.id); }
    }
    return { changed: [...changed], deleted: [...deleted] };
  }

  /** Applies one write op (used by the connector; exposed for tests that emulate a second client). */
  apply(collection: string, op: WriteOp): WriteResult {
    const c = this.collection(collection);
    const fault = this.faults.failWrite?.(op, collection);
    if (fault) return { ok: false, error: fault };
    this.stats.writes++;
    if (op.op === 'create') {
      const id = `m${++this.counter}`;
      c.set(id, { version: this.nextVersion(), entity: structuredClone(op.item) });
      this.record(collection, id, false);
      return { ok: true, id, version: this.faults.dropVersions ? undefined : c.get(id)!.version };
    }
    const cur = c.get(op.id);
    if (!cur) return { ok: false, error: new NotFound(`no item ${op.id}`) };
    if (op.ifVersion !== undefined && op.ifVersion !== cur.version) return { ok: false, error: new PreconditionFailed(`item ${op.id} changed (${cur.version} ≠ ${op.ifVersion})`) };
    if (op.op === 'delete') {
      c.delete(op.id);
      this.record(collection, op.id, true);
      return { ok: true, id: op.id };
    }
    const { raw: _raw, ...fields } = op.item;
    void _raw;
    c.set(op.id, { version: this.nextVersion(), entity: structuredClone(fields as Entity) });
    this.record(collection, op.id, false);
    return { ok: true, id: op.id, version: this.faults.dropVersions ? undefined : c.get(op.id)!.version };
  }
}

/** A connector over a MemoryStore. `readOnly` refuses every write. */
export function memoryConnector(store: MemoryStore, options: { readOnly?: boolean } = {}): Connector {
  return {
    async check() { return { ok: true, message: 'in memory' }; },
    async discover() {
      return [...store.collections.keys()].map((id) => ({ id, name: id, entities: ['event', 'task', 'contact'] as EntityType[] }));
    },
    async createCollection(spec) {
      store.collection(spec.id);
      return { id: spec.id, name: spec.name ?? spec.id, entities: spec.entities };
    },
    async list(collection, opts): Promise<ListResult> {
      store.stats.lists++;
      const c = store.collection(collection);
      if (store.faults.changeFeed && opts.cursor !== undefined) {
        if (store.faults.invalidateCursor) {
          store.faults.invalidateCursor = false;
          throw new CursorInvalid('sync token expired');
        }
        const ch = store.changesSince(collection, opts.cursor);
        return {
          kind: 'changes',
          changed: ch.changed.filter((id) => c.has(id)).map((id) => ({ id, version: c.get(id)!.version })),
          deleted: ch.deleted,
          cursor: store.cursor(collection),
        };
      }
      const { window } = opts;
      const inRange = (e: Entity) => !store.faults.timeRange || !window || e.type === 'contact' || overlaps(e, window.start, window.end);
      return {
        kind: 'full',
        items: [...c].filter(([, it]) => inRange(it.entity)).map(([id, it]) => ({ id, version: it.version })),
        cursor: store.faults.changeFeed ? store.cursor(collection) : undefined,
      };
    },
    async load(collection, ids): Promise<LoadResult[]> {
      const c = store.collection(collection);
      return ids.map((id) => {
        const it = c.get(id);
        if (!it) return { ok: false, id, error: new NotFound(`no item ${id}`) };
        store.stats.loads++;
        return { ok: true, id, version: it.version, item: structuredClone(it.entity) };
      });
    },
    async write(collection, ops): Promise<WriteResult[]> {
      if (options.readOnly) throw new Error('read-only memory connector was written to');
      store.faults.beforeWrite?.(store, collection, ops);
      return ops.map((op) => store.apply(collection, op));
    },
  };
}

/** The same, as a connector definition (for host-level tests). Settings: `{ store: string }` names a registered store. */
export const memoryStores = new Map<string, MemoryStore>();
export const memoryConnectorDefinition: ConnectorDefinition<{ store: string; readOnly?: boolean }> = defineConnector((ctx) => {
  const store = memoryStores.get(ctx.settings.store) ?? new MemoryStore();
  memoryStores.set(ctx.settings.store, store);
  return memoryConnector(store, { readOnly: ctx.settings.readOnly });
});
