/**
 * The circuit breaker (PROAD stops after 5 failed connections, PC CADDIE after 10): after `maxFailures` consecutive
 * runs that could not run, the service stops scheduling the pairing until it is reset. Derived from the run history
 * and the control file's `resetAt`, so the CLI and a running service see the same circuit without sharing memory.
 */
import type { RunEntry } from './run-entry.js';

/** Consecutive failures and whether the circuit is open. */
export interface CircuitState {
  /** Consecutive failed runs since the last success or reset. */
  failures: number;
  open: boolean;
  /** ISO start time of the run that opened the circuit. */
  openedAt?: string;
  /** Error of the newest failed run. */
  lastError?: string;
}

/** A closed circuit with no failures. */
export const CLOSED: CircuitState = Object.freeze({ failures: 0, open: false });

/**
 * How a run moves the circuit: a run that could not run (or stopped early) counts as a failure; a completed run
 * (even with item failures or stopped by a guard) closes the count; dry runs, runs that found the pairing locked
 * by another run and runs interrupted by a shutdown leave it as it is. An open circuit stays open until reset.
 */
export function nextCircuit(current: CircuitState, entry: RunEntry, maxFailures: number): CircuitState {
  if (entry.dryRun || entry.failure === 'locked' || entry.failure === 'interrupted') return current;
  if (entry.aborted === undefined) return current.open ? current : CLOSED;
  const failures = current.failures + 1;
  const open = current.open || failures >= maxFailures;
  return { failures, open, openedAt: current.openedAt ?? (open ? entry.startedAt : undefined), lastError: entry.aborted };
}

/** The circuit after the runs of a history (newest first, as stored) that started after `resetAt`. */
export function circuitFromHistory(newestFirst: readonly RunEntry[], resetAt: string | undefined, maxFailures: number): CircuitState {
  let state = CLOSED;
  for (let i = newestFirst.length - 1; i >= 0; i -= 1) {
    const entry = newestFirst[i]!;
    if (resetAt !== undefined && entry.startedAt <= resetAt) continue;
    state = nextCircuit(state, entry, maxFailures);
  }
  return state;
}
