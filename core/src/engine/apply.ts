/**
 * The applier: executes a plan in chunks with conditional writes and persists state after each chunk,
 * so a crash at any point leaves state that the next run reconciles without duplicates.
 */
import { stopsRun } from '../host/process/errors.js';
import type { Alteration, Connector, WriteOp, WriteResult } from '../sdk/connector.js';
import type { Entity } from '../sdk/entities.js';
import { isDovetailError, Unavailable, type DovetailError } from '../sdk/errors.js';
import { isNotAttempted } from '../sdk/run-budget.js';
import type { PairingMeta, PairingState, Relation } from '../state/types.js';
import type { Action, Plan, Side } from './plan-types.js';

export interface ApplyTarget {
  connector: Connector;
  collection: string;
}

export interface ApplyOptions {
  plan: Plan;
  state: PairingState;
  targets: { a: ApplyTarget; b: ApplyTarget };
  chunkSize: number;
  maxAttempts: number;
  now: () => Date;
  /** Metadata committed with the last chunk (cursors, counts), only if the run is not aborted. */
  finalMeta?: Partial<PairingMeta>;
  signal?: AbortSignal;
  /** Waits for a rate limit; tests pass a fake. */
  sleep?: (ms: number) => Promise<void>;
  onChunk?: (done: number, total: number) => void;
  /**
   * Hash of an item as a target stored it, when that differs from what was written (a repaired copy, a server's
   * rewrite): recorded instead of the planned hash, so the difference is not taken for an edit next run.
   */
  hashStored?: (stored: Entity) => string;
  /** Sides whose host an earlier plan of this run gave up (`ApplyResult.givenUp`): nothing is sent to them. */
  givenUp?: Partial<Record<Side, string>>;
}

export interface ActionOutcome {
  action: Action;
  ok: boolean;
  error?: { code: string; message: string };
  /** Repair rules that made a refused item go through. */
  repaired?: string[];
  /** Properties the target lost or changed when it stored the item. */
  altered?: Alteration[];
}

export interface ApplyResult {
  outcomes: ActionOutcome[];
  /** Actions refused with PreconditionFailed / NotFound on update: the orchestrator refetches and replans their keys. */
  stale: Action[];
  /** Set when the run stopped early (auth failure, abort); state up to the last chunk is committed. */
  aborted?: string;
  /**
   * Actions never sent because the run gave up their target's host (`HostSkipped`: it stopped answering, or asked
   * for a longer pause than a run waits). Their items are left as they were, without a retry penalty.
   */
  notAttempted: Action[];
  /** Why each side given up was given up (the first `HostSkipped` message). */
  givenUp: Partial<Record<Side, string>>;
  /** Some key failed, went stale or was not attempted: change cursors must not advance (see `settledMeta`). */
  unsettled: boolean;
}

/**
 * The run's metadata to commit. Change cursors advance only when every item was settled: an item whose write
 * failed or went stale may have no relation yet, and a change feed would never list it again.
 */
export function settledMeta(meta: Partial<PairingMeta>, unsettled: boolean): Partial<PairingMeta> {
  if (!unsettled) return meta;
  const { cursorA: _a, cursorB: _b, listedUntilA: _la, listedUntilB: _lb, ...rest } = meta;
  void _a; void _b; void _la; void _lb;
  return rest;
}

/** Longest wait honoured for a RateLimited answer inside a run; longer ones fail the items and retry next run. */
const MAX_RATE_WAIT_MS = 60_000;

/** Backoff before retrying a failed item: 1 min × 2^(attempts−1), at most 6 h. */
export function backoffMs(attempts: number): number {
  return Math.min(60_000 * 2 ** Math.max(0, attempts - 1), 6 * 3600_000);
}

