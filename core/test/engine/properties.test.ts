/**
 * Engine invariants, property-tested over the in-memory connector: random creates/edits/deletes on both
 * sides between syncs, flaky writes, missing ETags, lost state, changes under the engine's feet,
 * stale change-feed cursors and read-only sides.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { EventEntity, Entity } from '../../src/sdk/entities.js';
import { Unavailable, RateLimited } from '../../src/sdk/errors.js';
import { MemoryStore, memoryConnector } from '../../src/testing/memory-connector.js';
import { MemoryPairingState } from '../../src/testing/memory-state.js';
import { runPairing } from '../../src/engine/sync.js';
import type { PairingConfig, SyncMode, ConflictPolicy } from '../../src/config/types.js';

const RUNS = Number(process.env.DOVETAIL_PROPERTY_RUNS ?? 1000);

type Step =
  | { t: 'create'; side: 'a' | 'b'; n: number }
  | { t: 'edit'; side: 'a' | 'b'; pick: number; text: string }
  | { t: 'delete'; side: 'a' | 'b'; pick: number }
  | { t: 'sync'; flaky: boolean; dropVersions: boolean; underFeet: boolean; staleCursor: boolean }
  | { t: 'lose-state' };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ t: fc.constant('create' as const), side: fc.constantFrom('a' as const, 'b' as const), n: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('edit' as const), side: fc.constantFrom('a' as const, 'b' as const), pick: fc.nat(), text: fc.string({ maxLength: 6 }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('delete' as const), side: fc.constantFrom('a' as const, 'b' as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('sync' as const), flaky: fc.boolean(), dropVersions: fc.boolean(), underFeet: fc.boolean(), staleCursor: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ t: 'lose-state' as const }) },
);

interface World {
  store: MemoryStore;
  state: MemoryPairingState;
  clock: number;
  uidCounter: number;
  /** UIDs a user deleted somewhere: those may legitimately be gone. */
  deleted: Set<string>;
  /** Every text a user ever wrote per UID: the final content must be one of them. */
  written: Map<string, Set<string>>;
  rng: () => number;
}

function event(uid: string, summary: string, clock: number): EventEntity {
  return { type: 'event', uid, summary, lastModified: new Date(Date.UTC(2026, 0, 1) + clock * 1000).toISOString(), start: { kind: 'utc', value: '2026-03-01T10:00:00Z' } };
}

const now = () => new Date('2026-06-01T00:00:00Z');
const farFuture = () => new Date('2030-01-01T00:00:00Z');

function pairing(mode: SyncMode, conflict: ConflictPolicy, readOnlyA = false): PairingConfig {
  return {
    entity: 'event', mode, conflict,
    a: { endpoint: 'a', collection: 'a', readOnly: readOnlyA },
    b: { endpoint: 'b', collection: 'b' },
    maxDeleteShare: 1, chunkSize: 3, maxAttempts: 1000,
  };
}

async function sync(w: World, p: PairingConfig, opts: { clock?: () => Date; readOnlyA?: boolean } = {}) {
  return runPairing({
    name: 'p', pairing: p, state: w.state, force: true, now: opts.clock ?? now, sleep: async () => {},
    endpoints: { a: { connector: memoryConnector(w.store, { readOnly: opts.readOnlyA }) }, b: { connector: memoryConnector(w.store) } },
  });
}

