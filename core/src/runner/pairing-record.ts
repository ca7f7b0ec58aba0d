/**
 * What is known about one pairing between runs: the newest run, the newest pending work, the circuit and the
 * operator's control record. Built from the state folder (`load`) and kept up to date by the service with each run
 * (`observe`), so `dovetail status`, the API and the status page show the same fields and the same health.
 */
import type { ConfigFile, PairingConfig } from '../config/types.js';
import type { PairingControl, StateStore } from '../state/types.js';
import { CLOSED, circuitFromHistory, nextCircuit, type CircuitState } from './circuit.js';
import { healthOf, type Health } from './health.js';
import { asEntry, runError, summarize, type PendingWork, type RunEntry, type RunSummary } from './run-entry.js';
import { resolveSchedule } from './settings.js';

/** A pairing as `dovetail status --json`, `GET /api/pairings` and the status page show it. */
export interface PairingStatus {
  pairing: string;
  entity: string;
  /** True when the service may run it: enabled in the config, not disabled at runtime, circuit closed. */
  enabled: boolean;
  enabledInConfig: boolean;
  disabledAtRuntime: boolean;
  health: Health;
  /** Why the health is not ok, in words. */
  reasons: string[];
  circuit: CircuitState & { maxFailures: number };
  /** The newest recorded run, without its item list. */
  lastRun?: RunSummary;
  /** ISO start of the newest run that completed without a run error. */
  lastSuccessAt?: string;
  /** The newest run's own error (could not run, stopped), or its first item error. */
  lastError?: string;
  /** Items waiting, as of the newest run that got that far. */
  pending?: PendingWork;
  schedule: { every?: string; cron?: string; watch: boolean };
  /** Set by the service: a run is under way / queued, and when the next scheduled run is due. */
  running?: boolean;
  queued?: boolean;
  nextRunAt?: string;
}

export class PairingRecord {
  private last?: RunSummary;
  private pending?: PendingWork;
  private lastSuccessAt?: string;
  private circuitState: CircuitState = CLOSED;

  private constructor(private controlRecord: PairingControl) {}

  /** Reads the pairing's history and control record. */
  static async load(store: StateStore, name: string, maxFailures: number): Promise<PairingRecord> {
    const [runs, control] = await Promise.all([store.runs(name), store.control(name)]);
    const entries = runs.map(asEntry);
    const record = new PairingRecord(control);
    record.circuitState = circuitFromHistory(entries, control.resetAt, maxFailures);
    if (entries[0]) record.last = summarize(entries[0]);
    record.pending = entries.find((e) => e.pending)?.pending;
    record.lastSuccessAt = entries.find((e) => runError(e) === undefined)?.startedAt;
    return record;
  }

  get circuit(): CircuitState {
    return this.circuitState;
  }

  get control(): PairingControl {
    return this.controlRecord;
  }

  /** Folds a finished run in (dry runs change nothing). */
  observe(entry: RunEntry, maxFailures: number): void {
    if (entry.dryRun) return;
    this.circuitState = nextCircuit(this.circuitState, entry, maxFailures);
    this.last = summarize(entry);
    if (entry.pending) this.pending = entry.pending;
    if (runError(entry) === undefined) this.lastSuccessAt = entry.startedAt;
  }

  /** A new control record (reset, enable, disable): a reset closes the circuit. */
  setControl(control: PairingControl): void {
    if (control.resetAt !== undefined && control.resetAt !== this.controlRecord.resetAt) this.circuitState = CLOSED;
    this.controlRecord = control;
  }

  view(name: string, pairing: PairingConfig, config: ConfigFile): PairingStatus {
    const schedule = resolveSchedule(pairing, config);
    const circuit = { ...this.circuitState, maxFailures: schedule.maxFailures };
    const { health, reasons } = healthOf(this.last, this.pending, circuit);
    const disabledAtRuntime = this.controlRecord.disabled === true;
    const last = this.last;
    const lastError = (last && runError(last)) ?? last?.errors[0]?.message ?? (circuit.open ? circuit.lastError : undefined);
    return {
      pairing: name, entity: pairing.entity,
      enabled: schedule.enabledInConfig && !disabledAtRuntime && !circuit.open,
      enabledInConfig: schedule.enabledInConfig, disabledAtRuntime, health, reasons, circuit,
      ...(last ? { lastRun: last } : {}), ...(this.lastSuccessAt ? { lastSuccessAt: this.lastSuccessAt } : {}),
      ...(lastError ? { lastError } : {}), ...(this.pending ? { pending: this.pending } : {}),
      schedule: { ...(pairing.schedule?.every ? { every: pairing.schedule.every } : {}), ...(pairing.schedule?.cron ? { cron: pairing.schedule.cron } : {}), watch: schedule.watch },
    };
  }
}
