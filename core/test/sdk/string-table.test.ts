/**
 * `StringTable` (SDK): a `Map<string, string>` kept as UTF-8 outside the heap. Checked against a Map under random
 * operations (set, delete, clear, iteration with deletes), and at a scale that compacts its blocks and renumbers it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StringTable } from '../../src/sdk/string-table.js';

/** Keys with UTF-8 of 1–4 bytes per character and near-identical prefixes; values of any well-formed text. */
const key = fc.oneof(fc.constantFrom('k', 'k1', 'kä', '日本', '😀x', '', 'a.ics'), fc.string({ maxLength: 6, unit: 'grapheme' }));
const value = fc.string({ maxLength: 40, unit: 'grapheme' });
const op = fc.oneof(
  { weight: 6, arbitrary: fc.record({ set: key, value }) },
  { weight: 3, arbitrary: fc.record({ del: key }) },
  { weight: 1, arbitrary: fc.record({ dropWhileIterating: fc.nat(5) }) },
  { weight: 1, arbitrary: fc.constant({ clear: true as const }) },
);

function same(table: StringTable, model: Map<string, string>): void {
  expect(table.size).toBe(model.size);
  expect([...table.entries()]).toEqual([...model.entries()]);
  expect([...table.keys()]).toEqual([...model.keys()]);
  for (const k of model.keys()) {
    expect(table.has(k)).toBe(true);
    expect(table.get(k)).toBe(model.get(k));
  }
}

describe('StringTable', () => {
  it('behaves as a Map: get, has, size, keys and first-insertion order after any sets, deletes and clears', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const table = new StringTable();
        const model = new Map<string, string>();
        for (const o of ops) {
          if ('set' in o) {
            table.set(o.set, o.value);
            model.set(o.set, o.value);
          } else if ('del' in o) {
            expect(table.delete(o.del)).toBe(model.delete(o.del));
            expect(table.get(o.del)).toBeUndefined();
          } else if ('clear' in o) {
            table.clear();
            model.clear();
          } else {
            // Delete every (n+1)-th key while iterating the keys, as a connector drops entries of deleted files.
            let i = 0;
            for (const k of table.keys()) if (i++ % (o.dropWhileIterating + 1) === 0) table.delete(k);
            i = 0;
            for (const k of [...model.keys()]) if (i++ % (o.dropWhileIterating + 1) === 0) model.delete(k);
          }
        }
        same(table, model);
      }),
      { numRuns: 300 },
    );
  });

  it('stays a Map through compaction and renumbering at scale, keeps its data outside the heap, and clear gives it back', () => {
    const table = new StringTable();
    const model = new Map<string, string>();
    for (let i = 0; i < 30_000; i++) {
      table.set(`${i}.ics`, `1700000000${i}:${i % 977}:${i * 7} VEVENT`);
      model.set(`${i}.ics`, `1700000000${i}:${i % 977}:${i * 7} VEVENT`);
    }
    for (let i = 0; i < 30_000; i += 3) {
      table.set(`${i}.ics`, `changed ${i}`); // rewrites: dead bytes, compaction
      model.set(`${i}.ics`, `changed ${i}`);
    }
    for (const k of table.keys()) if (Number.parseInt(k, 10) % 2 === 1) table.delete(k); // renumbering after the iteration
    for (const k of [...model.keys()]) if (Number.parseInt(k, 10) % 2 === 1) model.delete(k);
    same(table, model);
    expect(table.externalBytes).toBeGreaterThan(15_000 * 20);
    table.clear();
    expect(table.size).toBe(0);
    expect([...table.entries()]).toEqual([]);
    expect(table.externalBytes).toBeLessThan(4096);
    table.set('again', 'v');
    expect([...table.entries()]).toEqual([['again', 'v']]);
  });
});
