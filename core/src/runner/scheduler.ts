/**
 * The scheduler: when each pairing runs. Per pairing: an interval (`every`) or a cron expression, jitter, manual
 * and change triggers, and backoff after a failed run. Never two runs of one pairing at once: a trigger that comes
 * while the pairing runs (or waits in the queue) is served by the run after it — once, not stacked — and a run that
 * took longer than its interval is followed straight away by the next. Runs go through the `RunQueue` (global and
 * per-host limits).
 */
import { nextCronRun } from './cron.js';
import type { RunEntry, RunTrigger } from './run-entry.js';
import type { QueuedRun, RunQueue } from './run-queue.js';
import type { ResolvedSchedule } from './settings.js';

/** Longest delay one timer can hold (setTimeout takes a signed 32-bit number of ms); longer waits re-arm. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface SchedulerDeps {
  queue: RunQueue;
  /** Runs a pairing (runOnce underneath); must not throw for a failed run. */
  execute: (name: string, trigger: RunTrigger, dryRun: boolean) => Promise<RunEntry>;
  /** Random number in [0, 1), for jitter (default Math.random). */
  random?: () => number;
}

/** What the scheduler knows about a pairing right now. */
export interface JobInfo {
  running: boolean;
  queued: boolean;
  /** Epoch ms of the next scheduled (or retry) run. */
  nextRunAt?: number;
  /** Consecutive failed runs (for the backoff). */
  failures: number;
}

interface Job {
  name: string;
  schedule: ResolvedSchedule;
  hosts: readonly string[];
  paused: boolean;
  removed: boolean;
  phase: 'idle' | 'queued' | 'running';
  queuedRun?: QueuedRun;
  trigger?: RunTrigger;
  /** A trigger that came while the pairing was running: served by one run right after. */
  again?: RunTrigger;
  timer?: NodeJS.Timeout;
  nextRunAt?: number;
  nextTrigger?: RunTrigger;
  failures: number;
  /** Callers waiting for the result of the next run to start. */
  waiters: ((entry: RunEntry | undefined) => void)[];
}

/** True for a run whose failure should back off (not a lock held by another run, not a shutdown). */
function backsOff(entry: RunEntry): boolean {
  return !entry.dryRun && entry.aborted !== undefined && entry.failure !== 'locked' && entry.failure !== 'interrupted';
}

export class Scheduler {
  private readonly jobs = new Map<string, Job>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private stopped = false;
  private readonly random: () => number;

  constructor(private readonly deps: SchedulerDeps) {
    this.random = deps.random ?? Math.random;
  }

  /** Adds a pairing or updates its schedule (config reload); a run in progress is not disturbed. */
  upsert(name: string, schedule: ResolvedSchedule, hosts: readonly string[], paused: boolean): void {
    const job = this.jobs.get(name);
    if (!job) {
      const fresh: Job = { name, schedule, hosts, paused, removed: false, phase: 'idle', failures: 0, waiters: [] };
      this.jobs.set(name, fresh);
      if (!paused) this.armFirst(fresh);
      return;
    }
    const timingChanged = job.schedule.everyMs !== schedule.everyMs || job.schedule.cron !== schedule.cron || job.schedule.timezone !== schedule.timezone;
    job.schedule = schedule;
    job.hosts = hosts;
    if (job.paused !== paused) this.setPaused(name, paused);
    else if (timingChanged && job.phase === 'idle' && !paused) this.armFirst(job);
  }

  /** Stops scheduling a pairing (removed from the config); its run in progress finishes. */
  remove(name: string): void {
    const job = this.jobs.get(name);
    if (!job) return;
    job.removed = true;
    this.disarm(job);
    if (job.queuedRun && this.deps.queue.remove(job.queuedRun)) this.settleWaiters(job, undefined);
    this.jobs.delete(name);
  }

  /** Paused pairings (disabled, circuit open) get no scheduled or change runs; unpausing schedules one now. */
  setPaused(name: string, paused: boolean): void {
    const job = this.jobs.get(name);
    if (!job || job.paused === paused) return;
    job.paused = paused;
    if (paused) {
      this.disarm(job);
      job.again = undefined;
      if (job.phase === 'queued' && job.queuedRun && this.deps.queue.remove(job.queuedRun)) {
        job.phase = 'idle';
        job.queuedRun = undefined;
        this.settleWaiters(job, undefined);
      }
    } else {
      job.failures = 0;
      if (job.phase === 'idle') this.arm(job, Date.now() + this.jitter(job), 'schedule');
    }
  }

  /**
   * Asks for a run now. A dry run goes straight to the queue and changes nothing (it takes the pairing lock like any run). A real run joins the queued run,
   * or is served by one run right after the one in progress. Resolves with the entry of the run that served it
   * (undefined when the pairing is unknown, paused, or the service stops first).
   */
  trigger(name: string, trigger: RunTrigger, options: { dryRun?: boolean } = {}): Promise<RunEntry | undefined> {
    const job = this.jobs.get(name);
    if (!job || this.stopped) return Promise.resolve(undefined);
    if (options.dryRun) {
      return new Promise((resolve) => {
        this.deps.queue.push({ hosts: job.hosts, start: () => this.track(this.deps.execute(name, trigger, true).then(resolve, () => resolve(undefined))) });
      });
    }
    if (job.paused) return Promise.resolve(undefined);
    const result = new Promise<RunEntry | undefined>((resolve) => job.waiters.push(resolve));
    if (job.phase === 'running') job.again ??= trigger;
    else if (job.phase === 'idle') this.enqueue(job, trigger);
    return result;
  }

