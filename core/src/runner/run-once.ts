/**
 * One run of one pairing with all its effects: the pairing lock, the state, the endpoints, the engine and the run
 * history (failed runs included). `dovetail sync` and the service both run pairings through `runOnce`, so locking,
 * recording, health and exit codes are the same for both.
 */
import type { LoadedConfig } from '../config/types.js';
import { runPairing, RunFailed } from '../engine/sync.js';
import type { PlanOutline } from '../engine/plan-types.js';
import { RulesInvalid } from '../engine/rules.js';
import { attendeePairings, usesSelection, type FilterContext } from '../engine/filters.js';
import { ListFileCorrupt } from '../state/pairing-lists.js';
import { ActivationError } from '../host/types.js';
import type { Connector } from '../sdk/connector.js';
import { isDovetailError } from '../sdk/errors.js';
import { quarantineOf } from '../host/process/errors.js';
import type { ConnectorManifest } from '../sdk/manifest.js';
import { StateCorrupt, StateLocked, type PairingState, type RunRecord, type StateStore } from '../state/types.js';
import type { PendingWork, RunEntry, RunFailure, RunTrigger } from './run-entry.js';
import { resolveRunBudget } from './settings.js';
import { timelinePoint } from '../timeline.js';

/** What `runOnce` needs from the plugin host (a PluginHost satisfies it). */
export interface EndpointActivator {
  activate(name: string): Promise<{ connector: Connector; manifest: ConnectorManifest; readOnly?: string }>;
}

export interface RunOnceOptions {
  name: string;
  loaded: LoadedConfig;
  host: EndpointActivator;
  store: StateStore;
  trigger: RunTrigger;
  dryRun?: boolean;
  force?: boolean;
  /** Aborting stops the run after the chunk being written (shutdown). */
  signal?: AbortSignal;
  onProgress?: (phase: string, done: number, total: number) => void;
  /** Told when the history could not be written (the run itself is not affected). */
  warn?: (message: string) => void;
  /** Debug-level log lines of the run. */
  debug?: (fields: object, message: string) => void;
}

/** Exit codes (DESIGN §6): 0 done, 1 item failures or stopped by a guard, 2 config error, 3 could not run. */
export type ExitCode = 0 | 1 | 2 | 3;

export interface RunOnceResult {
  entry: RunEntry;
  /** The plan (dry runs print it); absent when the run could not start. */
  plan?: PlanOutline;
  exitCode: ExitCode;
}

/** Counts items waiting for a retry, open conflicts and quarantined items. */
export function pendingWork(state: PairingState, now = Date.now()): PendingWork {
  let retrying = 0, conflicts = 0, quarantined = 0;
  let next = Infinity;
  for (const r of state.unsettled?.() ?? state.relations()) {
    if (r.status === 'conflict') conflicts += 1;
    else if (r.status === 'quarantined') quarantined += 1;
    else if (r.attempts || r.lastError) {
      retrying += 1;
      if (r.retryAt !== undefined && r.retryAt > now) next = Math.min(next, r.retryAt);
    }
  }
  return { retrying, conflicts, quarantined, ...(retrying && Number.isFinite(next) ? { nextRetryAt: new Date(next).toISOString() } : {}) };
}

/** Sorts a thrown error into a failure kind, a message for people and an exit code. */
function classify(e: unknown, name: string, interrupted: boolean): { failure: RunFailure; message: string; exitCode: ExitCode } {
  if (e instanceof StateLocked) return { failure: 'locked', message: e.message, exitCode: 3 };
  if (e instanceof StateCorrupt || e instanceof ListFileCorrupt) return { failure: 'state', message: e.message, exitCode: 3 };
  if (e instanceof RulesInvalid) return { failure: 'config', message: `pairing '${name}': ${e.message}`, exitCode: 2 };
  if (quarantineOf(e)) return { failure: 'quarantined', message: `pairing '${name}' could not run: ${(e as Error).message}`, exitCode: 3 };
  if (e instanceof ActivationError) return { failure: 'config', message: `pairing '${name}' could not run: ${e.message}`, exitCode: 3 };
  if (e instanceof RunFailed) {
    const cause = e.cause;
    const failure: RunFailure = interrupted ? 'interrupted' : isDovetailError(cause, 'AuthFailed') ? 'auth'
      : isDovetailError(cause, 'Unavailable') || isDovetailError(cause, 'RateLimited') ? 'unreachable' : 'error';
    return { failure, message: e.message, exitCode: 3 };
  }
  const failure: RunFailure = interrupted ? 'interrupted' : isDovetailError(e, 'AuthFailed') ? 'auth' : isDovetailError(e, 'Unavailable') ? 'unreachable' : 'error';
  return { failure, message: `pairing '${name}' could not run: ${(e as Error).message}`, exitCode: 3 };
}

function failedEntry(name: string, dryRun: boolean, startedAt: Date, trigger: RunTrigger, failure: RunFailure, message: string): RunEntry {
  return {
    pairing: name, ok: false, dryRun, startedAt: startedAt.toISOString(), durationMs: Date.now() - startedAt.getTime(),
    a: { created: 0, updated: 0, deleted: 0 }, b: { created: 0, updated: 0, deleted: 0 },
    unchanged: 0, conflicts: 0, skipped: 0, failed: 0, aborted: message, errors: [{ message }], items: [], trigger, failure,
  };
}