function userStep(w: World, s: Step): void {
  const col = (side: 'a' | 'b') => w.store.collection(side);
  if (s.t === 'create') {
    for (let i = 0; i < s.n; i++) {
      const uid = `u${++w.uidCounter}`;
      const text = `new ${uid}`;
      w.store.put(s.side, event(uid, text, ++w.clock));
      w.written.set(uid, new Set([text]));
    }
  } else if (s.t === 'edit') {
    const ids = [...col(s.side).keys()];
    if (!ids.length) return;
    const id = ids[s.pick % ids.length];
    const uid = col(s.side).get(id)!.entity.uid;
    const text = `edit ${s.text} ${++w.clock}`;
    w.store.edit(s.side, id, (e) => ({ ...(e as EventEntity), summary: text, lastModified: event(uid, text, w.clock).lastModified }));
    if (!w.written.has(uid)) w.written.set(uid, new Set());
    w.written.get(uid)!.add(text);
  } else if (s.t === 'delete') {
    const ids = [...col(s.side).keys()];
    if (!ids.length) return;
    const id = ids[s.pick % ids.length];
    w.deleted.add(col(s.side).get(id)!.entity.uid);
    w.store.remove(s.side, id);
  }
}

function newWorld(seed: number): World {
  let x = seed || 1;
  return {
    store: new MemoryStore(), state: new MemoryPairingState('p'), clock: 0, uidCounter: 0, deleted: new Set(), written: new Map(),
    rng: () => { x = (x * 1103515245 + 12345) % 2147483648; return x / 2147483648; },
  };
}

function faultsFor(w: World, s: Extract<Step, { t: 'sync' }>): void {
  w.store.faults = {
    changeFeed: true,
    invalidateCursor: s.staleCursor,
    dropVersions: s.dropVersions,
    failWrite: s.flaky ? () => (w.rng() < 0.3 ? (w.rng() < 0.5 ? new Unavailable('flaky') : new RateLimited(10)) : undefined) : undefined,
    beforeWrite: s.underFeet ? (store, collection) => {
      // Another client edits an item on the side being written, between our listing and our write.
      const c = store.collection(collection);
      const ids = [...c.keys()];
      if (!ids.length || w.rng() < 0.5) return;
      const id = ids[Math.floor(w.rng() * ids.length)];
      const uid = c.get(id)!.entity.uid;
      const text = `feet ${++w.clock}`;
      store.edit(collection, id, (e) => ({ ...(e as EventEntity), summary: text, lastModified: event(uid, text, w.clock).lastModified }));
      if (!w.written.has(uid)) w.written.set(uid, new Set());
      w.written.get(uid)!.add(text);
    } : undefined,
  };
}

function contents(store: MemoryStore, side: 'a' | 'b'): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of store.entities(side)) {
    expect(out.has(e.uid), `duplicate UID ${e.uid} on side ${side}`).toBe(false);
    out.set(e.uid, (e as EventEntity).summary ?? '');
  }
  return out;
}

const baseUid = (uid: string) => uid.replace(/(-conflict-[0-9a-f]{8})+$/, '');

async function settle(w: World, p: PairingConfig) {
  w.store.faults = { changeFeed: true };
  await sync(w, p, { clock: farFuture });
  const second = await sync(w, p, { clock: farFuture });
  return second;
}

