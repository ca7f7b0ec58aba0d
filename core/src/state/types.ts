/**
 * The state store contract (DESIGN §5). The engine owns the semantics; a store only persists
 * relations, cursors and run history per pairing, atomically and in batches.
 * `LowdbStateStore` is the embedded default; a PostgreSQL store can implement the same interface.
 */

/** One side of a relation as last synced. */
export interface SideRecord {
  /** Connector item id (href, file name, EWS ItemId). */
  id: string;
  /** Version (ETag, mtime+size, ChangeKey) last seen or written; '' when the connector returned none. */
  version: string;
  /** Content hash of the item as last seen/written on this side (volatile properties left out). */
  hash: string;
}

export type RelationStatus =
  | 'synced'
  /** Both sides changed, policy `manual`: skipped until resolved. */
  | 'conflict'
  /** Deleted on B, A's copy kept and marked; never re-created on B. */
  | 'tombstone-a'
  /** Deleted on A, B's copy kept and marked; never re-created on A. */
  | 'tombstone-b'
  /** Failed too often: skipped until one of its items changes or the user resets it. */
  | 'quarantined'
  /** Outside the filters or the window: frozen, never deleted on the other side. */
  | 'out-of-scope';

/** A pairing of one item on A with one on B (either may be absent while a create is pending or failed). */
export interface Relation {
  /** Stable key of the relation inside the pairing (usually the UID; unique). */
  key: string;
  uid: string;
  a?: SideRecord;
  b?: SideRecord;
  status: RelationStatus;
  /** Consecutive failed attempts and the last error, for backoff and quarantine. */
  attempts?: number;
  lastError?: string;
  /** Epoch ms before which a failed item is not retried. */
  retryAt?: number;
  /** Time span of the item in epoch ms ([start, end]; end null = open-ended recurrence), for the window. */
  range?: [number, number | null];
  /** For `conflict`: the user's decision (`dovetail conflicts resolve`), applied by the next run. */
  resolution?: 'a' | 'b' | 'both';
  /** For tombstones: whether the kept copy was marked as externally deleted. */
  marked?: boolean;
  /** For `conflict`: what each side holds, for `dovetail conflicts list`. */
  conflict?: { detectedAt: string; aVersion?: string; bVersion?: string; aSummary?: string; bSummary?: string };
}

/** Per-pairing metadata. */
export interface PairingMeta {
  /** Change cursors per side (sync tokens, SyncState). */
  cursorA?: string;
  cursorB?: string;
  /**
   * ISO end of the time window the side's last full listing covered (connectors that list by time range). Once
   * the pairing's window reaches past it, the side is listed in full again: a change feed never reports the
   * unchanged items that time alone brings into the window.
   */
  listedUntilA?: string;
  listedUntilB?: string;
  /** Item counts after the last complete run, for the "side suddenly empty" guard. */
  countA?: number;
  countB?: number;
  /** Hash of the pairing config that produced this state (endpoints + collections); a change resets cursors. */
  configHash?: string;
  /** ISO time of the last completed run. */
  lastRunAt?: string;
  /** Each side's collection name and colour as the last run saw them (capability `collection-metadata`). */
  collectionA?: { name?: string; color?: string };
  collectionB?: { name?: string; color?: string };
  /** ISO time both sides were last asked for their name and colour (at most hourly; see engine/collection-meta.ts). */
  metadataCheckedAt?: string;
}

/** One atomic batch: relations to put (by key) and delete, plus a metadata patch. */
export interface StateBatch {
  put?: Relation[];
  delete?: string[];
  meta?: Partial<PairingMeta>;
}

/** A run report as kept in history (the CLI's `sync --json` run object). */
export type RunRecord = Record<string, unknown> & { pairing: string; startedAt: string; ok: boolean };

