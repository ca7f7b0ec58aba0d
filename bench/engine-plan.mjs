// Engine benchmark: planning cost with 100,000 unchanged relations, and run cost against the number of
// changes at two collection sizes. Peer measured in the same run: a naive sync that loads and hashes every
// item each run (what a client without versions or state has to do).
// Run: npm run build && node bench/engine-plan.mjs
import { performance } from 'node:perf_hooks';
import { plan } from '../core/dist/engine/plan.js';
import { runPairing } from '../core/dist/engine/sync.js';
import { effectivePolicy } from '../core/dist/engine/policy.js';
import { compileRules } from '../core/dist/engine/rules.js';
import { MemoryStore, memoryConnector } from '../core/dist/testing/memory-connector.js';
import { MemoryPairingState } from '../core/dist/testing/memory-state.js';
import { contentHash } from '../core/dist/model/index.js';

const pairing = { entity: 'event', a: { endpoint: 'a', collection: 'a' }, b: { endpoint: 'b', collection: 'b' }, mode: 'two-way', maxDeleteShare: 1 };
const now = () => new Date('2026-06-01T00:00:00Z');
const ev = (i, s = `Event ${i}`) => ({ type: 'event', uid: `u${i}`, summary: s, start: { kind: 'utc', value: '2026-03-01T10:00:00Z' }, lastModified: '2026-01-01T00:00:00Z' });

async function world(size) {
  const store = new MemoryStore();
  for (let i = 0; i < size; i++) store.put('a', ev(i));
  const state = new MemoryPairingState('p');
  const endpoints = { a: { connector: memoryConnector(store) }, b: { connector: memoryConnector(store) } };
  await runPairing({ name: 'p', pairing, state, endpoints, now, force: true });
  return { store, state, endpoints };
}

function ms(t0) { return performance.now() - t0; }
const fmt = (x) => x.toFixed(1).padStart(9);

// ---- 1. Pure planning over 100k unchanged relations.
const SIZE = 100_000;
const t0 = performance.now();
const w = await world(SIZE);
console.log(`set-up: ${SIZE} items synced a→b in ${(ms(t0) / 1000).toFixed(1)} s`);
const listing = (side) => new Map([...w.store.collection(side)].map(([id, it]) => [id, it.version]));
const input = {
  pairing: 'p', entity: 'event', policy: effectivePolicy(pairing, { a: false, b: false }), relations: [...w.state.relations()], meta: w.state.meta(),
  a: { listing: listing('a'), loaded: new Map(), failed: new Map(), windowed: false },
  b: { listing: listing('b'), loaded: new Map(), failed: new Map(), windowed: false },
  rules: compileRules(pairing, now()), now: now(), force: false, fullRescan: false,
};
const reps = 5;
let best = Infinity;
for (let i = 0; i < reps; i++) {
  const t = performance.now();
  const p = plan(input);
  best = Math.min(best, ms(t));
  if (p.actions.length || p.unchanged !== SIZE) throw new Error('unexpected plan');
}
let naive = Infinity;
for (let i = 0; i < 2; i++) {
  const t = performance.now();
  for (const side of ['a', 'b']) for (const it of w.store.collection(side).values()) contentHash(it.entity);
  naive = Math.min(naive, ms(t));
}
console.log(`\nplanning ${SIZE} unchanged relations: ${best.toFixed(0)} ms (best of ${reps}); peer (hash every item on both sides): ${naive.toFixed(0)} ms; ratio ${(best / naive).toFixed(3)}`);

// ---- 2. Run cost grows with changes, not with size.
console.log('\nsize     changes   run ms     loads   writes   peer ms (load+hash all)   ratio');
for (const size of [10_000, 100_000]) {
  const x = size === SIZE ? w : await world(size);
  for (const changes of [0, 10, 100, 1000]) {
    const ids = [...x.store.collection('a').keys()];
    for (let i = 0; i < changes; i++) x.store.edit('a', ids[(i * 7919) % ids.length], (e) => ({ ...e, summary: `${e.summary} *` }));
    const loads0 = x.store.stats.loads, writes0 = x.store.stats.writes;
    const t = performance.now();
    const out = await runPairing({ name: 'p', pairing, state: x.state, endpoints: x.endpoints, now, force: true });
    const run = ms(t);
    const loads = x.store.stats.loads - loads0, writesDone = x.store.stats.writes - writes0;
    if (out.report.b.updated !== changes) throw new Error(`expected ${changes} updates, got ${out.report.b.updated}`);
    const tp = performance.now();
    for (const side of ['a', 'b']) {
      const c = x.store.collection(side);
      const loaded = await x.endpoints.a.connector.load(side, [...c.keys()], { entity: 'event' });
      for (const l of loaded) contentHash(l.item);
    }
    const peer = ms(tp);
    console.log(`${String(size).padEnd(8)} ${String(changes).padStart(7)} ${fmt(run)} ${String(loads).padStart(9)} ${String(writesDone).padStart(8)} ${fmt(peer)}                ${(run / peer).toFixed(3)}`);
  }
}
