/**
 * One health per pairing, the same in `dovetail status`, the API and the status page:
 * `error` after a run that could not run, stopped early or was stopped by a guard (or while the circuit is open);
 * `warning` while items wait for a retry, conflicts are open or items were refused; `ok` otherwise;
 * `never-run` before the first recorded run.
 */
import type { CircuitState } from './circuit.js';
import { runError, type PendingWork, type RunEntry } from './run-entry.js';

export type Health = 'ok' | 'warning' | 'error' | 'never-run';

export interface HealthView {
  health: Health;
  /** Why, in words (empty for ok). */
  reasons: string[];
}

/**
 * Health from the newest run, the newest known pending work (a failed run does not open the state, so it carries
 * none: pass the last known) and the circuit.
 */
export function healthOf(last: Pick<RunEntry, 'aborted' | 'blocked' | 'failed' | 'conflicts'> | undefined, pending: PendingWork | undefined, circuit: CircuitState): HealthView {
  const reasons: string[] = [];
  if (circuit.open) reasons.push(`stopped after ${circuit.failures} failed run${circuit.failures === 1 ? '' : 's'} in a row: reset it (dovetail reset, or the API)`);
  if (!last) return { health: circuit.open ? 'error' : 'never-run', reasons };
  const error = runError(last);
  if (error !== undefined) reasons.push(last.blocked !== undefined ? `stopped by a guard: ${error}` : `last run failed: ${error}`);
  if (reasons.length) return { health: 'error', reasons };
  if (last.failed > 0) reasons.push(`${last.failed} item${last.failed === 1 ? '' : 's'} failed in the last run`);
  if (pending?.retrying) reasons.push(`${pending.retrying} item${pending.retrying === 1 ? '' : 's'} waiting for a retry${pending.nextRetryAt ? ` (next at ${pending.nextRetryAt})` : ''}`);
  if (pending?.conflicts) reasons.push(`${pending.conflicts} open conflict${pending.conflicts === 1 ? '' : 's'}`);
  else if (last.conflicts > 0) reasons.push(`${last.conflicts} conflict${last.conflicts === 1 ? '' : 's'} in the last run`);
  if (pending?.quarantined) reasons.push(`${pending.quarantined} item${pending.quarantined === 1 ? '' : 's'} refused too often (quarantined until changed)`);
  return { health: reasons.length ? 'warning' : 'ok', reasons };
}
