import { describe, expect, it } from 'vitest';
import { AdaptiveLimiter, type LimiterSlot } from '../src/limiter.js';

/** A task that stays in flight until `release()` is called; `slot` is its window slot. */
function pending(limiter: AdaptiveLimiter, log: number[], id: number) {
  let release!: () => void;
  let slot!: LimiterSlot;
  const gate = new Promise<void>((r) => { release = r; });
  const done = limiter.run(async (s) => { slot = s; log.push(id); await gate; return id; });
  return { done, release: () => release(), slot: () => slot };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('AdaptiveLimiter', () => {
  it('runs at most max tasks at once, the rest in arrival order', async () => {
    const limiter = new AdaptiveLimiter(3);
    const started: number[] = [];
    const tasks = Array.from({ length: 7 }, (_, i) => pending(limiter, started, i));
    await tick();
    expect(started).toEqual([0, 1, 2]);
    expect(limiter.inFlight).toBe(3);
    tasks[1]!.release();
    await tick();
    expect(started).toEqual([0, 1, 2, 3]);
    for (const t of tasks) t.release();
    expect(await Promise.all(tasks.map((t) => t.done))).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(limiter.inFlight).toBe(0);
  });

  it('a busy answer halves the window once per round: a burst of busy answers does not drive it to 1', async () => {
    const limiter = new AdaptiveLimiter(8);
    const started: number[] = [];
    const first = Array.from({ length: 8 }, (_, i) => pending(limiter, started, i));
    const later = Array.from({ length: 8 }, (_, i) => pending(limiter, started, 8 + i));
    await tick();
    for (const t of first) t.slot().busy(); // all eight were sent before the first decrease
    expect(limiter.limit).toBe(4);
    first[0]!.slot().busy(); // the same request busy again after its retry: a new round
    expect(limiter.limit).toBe(2);
    for (const t of first) t.release();
    await tick();
    // Eight finished, but only two of the waiting ones may go now.
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(limiter.inFlight).toBe(2);
    for (const t of later) t.release();
    await Promise.all(later.map((t) => t.done));
  });

  it('calm answers grow the window by one per window of answers, up to max, and start waiting tasks', async () => {
    const limiter = new AdaptiveLimiter(4);
    const started: number[] = [];
    const a = pending(limiter, started, 0);
    await tick();
    a.slot().busy();
    a.slot().busy();
    expect(limiter.limit).toBe(1);
    const waiting = Array.from({ length: 3 }, (_, i) => pending(limiter, started, 1 + i));
    await tick();
    expect(started).toEqual([0]);
    a.slot().ok(); // 1 calm answer at window 1 → 2, and one waiting task starts
    expect(limiter.limit).toBe(2);
    await tick();
    expect(started).toEqual([0, 1]);
    a.slot().ok(); // at window 2, two calm answers are needed
    expect(limiter.limit).toBe(2);
    a.slot().ok();
    expect(limiter.limit).toBe(3);
    for (let i = 0; i < 10; i++) a.slot().ok();
    expect(limiter.limit).toBe(4);
    a.release();
    for (const t of waiting) t.release();
    await Promise.all(waiting.map((t) => t.done));
  });

  it('refuses a limit that is not a whole number ≥ 1', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => new AdaptiveLimiter(bad)).toThrow(/whole number ≥ 1/);
  });
});
