/**
 * A run's budget per remote host. The engine opens one budget per run (`withRunBudget`); the HTTP transport of
 * every network connector looks it up for each request (`currentRunBudget`) and asks the host's gate first:
 *
 * - **Consecutive failures.** Requests that fail without an answer (time-out, refused or reset connection, TLS
 *   or DNS failure) form a streak; any answer ends it. Once a streak reaches `failures` requests, or has lasted
 *   `failureTimeMs` (so one request that hangs until its time-out is enough with the default time-out), the host
 *   is given up for the rest of the run: every later request to it fails at once with `HostSkipped`, without
 *   being sent. Requests already in flight (concurrent writes) finish or fail on their own.
 * - **Retry-After.** A 429/503 (or an Exchange back-off) asking to wait pauses every request to that host until
 *   then, when the wait is at most `maxPauseMs`; a longer wait gives the host up for the run.
 *
 * The budget lives in the run's async context, so concurrent runs (the service) each have their own and the next
 * run starts fresh. It is kept on `globalThis` under a registered symbol: connector packages with their own copy
 * of this SDK share it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Unavailable } from './errors.js';

/** The limits of one run, per host. */
export interface RunBudgetLimits {
  /** Requests in a row that fail without an answer before the host is given up (default 3). */
  failures: number;
  /** A failing streak that has lasted this long (from the first failed request's start) gives the host up (default 20 s). */
  failureTimeMs: number;
  /** Longest Retry-After honoured by pausing the host; longer gives it up for the run (default 60 s). */
  maxPauseMs: number;
}

export const DEFAULT_RUN_BUDGET: Readonly<RunBudgetLimits> = Object.freeze({ failures: 3, failureTimeMs: 20_000, maxPauseMs: 60_000 });

/**
 * A request that was not sent because this run gave its host up. Its code is `Unavailable` (a server problem,
 * not the item's: no retry penalty), and `notAttempted` tells the engine to stop writing to that side and leave
 * the remaining items for the next run.
 */
export class HostSkipped extends Unavailable {
  readonly notAttempted = true;
  constructor(readonly host: string, readonly reason: string) {
    super(`stopped sending to ${host} for the rest of this run: ${reason}`);
  }
  override toJSON() {
    return { ...super.toJSON(), notAttempted: true };
  }
}

/** True for an error (or its JSON form) that says the operation was never attempted (`HostSkipped`). */
export function isNotAttempted(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { notAttempted?: unknown }).notAttempted === true;
}

/** One host's standing in a run. */
export class HostGate {
  private streak = 0;
  private streakStart = 0;
  private pausedUntil = 0;
  private stopped?: string;
  private failureCount = 0;

  constructor(readonly host: string, private readonly limits: RunBudgetLimits, private readonly now: () => number) {}

  /** Why the host was given up, or undefined while it is not. */
  get givenUp(): string | undefined {
    return this.stopped;
  }

  /** Failed requests so far in this run (for messages and tests). */
  get failures(): number {
    return this.failureCount;
  }

  /**
   * Waits out a pause, then lets the request go; throws `HostSkipped` when the host was given up (also when that
   * happens during the wait). Rejects with the signal's reason when it aborts.
   */
  async admit(signal?: AbortSignal): Promise<void> {
    for (;;) {
      if (this.stopped) throw new HostSkipped(this.host, this.stopped);
      const wait = this.pausedUntil - this.now();
      if (wait <= 0) return;
      await sleep(wait, signal);
    }
  }

  /** The host answered (any status): the failing streak is over. */
  answered(): void {
    this.streak = 0;
  }

  /** A request sent at `startedAt` failed without an answer (`why`: one line, e.g. "timed out talking to …"). */
  failed(startedAt: number, why: string): void {
    this.failureCount++;
    if (this.stopped) return;
    if (this.streak === 0) this.streakStart = startedAt;
    else this.streakStart = Math.min(this.streakStart, startedAt);
    this.streak++;
    const lasted = this.now() - this.streakStart;
    if (this.streak >= this.limits.failures) {
      this.stopped = `${this.streak} requests in a row failed; the last: ${why}`;
    } else if (lasted >= this.limits.failureTimeMs) {
      this.stopped = `requests failed for ${Math.round(lasted / 1000)} s; the last: ${why}`;
    }
  }

  /**
   * The host asked to wait `ms` (Retry-After, a back-off). Within `maxPauseMs` every request to it waits that
   * long (returns true: retry after the pause); a longer wait gives the host up for the run (returns false).
   */
  pause(ms: number): boolean {
    if (ms > this.limits.maxPauseMs) {
      this.stopped ??= `it asked to wait ${formatSeconds(ms)} (Retry-After), more than the ${formatSeconds(this.limits.maxPauseMs)} a run waits`;
      return false;
    }
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + ms);
    return true;
  }
}

/** One run's gates, by host (`host:port`, lower case). */
export class RunBudget {
  private readonly gates = new Map<string, HostGate>();
  readonly limits: RunBudgetLimits;

  constructor(limits: Partial<RunBudgetLimits> = {}, private readonly now: () => number = Date.now) {
    this.limits = { ...DEFAULT_RUN_BUDGET, ...definedOnly(limits) };
  }

  /** The gate of the host of `url` (an absolute URL or a `host:port`). */
  gate(url: string): HostGate {
    const host = hostKey(url);
    let gate = this.gates.get(host);
    if (!gate) {
      gate = new HostGate(host, this.limits, this.now);
      this.gates.set(host, gate);
    }
    return gate;
  }

  /** Hosts given up in this run, with why. */
  givenUp(): { host: string; reason: string }[] {
    return [...this.gates.values()].filter((g) => g.givenUp).map((g) => ({ host: g.host, reason: g.givenUp! }));
  }
}

const STORE_KEY = Symbol.for('dovetail.runBudget');
const store: AsyncLocalStorage<RunBudget> = ((globalThis as Record<symbol, unknown>)[STORE_KEY] ??= new AsyncLocalStorage<RunBudget>()) as AsyncLocalStorage<RunBudget>;

/** Runs `fn` with `budget` as the current run's budget (for everything it awaits and starts). */
export function withRunBudget<T>(budget: RunBudget, fn: () => Promise<T>): Promise<T> {
  return store.run(budget, fn);
}

/** The budget of the run this code runs in, if any (`dovetail check`, `discover` run without one). */
export function currentRunBudget(): RunBudget | undefined {
  return store.getStore();
}

function hostKey(url: string): string {
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return url.toLowerCase();
  }
}

function definedOnly<T extends object>(o: Partial<T>): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function formatSeconds(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) { reject(signal.reason); return; }
    const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    const onAbort = () => { clearTimeout(t); reject(signal?.reason); };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