/** An open pairing state: everything is in memory; `commit` makes a batch durable atomically. */
export interface PairingState {
  readonly pairing: string;
  relations(): IterableIterator<Relation>;
  get(key: string): Relation | undefined;
  size(): number;
  meta(): Readonly<PairingMeta>;
  /**
   * Optional: finishes building what `open` read (the relations) in turns of the event loop, so that work started
   * before it (a listing request) goes on meanwhile. Without it, or before it resolves, `relations`, `get`, `size` and
   * `commit` finish it at once; `meta` never waits for it.
   */
  prepare?(): Promise<void>;
  /**
   * Optional: the relations that may need attention, found without decoding the others — at least every one whose
   * status is `conflict` or `quarantined` or that holds `attempts` or `lastError` (a few others may come too; callers
   * still check). Without it, callers go through `relations`.
   */
  unsettled?(): IterableIterator<Relation>;
  /** Applies and persists a batch atomically: after a crash either all of it is there or none. */
  commit(batch: StateBatch): Promise<void>;
  /** How many durable writes (commits + compactions) this handle made, for benchmarks. */
  readonly writeCount: number;
  /** Appends a run to the history (bounded) and persists it. */
  recordRun(run: RunRecord): Promise<void>;
  runs(limit?: number): Promise<RunRecord[]>;
  close(): Promise<void>;
}

/** The operator's decisions about a pairing that outlive a process (`dovetail reset`, the service API). */
export interface PairingControl {
  /** ISO time of the last circuit reset: failed runs before it no longer count towards the circuit breaker. */
  resetAt?: string;
  /** Disabled at runtime (API); the service does not schedule it until enabled again. */
  disabled?: boolean;
  /** ISO time of the last change. */
  changedAt?: string;
}

/** Totals of the runs started on one UTC day. */
export interface DayStats {
  runs: number;
  /** Runs that could not run, stopped early or were stopped by a guard. */
  failedRuns: number;
  /** Items written per side. */
  a: { created: number; updated: number; deleted: number };
  b: { created: number; updated: number; deleted: number };
  conflicts: number;
  /** Items that failed (refused by a side, unreadable). */
  failedItems: number;
  durationMs: number;
}

export interface StateStore {
  /** Opens (creating if absent) the state of a pairing. A corrupt state throws `StateCorrupt`. */
  open(pairing: string): Promise<PairingState>;
  /** Takes the exclusive run lock of a pairing; throws `StateLocked` when another live process holds it. */
  lock(pairing: string): Promise<{ release(): Promise<void> }>;
  /** Run history without opening (for `status`). */
  runs(pairing: string, limit?: number): Promise<RunRecord[]>;
  /** Appends a run to the history and adds it to the day's totals, without opening the state (failed runs too). */
  recordRun(pairing: string, run: RunRecord): Promise<void>;
  /** Totals per UTC day (`YYYY-MM-DD`), for statistics per day / week / month. */
  stats(pairing: string): Promise<Record<string, DayStats>>;
  /** The pairing's control record (`{}` when none was written). */
  control(pairing: string): Promise<PairingControl>;
  /** Patches the control record atomically (a key set to undefined is removed); returns the new record. */
  updateControl(pairing: string, patch: Partial<PairingControl>): Promise<PairingControl>;
  /** The UIDs chosen for the pairing (`dovetail select`; filter predicate `selected`), sorted; `[]` when none. */
  selection(pairing: string): Promise<string[]>;
  /** Adds and removes chosen UIDs atomically; returns the new list. */
  updateSelection(pairing: string, add: readonly string[], remove: readonly string[]): Promise<string[]>;
  /** An event pairing's attendee e-mails per UID (filter predicate `attendee-of`); undefined when none was recorded yet. */
  attendees(pairing: string): Promise<Map<string, string[]> | undefined>;
  /** Replaces the pairing's attendee index. */
  saveAttendees(pairing: string, index: Map<string, string[]>): Promise<void>;
}

/** The state file cannot be read; names the file and what is wrong. Never treated as empty. */
export class StateCorrupt extends Error {
  constructor(readonly file: string, reason: string) {
    super(`state file ${file} is corrupt: ${reason}. Restore it from a backup or move it away to start over (items will be re-paired by UID, nothing is duplicated).`);
    this.name = 'StateCorrupt';
  }
}

/** Another run of the same pairing holds the lock. */
export class StateLocked extends Error {
  constructor(readonly pairing: string, readonly holder: string) {
    super(`pairing "${pairing}" is already being synced (${holder}); wait for that run to finish`);
    this.name = 'StateLocked';
  }
}
