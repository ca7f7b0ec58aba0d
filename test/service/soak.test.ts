/**
 * Soak: `dovetail serve` with 200 local-folder pairings on short intervals for DOVETAIL_SOAK_SECONDS (default 120):
 * no overlapping runs, never more than service.concurrency at once, every run recorded, heap flat, clean exit.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pairingFolderName } from '../../core/src/state/pairing-folder.js';
import { spawnServe, TOKEN, writeServiceConfig, type ServeProcess } from '../support/service.js';
import { ics, Workspace } from '../support/workspace.js';

const SECONDS = Number(process.env.DOVETAIL_SOAK_SECONDS ?? 120);
const PAIRINGS = 200;
const CONCURRENCY = 4;
const EVERY_S = 3;

let ws: Workspace;
let proc: ServeProcess | undefined;
beforeAll(() => { ws = new Workspace('dovetail-soak-'); });
afterAll(async () => {
  if (proc && proc.child.exitCode === null) { proc.child.kill('SIGKILL'); await proc.exited; }
  ws.cleanup();
});

function metric(text: string, name: string): number {
  const m = new RegExp(`^${name} ([0-9.e+]+)$`, 'm').exec(text);
  if (!m) throw new Error(`no ${name} in metrics`);
  return Number(m[1]);
}

interface Run { pairing: string; ok: boolean; startedAt: string; durationMs: number; failure?: string; trigger?: string }

describe('soak', () => {
  it(`${PAIRINGS} pairings every ${EVERY_S}s for ${SECONDS}s: no overlap, concurrency within bounds, every run recorded, heap flat`, async () => {
    const pairings: Record<string, unknown> = {};
    for (let i = 0; i < PAIRINGS; i += 1) {
      const c = `c${i}`;
      for (const side of ['left', 'right']) mkdirSync(ws.path(side, c), { recursive: true });
      for (let k = 0; k < 3; k += 1) writeFileSync(ws.path('left', c, `e${k}.ics`), ics({ uid: `${c}-e${k}`, summary: `Event ${k} of ${c}` }));
      pairings[`p${i}`] = { entity: 'event', a: { endpoint: 'left', collection: c }, b: { endpoint: 'right', collection: c }, schedule: { every: `${EVERY_S}s`, jitter: '1s' } };
    }
    writeServiceConfig(ws, { endpoints: { left: { connector: 'filesystem', settings: { path: './left' } }, right: { connector: 'filesystem', settings: { path: './right' } } }, pairings }, { concurrency: CONCURRENCY });
    proc = await spawnServe(ws);
    const samples: { t: number; heap: number; running: number; peak: number }[] = [];
    const started = Date.now();
    while (Date.now() - started < SECONDS * 1000) {
      await new Promise((r) => setTimeout(r, 5000));
      const text = await (await fetch(`${proc.url}/metrics`, { headers: { Authorization: `Bearer ${TOKEN}` } })).text();
      samples.push({ t: Date.now() - started, heap: metric(text, 'dovetail_nodejs_heap_size_used_bytes'), running: metric(text, 'dovetail_runs_in_progress'), peak: metric(text, 'dovetail_runs_in_progress_peak') });
    }
    proc.child.kill('SIGTERM');
    expect((await proc.exited).code).toBe(0);

    // Concurrency: the queue's own peak, and a sweep over the recorded run intervals.
    expect(samples.at(-1)!.peak).toBeLessThanOrEqual(CONCURRENCY);
    expect(samples.at(-1)!.peak).toBeGreaterThan(0);
    const runs: Run[] = [];
    for (let i = 0; i < PAIRINGS; i += 1) {
      const file = join(ws.dir, '.dovetail', pairingFolderName(`p${i}`), 'runs.jsonl');
      runs.push(...readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Run));
    }
    const edges = runs.flatMap((r) => [[Date.parse(r.startedAt), 1], [Date.parse(r.startedAt) + r.durationMs, -1]] as const).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    let cur = 0, sweepPeak = 0;
    for (const [, d] of edges) { cur += d; sweepPeak = Math.max(sweepPeak, cur); }
    expect(sweepPeak).toBeLessThanOrEqual(CONCURRENCY);

    // No overlap within a pairing; no run ever found its pairing locked; every run ok (or interrupted by the stop).
    const byPairing = new Map<string, Run[]>();
    for (const r of runs) byPairing.set(r.pairing, [...(byPairing.get(r.pairing) ?? []), r]);
    expect(byPairing.size).toBe(PAIRINGS);
    for (const [name, list] of byPairing) {
      list.sort((x, y) => Date.parse(x.startedAt) - Date.parse(y.startedAt));
      for (let k = 1; k < list.length; k += 1) {
        expect(Date.parse(list[k]!.startedAt), name).toBeGreaterThanOrEqual(Date.parse(list[k - 1]!.startedAt) + list[k - 1]!.durationMs);
      }
      // At least one run per (interval + jitter + a wait in the queue), over the whole soak.
      expect(list.length, name).toBeGreaterThanOrEqual(Math.floor(SECONDS / (EVERY_S + 1 + 3)));
    }
    expect(runs.filter((r) => r.failure === 'locked')).toEqual([]);
    expect(runs.filter((r) => !r.ok && r.failure !== 'interrupted')).toEqual([]);
    expect(ws.items('right', 'c199').size).toBe(3);

    // Every run recorded: one "run finished" log line per run in the history, pairing by pairing.
    const logged = new Map<string, number>();
    for (const line of proc.stderr().split('\n')) {
      if (!line.startsWith('{')) continue;
      const o = JSON.parse(line) as { msg?: string; pairing?: string };
      if (o.pairing && (o.msg === 'run finished' || o.msg?.startsWith('run failed'))) logged.set(o.pairing, (logged.get(o.pairing) ?? 0) + 1);
    }
    for (const [name, list] of byPairing) expect(logged.get(name), name).toBe(list.length);

    // Heap flat: after a warm-up, the later samples stay within 30% (+16 MiB for GC timing) of the early ones.
    const warm = samples.filter((s) => s.t > 20_000).map((s) => s.heap);
    const third = Math.max(1, Math.floor(warm.length / 3));
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const early = median(warm.slice(0, third));
    const late = median(warm.slice(-third));
    console.log(`soak: ${runs.length} runs in ${SECONDS}s (${(runs.length / SECONDS).toFixed(1)}/s), peak ${samples.at(-1)!.peak} at once, heap early ${(early / 2 ** 20).toFixed(1)} MiB, late ${(late / 2 ** 20).toFixed(1)} MiB`);
    expect(late).toBeLessThanOrEqual(early * 1.3 + 16 * 2 ** 20);
  }, (SECONDS + 120) * 1000);
});
