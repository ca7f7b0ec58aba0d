/** What the HTTP routes need from the service (RunnerService implements it; routes never reach past it). */
import type { DayStats } from '../../state/types.js';
import type { PairingStatus } from '../pairing-record.js';
import type { RunEntry, RunSummary } from '../run-entry.js';

/** A published iCal feed: an `ical-feed` endpoint's file and its URL token. */
export interface PublishedFeed {
  /** Absolute path of the file served. */
  file: string;
  token: string;
}

/** Outcome of asking for a run. */
export type TriggerOutcome =
  | { status: 'accepted' }
  | { status: 'done'; entry: RunEntry }
  | { status: 'unknown' }
  | { status: 'refused'; reason: string };

export interface ServiceApi {
  pairingNames(): string[];
  status(name: string): PairingStatus | undefined;
  /** Newest runs first, without item lists. */
  runs(filter: { pairing?: string; since?: string; limit: number }): Promise<RunSummary[]>;
  /** Asks for a run; a dry run is waited for and returned, a real one is queued. */
  trigger(name: string, options: { dryRun: boolean }): Promise<TriggerOutcome>;
  setEnabled(name: string, enabled: boolean): Promise<PairingStatus | undefined>;
  reset(name: string): Promise<PairingStatus | undefined>;
  /** Per-day totals of the named pairings (all when none). */
  dayStats(pairings: string[]): Promise<Record<string, DayStats>[]>;
  metrics(): { text(): Promise<string>; contentType: string };
  feed(endpoint: string): PublishedFeed | undefined;
  /** True once the scheduler runs and until shutdown begins. */
  ready(): boolean;
  /** The bearer token of the API. */
  token(): string;
}
