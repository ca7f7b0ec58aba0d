/**
 * What the engine takes from the endpoints themselves: a side without `collection` on a single-collection
 * connector (the endpoint's one collection is used), and an endpoint read-only by its settings (never written,
 * whatever the mode).
 */
import { describe, expect, it } from 'vitest';
import type { PairingConfig } from '../../src/config/types.js';
import { runPairing, RunFailed, type EndpointHandle } from '../../src/engine/sync.js';
import type { Connector } from '../../src/sdk/connector.js';
import type { EventEntity } from '../../src/sdk/entities.js';
import { MemoryStore, memoryConnector } from '../../src/testing/memory-connector.js';
import { MemoryPairingState } from '../../src/testing/memory-state.js';

const now = () => new Date('2026-06-01T00:00:00Z');
const event = (uid: string, summary = uid): EventEntity => ({ type: 'event', uid, summary, start: { kind: 'utc', value: '2026-03-01T10:00:00Z' } });

/** A memory connector that is one collection, `feed`, and says so in discover(). */
function singleCollection(store: MemoryStore, calls: { discover: number }): Connector {
  const inner = memoryConnector(store);
  return { ...inner, async discover() { calls.discover++; return [{ id: 'feed', name: 'Feed', entities: ['event'] }]; } };
}

const single = (connector: Connector, readOnly?: string): EndpointHandle => ({
  connector, readOnly,
  manifest: { collections: 'single', entities: { event: { read: true, write: true, delete: true } } },
});

describe('a side without a collection', () => {
  it('uses the one collection a single-collection endpoint discovers, and the state keeps working with it', async () => {
    const feed = new MemoryStore();
    feed.put('feed', event('f1', 'From the feed'));
    const local = new MemoryStore();
    const calls = { discover: 0 };
    const pairing: PairingConfig = { entity: 'event', mode: 'two-way', a: { endpoint: 'feed' }, b: { endpoint: 'local', collection: 'cal' } };
    const state = new MemoryPairingState('p');
    const run = async () => (await runPairing({
      name: 'p', pairing, state, now,
      endpoints: { a: single(singleCollection(feed, calls)), b: { connector: memoryConnector(local) } },
    })).report;
    expect((await run()).b.created).toBe(1);
    expect(local.entities('cal').map((e) => e.uid)).toEqual(['f1']);
    local.put('cal', event('l1', 'Local'));
    expect((await run()).a.created).toBe(1);
    expect(feed.entities('feed').map((e) => e.uid).sort()).toEqual(['f1', 'l1']);
    expect(calls.discover).toBe(2);
    expect(feed.collections.size).toBe(1); // nothing was written to any other collection
  });

  it('fails the run with a clear message when the connector has several collections', async () => {
    const pairing: PairingConfig = { entity: 'event', a: { endpoint: 'x' }, b: { endpoint: 'y', collection: 'cal' } };
    await expect(runPairing({
      name: 'p', pairing, state: new MemoryPairingState('p'), now,
      endpoints: { a: { connector: memoryConnector(new MemoryStore()) }, b: { connector: memoryConnector(new MemoryStore()) } },
    })).rejects.toThrow(new RunFailed('side a (x) names no collection, and its connector has more than one per endpoint: add "collection"'));
  });
});

describe('an endpoint read-only by its settings', () => {
  it('is never written, even in two-way mode, while its items still flow to the other side', async () => {
    const feed = new MemoryStore();
    feed.put('feed', event('f1'));
    const local = new MemoryStore();
    local.put('cal', event('l1'));
    const pairing: PairingConfig = { entity: 'event', mode: 'two-way', a: { endpoint: 'feed' }, b: { endpoint: 'local', collection: 'cal' } };
    const report = (await runPairing({
      name: 'p', pairing, state: new MemoryPairingState('p'), now,
      endpoints: { a: single(memoryConnector(feed, { readOnly: true }), 'it subscribes to a feed'), b: { connector: memoryConnector(local) } },
    })).report;
    expect(report.ok).toBe(true);
    expect(report.a).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(report.b.created).toBe(1);
    expect(feed.entities('feed').map((e) => e.uid)).toEqual(['f1']);
  });
});