export async function applyPlan(opts: ApplyOptions): Promise<ApplyResult> {
  const { plan, state, chunkSize } = opts;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const outcomes: ActionOutcome[] = [];
  const stale: Action[] = [];
  const working = new Map<string, Relation | null>();
  const failedKeys = new Map<string, string>();
  /** Keys whose failure was the server's (down, busy), not the item's. */
  const transientKeys = new Set<string>();
  const staleKeys = new Set<string>();
  const notAttempted: Action[] = [];
  const notAttemptedKeys = new Set<string>();
  const succeededKeys = new Set<string>();
  const givenUp: Partial<Record<Side, string>> = { ...opts.givenUp };
  /** Keys whose update failed: the source side to mark as "changed" when there is no old relation to fall back to. */
  const dirtySources = new Map<string, Side>();
  const pendingPerKey = new Map<string, number>();
  for (const a of plan.actions) pendingPerKey.set(a.key, (pendingPerKey.get(a.key) ?? 0) + 1);

  // State-only changes (no write needed) go first, in their own batch.
  const stateOnly: Relation[] = [];
  const forget: string[] = [];
  for (const [key, rel] of plan.after) {
    if (pendingPerKey.has(key)) continue;
    if (rel) stateOnly.push(rel); else if (plan.before.get(key)) forget.push(key);
  }
  if (stateOnly.length || forget.length) await opts.state.commit({ put: stateOnly, delete: forget });

  const chunks = chunk(plan.actions, chunkSize);
  let aborted: string | undefined;
  let done = 0;
  for (let i = 0; i < chunks.length; i++) {
    if (opts.signal?.aborted) { aborted = 'aborted'; break; }
    const group = chunks[i];
    const side = group[0].target;
    const target = opts.targets[side];
    let results: WriteResult[];
    if (givenUp[side]) {
      // The host behind this side was given up: nothing more is sent to it in this run.
      results = group.map(() => ({ ok: false as const, error: notSent(givenUp[side]!) }));
    } else {
      try {
        results = await writeWithRateLimit(target, group, sleep);
      } catch (e) {
        const err = asError(e);
        if (err.code === 'AuthFailed' || stopsRun(e)) { aborted = err.message; break; }
        results = group.map(() => ({ ok: false as const, error: err }));
      }
    }
    const touched = new Set<string>();
    group.forEach((action, j) => {
      const res = results[j] ?? { ok: false as const, error: new Unavailable('connector returned no result for this operation') };
      touched.add(action.key);
      pendingPerKey.set(action.key, (pendingPerKey.get(action.key) ?? 1) - 1);
      if (!res.ok && isNotAttempted(res.error)) {
        givenUp[action.target] ??= res.error.message;
        notAttempted.push(action);
        notAttemptedKeys.add(action.key);
        return;
      }
      if (res.ok) {
        succeededKeys.add(action.key);
        outcomes.push({ action, ok: true, ...(res.repaired?.length ? { repaired: res.repaired } : {}), ...(res.altered?.length ? { altered: res.altered } : {}) });
        const rel = current(action.key);
        if (rel) {
          if (action.kind === 'delete') delete rel[action.target];
          else {
            const hash = res.stored && opts.hashStored ? opts.hashStored(res.stored) : action.hash;
            rel[action.target] = { id: res.id, version: res.version ?? '', hash };
          }
        }
        return;
      }
      const code = res.error.code;
      if (code === 'PreconditionFailed' || (code === 'NotFound' && action.kind === 'update')) {
        stale.push(action);
        staleKeys.add(action.key);
        return;
      }
      if (code === 'NotFound' && action.kind === 'delete') {
        outcomes.push({ action, ok: true });
        const rel = current(action.key);
        if (rel) delete rel[action.target];
        return;
      }
      outcomes.push({ action, ok: false, error: { code, message: res.error.message } });
      failedKeys.set(action.key, `${code}: ${res.error.message}`);
      if (code === 'Unavailable' || code === 'RateLimited') transientKeys.add(action.key);
      else transientKeys.delete(action.key);
      if (action.kind === 'update') dirtySources.set(action.key, action.target === 'a' ? 'b' : 'a');
    });
    const put: Relation[] = [];
    const del: string[] = [];
    for (const key of touched) {
      if ((pendingPerKey.get(key) ?? 0) > 0 && !failedKeys.has(key) && !notAttemptedKeys.has(key)) {
        // More actions for this key follow (keep-both copies): persist what is true now.
        const rel = current(key);
        if (rel) put.push(rel);
        continue;
      }
      if (untouched(key)) continue;
      const rel = settle(key);
      if (rel) put.push(rel); else if (plan.before.get(key)) del.push(key);
    }
    done += group.length;
    const last = i === chunks.length - 1;
    await state.commit({ put, delete: del, meta: last ? finalMeta() : undefined });
    opts.onChunk?.(done, plan.actions.length);
  }
  if (chunks.length === 0 && opts.finalMeta && !aborted) await state.commit({ meta: finalMeta() });
  return { outcomes, stale, aborted, notAttempted, givenUp, unsettled: unsettled() };

  function unsettled(): boolean {
    return failedKeys.size > 0 || staleKeys.size > 0 || notAttemptedKeys.size > 0;
  }

  /** A key none of whose actions was sent or succeeded: its relation stays exactly as it was. */
  function untouched(key: string): boolean {
    return notAttemptedKeys.has(key) && !succeededKeys.has(key) && !failedKeys.has(key) && !staleKeys.has(key);
  }

  function finalMeta(): Partial<PairingMeta> | undefined {
    return opts.finalMeta && settledMeta(opts.finalMeta, unsettled());
  }

  /** The relation being built for a key: the planned one, or for a planned "forget" the old one until it settles. */
  function current(key: string): Relation | null {
    if (!working.has(key)) {
      const rel = plan.after.get(key) ?? plan.before.get(key);
      working.set(key, rel ? structuredClone(rel) : null);
    }
    return working.get(key) ?? null;
  }

  /** The relation to persist once all of a key's actions are done. */
  function settle(key: string): Relation | null {
    const before = plan.before.get(key);
    if (staleKeys.has(key) && !failedKeys.has(key)) return before ?? null;
    // Some of the key's actions succeeded and the rest were not sent: kept as a failure of the server, no penalty.
    if (notAttemptedKeys.has(key) && !failedKeys.has(key)) {
      failedKeys.set(key, 'not attempted: the run stopped sending to this side');
      transientKeys.add(key);
    }
    const err = failedKeys.get(key);
    if (!err) {
      const after = plan.after.get(key);
      if (after === null) {
        // A forgotten relation whose deletes succeeded; if a delete failed we stay in the error branch.
        return null;
      }
      const done = working.get(key) ?? after ?? null;
      // Every action of the key succeeded: earlier failures are history.
      if (done && done.status === 'synced' && (done.attempts || done.lastError || done.retryAt)) {
        return { ...done, attempts: undefined, lastError: undefined, retryAt: undefined };
      }
      return done;
    }
    // The server being down or busy is not the item's fault: retry on the next run, without counting
    // towards quarantine. Anything else (the item refused, unreadable) backs off and may be quarantined.
    const transient = transientKeys.has(key);
    const attempts = transient ? (before?.attempts ?? 0) : (before?.attempts ?? 0) + 1;
    const quarantined = !transient && attempts >= opts.maxAttempts;
    const nowMs = opts.now().getTime();
    // Keep what succeeded for keys that had no relation before (a create on one side of a keep-both copy);
    // otherwise fall back to the old relation so the change is seen again next run.
    const base: Relation | null = before ? structuredClone(before) : current(key);
    if (!base) return null;
    const dirty = dirtySources.get(key);
    if (!before && dirty && base[dirty]) base[dirty] = { ...base[dirty]!, version: '', hash: '' };
    if (!base.a && !base.b) return null;
    return {
      ...base,
      status: quarantined ? 'quarantined' : base.status,
      attempts: attempts || undefined,
      lastError: err,
      retryAt: quarantined || transient ? undefined : nowMs + backoffMs(attempts),
    };
  }
}

