/**
 * A server that is down or busy is not the item's fault: such failures are retried on the very next run and
 * never count towards quarantine. Failures of the item itself (refused, unreadable) back off.
 */
import { describe, expect, it } from 'vitest';
import type { EventEntity } from '../../src/sdk/entities.js';
import { Invalid, Unavailable, type DovetailError } from '../../src/sdk/errors.js';
import { MemoryStore, memoryConnector } from '../../src/testing/memory-connector.js';
import { currentRunBudget, HostSkipped } from '../../src/sdk/run-budget.js';
import { MemoryPairingState } from '../../src/testing/memory-state.js';
import { runPairing } from '../../src/engine/sync.js';
import type { PairingConfig } from '../../src/config/types.js';

const now = () => new Date('2026-06-01T00:00:00Z');
const pairing: PairingConfig = {
  entity: 'event', mode: 'two-way', conflict: 'a-wins',
  a: { endpoint: 'a', collection: 'a' }, b: { endpoint: 'b', collection: 'b' }, maxAttempts: 2,
};
const event = (uid: string): EventEntity => ({ type: 'event', uid, summary: uid, start: { kind: 'utc', value: '2026-03-01T10:00:00Z' } });

async function world(fault: () => DovetailError) {
  const store = new MemoryStore();
  for (const uid of ['x', 'y', 'z']) store.put('a', event(uid));
  const state = new MemoryPairingState('p');
  let failing = true;
  store.faults = { failWrite: () => (failing ? fault() : undefined) };
  const run = async () => (await runPairing({
    name: 'p', pairing, state, force: true, now, sleep: async () => {},
    endpoints: { a: { connector: memoryConnector(store) }, b: { connector: memoryConnector(store) } },
  })).report;
  return { store, state, run, heal: () => { failing = false; } };
}

describe('failed writes', () => {
  it('Unavailable: reported, no backoff, no attempt counted; the next run (same clock) writes them', async () => {
    const w = await world(() => new Unavailable('connection reset'));
    const first = await w.run();
    expect(first.failed).toBe(3);
    for (const rel of w.state.relations()) {
      expect(rel.lastError).toMatch(/^Unavailable:/);
      expect(rel.retryAt).toBeUndefined();
      expect(rel.attempts).toBeUndefined();
    }
    // Still down: many runs in a row never quarantine the items.
    for (let i = 0; i < 3; i++) expect((await w.run()).failed).toBe(3);
    w.heal();
    const healed = await w.run();
    expect(healed.b.created).toBe(3);
    expect(w.store.entities('b').map((e) => e.uid).sort()).toEqual(['x', 'y', 'z']);
    for (const rel of w.state.relations()) expect(rel.lastError).toBeUndefined();
    expect((await w.run()).b.created).toBe(0);
  });

  it('Invalid: backs off (the next run at the same time skips it) and is quarantined after maxAttempts', async () => {
    const w = await world(() => new Invalid('refused by the server'));
    expect((await w.run()).failed).toBe(3);
    for (const rel of w.state.relations()) {
      expect(rel.attempts).toBe(1);
      expect(rel.retryAt).toBeGreaterThan(now().getTime());
    }
    const second = await w.run();
    expect(second.failed).toBe(0);
    expect(second.skipped).toBe(3);
    expect(w.store.entities('b')).toHaveLength(0);
  });
});

describe('a run that gives up a host (run budget)', () => {
  it('stops writing to that side: the rest is not attempted, untouched and unpenalised; the next run (a fresh budget) writes it', async () => {
    const store = new MemoryStore();
    const uids = Array.from({ length: 10 }, (_, i) => `u${i}`);
    for (const uid of uids) store.put('a', event(uid));
    const state = new MemoryPairingState('p');
    let down = true;
    let calls = 0;
    // The side-B "server" as the HTTP transport sees it: every write times out, counted in the run's budget.
    store.faults = {
      failWrite: (_op, collection) => {
        if (collection !== 'b' || !down) return undefined;
        calls++;
        const gate = currentRunBudget()!.gate('http://dav.example.com/');
        if (gate.givenUp) return new HostSkipped(gate.host, gate.givenUp);
        gate.failed(Date.now(), 'timed out talking to dav.example.com');
        return new Unavailable('timed out talking to dav.example.com');
      },
    };
    const run = async () => (await runPairing({
      name: 'p', pairing: { ...pairing, chunkSize: 2 }, state, now, sleep: async () => {},
      endpoints: { a: { connector: memoryConnector(store) }, b: { connector: memoryConnector(store) } },
    })).report;

    const first = await run();
    expect(first.failed).toBe(3);
    expect(first.notAttempted).toBe(7);
    expect(first.failure).toBe('unreachable');
    expect(first.aborted).toBe('stopped sending to dav.example.com for the rest of this run: 3 requests in a row failed; the last: timed out talking to dav.example.com; 7 changes not attempted (no retry penalty: the next run tries them again)');
    expect(calls).toBe(4); // 3 time-outs, then one refused in the same chunk; later chunks are not even handed to the connector
    const rels = [...state.relations()];
    expect(rels.filter((r) => r.lastError).every((r) => r.attempts === undefined && r.retryAt === undefined)).toBe(true);
    expect(store.entities('b')).toHaveLength(0);

    down = false;
    const second = await run();
    expect(second.b.created).toBe(10);
    expect(second.aborted).toBeUndefined();
    expect(store.entities('b').map((e) => e.uid).sort()).toEqual([...uids].sort());
    expect((await run()).b).toEqual({ created: 0, updated: 0, deleted: 0 });
  });
});
