/**
 * The connector conformance kit (DESIGN §3): one test suite any connector runs against itself.
 *
 * The caller hands in its test runner's `describe`, `it` and `expect` (vitest or jest), so the SDK itself
 * never imports a test runner at run time:
 * ```ts
 * import { describe, it, expect } from 'vitest';
 * import { runConformanceSuite } from '@dovetail/core/testing';
 * runConformanceSuite('my-connector', async (entity) => ({ connector, collection }), { describe, it, expect, entities: ['event'] });
 * ```
 */
import type { Connector, LoadResult, WriteOp, WriteResult } from '../sdk/connector.js';
import type { ContactEntity, Entity, EntityType, EventEntity, TaskEntity } from '../sdk/entities.js';
import type { ErrorCode } from '../sdk/errors.js';
import type { ConnectorManifest } from '../sdk/manifest.js';
import type { TimeValue } from '../sdk/entities.js';
import { toEpochMs } from '../model/time-value.js';
import { corpusItems, defaultCorpusDir } from './corpus.js';

/** Every code a connector's errors may carry (the engine decides by it). */
const ERROR_CODES: readonly ErrorCode[] = ['CursorInvalid', 'PreconditionFailed', 'NotFound', 'RateLimited', 'AuthFailed', 'Invalid', 'Unavailable'];

/** The matchers the suite uses; vitest's and jest's `expect` provide them. */
export interface ConformanceAssertion {
  toBe(expected: unknown): void;
  toEqual(expected: unknown): void;
  toContain(item: unknown): void;
  toHaveLength(length: number): void;
  not: ConformanceAssertion;
}

/** The test runner functions the suite registers its tests with. */
export interface ConformanceTestApi {
  describe(name: string, body: () => void): void;
  it(name: string, body: () => Promise<void>, timeoutMs?: number): void;
  expect(actual: unknown): ConformanceAssertion;
}

/** One connector under test, bound to a fresh, empty collection for one entity type. */
export interface ConformanceTarget {
  connector: Connector;
  /** Id of a fresh, empty collection that holds `entity` items. */
  collection: string;
  /**
   * Optional: stores an item the connector cannot parse (a broken file, a malformed body) out of band and
   * returns its id. When given, the suite checks that loading it fails with `Invalid` for that item only.
   */
  injectInvalidItem?(): Promise<string>;
  /** Releases whatever the target made (temp folders, servers); called after each test. */
  dispose?(): Promise<void>;
}

export interface ConformanceOptions extends ConformanceTestApi {
  /** The entity types to exercise; each gets its own block of tests. */
  entities: EntityType[];
  /** Whether `discover()` must list the target collection (default true). */
  discoverable?: boolean;
  /** Whether to test loading an unparseable item; the targets must then provide `injectInvalidItem` (default true). */
  invalidItems?: boolean;
  /** Per-test timeout in ms (default: the runner's). */
  timeoutMs?: number;
  /**
   * The connector's manifest: entity types it does not declare are left out, and the corpus round trip compares
   * only the fields it declares it can store (`entities.<type>.fields`).
   */
  manifest?: ConnectorManifest;
  /**
   * The interop corpus folder for the round trip of real items (default `$CORPUS_DIR`, else `../shared/corpus`
   * beside the repository); `false` leaves the round trip out.
   */
  corpus?: string | false;
  /** Items per entity type in the corpus round trip (default 8). */
  corpusItems?: number;
}

/** Makes a connector and a fresh collection for one entity type; called once per test. */
export type MakeConformanceTarget = (entity: EntityType) => Promise<ConformanceTarget>;

let sequence = 0;

/** A new item of `entity` with a unique UID and the given title (summary, or formatted name for contacts). */
export function sampleEntity(entity: EntityType, title: string): Entity {
  const uid = `conformance-${Date.now().toString(36)}-${process.pid}-${++sequence}@dovetail.test`;
  if (entity === 'event') {
    const event: EventEntity = {
      type: 'event', uid, summary: title,
      start: { kind: 'utc', value: '2026-03-02T09:00:00Z' }, end: { kind: 'utc', value: '2026-03-02T10:00:00Z' },
    };
    return event;
  }
  if (entity === 'task') {
    const task: TaskEntity = { type: 'task', uid, summary: title, due: { kind: 'utc', value: '2026-03-05T17:00:00Z' } };
    return task;
  }
  const contact: ContactEntity = {
    type: 'contact', uid, formattedName: title, name: { family: title, given: 'Conformance' },
    emails: [{ value: `c${sequence}@example.org`, types: ['work'] }],
  };
  return contact;
}

