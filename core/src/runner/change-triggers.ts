/**
 * Change triggers: a pairing with `schedule.watch` runs when a side's connector reports a change (`watch`), after a
 * quiet period. A run's own writes never trigger the next run: changes reported while the pairing runs, and for a
 * settle window after it, on a side the run wrote to are taken as the run's own; changes on a side it did not
 * write to trigger a run. (An edit made by someone else on the written side inside that window waits for the next
 * scheduled run or the next change.)
 */
import type { WatchHandle } from '../sdk/connector.js';
import type { Side } from '../engine/plan-types.js';
import type { RunEntry } from './run-entry.js';

/** Extra settle time after a run, on top of the quiet period: a connector debounces its own events (the folder connector by 300 ms). */
export const SETTLE_EXTRA_MS = 1_000;

interface WatchState {
  running: boolean;
  /** Sides that reported changes during the run in progress. */
  during: Set<Side>;
  /** Epoch ms until which changes on a side are the last run's own writes. */
  settleUntil: Record<Side, number>;
  timer?: NodeJS.Timeout;
}

export class ChangeTriggers {
  private readonly handles = new Map<string, WatchHandle[]>();
  private readonly states = new Map<string, WatchState>();

  /** `fire(name)` asks the scheduler for a run; `quietMs` is `service.watchDebounce`. */
  constructor(private readonly quietMs: number, private readonly fire: (name: string) => void) {}

  /** Starts watching one side of a pairing. */
  async watch(name: string, side: Side, start: (onChange: () => void) => Promise<WatchHandle>): Promise<void> {
    const handle = await start(() => this.changed(name, side));
    const list = this.handles.get(name) ?? [];
    list.push(handle);
    this.handles.set(name, list);
  }

  /** Stops watching a pairing (both sides). */
  async unwatch(name: string): Promise<void> {
    const list = this.handles.get(name) ?? [];
    this.handles.delete(name);
    const st = this.states.get(name);
    if (st?.timer) clearTimeout(st.timer);
    this.states.delete(name);
    await Promise.allSettled(list.map((h) => h.close()));
  }

  /** Watched pairings. */
  watched(): string[] {
    return [...this.handles.keys()];
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.handles.keys()].map((n) => this.unwatch(n)));
  }

  runStarted(name: string): void {
    if (this.handles.has(name)) this.state(name).running = true;
  }

  runFinished(name: string, entry: RunEntry): void {
    if (!this.handles.has(name) || entry.dryRun) return;
    const st = this.state(name);
    st.running = false;
    const wrote = (side: Side) => entry[side].created + entry[side].updated + entry[side].deleted > 0;
    const until = Date.now() + this.quietMs + SETTLE_EXTRA_MS;
    for (const side of ['a', 'b'] as const) if (wrote(side)) st.settleUntil[side] = until;
    const external = [...st.during].filter((side) => !wrote(side));
    st.during.clear();
    if (external.length) this.debounce(name, st);
  }

  private state(name: string): WatchState {
    let st = this.states.get(name);
    if (!st) {
      st = { running: false, during: new Set(), settleUntil: { a: 0, b: 0 } };
      this.states.set(name, st);
    }
    return st;
  }

  private changed(name: string, side: Side): void {
    if (!this.handles.has(name)) return;
    const st = this.state(name);
    if (st.running) {
      st.during.add(side);
      return;
    }
    if (Date.now() < st.settleUntil[side]) return; // the last run's own writes
    this.debounce(name, st);
  }

  private debounce(name: string, st: WatchState): void {
    if (st.timer) clearTimeout(st.timer);
    st.timer = setTimeout(() => {
      st.timer = undefined;
      this.fire(name);
    }, this.quietMs);
    st.timer.unref();
  }
}
