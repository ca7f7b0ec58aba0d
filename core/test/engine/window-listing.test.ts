/**
 * A side listed by time range with a change feed: what time alone brings into the window is synced, although the
 * feed never reports it (it did not change), and the full listing that finds it is not repeated every run.
 */
import { describe, expect, it } from 'vitest';
import type { EventEntity } from '../../src/sdk/entities.js';
import { MemoryStore, memoryConnector } from '../../src/testing/memory-connector.js';
import { MemoryPairingState } from '../../src/testing/memory-state.js';
import { runPairing } from '../../src/engine/sync.js';
import type { PairingConfig } from '../../src/config/types.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-06-01T00:00:00Z');
const pairing: PairingConfig = {
  entity: 'event', mode: 'two-way', window: { pastDays: 30, futureDays: 90 },
  a: { endpoint: 'a', collection: 'a' }, b: { endpoint: 'b', collection: 'b' },
};
const at = (days: number, uid: string): EventEntity => {
  const start = new Date(T0 + days * DAY).toISOString().slice(0, 19);
  return { type: 'event', uid, summary: uid, start: { kind: 'utc', value: `${start}Z` }, end: { kind: 'utc', value: `${start.slice(0, 11)}23:00:00Z` } };
};

describe('windowed change feeds', () => {
  it('an unchanged item that the passing days bring into the window is synced; full listings stay weekly', async () => {
    const store = new MemoryStore();
    store.faults = { changeFeed: true, timeRange: true };
    store.put('a', at(10, 'soon'));
    store.put('a', at(100, 'later')); // outside the 90-day window today
    const state = new MemoryPairingState('p');
    const windowsAsked: (number | undefined)[] = [];
    const a = memoryConnector(store);
    const spy = { ...a, list: (c: string, o: Parameters<typeof a.list>[1]) => { windowsAsked.push(o.cursor === undefined ? o.window?.end.getTime() : undefined); return a.list(c, o); } };
    const run = async (day: number) => (await runPairing({
      name: 'p', pairing, state, now: () => new Date(T0 + day * DAY), force: true,
      endpoints: { a: { connector: spy, manifest: { capabilities: ['time-range'], entities: {} } }, b: { connector: memoryConnector(store) } },
    })).report;

    expect((await run(0)).b.created).toBe(1);
    expect(store.entities('b').map((e) => e.uid)).toEqual(['soon']);
    // Day 1..6: within the margin the last full listing covered: deltas only, nothing new.
    for (let d = 1; d <= 6; d++) expect((await run(d)).b.created).toBe(0);
    expect(windowsAsked.filter((w) => w !== undefined)).toHaveLength(1);
    // Day 12: the window (90 days ahead) now reaches day 102: "later" (day 100) is in it, unchanged since day 0.
    const r = await run(12);
    expect(r.b.created).toBe(1);
    expect(store.entities('b').map((e) => e.uid).sort()).toEqual(['later', 'soon']);
    expect(windowsAsked.filter((w) => w !== undefined)).toHaveLength(2);
    expect(windowsAsked.at(-1)).toBeGreaterThanOrEqual(T0 + (12 + 90 + 7) * DAY); // a week past the window's end
    expect((await run(13)).b.created).toBe(0);
    expect(windowsAsked.filter((w) => w !== undefined)).toHaveLength(2);
  });
});