/** The human title of an entity: summary, or formatted name for contacts. */
export function titleOf(item: Entity): string | undefined {
  return item.type === 'contact' ? item.formattedName : item.summary;
}

/** A copy of `item` with a new title. */
export function retitled(item: Entity, title: string): Entity {
  return item.type === 'contact' ? { ...item, formattedName: title } : { ...item, summary: title };
}

/** Registers the conformance tests for the connector `name`. */
export function runConformanceSuite(name: string, makeConnector: MakeConformanceTarget, options: ConformanceOptions): void {
  const { describe, it, expect } = options;

  /** Runs `body` with a fresh target, disposing of it afterwards. */
  const withTarget = (entity: EntityType, body: (t: ConformanceTarget) => Promise<void>) => async () => {
    const target = await makeConnector(entity);
    try {
      await body(target);
    } finally {
      await target.dispose?.();
    }
  };

  const describeResult = (r: WriteResult | LoadResult | undefined) =>
    r === undefined ? 'no result' : r.ok ? 'success' : `${r.error.code}: ${r.error.message}`;
  const okWrite = (r: WriteResult | undefined): { id: string; version?: string } => {
    if (!r || !r.ok) throw new Error(`expected a successful write, got ${describeResult(r)}`);
    return r;
  };
  const failedWrite = (r: WriteResult | undefined, code: ErrorCode) => {
    if (!r || r.ok) throw new Error(`expected a write failing with ${code}, got ${describeResult(r)}`);
    expect(r.error.code).toBe(code);
  };
  const okLoad = (r: LoadResult | undefined): Entity => {
    if (!r || !r.ok) throw new Error(`expected a successful load, got ${describeResult(r)}`);
    return r.item;
  };

  const declared = (e: EntityType) => !options.manifest || options.manifest.entities[e] !== undefined;
  for (const entity of options.entities.filter(declared)) {
    const fields = options.manifest?.entities[entity]?.fields;
    const stores = (field: string) => !fields || fields.includes(field);
    const list = async (t: ConformanceTarget) => {
      const res = await t.connector.list(t.collection, { entity });
      if (res.kind !== 'full') throw new Error(`expected a full listing without a cursor, got ${res.kind}`);
      return new Map(res.items.map((i) => [i.id, i.version]));
    };
    const load = (t: ConformanceTarget, ids: string[]) => t.connector.load(t.collection, ids, { entity });
    const write = (t: ConformanceTarget, ops: WriteOp[]) => t.connector.write(t.collection, ops);
    const create = async (t: ConformanceTarget, title: string) => {
      const item = sampleEntity(entity, title);
      return { item, ...okWrite((await write(t, [{ op: 'create', item }]))[0]) };
    };
    const test = (title: string, body: (t: ConformanceTarget) => Promise<void>) =>
      it(title, withTarget(entity, body), options.timeoutMs);

    describe(`${name} conformance: ${entity}`, () => {
      test('check() succeeds with a message', async (t) => {
        const res = await t.connector.check();
        expect(res.ok).toBe(true);
        expect(typeof res.message).toBe('string');
      });

      if (options.discoverable !== false) {
        test('discover() lists the collection', async (t) => {
          const found = (await t.connector.discover()).find((c) => c.id === t.collection);
          expect(found?.id).toBe(t.collection);
          expect(found?.entities ?? []).toContain(entity);
        });
      }

      test('a fresh collection lists empty', async (t) => {
        expect((await list(t)).size).toBe(0);
      });

      test('create: the item is listed with the returned version and loads back', async (t) => {
        const created = await create(t, 'Conformance create');
        const listed = await list(t);
        expect([...listed.keys()]).toEqual([created.id]);
        if (created.version !== undefined) expect(listed.get(created.id)).toBe(created.version);
        const [res] = await load(t, [created.id]);
        expect(res.id).toBe(created.id);
        const loaded = okLoad(res);
        expect(loaded.type).toBe(entity);
        expect(loaded.uid).toBe(created.item.uid);
        expect(titleOf(loaded)).toBe('Conformance create');
        if (res.ok) expect(res.version).toBe(listed.get(created.id));
      });

      test('several creates in one write: distinct ids, results in op order', async (t) => {
        const items = ['First', 'Second', 'Third'].map((title) => sampleEntity(entity, title));
        const results = await write(t, items.map((item) => ({ op: 'create' as const, item })));
        expect(results).toHaveLength(3);
        const ids = results.map((r) => okWrite(r).id);
        expect(new Set(ids).size).toBe(3);
        const loaded = await load(t, ids);
        expect(loaded.map((r) => titleOf(okLoad(r)))).toEqual(['First', 'Second', 'Third']);
        expect([...(await list(t)).keys()].sort()).toEqual([...ids].sort());
      });

      test('versions are stable while nothing changes', async (t) => {
        await create(t, 'Stable');
        const first = await list(t);
        const second = await list(t);
        expect([...second.entries()]).toEqual([...first.entries()]);
      });

      test('update with the current version succeeds and changes the version', async (t) => {
        const created = await create(t, 'Before update');
        const before = (await list(t)).get(created.id);
        const res = okWrite((await write(t, [{ op: 'update', id: created.id, ifVersion: before, item: retitled(created.item, 'After update') }]))[0]);
        expect(res.id).toBe(created.id);
        const after = (await list(t)).get(created.id);
        expect(after).not.toBe(before);
        if (res.version !== undefined) expect(after).toBe(res.version);
        expect(titleOf(okLoad((await load(t, [created.id]))[0]))).toBe('After update');
      });

      test('update without a version is unconditional', async (t) => {
        const created = await create(t, 'Unconditional');
        okWrite((await write(t, [{ op: 'update', id: created.id, item: retitled(created.item, 'Overwritten') }]))[0]);
        expect(titleOf(okLoad((await load(t, [created.id]))[0]))).toBe('Overwritten');
      });

      test('update with a stale version fails with PreconditionFailed and changes nothing', async (t) => {
        const created = await create(t, 'Original');
        const v1 = (await list(t)).get(created.id);
        okWrite((await write(t, [{ op: 'update', id: created.id, ifVersion: v1, item: retitled(created.item, 'Second') }]))[0]);
        const v2 = (await list(t)).get(created.id);
        failedWrite((await write(t, [{ op: 'update', id: created.id, ifVersion: v1, item: retitled(created.item, 'Lost update') }]))[0], 'PreconditionFailed');
        expect(titleOf(okLoad((await load(t, [created.id]))[0]))).toBe('Second');
        expect((await list(t)).get(created.id)).toBe(v2);
      });

      test('delete with a stale version fails with PreconditionFailed and keeps the item', async (t) => {
        const created = await create(t, 'Keep me');
        const v1 = (await list(t)).get(created.id);
        okWrite((await write(t, [{ op: 'update', id: created.id, ifVersion: v1, item: retitled(created.item, 'Edited') }]))[0]);
        failedWrite((await write(t, [{ op: 'delete', id: created.id, ifVersion: v1 }]))[0], 'PreconditionFailed');
        expect((await list(t)).has(created.id)).toBe(true);
      });

      test('delete with the current version removes the item; loading it gives NotFound', async (t) => {
        const created = await create(t, 'Delete me');
        const version = (await list(t)).get(created.id);
        okWrite((await write(t, [{ op: 'delete', id: created.id, ifVersion: version }]))[0]);
        expect((await list(t)).has(created.id)).toBe(false);
        const [res] = await load(t, [created.id]);
        expect(res.ok).toBe(false);
        if (!res.ok) expect(res.error.code).toBe('NotFound');
      });

      test('update and delete of a missing item fail with NotFound', async (t) => {
        const created = await create(t, 'Gone soon');
        okWrite((await write(t, [{ op: 'delete', id: created.id }]))[0]);
        const results = await write(t, [
          { op: 'update', id: created.id, item: retitled(created.item, 'Resurrected') },
          { op: 'delete', id: created.id },
        ]);
        failedWrite(results[0], 'NotFound');
        failedWrite(results[1], 'NotFound');
        expect((await list(t)).size).toBe(0);
      });

      test('load answers each id in order, NotFound for missing ones', async (t) => {
        const a = await create(t, 'Alpha');
        const gone = await create(t, 'Gone');
        const b = await create(t, 'Beta');
        okWrite((await write(t, [{ op: 'delete', id: gone.id }]))[0]);
        const results = await load(t, [b.id, gone.id, a.id]);
        expect(results.map((r) => r.id)).toEqual([b.id, gone.id, a.id]);
        expect(titleOf(okLoad(results[0]))).toBe('Beta');
        expect(results[1].ok).toBe(false);
        if (!results[1].ok) expect(results[1].error.code).toBe('NotFound');
        expect(titleOf(okLoad(results[2]))).toBe('Alpha');
      });

      test('a batch mixing create, update and delete gets one result per op, in order', async (t) => {
        const keep = await create(t, 'Keep');
        const drop = await create(t, 'Drop');
        const versions = await list(t);
        const fresh = sampleEntity(entity, 'Fresh');
        const results = await write(t, [
          { op: 'update', id: keep.id, ifVersion: versions.get(keep.id), item: retitled(keep.item, 'Kept') },
          { op: 'create', item: fresh },
          { op: 'delete', id: drop.id, ifVersion: versions.get(drop.id) },
        ]);
        expect(results).toHaveLength(3);
        expect(okWrite(results[0]).id).toBe(keep.id);
        const freshId = okWrite(results[1]).id;
        okWrite(results[2]);
        expect([...(await list(t)).keys()].sort()).toEqual([keep.id, freshId].sort());
        const loaded = await load(t, [keep.id, freshId]);
        expect(loaded.map((r) => titleOf(okLoad(r)))).toEqual(['Kept', 'Fresh']);
      });

      test('list with a cursor reports what changed since the cursor', async (t) => {
        const kept = await create(t, 'Kept');
        const edited = await create(t, 'Edited');
        const removed = await create(t, 'Removed');
        const first = await t.connector.list(t.collection, { entity });
        expect(first.kind).toBe('full');
        const cursor = first.cursor;
        const before = await list(t);
        okWrite((await write(t, [{ op: 'update', id: edited.id, ifVersion: before.get(edited.id), item: retitled(edited.item, 'Edited again') }]))[0]);
        okWrite((await write(t, [{ op: 'delete', id: removed.id, ifVersion: before.get(removed.id) }]))[0]);
        const added = await create(t, 'Added');
        const now = await list(t);
        expect([...now.keys()].sort()).toEqual([kept.id, edited.id, added.id].sort());
        if (cursor === undefined) return; // no change feed: every listing is full, checked above
        const res = await t.connector.list(t.collection, { entity, cursor });
        if (res.kind === 'full') {
          expect(new Map(res.items.map((i) => [i.id, i.version]))).toEqual(now);
          return;
        }
        const changed = new Map(res.changed.map((i) => [i.id, i.version]));
        expect(changed.get(edited.id)).toBe(now.get(edited.id));
        expect(changed.get(added.id)).toBe(now.get(added.id));
        expect(changed.has(removed.id)).toBe(false);
        expect(res.deleted).toContain(removed.id);
        expect(typeof res.cursor).toBe('string');
        const quiet = await t.connector.list(t.collection, { entity, cursor: res.cursor });
        if (quiet.kind === 'changes') {
          expect(quiet.changed.filter((i) => now.get(i.id) !== i.version)).toEqual([]);
          expect(quiet.deleted.filter((id) => now.has(id))).toEqual([]);
        }
      });

      test('a stale or unknown cursor throws CursorInvalid or lists in full', async (t) => {
        const created = await create(t, 'Listed');
        let res;
        try {
          res = await t.connector.list(t.collection, { entity, cursor: 'dovetail-conformance-stale-cursor' });
        } catch (e) {
          expect((e as { code?: unknown }).code).toBe('CursorInvalid');
          return;
        }
        expect(res.kind).toBe('full');
        if (res.kind === 'full') expect(res.items.map((i) => i.id)).toEqual([created.id]);
      });

      test('errors are typed: a code the engine knows and a message', async (t) => {
        const created = await create(t, 'Typed');
        const v1 = (await list(t)).get(created.id);
        okWrite((await write(t, [{ op: 'update', id: created.id, ifVersion: v1, item: retitled(created.item, 'Typed 2') }]))[0]);
        const stale = (await write(t, [{ op: 'delete', id: created.id, ifVersion: v1 }]))[0];
        okWrite((await write(t, [{ op: 'delete', id: created.id }]))[0]);
        const missing = (await write(t, [{ op: 'update', id: created.id, item: created.item }]))[0];
        const [notLoaded] = await load(t, [created.id]);
        for (const r of [stale, missing, notLoaded]) {
          if (!r || r.ok) throw new Error(`expected a failure, got ${describeResult(r)}`);
          expect(ERROR_CODES).toContain(r.error.code);
          expect(typeof r.error.message).toBe('string');
          expect(r.error.message.length > 0).toBe(true);
          expect(r.error instanceof Error).toBe(true);
        }
      });

      test('idempotence: loading twice gives the same item and version; the same update twice leaves one item', async (t) => {
        const created = await create(t, 'Twice');
        const [l1] = await load(t, [created.id]);
        const [l2] = await load(t, [created.id]);
        const first = okLoad(l1);
        expect(okLoad(l2).uid).toBe(first.uid);
        if (l1?.ok && l2?.ok) expect(l2.version).toBe(l1.version);
        const item = retitled(created.item, 'Twice updated');
        okWrite((await write(t, [{ op: 'update', id: created.id, item }]))[0]);
        okWrite((await write(t, [{ op: 'update', id: created.id, item }]))[0]);
        expect([...(await list(t)).keys()]).toEqual([created.id]);
        expect(titleOf(okLoad((await load(t, [created.id]))[0]))).toBe('Twice updated');
      });

      if (options.corpus !== false) test('a round trip of real items from the interop corpus', async (t) => {
        const sample = corpusItems(entity, options.corpus || defaultCorpusDir(), options.corpusItems ?? 8);
        if (sample.length === 0) throw new Error(`the corpus holds no ${entity} items`);
        const results = await write(t, sample.map(({ item }) => ({ op: 'create' as const, item })));
        // A target may refuse an item it cannot hold (a server's validator), but only alone and with a typed Invalid.
        const kept: { file: string; item: Entity; id: string }[] = [];
        const refused: string[] = [];
        results.forEach((r, i) => {
          const { file, item } = sample[i]!;
          if (r?.ok) kept.push({ file, item, id: r.id });
          else if (r?.error.code === 'Invalid') refused.push(`${file}: ${r.error.message}`);
          else throw new Error(`${file}: create failed: ${describeResult(r)}`);
        });
        if (kept.length < Math.ceil(sample.length / 2)) throw new Error(`more than half of the corpus items were refused:\n${refused.join('\n')}`);
        const ids = kept.map((k) => k.id);
        expect([...(await list(t)).keys()].sort()).toEqual([...ids].sort());
        const loaded = await load(t, ids);
        const instant = (v: TimeValue | undefined) => (v === undefined ? undefined : v.kind === 'date' ? v.value : toEpochMs(v));
        loaded.forEach((r, i) => {
          const { file, item } = kept[i]!;
          if (!r.ok) throw new Error(`${file}: load failed: ${describeResult(r)}`);
          const back = r.item;
          expect(`${file}: ${back.uid}`).toBe(`${file}: ${item.uid}`);
          // A source that breaks the format's own escaping (an unescaped ',' in a vCard 3.0 text value, which marks
          // a list) may lawfully come back cut at the comma; anything else must come back as written.
          const title = titleOf(item) ?? '';
          const cut = item.raw?.format === 'vcard' && item.raw.version === '3.0' && titleOf(back) === title.split(',')[0];
          expect(`${file}: ${cut ? title : titleOf(back)}`).toBe(`${file}: ${title}`);
          if (item.type === 'event' && back.type === 'event' && stores('start')) {
            expect(`${file}: start ${instant(back.start)}`).toBe(`${file}: start ${instant(item.start)}`);
          }
          if (item.type === 'task' && back.type === 'task' && stores('due')) {
            expect(`${file}: due ${instant(back.due)}`).toBe(`${file}: due ${instant(item.due)}`);
          }
          if (item.type === 'contact' && back.type === 'contact' && stores('emails')) {
            expect(`${file}: ${(back.emails ?? []).map((e) => e.value.toLowerCase()).sort().join(',')}`)
              .toBe(`${file}: ${(item.emails ?? []).map((e) => e.value.toLowerCase()).sort().join(',')}`);
          }
        });
      });

      if (options.invalidItems !== false) test('an item that cannot be parsed fails alone with Invalid', async (t) => {
        if (!t.injectInvalidItem) throw new Error('the target has no injectInvalidItem; provide it or set invalidItems: false');
        const good = await create(t, 'Good');
        const bad = await t.injectInvalidItem();
        const results = await load(t, [bad, good.id]);
        expect(results.map((r) => r.id)).toEqual([bad, good.id]);
        expect(results[0].ok).toBe(false);
        if (!results[0].ok) expect(results[0].error.code).toBe('Invalid');
        expect(titleOf(okLoad(results[1]))).toBe('Good');
      });
    });
  }
}
