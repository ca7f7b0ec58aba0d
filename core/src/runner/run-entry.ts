/** What the runner records about a run in the history (the CLI's `sync --json` run object plus why and when). */
import type { RunReport } from '../engine/report.js';
import type { RunRecord } from '../state/types.js';

/** What started a run. */
export type RunTrigger = 'cli' | 'schedule' | 'manual' | 'change' | 'retry';

/**
 * Why a run could not run or stopped early: `unreachable` (network, 5xx, rate limit), `auth`, `locked` (another
 * run holds the pairing), `state` (the state files cannot be read), `config` (the pairing's rules or an endpoint's
 * activation failed), `quarantined` (an out-of-process connector of the pairing crashed too often and is not started
 * for a while), `interrupted` (shutdown), `error` (anything else).
 */
export type RunFailure = 'unreachable' | 'auth' | 'locked' | 'state' | 'config' | 'quarantined' | 'interrupted' | 'error';

/** Items waiting for something, as of the end of a run. */
export interface PendingWork {
  /** Items whose write failed and will be retried (backoff per item). */
  retrying: number;
  /** ISO time of the earliest retry (absent when due now). */
  nextRetryAt?: string;
  /** Open conflicts (policy `manual`; see `dovetail conflicts list`). */
  conflicts: number;
  /** Items refused too often: skipped until they change. */
  quarantined: number;
}

/** A run as recorded. */
export interface RunEntry extends RunReport {
  trigger?: RunTrigger;
  failure?: RunFailure;
  pending?: PendingWork;
}

/** A recorded run read back (older records may lack the newer fields). */
export function asEntry(record: RunRecord): RunEntry {
  return record as unknown as RunEntry;
}

/** The run's own error: why it could not run, stopped early or was stopped by a guard (undefined for a completed run). */
export function runError(entry: Pick<RunEntry, 'aborted' | 'blocked'>): string | undefined {
  return entry.aborted ?? entry.blocked;
}

/** The run without its per-item detail (what the API and the service keep in memory). */
export type RunSummary = Omit<RunEntry, 'items' | 'errors'> & { errors: RunEntry['errors']; errorCount: number };

/** Keeps the first few errors and drops the item list. */
export function summarize(entry: RunEntry, keepErrors = 5): RunSummary {
  const { items: _items, errors, ...rest } = entry;
  return { ...rest, errors: (errors ?? []).slice(0, keepErrors), errorCount: (errors ?? []).length };
}
