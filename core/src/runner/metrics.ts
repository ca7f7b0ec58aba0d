/**
 * Prometheus metrics of the service (prom-client, on a registry of its own): runs by result, items by operation and
 * side, failures by kind, run durations, circuit state, runs in progress and queued, plus Node's process metrics.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RunEntry } from './run-entry.js';

/** `ok`, `problems` (item failures or conflicts), `blocked` (a guard), `failed` (could not run), `interrupted`. */
export function runResult(entry: RunEntry): string {
  if (entry.failure === 'interrupted') return 'interrupted';
  if (entry.aborted !== undefined) return 'failed';
  if (entry.blocked !== undefined) return 'blocked';
  return entry.failed > 0 || entry.conflicts > 0 ? 'problems' : 'ok';
}

export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly runs: Counter<'pairing' | 'result' | 'trigger'>;
  private readonly items: Counter<'pairing' | 'operation' | 'side'>;
  private readonly failures: Counter<'pairing' | 'kind'>;
  private readonly duration: Histogram<'pairing'>;
  private readonly circuit: Gauge<'pairing'>;
  private readonly enabled: Gauge<'pairing'>;

  constructor(load: { running: () => number; queued: () => number; peak: () => number }) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'dovetail_' });
    this.runs = new Counter({ name: 'dovetail_runs_total', help: 'Runs finished, by pairing, result (ok, problems, blocked, failed, interrupted) and trigger.', labelNames: ['pairing', 'result', 'trigger'], registers });
    this.items = new Counter({ name: 'dovetail_items_total', help: 'Items written, by pairing, operation (created, updated, deleted, failed, conflict) and side.', labelNames: ['pairing', 'operation', 'side'], registers });
    this.failures = new Counter({ name: 'dovetail_run_failures_total', help: 'Runs that could not run or stopped early, by pairing and kind (unreachable, auth, locked, state, config, quarantined, error).', labelNames: ['pairing', 'kind'], registers });
    this.duration = new Histogram({ name: 'dovetail_run_duration_seconds', help: 'Run durations by pairing.', labelNames: ['pairing'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300], registers });
    this.circuit = new Gauge({ name: 'dovetail_circuit_open', help: '1 while a pairing\'s circuit is open (stopped after repeated failed runs).', labelNames: ['pairing'], registers });
    this.enabled = new Gauge({ name: 'dovetail_pairing_enabled', help: '1 while the service may run the pairing (enabled, circuit closed).', labelNames: ['pairing'], registers });
    new Gauge({ name: 'dovetail_runs_in_progress', help: 'Runs in progress.', registers, collect() { this.set(load.running()); } });
    new Gauge({ name: 'dovetail_runs_queued', help: 'Runs waiting for a free slot.', registers, collect() { this.set(load.queued()); } });
    new Gauge({ name: 'dovetail_runs_in_progress_peak', help: 'Most runs in progress at once since the service started (bounded by service.concurrency).', registers, collect() { this.set(load.peak()); } });
  }

  /** Counts a finished real run (dry runs are not counted). */
  observe(entry: RunEntry): void {
    if (entry.dryRun) return;
    const pairing = entry.pairing;
    this.runs.inc({ pairing, result: runResult(entry), trigger: entry.trigger ?? 'schedule' });
    this.duration.observe({ pairing }, entry.durationMs / 1000);
    if (entry.aborted !== undefined) this.failures.inc({ pairing, kind: entry.failure ?? 'error' });
    for (const side of ['a', 'b'] as const) {
      for (const operation of ['created', 'updated', 'deleted'] as const) {
        const n = entry[side][operation];
        if (n > 0) this.items.inc({ pairing, operation, side }, n);
      }
    }
    for (const item of entry.items ?? []) {
      if (!item.ok && item.side) this.items.inc({ pairing, operation: item.action === 'conflict' ? 'conflict' : 'failed', side: item.side });
    }
  }

  /** Sets the state gauges of a pairing. */
  setState(pairing: string, state: { circuitOpen: boolean; enabled: boolean }): void {
    this.circuit.set({ pairing }, state.circuitOpen ? 1 : 0);
    this.enabled.set({ pairing }, state.enabled ? 1 : 0);
  }

  /** Drops a pairing's state gauges (removed from the config). */
  forget(pairing: string): void {
    this.circuit.remove({ pairing });
    this.enabled.remove({ pairing });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
