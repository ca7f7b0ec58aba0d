/** The scheduler and the run queue with real timers and a stand-in for runOnce that records what ran when. */
import { afterEach, describe, expect, it } from 'vitest';
import { RunQueue } from '../../src/runner/run-queue.js';
import { Scheduler } from '../../src/runner/scheduler.js';
import type { RunEntry, RunTrigger } from '../../src/runner/run-entry.js';
import type { ResolvedSchedule } from '../../src/runner/settings.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function schedule(extra: Partial<ResolvedSchedule> = {}): ResolvedSchedule {
  return { enabledInConfig: true, jitterMs: 0, watch: false, maxFailures: 5, retryInitialMs: 1000, retryMaxMs: 60_000, ...extra };
}

interface Ran { name: string; trigger: RunTrigger; dryRun: boolean; start: number; end: number }

/** A fake runOnce: takes `durationMs`, fails while `failing` holds the name; records start/end and concurrency. */
function harness(opts: { concurrency?: number; perHost?: number; durationMs?: number | ((name: string) => number) } = {}) {
  const ran: Ran[] = [];
  const failing = new Set<string>();
  let active = 0, peak = 0;
  const perName = new Map<string, number>();
  let overlap = false;
  const queue = new RunQueue({ concurrency: opts.concurrency ?? 4, perHost: opts.perHost ?? 2 });
  const scheduler = new Scheduler({
    queue,
    async execute(name, trigger, dryRun) {
      const start = Date.now();
      active += 1; peak = Math.max(peak, active);
      if (!dryRun) {
        if ((perName.get(name) ?? 0) > 0) overlap = true;
        perName.set(name, (perName.get(name) ?? 0) + 1);
      }
      const d = typeof opts.durationMs === 'function' ? opts.durationMs(name) : opts.durationMs ?? 5;
      await sleep(d);
      active -= 1;
      if (!dryRun) perName.set(name, perName.get(name)! - 1);
      ran.push({ name, trigger, dryRun, start, end: Date.now() });
      const fail = failing.has(name);
      return {
        pairing: name, ok: !fail, dryRun, startedAt: new Date(start).toISOString(), durationMs: d, a: { created: 0, updated: 0, deleted: 0 }, b: { created: 0, updated: 0, deleted: 0 },
        unchanged: 0, conflicts: 0, skipped: 0, failed: 0, errors: [], items: [], trigger, ...(fail ? { aborted: 'connection refused', failure: 'unreachable' as const } : {}),
      } satisfies RunEntry;
    },
  });
  return { ran, failing, queue, scheduler, peak: () => peak, overlap: () => overlap };
}

let stopMe: Scheduler | undefined;
afterEach(async () => { await stopMe?.stop(); stopMe = undefined; });