  info(name: string): JobInfo | undefined {
    const job = this.jobs.get(name);
    if (!job) return undefined;
    return { running: job.phase === 'running', queued: job.phase === 'queued', failures: job.failures, ...(job.nextRunAt !== undefined ? { nextRunAt: job.nextRunAt } : {}) };
  }

  /** Schedules nothing more and drops queued runs; resolves when the runs in progress have finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const job of this.jobs.values()) this.disarm(job);
    this.deps.queue.close();
    for (const job of this.jobs.values()) if (job.phase === 'queued') this.settleWaiters(job, undefined);
    await Promise.allSettled([...this.inFlight]);
  }

  /** Resolves when the runs in progress now have finished. */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  private jitter(job: Job): number {
    return job.schedule.jitterMs > 0 ? Math.floor(this.random() * job.schedule.jitterMs) : 0;
  }

  /** The first run: now (plus jitter) for an interval, the next match for cron, none without either. */
  private armFirst(job: Job): void {
    const now = Date.now();
    if (job.schedule.everyMs !== undefined) this.arm(job, now + this.jitter(job), 'schedule');
    else this.armRegular(job, now, now);
  }

  /** The next regular run after a run that started at `startedAt`. */
  private armRegular(job: Job, startedAt: number, now: number): void {
    let at: number | undefined;
    if (job.schedule.everyMs !== undefined) at = Math.max(startedAt + job.schedule.everyMs, now);
    else if (job.schedule.cron !== undefined) at = nextCronRun(job.schedule.cron, job.schedule.timezone, new Date(now))?.getTime();
    if (at === undefined) {
      this.disarm(job);
      return;
    }
    this.arm(job, at + this.jitter(job), 'schedule');
  }

  private arm(job: Job, at: number, trigger: RunTrigger): void {
    this.disarm(job);
    if (this.stopped || job.removed || job.paused) return;
    job.nextRunAt = at;
    job.nextTrigger = trigger;
    const wait = () => {
      const left = at - Date.now();
      if (left > 0) {
        job.timer = setTimeout(wait, Math.min(left, MAX_TIMER_MS));
        job.timer.unref();
        return;
      }
      job.timer = undefined;
      if (job.phase === 'idle') this.enqueue(job, trigger);
      else if (job.phase === 'running') job.again ??= trigger;
    };
    wait();
  }

  private disarm(job: Job): void {
    if (job.timer) clearTimeout(job.timer);
    job.timer = undefined;
    job.nextRunAt = undefined;
  }

  private enqueue(job: Job, trigger: RunTrigger): void {
    if (this.stopped || job.removed) return;
    this.disarm(job);
    job.phase = 'queued';
    job.trigger = trigger;
    const queued: QueuedRun = { hosts: job.hosts, start: () => this.track(this.runJob(job)) };
    job.queuedRun = queued;
    this.deps.queue.push(queued);
  }

  private async runJob(job: Job): Promise<void> {
    job.phase = 'running';
    job.queuedRun = undefined;
    const waiters = job.waiters.splice(0);
    const startedAt = Date.now();
    let entry: RunEntry | undefined;
    try {
      entry = await this.deps.execute(job.name, job.trigger ?? 'schedule', false);
    } finally {
      job.phase = 'idle';
      for (const w of waiters) w(entry);
    }
    this.afterRun(job, entry, startedAt);
  }

  private afterRun(job: Job, entry: RunEntry | undefined, startedAt: number): void {
    if (this.stopped || job.removed || job.paused) {
      job.again = undefined;
      if (job.paused) this.settleWaiters(job, undefined);
      return;
    }
    const now = Date.now();
    if (entry && backsOff(entry)) {
      job.failures += 1;
      const { retryInitialMs, retryMaxMs } = job.schedule;
      const delay = Math.min(retryMaxMs, retryInitialMs * 2 ** Math.min(job.failures - 1, 30));
      // A manual trigger that came meanwhile is served now; change triggers wait for the backoff.
      if (job.again === 'manual') {
        job.again = undefined;
        this.enqueue(job, 'manual');
        return;
      }
      job.again = undefined;
      this.arm(job, now + delay + this.jitter(job), 'retry');
      return;
    }
    if (entry && !entry.dryRun) job.failures = 0;
    if (job.again !== undefined) {
      const trigger = job.again;
      job.again = undefined;
      this.enqueue(job, trigger);
      return;
    }
    this.armRegular(job, startedAt, now);
  }

  private settleWaiters(job: Job, entry: RunEntry | undefined): void {
    for (const w of job.waiters.splice(0)) w(entry);
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight.add(p);
    const drop = () => { this.inFlight.delete(p); };
    p.then(drop, drop);
    return p;
  }
}
