/**
 * A server that is down or busy is not the item's fault: such failures are retried on the very next run and
 * never count towards quarantine. Failures of the item itself (refused, unreadable) back off.
 */
import { describe, expect, it } from 'vitest';
import type { EventEntity } from '../../src/sdk/entities.js';
import { Invalid, Unavailable, type DovetailError } from '../../src/sdk/errors.js';
import { MemoryStore, memoryConnector } from '../../src/testing/memory-connector.js';
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