/** The lists the pairing's `selected` and `attendee-of` filters read, from the state folder. */
async function filterLists(loaded: LoadedConfig, name: string, store: StateStore): Promise<FilterContext> {
  const filters = loaded.config.pairings[name]?.filters;
  const context: { selected?: Set<string>; attendees?: Map<string, Set<string>> } = {};
  if (usesSelection(filters)) context.selected = new Set(await store.selection(name));
  for (const other of attendeePairings(filters)) {
    const index = await store.attendees(other);
    (context.attendees ??= new Map()).set(other, new Set([...(index?.values() ?? [])].flat()));
  }
  return context;
}

/** The attendee index of a pairing that another pairing's `attendee-of` rule names (undefined for any other pairing). */
async function attendeeIndexToKeep(loaded: LoadedConfig, name: string, store: StateStore): Promise<{ index: Map<string, string[]>; fresh: boolean } | undefined> {
  const named = Object.values(loaded.config.pairings).some((p) => attendeePairings(p?.filters).includes(name));
  if (!named || loaded.config.pairings[name]?.entity !== 'event') return undefined;
  const index = await store.attendees(name);
  return { index: index ?? new Map(), fresh: index === undefined };
}

/** Runs one pairing and records the run (dry runs are never recorded). Never throws for a run that fails. */
export async function runOnce(o: RunOnceOptions): Promise<RunOnceResult> {
  const startedAt = new Date();
  const pairing = o.loaded.config.pairings[o.name];
  const dryRun = !!o.dryRun;
  let lock: { release(): Promise<void> } | undefined;
  let state: PairingState | undefined;
  let result: RunOnceResult;
  try {
    if (!pairing) throw new Error(`unknown pairing '${o.name}'`);
    // The endpoints activate (their connectors load) while the lock is taken and the state read: neither needs the
    // other. Their failures are thrown after the state's, in the order a, b, so a run fails the same way every time.
    const activation = Promise.allSettled([o.host.activate(pairing.a.endpoint), o.host.activate(pairing.b.endpoint)]);
    // Dry runs take the lock too: opening the state cuts a torn journal tail, which must never race a run's append.
    try {
      lock = await o.store.lock(o.name);
      timelinePoint('locked', o.name);
      state = await o.store.open(o.name);
      timelinePoint('state open', o.name);
    } finally {
      await activation; // settled before the run ends either way (the host disposes what it activated)
    }
    const [a, b] = (await activation).map((s) => { if (s.status === 'rejected') throw s.reason; return s.value; });
    timelinePoint('endpoints active', o.name);
    const filterContext = await filterLists(o.loaded, o.name, o.store);
    const attendees = await attendeeIndexToKeep(o.loaded, o.name, o.store);
    const { report, plan } = await runPairing({
      name: o.name, pairing, state, dryRun, force: o.force, signal: o.signal, onProgress: o.onProgress, budget: resolveRunBudget(pairing), debug: o.debug, filterContext, attendees,
      endpoints: { a: { connector: a.connector, manifest: a.manifest, readOnly: a.readOnly }, b: { connector: b.connector, manifest: b.manifest, readOnly: b.readOnly } },
    });
    const quarantined = [a, b].some((side) => (side.connector as { quarantine?: () => unknown }).quarantine?.() !== undefined);
    const failure: RunFailure | undefined = report.aborted === undefined ? undefined
      : o.signal?.aborted ? 'interrupted' : quarantined ? 'quarantined' : report.failure ?? 'error';
    if (attendees && !dryRun && report.aborted === undefined) await o.store.saveAttendees(o.name, attendees.index);
    const pending = pendingWork(state);
    // Items backing off after failures are not synced: the run says so (exit 1, not ok) until they are.
    const ok = report.ok && (dryRun || pending.retrying === 0);
    const entry: RunEntry = { ...report, ok, trigger: o.trigger, ...(failure ? { failure } : {}), pending };
    // A quarantined connector could not run its part, as when it could not be reached: exit 3.
    result = { entry, plan, exitCode: failure === 'auth' || failure === 'unreachable' || failure === 'quarantined' ? 3 : ok ? 0 : 1 };
  } catch (e) {
    const { failure, message, exitCode } = classify(e, o.name, !!o.signal?.aborted);
    result = { entry: failedEntry(o.name, dryRun, startedAt, o.trigger, failure, message), exitCode };
  } finally {
    await state?.close().catch(() => undefined);
  }
  timelinePoint('run done', o.name);
  try {
    if (!dryRun) await o.store.recordRun(o.name, result.entry as unknown as RunRecord);
  } catch (e) {
    o.warn?.(`pairing '${o.name}': the run could not be recorded in its history: ${(e as Error).message}`);
  } finally {
    await lock?.release();
  }
  timelinePoint('run recorded', o.name);
  return result;
}
