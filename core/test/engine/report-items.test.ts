/**
 * A run's item lines are bounded: every failed, conflicting, repaired or altered item keeps its line; of the routine
 * ones (written, skipped) only the first MAX_ROUTINE_ITEMS do, and the rest are counted in `itemsOmitted`. The counts
 * cover every item either way.
 */
import { describe, expect, it } from 'vitest';
import type { Connector, WriteResult } from '../../src/sdk/connector.js';
import type { EventEntity } from '../../src/sdk/entities.js';
import { Invalid } from '../../src/sdk/errors.js';
import { MemoryStore, memoryConnector } from '../../src/testing/memory-connector.js';
import { MemoryPairingState } from '../../src/testing/memory-state.js';
import { runPairing } from '../../src/engine/sync.js';
import { MAX_ROUTINE_ITEMS } from '../../src/engine/report.js';
import type { PairingConfig } from '../../src/config/types.js';

const now = () => new Date('2026-06-01T00:00:00Z');
const event = (uid: string): EventEntity => ({ type: 'event', uid, summary: `Title ${uid}`, start: { kind: 'utc', value: '2026-03-01T10:00:00Z' } });
const pairing = (chunkSize: number): PairingConfig => ({
  entity: 'event', mode: 'two-way', conflict: 'newer-wins', a: { endpoint: 'a', collection: 'a' }, b: { endpoint: 'b', collection: 'b' }, chunkSize,
});

/** Side b's connector refuses creates of the UIDs in `refused` and reports `repaired` for those in `repaired`. */
function target(c: Connector, refused: Set<string>, repaired: Set<string>): Connector {
  return {
    ...c,
    write: async (collection, ops) => {
      const passed = ops.filter((op) => op.op !== 'create' || !refused.has(op.item.uid));
      const results = await c.write(collection, passed);
      let k = 0;
      return ops.map((op): WriteResult => {
        if (op.op === 'create' && refused.has(op.item.uid)) return { ok: false, error: new Invalid(`refused ${op.item.uid}`) };
        const r = results[k++]!;
        return r.ok && op.op === 'create' && repaired.has(op.item.uid) ? { ...r, repaired: ['some-rule'] } : r;
      });
    },
  };
}

async function initialSync(n: number, chunkSize: number, refused = new Set<string>(), repaired = new Set<string>()) {
  const store = new MemoryStore();
  for (let i = 0; i < n; i++) store.put('a', event(`u${String(i).padStart(5, '0')}`));
  const state = new MemoryPairingState('p');
  const { report } = await runPairing({
    name: 'p', pairing: pairing(chunkSize), state, now, sleep: async () => {},
    endpoints: { a: { connector: memoryConnector(store) }, b: { connector: target(memoryConnector(store), refused, repaired) } },
  });
  return { report, store, state };
}

describe('report item lines', () => {
  it('a run of more routine items than the bound keeps the first lines and counts the rest', async () => {
    const n = MAX_ROUTINE_ITEMS + 250;
    for (const chunkSize of [100, 5000]) { // streamed chunk by chunk, and planned whole
      const { report, store } = await initialSync(n, chunkSize);
      expect(report.b.created).toBe(n);
      expect(store.entities('b')).toHaveLength(n);
      expect(report.items).toHaveLength(MAX_ROUTINE_ITEMS);
      expect(report.itemsOmitted).toBe(250);
      expect(report.items.every((i) => i.action === 'create' && i.ok)).toBe(true);
      expect(new Set(report.items.map((i) => i.uid)).size).toBe(MAX_ROUTINE_ITEMS);
      expect(report.ok).toBe(true);
    }
  });

  it('a run within the bound lists every item and says nothing was left out', async () => {
    const { report } = await initialSync(30, 10);
    expect(report.items.map((i) => i.uid).sort()).toEqual(Array.from({ length: 30 }, (_, i) => `u${String(i).padStart(5, '0')}`));
    expect(report).not.toHaveProperty('itemsOmitted');
  });

  it('failed and repaired items keep their lines past the bound', async () => {
    const n = MAX_ROUTINE_ITEMS + 300;
    const late = (from: number, count: number) => new Set(Array.from({ length: count }, (_, k) => `u${String(from + k).padStart(5, '0')}`));
    const refused = late(MAX_ROUTINE_ITEMS + 100, 40);
    const repaired = late(MAX_ROUTINE_ITEMS + 200, 5);
    const { report } = await initialSync(n, 100, refused, repaired);
    expect(report.failed).toBe(40);
    expect(report.ok).toBe(false);
    expect(report.b.created).toBe(n - 40);
    expect(report.repaired).toBe(5);
    const failedLines = report.items.filter((i) => !i.ok);
    expect(new Set(failedLines.map((i) => i.uid))).toEqual(refused);
    expect(failedLines.every((i) => i.error?.includes('refused'))).toBe(true);
    expect(new Set(report.items.filter((i) => i.repaired).map((i) => i.uid))).toEqual(repaired);
    expect(report.items).toHaveLength(MAX_ROUTINE_ITEMS + 40 + 5);
    expect(report.itemsOmitted).toBe(n - 40 - 5 - MAX_ROUTINE_ITEMS);
  });
});