async function writeWithRateLimit(target: ApplyTarget, actions: Action[], sleep: (ms: number) => Promise<void>): Promise<WriteResult[]> {
  const ops = actions.map(toOp);
  let results = await target.connector.write(target.collection, ops);
  // Retry the rate-limited ops (twice at most) after the wait the server asked for.
  for (let round = 0; round < 2; round++) {
    const limited = results.map((r, i) => (!r.ok && r.error.code === 'RateLimited' ? i : -1)).filter((i) => i >= 0);
    if (!limited.length) break;
    const wait = Math.max(...limited.map((i) => (results[i] as { error: { retryAfterMs?: number } }).error.retryAfterMs ?? 1000));
    if (wait > MAX_RATE_WAIT_MS) break;
    await sleep(wait);
    const retried = await target.connector.write(target.collection, limited.map((i) => ops[i]));
    results = results.slice();
    limited.forEach((i, j) => { results[i] = retried[j] ?? results[i]; });
  }
  return results;
}

function toOp(a: Action): WriteOp {
  switch (a.kind) {
    case 'create': return { op: 'create', item: a.item, hint: a.uid };
    case 'update': return { op: 'update', id: a.id, ifVersion: a.ifVersion, item: a.item };
    case 'delete': return { op: 'delete', id: a.id, ifVersion: a.ifVersion };
  }
}

/** Splits actions into runs of the same target, at most `size` long, keeping plan order. */
function chunk(actions: Action[], size: number): Action[][] {
  const out: Action[][] = [];
  let cur: Action[] = [];
  let side: Side | undefined;
  for (const a of actions) {
    if (cur.length && (a.target !== side || cur.length >= size)) { out.push(cur); cur = []; }
    cur.push(a);
    side = a.target;
  }
  if (cur.length) out.push(cur);
  return out;
}

/** The result of an op not sent because its side's host was given up. */
function notSent(reason: string): DovetailError {
  return Object.assign(new Unavailable(reason), { notAttempted: true as const });
}

function asError(e: unknown): DovetailError {
  if (isDovetailError(e)) return e;
  return new Unavailable(e instanceof Error ? e.message : String(e), { cause: e });
}