describe('engine properties (in-memory connector)', () => {
  it(`two-way: converges, second run does nothing, nothing lost, no duplicates (${RUNS} scenarios)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 14 }), fc.constantFrom<ConflictPolicy>('newer-wins', 'a-wins', 'b-wins', 'keep-both'), fc.integer({ min: 1, max: 1_000_000 }), async (steps, conflict, seed) => {
        const w = newWorld(seed);
        const p = pairing('two-way', conflict);
        for (const s of steps) {
          if (s.t === 'sync') {
            faultsFor(w, s);
            await sync(w, p);
          } else if (s.t === 'lose-state') {
            w.state.clear();
          } else userStep(w, s);
        }
        const second = await settle(w, p);
        // Idempotence: the run after convergence plans nothing.
        expect(second.plan.actions).toEqual([]);
        expect(second.report.failed).toBe(0);
        const a = contents(w.store, 'a');
        const b = contents(w.store, 'b');
        // Convergence: both sides hold the same items with the same content.
        expect([...a.entries()].sort()).toEqual([...b.entries()].sort());
        // Nothing lost: every item no user deleted is there, and holds a text a user wrote.
        for (const [uid, texts] of w.written) {
          if (w.deleted.has(uid)) continue;
          expect(a.has(uid), `item ${uid} lost`).toBe(true);
        }
        for (const [uid, text] of a) {
          // A conflict copy holds a text written for its original (or for the copy itself, once it exists).
          const chain = [uid];
          for (let u = uid; u !== baseUid(u) || /-conflict-[0-9a-f]{8}$/.test(u); ) { u = u.replace(/-conflict-[0-9a-f]{8}$/, ''); chain.push(u); }
          const texts = new Set(chain.flatMap((u) => [...(w.written.get(u) ?? [])]));
          expect(texts.size, `unknown item ${uid}`).toBeGreaterThan(0);
          const plain = text.replace(/( \(conflict copy from [AB]\))+$/, '');
          expect(texts.has(plain), `${uid} holds "${text}", never written by a user`).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('dry-run plan equals the actions the real run applies', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 12 }), fc.constantFrom<SyncMode>('two-way', 'two-way-existing', 'mirror-a-to-b', 'push-b-to-a', 'export-a-to-b'), async (steps, mode) => {
        const w = newWorld(7);
        const p = pairing(mode, 'newer-wins');
        for (const s of steps) {
          if (s.t === 'sync' || s.t === 'lose-state') {
            w.store.faults = { changeFeed: true };
            const dry = await runPairing({ name: 'p', pairing: p, state: w.state, dryRun: true, force: true, now, endpoints: { a: { connector: memoryConnector(w.store) }, b: { connector: memoryConnector(w.store) } } });
            const writesBefore = w.store.stats.writes;
            const real = await sync(w, p);
            const planned = dry.plan.actions.map((x) => `${x.kind} ${x.target} ${x.uid} ${x.reason}`);
            const applied = real.report.items.filter((x) => x.action === 'create' || x.action === 'update' || x.action === 'delete')
              .map((x) => `${x.action} ${x.side} ${x.uid} ${x.reason}`);
            expect(real.plan.actions).toEqual([]); // a real run keeps no list of its actions beside the report
            expect(applied).toEqual(planned);
            expect(w.store.stats.writes - writesBefore).toBe(planned.length);
            expect(real.report.a.created + real.report.a.updated + real.report.a.deleted + real.report.b.created + real.report.b.updated + real.report.b.deleted).toBe(planned.length);
          } else userStep(w, s);
        }
      }),
      { numRuns: Math.max(100, RUNS / 4) },
    );
  });

  it('one-way modes never write to a read-only side and converge the target', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 12 }), fc.constantFrom<SyncMode>('mirror-a-to-b', 'push-a-to-b', 'two-way'), async (steps, mode) => {
        const w = newWorld(11);
        const p = pairing(mode, 'newer-wins', true);
        const aWritesBefore = () => [...w.store.collection('a').values()].map((i) => i.version).join();
        for (const s of steps) {
          if (s.t === 'sync') {
            faultsFor(w, { ...s, underFeet: false });
            const before = aWritesBefore();
            await sync(w, p, { readOnlyA: true });
            expect(aWritesBefore()).toBe(before);
          } else if (s.t === 'lose-state') w.state.clear();
          else userStep(w, s);
        }
        w.store.faults = { changeFeed: true };
        await sync(w, p, { clock: farFuture, readOnlyA: true });
        const second = await sync(w, p, { clock: farFuture, readOnlyA: true });
        expect(second.plan.actions).toEqual([]);
        const a = contents(w.store, 'a');
        const b = contents(w.store, 'b');
        // Every A item reached B (a mirror restores even what a user deleted on B).
        for (const uid of a.keys()) if (mode === 'mirror-a-to-b' || !w.deleted.has(uid)) expect(b.has(uid), `B lacks ${uid}`).toBe(true);
        if (mode === 'mirror-a-to-b') expect([...b.entries()].sort()).toEqual([...a.entries()].sort());
      }),
      { numRuns: Math.max(100, RUNS / 4) },
    );
  });
});

export type { Entity };
