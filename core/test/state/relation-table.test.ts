import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RelationTable } from '../../src/state/relation-table.js';
import type { Relation, RelationStatus } from '../../src/state/index.js';

const statuses: RelationStatus[] = ['synced', 'conflict', 'tombstone-a', 'tombstone-b', 'quarantined', 'out-of-scope'];
/** Keys with UTF-8 of 1–4 bytes per character and colliding-looking prefixes, so the index and decoding are tried. */
const key = fc.oneof(fc.constantFrom('k', 'k1', 'kä', '日本', '😀x', 'uid-1@example.com'), fc.string({ minLength: 1, maxLength: 6, unit: 'binary' }));
const side = fc.record({ id: fc.string({ unit: 'binary' }), version: fc.string(), hash: fc.string({ maxLength: 8 }) });
const relation = fc
  .record({
    key,
    uidSame: fc.boolean(),
    uid: fc.string({ unit: 'binary' }),
    status: fc.constantFrom(...statuses),
    a: fc.option(side, { nil: undefined }),
    b: fc.option(side, { nil: undefined }),
    shareId: fc.boolean(),
    shareHash: fc.boolean(),
    range: fc.option(fc.tuple(fc.integer(), fc.option(fc.integer(), { nil: null })), { nil: undefined }),
    attempts: fc.option(fc.nat(), { nil: undefined }),
    lastError: fc.option(fc.string(), { nil: undefined }),
    conflict: fc.option(fc.record({ detectedAt: fc.string(), aSummary: fc.string() }), { nil: undefined }),
  })
  .map((r): Relation => {
    const out: Relation = { key: r.key, uid: r.uidSame ? r.key : r.uid, status: r.status };
    if (r.a) out.a = r.a;
    if (r.b) out.b = { ...r.b, ...(r.a && r.shareId ? { id: r.a.id } : {}), ...(r.a && r.shareHash ? { hash: r.a.hash } : {}) };
    if (r.range) out.range = r.range as [number, number | null];
    if (r.attempts !== undefined) out.attempts = r.attempts;
    if (r.lastError !== undefined) out.lastError = r.lastError;
    if (r.conflict) out.conflict = r.conflict;
    return out;
  });
const op = fc.oneof(
  { weight: 5, arbitrary: relation.map((r) => ({ put: r })) },
  { weight: 3, arbitrary: key.map((k) => ({ del: k })) },
  { weight: 1, arbitrary: fc.constant({ iterate: true as const }) },
);

/** What a Map of JSON copies holds, in its order. */
const modelValues = (model: Map<string, Relation>) => [...model.values()];

describe('RelationTable', () => {
  it('behaves as a Map of copies: get, has, size and first-insertion order after any puts and deletes', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const table = new RelationTable();
        const model = new Map<string, Relation>();
        for (const o of ops) {
          if ('put' in o) {
            table.set(o.put);
            model.set(o.put.key, JSON.parse(JSON.stringify(o.put)) as Relation);
          } else if ('del' in o) {
            expect(table.delete(o.del)).toBe(model.delete(o.del));
          } else {
            expect([...table.values()]).toEqual(modelValues(model));
          }
          expect(table.size).toBe(model.size);
        }
        for (const [k, r] of model) {
          expect(table.get(k)).toEqual(r);
          expect(table.has(k)).toBe(true);
        }
        expect([...table.values()]).toEqual(modelValues(model));
      }),
      { numRuns: 300 },
    );
  });

  it('unsettled() yields, in order and decoded alike, every relation in conflict, quarantined or failing, and no more than are held', () => {
    const unsettled = (r: Relation) => r.status === 'conflict' || r.status === 'quarantined' || r.attempts !== undefined || r.lastError !== undefined;
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const table = new RelationTable();
        const model = new Map<string, Relation>();
        for (const o of ops) {
          if ('put' in o) { table.set(o.put); model.set(o.put.key, JSON.parse(JSON.stringify(o.put)) as Relation); }
          else if ('del' in o) { table.delete(o.del); model.delete(o.del); }
        }
        const got = [...table.unsettled()];
        const all = modelValues(model);
        // A subsequence of all relations (same order, same decoding) that holds every unsettled one.
        let at = 0;
        for (const r of got) {
          while (at < all.length && all[at].key !== r.key) at += 1;
          expect(r).toEqual(all[at]);
        }
        expect(got.map((r) => r.key)).toEqual(expect.arrayContaining(all.filter(unsettled).map((r) => r.key)));
      }),
      { numRuns: 300 },
    );
    // Settled relations are not decoded at all: a synced one is left out even when its strings hold the names (only a
    // whole string equal to one is a false match).
    const table = new RelationTable();
    table.set({ key: 'k', uid: 'k', status: 'synced', a: { id: 'conflict.ics', version: 'x"attempts"', hash: '"lastError"' } });
    table.set({ key: 'q', uid: 'q', status: 'quarantined', attempts: 5, lastError: 'bad' });
    expect([...table.unsettled()].map((r) => r.key)).toEqual(['q']);
  });

  it('stays a Map through block compaction and entry renumbering at scale, also with an iteration open', () => {
    const table = new RelationTable();
    const model = new Map<string, Relation>();
    const make = (i: number, rev: number): Relation => ({
      key: `uid-${i}@example.com`, uid: `uid-${i}@example.com`, status: 'synced', range: [i, null],
      a: { id: `uid-${i}.ics`, version: `v${rev}`, hash: `h${i}-${rev}`.padEnd(64, '0') },
      b: { id: `uid-${i}.ics`, version: `w${rev}`, hash: `h${i}-${rev}`.padEnd(64, '0') },
    });
    for (let i = 0; i < 20_000; i++) { table.set(make(i, 0)); model.set(make(i, 0).key, make(i, 0)); }
    const open = table.values();
    const firstTwo = [open.next().value, open.next().value];
    for (let round = 1; round <= 3; round++) {
      for (let i = 0; i < 20_000; i += 2) { table.set(make(i, round)); model.set(make(i, round).key, make(i, round)); }
    }
    for (let i = 1; i < 20_000; i += 4) { table.delete(make(i, 0).key); model.delete(make(i, 0).key); }
    // The open iteration goes on over what the table holds now, as a Map's would.
    const rest = [...open];
    expect([...firstTwo, ...rest].map((r) => r!.key)).toEqual([make(0, 0).key, make(1, 0).key, ...modelValues(model).slice(1).map((r) => r.key)]);
    for (let i = 3; i < 20_000; i += 4) { table.delete(make(i, 0).key); model.delete(make(i, 0).key); }
    expect([...table.values()]).toEqual(modelValues(model));
    expect(table.get(make(2, 0).key)).toEqual(make(2, 3));
    // ~10,000 live relations of ~200 bytes: the dead copies were dropped.
    expect(table.externalBytes).toBeLessThan(6 * 1024 * 1024);
  });
});