describe('scheduler', () => {
  it('never overlaps runs of a pairing; a run longer than the interval is followed straight away by the next', async () => {
    const h = harness({ durationMs: 250 });
    stopMe = h.scheduler;
    h.scheduler.upsert('p', schedule({ everyMs: 100 }), [], false);
    await sleep(1100);
    await h.scheduler.stop();
    expect(h.ran.length).toBeGreaterThanOrEqual(3);
    expect(h.overlap()).toBe(false);
    for (let i = 1; i < h.ran.length; i += 1) {
      expect(h.ran[i]!.start).toBeGreaterThanOrEqual(h.ran[i - 1]!.end);
      expect(h.ran[i]!.start - h.ran[i - 1]!.end).toBeLessThan(60); // not stacked, not delayed a whole interval
    }
  });

  it('serves triggers that come during a run with one run after it', async () => {
    const h = harness({ durationMs: 200 });
    stopMe = h.scheduler;
    h.scheduler.upsert('p', schedule(), [], false); // no schedule: manual only
    const first = h.scheduler.trigger('p', 'manual');
    await sleep(50);
    const more = [1, 2, 3, 4, 5].map(() => h.scheduler.trigger('p', 'change'));
    const results = await Promise.all([first, ...more]);
    expect(h.ran.map((r) => r.trigger)).toEqual(['manual', 'change']);
    expect(results[0]!.startedAt).not.toBe(results[1]!.startedAt);
    expect(new Set(results.slice(1).map((r) => r!.startedAt)).size).toBe(1);
    await sleep(300);
    expect(h.ran).toHaveLength(2);
  });

  it('keeps at most `concurrency` runs at once and at most `perHost` against one host', async () => {
    const h = harness({ concurrency: 3, perHost: 2, durationMs: 40 });
    stopMe = h.scheduler;
    let hostPeak = 0;
    for (let i = 0; i < 12; i += 1) h.scheduler.upsert(`p${i}`, schedule(), i < 6 ? ['dav.example.com'] : [], false);
    const all = await Promise.all(Array.from({ length: 12 }, (_, i) => h.scheduler.trigger(`p${i}`, 'manual')));
    expect(all.every((e) => e?.ok)).toBe(true);
    expect(h.peak()).toBe(3);
    // per host: sweep the recorded intervals of the six pairings on one host
    const events = h.ran.filter((r) => Number(r.name.slice(1)) < 6).flatMap((r) => [[r.start, 1], [r.end, -1]] as const).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    let cur = 0;
    for (const [, d] of events) { cur += d; hostPeak = Math.max(hostPeak, cur); }
    expect(hostPeak).toBeLessThanOrEqual(2);
    expect(h.queue.peakRunning).toBe(3);
  });

  it('backs off exponentially after failed runs, up to the cap, and resets after a success', async () => {
    const h = harness({ durationMs: 1 });
    stopMe = h.scheduler;
    h.failing.add('p');
    h.scheduler.upsert('p', schedule({ everyMs: 60_000, retryInitialMs: 60, retryMaxMs: 240 }), [], false);
    await sleep(60 + 120 + 240 + 240 + 150);
    const starts = h.ran.map((r) => r.start);
    const gaps = starts.slice(1).map((s, i) => s - starts[i]!);
    expect(h.ran.map((r) => r.trigger).slice(0, 5)).toEqual(['schedule', 'retry', 'retry', 'retry', 'retry']);
    expect(gaps[0]).toBeGreaterThanOrEqual(55);
    expect(gaps[1]).toBeGreaterThanOrEqual(115);
    expect(gaps[2]).toBeGreaterThanOrEqual(235);
    expect(gaps[3]).toBeGreaterThanOrEqual(235);
    expect(gaps[3]).toBeLessThan(400); // capped at 240 ms
    expect(h.scheduler.info('p')!.failures).toBeGreaterThanOrEqual(4);
    h.failing.delete('p');
    await sleep(300);
    expect(h.scheduler.info('p')!.failures).toBe(0);
    expect(h.scheduler.info('p')!.nextRunAt! - Date.now()).toBeGreaterThan(50_000); // back on the regular interval
  });

  it('runs nothing for a paused pairing and schedules a run when it is unpaused', async () => {
    const h = harness();
    stopMe = h.scheduler;
    h.scheduler.upsert('p', schedule({ everyMs: 50 }), [], true);
    expect(await h.scheduler.trigger('p', 'manual')).toBeUndefined();
    await sleep(150);
    expect(h.ran).toHaveLength(0);
    h.scheduler.setPaused('p', false);
    await sleep(30);
    expect(h.ran.length).toBeGreaterThanOrEqual(1);
  });

  it('a dry run goes through the queue and leaves the schedule alone', async () => {
    const h = harness({ durationMs: 10 });
    stopMe = h.scheduler;
    h.scheduler.upsert('p', schedule(), [], false);
    const e = await h.scheduler.trigger('p', 'manual', { dryRun: true });
    expect(e!.dryRun).toBe(true);
    expect(h.ran).toEqual([expect.objectContaining({ dryRun: true })]);
  });

  it('follows a cron expression (with seconds)', async () => {
    const h = harness({ durationMs: 1 });
    stopMe = h.scheduler;
    h.scheduler.upsert('p', schedule({ cron: '* * * * * *' }), [], false);
    expect(h.scheduler.info('p')!.nextRunAt! % 1000).toBe(0);
    await sleep(2300);
    expect(h.ran.length).toBeGreaterThanOrEqual(2);
    expect(h.ran.length).toBeLessThanOrEqual(3);
    for (const r of h.ran) expect(r.start % 1000).toBeLessThan(200);
  });

  it('stop() drops queued runs and waits for running ones', async () => {
    const h = harness({ concurrency: 1, durationMs: 150 });
    stopMe = h.scheduler;
    h.scheduler.upsert('a', schedule(), [], false);
    h.scheduler.upsert('b', schedule(), [], false);
    const a = h.scheduler.trigger('a', 'manual');
    const b = h.scheduler.trigger('b', 'manual');
    await sleep(20);
    await h.scheduler.stop();
    expect((await a)?.ok).toBe(true);
    expect(await b).toBeUndefined();
    expect(h.ran.map((r) => r.name)).toEqual(['a']);
  });
});
