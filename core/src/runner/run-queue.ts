/**
 * The dispatch queue: runs wait here until a slot is free — at most `concurrency` runs at once overall and at most
 * `perHost` at once against any one remote host, so many pairings on one server do not hammer it. First come,
 * first served, except that a run whose host is busy lets later runs for other hosts pass.
 */

export interface QueuedRun {
  /** Remote hosts the run talks to (none for local folders). */
  hosts: readonly string[];
  /** Starts the run; the queue frees its slots when the promise settles. */
  start: () => Promise<unknown>;
}

export class RunQueue {
  private readonly waiting: QueuedRun[] = [];
  private readonly perHostRunning = new Map<string, number>();
  private runningCount = 0;
  private peak = 0;
  private closed = false;

  constructor(private readonly limits: { concurrency: number; perHost: number }) {}

  /** Runs in progress. */
  get running(): number {
    return this.runningCount;
  }

  /** Runs waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  /** The most runs that were ever in progress at once. */
  get peakRunning(): number {
    return this.peak;
  }

  /** New limits (config reload); runs in progress keep their slots. */
  setLimits(limits: { concurrency: number; perHost: number }): void {
    Object.assign(this.limits, limits);
    this.pump();
  }

  push(run: QueuedRun): void {
    if (this.closed) return;
    this.waiting.push(run);
    this.pump();
  }

  /** Drops a waiting run (it never starts); false when it is not waiting. */
  remove(run: QueuedRun): boolean {
    const i = this.waiting.indexOf(run);
    if (i < 0) return false;
    this.waiting.splice(i, 1);
    return true;
  }

  /** Starts nothing more; waiting runs are dropped and returned. */
  close(): QueuedRun[] {
    this.closed = true;
    return this.waiting.splice(0);
  }

  private fits(run: QueuedRun): boolean {
    return run.hosts.every((h) => (this.perHostRunning.get(h) ?? 0) < this.limits.perHost);
  }

  private pump(): void {
    for (let i = 0; i < this.waiting.length && this.runningCount < this.limits.concurrency && !this.closed;) {
      const run = this.waiting[i]!;
      if (!this.fits(run)) { i += 1; continue; }
      this.waiting.splice(i, 1);
      this.begin(run);
    }
  }

  private begin(run: QueuedRun): void {
    this.runningCount += 1;
    this.peak = Math.max(this.peak, this.runningCount);
    for (const h of run.hosts) this.perHostRunning.set(h, (this.perHostRunning.get(h) ?? 0) + 1);
    const done = () => {
      this.runningCount -= 1;
      for (const h of run.hosts) {
        const n = (this.perHostRunning.get(h) ?? 1) - 1;
        if (n > 0) this.perHostRunning.set(h, n);
        else this.perHostRunning.delete(h);
      }
      this.pump();
    };
    let started: Promise<unknown>;
    try {
      started = run.start();
    } catch (e) {
      started = Promise.reject(e);
    }
    started.then(done, done);
  }
}
