/**
 * One run of one pairing: list both sides, load what changed, plan, apply (unless dry-run), report.
 * The effects live here and in apply.ts; the decisions live in plan.ts.
 */
import { stopsRun } from '../host/process/errors.js';
import type { PairingConfig, SideConfig } from '../config/types.js';
import type { CollectionMetadata, Connector, ListResult, LoadResult } from '../sdk/connector.js';
import { canonicalJson } from '../model/canonical-json.js';
import { carryCollectionMetadata, type StoredMetadata } from './collection-meta.js';
import { parseDuration } from '../runner/settings.js';
import type { ConnectorManifest } from '../sdk/manifest.js';
import { isDovetailError } from '../sdk/errors.js';
import { nextTurn } from '../sdk/concurrency.js';
import { isNotAttempted, RunBudget, withRunBudget, type RunBudgetLimits } from '../sdk/run-budget.js';
import type { Entity, TimeValue } from '../sdk/entities.js';
import type { PairingMeta, PairingState, Relation } from '../state/types.js';
import { StringTable } from '../sdk/string-table.js';
import { applyPlan, settledMeta, type ApplyResult } from './apply.js';
import { effectivePolicy, type EffectivePolicy } from './policy.js';
import { duplicateSkip, emptySideProblem, indexRelations, plan as makePlan } from './plan.js';
import type { Action, LoadedItem, Plan, PlanOutline, PlanRules, Side, SideInput } from './plan-types.js';
import { compileRules } from './rules.js';
import type { FilterContext } from './filters.js';
import { ownString } from '../sdk/own-string.js';
import { ReportBuilder, type RunReport } from './report.js';
import { timelinePoint } from '../timeline.js';

export interface EndpointHandle {
  connector: Connector;
  manifest?: Pick<ConnectorManifest, 'capabilities' | 'entities' | 'collections'>;
  /** Why the endpoint is read-only by its settings (the host's `ActiveEndpoint.readOnly`); never written when set. */
  readOnly?: string;
}

export interface RunPairingOptions {
  name: string;
  pairing: PairingConfig;
  endpoints: { a: EndpointHandle; b: EndpointHandle };
  state: PairingState;
  dryRun?: boolean;
  force?: boolean;
  /** Clock for windows, reminders and backoff; defaults to the wall clock. */
  now?: () => Date;
  signal?: AbortSignal;
  sleep?: (ms: number) => Promise<void>;
  onProgress?: (phase: string, done: number, total: number) => void;
  /** Per-host limits of this run (consecutive failures, Retry-After pauses); defaults: `DEFAULT_RUN_BUDGET`. */
  budget?: Partial<RunBudgetLimits>;
  /** Debug-level log lines (the CLI and the service pass their logger's `debug`). */
  debug?: DebugLog;
  /** The lists the `selected` and `attendee-of` filters read (see FilterContext). */
  filterContext?: FilterContext;
  /**
   * An event pairing another pairing's `attendee-of` rule names: the index (UID → attendee e-mails) to keep up to date,
   * changed in place — every loaded event is recorded, every forgotten relation dropped. `fresh`: the index was never
   * recorded, so this run loads every item.
   */
  attendees?: { index: Map<string, string[]>; fresh: boolean };
}

/** A debug-level log sink: `(fields, message)`, as pino's `debug`. */
export type DebugLog = (fields: object, message: string) => void;

/**
 * Says at debug level which TZIDs of a loaded item name no zone: their times travel as written but the engine
 * compares them as floating (the window), which can put an item a few hours off at the window's edges.
 */
function noteUnresolvedZones(entity: Entity, side: Side, debug: DebugLog | undefined): void {
  if (!debug || entity.type === 'contact') return;
  const tzids = new Set<string>();
  const visit = (t: TimeValue | undefined) => { if (t?.tzid) tzids.add(t.tzid); };
  visit(entity.start);
  visit(entity.type === 'event' ? entity.end : entity.due);
  for (const t of [...(entity.recurrence?.rdate ?? []), ...(entity.recurrence?.exdate ?? [])]) visit(t);
  if (entity.type === 'event') for (const o of entity.overrides ?? []) { visit(o.recurrenceId); visit(o.start); visit(o.end); }
  if (tzids.size) {
    debug({ side, uid: entity.uid, tzids: [...tzids] },
      `unknown time zone${tzids.size > 1 ? 's' : ''} ${[...tzids].map((t) => JSON.stringify(t)).join(', ')}: times kept as written, compared as floating (window)`);
  }
}

/** Relations decoded per turn of the event loop while the sides are listed (~1–2 ms each turn here). */
const DECODE_STEP = 500;

/** Raised when the run cannot start or must stop (collection missing, auth); the CLI maps it to exit 3. */
export class RunFailed extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RunFailed';
  }
}

export interface RunOutcome {
  report: RunReport;
  /**
   * The plan as computed, without the items. Its actions are listed for a dry run (the output prints them); a real
   * run lists none, as its report's items say what was done — so a large run holds no second list of them.
   */
  plan: PlanOutline;
}

/** A pairing whose sides name their collections (a single-collection endpoint's one collection filled in). */
type ResolvedPairing = PairingConfig & { a: SideConfig & { collection: string }; b: SideConfig & { collection: string } };

/**
 * Runs the pairing inside a fresh run budget: every request the connectors send through `@dovetail/http` in this
 * run is counted per host, and a host that stops answering is given up for the rest of the run.
 */
export function runPairing(opts: RunPairingOptions): Promise<RunOutcome> {
  return withRunBudget(new RunBudget(opts.budget), () => runWithinBudget(opts));
}

async function runWithinBudget(opts: RunPairingOptions): Promise<RunOutcome> {
  const started = Date.now();
  const now = opts.now ?? (() => new Date());
  const { state } = opts;
  const report = new ReportBuilder(opts.name, !!opts.dryRun, new Date(started).toISOString());
  const pairing: ResolvedPairing = { ...opts.pairing, a: await resolveSide('a'), b: await resolveSide('b') };
  const readOnly = {
    a: !!pairing.a.readOnly || !!opts.endpoints.a.readOnly || opts.endpoints.a.manifest?.entities?.[pairing.entity]?.write === false,
    b: !!pairing.b.readOnly || !!opts.endpoints.b.readOnly || opts.endpoints.b.manifest?.entities?.[pairing.entity]?.write === false,
  };
  const policy = effectivePolicy(pairing, readOnly);
  const rules = compileRules(pairing, now(), opts.filterContext);
  const configHash = rules.configHash;
  const meta = state.meta();
  const fullRescan = meta.configHash !== configHash || !!opts.attendees?.fresh;

  /** Name and colour carried on creation, remembered with the run's metadata. */
  const created: StoredMetadata = {};
  /** The state's relations, decoded once while the sides are listed (not for `once`, which plans without them). */
  let stored: Promise<Relation[]> | undefined;
  await ensureCollection('a');
  await ensureCollection('b');

  // ---- List. While the listings are in flight (a server's answer, a folder's stats), the state's relations are
  // built and decoded in turns of the event loop; the plan and a change feed's listing use them.
  const listings = Promise.all([listSide('a'), listSide('b')]);
  // `once` is a one-off import: every run pairs afresh by UID. With `add` and `update` it remembers what earlier
  // runs imported (their relations stay in state), so a copy deleted on B since is not imported again.
  stored = policy.mode === 'once' ? undefined : storedRelations();
  const [[la, lb], relations] = await Promise.all([listings, stored ?? []]);
  timelinePoint('listed', opts.name);
  const imported = policy.mode === 'once' && policy.once !== 'recreate' ? importedUids(state) : undefined;
  const sideInput = (l: Listed): SideInput => ({ listing: l.listing, loaded: new Map(), failed: new Map(), windowed: l.windowed });
  const inputs = { a: sideInput(la), b: sideInput(lb) };
  const planInput = (a: SideInput, b: SideInput, rels: Iterable<Relation>) => ({
    pairing: opts.name, entity: pairing.entity, policy, relations: rels, meta, a, b, rules, now: now(), force: !!opts.force, fullRescan, imported,
  });
  const streamFrom = streamableSide();
  if (streamFrom) return streamRun(streamFrom);

  // ---- Load what the plan needs: new and changed items, then counterparts and pending work.
  const { byId, byUid } = indexRelations(relations);
  const want = { a: new Set<string>(), b: new Set<string>() };
  for (const side of ['a', 'b'] as const) {
    for (const [id, version] of inputs[side].listing) {
      const rel = byId[side].get(id);
      if (!rel || fullRescan || rel[side]!.version !== version) want[side].add(id);
      else if (needsBothSides(rel, rules, now().getTime())) want[side].add(id);
    }
  }
  // When one side of a relation is gone, the other side's copy is needed: to restore a mirror, to mark a tombstone.
  for (const side of ['a', 'b'] as const) {
    const from: Side = side === 'a' ? 'b' : 'a';
    for (const r of relations) {
      const rec = r[side], src = r[from];
      if (rec && src && r.status === 'synced' && !inputs[side].listing.has(rec.id) && inputs[from].listing.has(src.id)) want[from].add(src.id);
    }
  }
  await loadWanted();
  // Counterparts of everything loaded (conflict checks, crash recovery, patching the target's own copy).
  for (const side of ['a', 'b'] as const) {
    const otherSide: Side = side === 'a' ? 'b' : 'a';
    for (const item of inputs[side].loaded.values()) {
      const rel = byId[side].get(item.id) ?? byUid.get(item.entity.uid);
      const cid = rel?.[otherSide]?.id;
      if (cid && inputs[otherSide].listing.has(cid) && !inputs[otherSide].loaded.has(cid)) want[otherSide].add(cid);
    }
  }
  await loadWanted();

  // ---- Plan.
  const thePlan = makePlan(planInput(inputs.a, inputs.b, relations));
  timelinePoint('planned', opts.name);
  report.countPlan(thePlan);
  if (thePlan.blocked) {
    report.r.blocked = thePlan.blocked;
    return finish(outline(thePlan));
  }
  if (opts.dryRun) {
    await carryMetadata();
    return finish(outline(thePlan));
  }
  if (opts.attendees) recordAttendees(opts.attendees.index, thePlan, inputs);

  // ---- Apply, then refetch and replan items that changed under our feet (412).
  // Items skipped for an error (unreadable, duplicate UID) have no relation: keep the old cursor so they are listed again.
  const unsettled = thePlan.skipped.some((s) => s.kind === 'error' || s.kind === 'duplicate');
  const applied = await applyAndRetry(thePlan, runMeta({ a: inputs.a.failed.size, b: inputs.b.failed.size }, unsettled), inputs);
  await conclude(applied);
  return finish(outline(thePlan));

  /**
   * The run's metadata, committed with its last write: config hash, item counts, run time, and each side's change
   * cursor, unless an item of that side failed to load or any item was skipped for an error (`unsettled`).
   */
  function runMeta(failed: Record<Side, number>, unsettled: boolean, counts = { a: inputs.a.listing.size, b: inputs.b.listing.size }): Partial<PairingMeta> {
    const finalMeta: Partial<PairingMeta> = {
      configHash,
      countA: counts.a,
      countB: counts.b,
      lastRunAt: new Date().toISOString(),
    };
    if (la.cursor !== undefined && failed.a === 0 && !unsettled) finalMeta.cursorA = la.cursor;
    if (lb.cursor !== undefined && failed.b === 0 && !unsettled) finalMeta.cursorB = lb.cursor;
    if (la.cursor === undefined) finalMeta.cursorA = undefined;
    if (lb.cursor === undefined) finalMeta.cursorB = undefined;
    if ('cursorA' in finalMeta) finalMeta.listedUntilA = finalMeta.cursorA === undefined ? undefined : la.listedUntil;
    if ('cursorB' in finalMeta) finalMeta.listedUntilB = finalMeta.cursorB === undefined ? undefined : lb.listedUntil;
    return finalMeta;
  }

  /** What applying a plan (and replanning what went stale) left for the report. */
  interface Applied {
    aborted?: string;
    notAttempted: number;
    givenUp: Partial<Record<Side, string>>;
    /** Actions still stale after the replans. */
    stale: Action[];
    /** Some key failed, went stale or was not attempted (change cursors stay). */
    unsettled: boolean;
  }

  /** Applies `p`, then refetches and replans (twice at most) the items that changed under our feet (412). */
  async function applyAndRetry(
    p: Plan, fm: Partial<PairingMeta> | undefined, sources: Record<Side, SideInput>, progress?: (done: number) => void, givenUpBefore: Partial<Record<Side, string>> = {},
  ): Promise<Applied> {
    let result = await apply(p, fm, progress, givenUpBefore);
    let notAttempted = result.notAttempted.length;
    const givenUp = { ...result.givenUp };
    const unsettledWrites = result.unsettled;
    for (let round = 0; round < 2 && result.stale.length && !result.aborted; round++) {
      const replanned = await replan(result.stale, sources);
      report.countPlan(replanned, true);
      result = await apply(replanned, undefined, undefined, givenUp);
      notAttempted += result.notAttempted.length;
      Object.assign(givenUp, { ...result.givenUp, ...givenUp });
    }
    return { aborted: result.aborted, notAttempted, givenUp, stale: result.stale, unsettled: unsettledWrites };
  }

  /** Reports what the writes left undone; carries collection metadata when the run went through. */
  async function conclude(x: Applied): Promise<void> {
    for (const a of x.stale) report.fail(a, 'PreconditionFailed', 'the item kept changing during the run; retried next run');
    if (x.aborted) report.abort(x.aborted, opts.signal?.aborted ? 'interrupted' : 'auth');
    else if (x.notAttempted) {
      const why = [...new Set(Object.values(x.givenUp))].join('; ');
      report.r.notAttempted = x.notAttempted;
      report.abort(`${why}; ${x.notAttempted} change${x.notAttempted === 1 ? '' : 's'} not attempted (no retry penalty: the next run tries them again)`, 'unreachable');
    } else await carryMetadata();
  }

  /**
   * The side whose items can be planned and applied chunk by chunk: on a run with no relations (a first run, or
   * `once`) where the other side lists nothing, every item is a new one-sided item whose plan depends on itself
   * alone — except for a UID shared across chunks (see `streamRun`). Not when such items could be deleted (a side
   * that mirrors an empty side: the mass-delete guard needs the whole plan), when the empty-side guard stops the
   * run, or when all items fit in one chunk.
   */
  function streamableSide(): Side | undefined {
    if (relations.length) return undefined;
    const from: Side | undefined = inputs.b.listing.size === 0 ? 'a' : inputs.a.listing.size === 0 ? 'b' : undefined;
    if (!from || inputs[from].listing.size <= policy.chunkSize) return undefined;
    const into = (target: Side) => (target === 'b' ? policy.aToB : policy.bToA);
    if (!into(other(from)).create && into(from).mirror) return undefined;
    if (!opts.force && (['a', 'b'] as const).some((s) => emptySideProblem(s, meta, inputs[s].listing.size))) return undefined;
    return from;
  }

  /**
   * Streams side `from` into the empty other side: load a chunk (the next one loading meanwhile), plan it, apply it,
   * commit its state, drop it. At most two chunks of items are in memory. A UID met again in a later chunk is a
   * duplicate: that copy is not planned, and one duplicate error per UID names every copy, as an unchunked plan
   * would — but the first copy, planned in an earlier chunk, is synced already (nothing is lost or doubled; the
   * next run reports the duplicate the same way).
   */
  async function streamRun(from: Side): Promise<RunOutcome> {
    const ids = [...inputs[from].listing.keys()];
    const merged: PlanOutline = { actions: [], skipped: [], held: [], unchanged: 0 };
    const failed = { a: 0, b: 0 };
    /** First id seen per UID (outside the heap: it grows with the collection); every id of a UID met more than once. */
    const seen = new StringTable();
    const duplicates = new Map<string, Set<string>>();
    let skippedForError = false;
    const total: Applied = { notAttempted: 0, givenUp: {}, stale: [], unsettled: false };
    let done = 0;
    let written = 0;
    /** Listed items of `from` whose chunk is done: dropped from the run's listing (it grows with the collection). */
    let finished = 0;
    const dropDone = (part: string[]) => { for (const id of part) if (inputs[from].listing.delete(id)) finished++; };
    for await (const loaded of loadChunks(from, ids)) {
      const sub = { a: emptySide(inputs.a.windowed), b: emptySide(inputs.b.windowed) };
      record(from, loaded, sub[from]);
      failed[from] += sub[from].failed.size;
      for (const item of [...sub[from].loaded.values()]) {
        const uid = item.entity.uid;
        const first = seen.get(uid);
        if (first === undefined) { seen.set(uid, item.id); continue; }
        if (first === item.id) continue;
        const all = duplicates.get(uid) ?? duplicates.set(ownString(uid), new Set([first])).get(uid)!;
        all.add(item.id);
        // A copy of a UID an earlier chunk planned: reported below with the others, not planned here.
        if (!sub[from].loaded.has(first)) { sub[from].loaded.delete(item.id); sub[from].listing.delete(item.id); }
      }
      const p = makePlan({ ...planInput(sub.a, sub.b, []), meta: {} });
      p.skipped = p.skipped.filter((x) => x.kind !== 'duplicate'); // counted once per UID, at the end
      skippedForError ||= p.skipped.some((x) => x.kind === 'error');
      report.countPlan(p);
      if (opts.dryRun) merged.actions.push(...outline(p).actions);
      merged.skipped.push(...p.skipped.map((x) => ({ ...x, key: ownString(x.key), title: ownString(x.title) })));
      merged.held.push(...p.held.map((x) => ({ ...x, key: ownString(x.key), title: ownString(x.title) })));
      merged.unchanged += p.unchanged;
      done += loaded.part.length;
      opts.onProgress?.(`load ${from}`, done, ids.length);
      if (opts.dryRun) { dropDone(loaded.part); continue; }
      if (opts.attendees) recordAttendees(opts.attendees.index, p, sub);
      const r = await applyAndRetry(p, undefined, sub, (d) => opts.onProgress?.('write', written + d, Math.max(ids.length, written + p.actions.length)), total.givenUp);
      written += p.actions.length;
      total.notAttempted += r.notAttempted;
      total.givenUp = { ...r.givenUp, ...total.givenUp };
      total.stale.push(...r.stale);
      total.unsettled ||= r.unsettled;
      dropDone(loaded.part);
      if (r.aborted) { total.aborted = r.aborted; break; }
    }
    const listed = { a: inputs.a.listing.size, b: inputs.b.listing.size };
    listed[from] += finished;
    const dups = [...duplicates].map(([uid, copies]) => duplicateSkip(uid, from, [...copies].sort()));
    if (dups.length) {
      report.countPlan({ actions: [], after: new Map(), before: new Map(), skipped: dups, held: [], unchanged: 0 });
      merged.skipped.push(...dups);
    }
    if (opts.dryRun) {
      await carryMetadata();
      return finish(merged);
    }
    if (!total.aborted) await state.commit({ meta: settledMeta(runMeta(failed, skippedForError || dups.length > 0, listed), total.unsettled) });
    await conclude(total);
    return finish(merged);
  }

  /** Collection name and colour: carried from the side that changed them (see collection-meta.ts). */
  async function carryMetadata(): Promise<void> {
    const capable = (side: Side) => (opts.endpoints[side].manifest?.capabilities ?? []).includes('collection-metadata');
    if (!capable('a') && !capable('b')) return;
    const stored: StoredMetadata = { a: created.a ?? meta.collectionA, b: created.b ?? meta.collectionB, checkedAt: meta.metadataCheckedAt };
    const outcome = await carryCollectionMetadata({
      sides: {
        a: { connector: opts.endpoints.a.connector, collection: pairing.a.collection, capable: capable('a'), listed: la.metadata },
        b: { connector: opts.endpoints.b.connector, collection: pairing.b.collection, capable: capable('b'), listed: lb.metadata },
      },
      stored, may: { aToB: policy.aToB.update, bToA: policy.bToA.update }, now: now(), dryRun: !!opts.dryRun,
      intervalMs: parseDuration(pairing.metadataCheck),
    });
    for (const u of outcome.updates) (report.r.collections ??= []).push({ side: u.side, ...u.changes, ...(u.asked ? { asked: u.asked } : {}) });
    for (const message of outcome.errors) report.r.errors.push({ message });
    // Written only when it changed: a run that changes nothing makes one durable write (its run metadata), not two.
    const held = (m: StoredMetadata) => canonicalJson([m.a ?? {}, m.b ?? {}, m.checkedAt ?? null]);
    if (!opts.dryRun && held(outcome.stored) !== held(stored)) {
      await state.commit({ meta: { collectionA: outcome.stored.a, collectionB: outcome.stored.b, metadataCheckedAt: outcome.stored.checkedAt } });
    }
  }

  async function apply(
    p: Plan, fm: Partial<PairingMeta> | undefined, progress = (d: number, t: number) => opts.onProgress?.('write', d, t), givenUp?: Partial<Record<Side, string>>,
  ): Promise<ApplyResult> {
    const r = await applyPlan({
      givenUp,
      plan: p, state, chunkSize: policy.chunkSize, maxAttempts: policy.maxAttempts, now, finalMeta: fm, signal: opts.signal, sleep: opts.sleep,
      hashStored: rules.hashRead,
      targets: { a: { connector: opts.endpoints.a.connector, collection: pairing.a.collection }, b: { connector: opts.endpoints.b.connector, collection: pairing.b.collection } },
      onChunk: progress,
    });
    for (const o of r.outcomes) report.outcome(o);
    return r;
  }

  async function replan(staleActions: Action[], sources: Record<Side, SideInput>): Promise<Plan> {
    const keys = new Set(staleActions.map((a) => a.key));
    const rels = [...keys].map((k) => state.get(k)).filter((r): r is Relation => !!r);
    const sub = { a: emptySide(sources.a.windowed), b: emptySide(sources.b.windowed) };
    const ids = { a: new Set<string>(), b: new Set<string>() };
    for (const a of staleActions) {
      const rel = state.get(a.key);
      for (const s of ['a', 'b'] as const) {
        const id = rel?.[s]?.id ?? (a.kind !== 'create' && a.target === s ? a.id : undefined);
        if (id) ids[s].add(id);
      }
    }
    // The stale items' sources (of a create or update) are in this run's loaded items: one pass per side.
    const staleUids = new Set(staleActions.map((a) => a.uid));
    const staleIds = new Set(staleActions.flatMap((a) => (a.kind === 'create' ? [] : [a.id])));
    for (const s of ['a', 'b'] as const) {
      for (const item of sources[s].loaded.values()) if (staleUids.has(item.entity.uid) || staleIds.has(item.id)) ids[s].add(item.id);
    }
    for (const s of ['a', 'b'] as const) {
      const results = ids[s].size ? await opts.endpoints[s].connector.load(pairing[s].collection, [...ids[s]], { entity: pairing.entity }) : [];
      for (const r of results) {
        if (r.ok) {
          sub[s].listing.set(r.id, r.version);
          sub[s].loaded.set(r.id, { id: r.id, version: r.version, entity: r.item, hash: rules.hashRead(r.item) });
        } else if (r.error.code !== 'NotFound') {
          sub[s].listing.set(r.id, '');
          sub[s].failed.set(r.id, `${r.error.code}: ${r.error.message}`);
        }
      }
    }
    return makePlan({ ...planInput(sub.a, sub.b, rels), meta: {}, fullRescan: true });
  }

  /** Attendee e-mails of every event loaded (`sources`), by UID; UIDs whose relation the plan forgets are dropped. */
  function recordAttendees(index: Map<string, string[]>, p: Plan, sources: Record<Side, SideInput>): void {
    for (const side of ['a', 'b'] as const) {
      for (const item of sources[side].loaded.values()) {
        const e = item.entity;
        if (e.type !== 'event') continue;
        const emails = [...new Set((e.attendees ?? []).flatMap((x) => (x.email ? [ownString(x.email.trim().toLowerCase())] : [])))].sort();
        if (emails.length) index.set(ownString(e.uid), emails); else index.delete(e.uid);
      }
    }
    for (const [key, rel] of p.after) {
      if (rel === null) {
        const uid = p.before.get(key)?.uid;
        if (uid !== undefined) index.delete(uid);
      }
    }
  }

  function finish(p: PlanOutline): RunOutcome {
    return { report: report.finish(Date.now() - started), plan: opts.dryRun ? p : { ...p, actions: [] } };
  }

  /** The side as configured, with its collection: a side that names none gets the one collection of its endpoint. */
  async function resolveSide(side: Side): Promise<SideConfig & { collection: string }> {
    const s = opts.pairing[side];
    if (s.collection !== undefined) return { ...s, collection: s.collection };
    const handle = opts.endpoints[side];
    if (handle.manifest?.collections !== 'single') {
      throw new RunFailed(`side ${side} (${s.endpoint}) names no collection, and its connector has more than one per endpoint: add "collection"`);
    }
    let found;
    try {
      found = await handle.connector.discover();
    } catch (e) {
      throw new RunFailed(`side ${side} (${s.endpoint}): finding its collection failed: ${(e as Error).message}`, { cause: e });
    }
    if (found.length !== 1) throw new RunFailed(`side ${side} (${s.endpoint}): the connector reported ${found.length} collections where it declares exactly one`);
    return { ...s, collection: found[0].id };
  }

  /**
   * Creates a side's collection when it is missing and the side says `create`, named and coloured like the other
   * side's collection. Asked on a pairing's first run (later runs list the collection; a listing that finds it gone
   * asks again), so a run that changes nothing costs no `discover`.
   */
  async function ensureCollection(side: Side, afterNotFound = false): Promise<boolean> {
    const s = pairing[side];
    if (!s.create || (meta.lastRunAt !== undefined && !afterNotFound)) return false;
    const c = opts.endpoints[side].connector;
    const existing = await c.discover();
    if (existing.some((x) => x.id === s.collection)) return false;
    if (!c.createCollection) throw new RunFailed(`collection "${s.collection}" does not exist on side ${side} and the connector cannot create collections`);
    if (opts.dryRun) return false;
    const from: Side = side === 'a' ? 'b' : 'a';
    const source = await sourceMetadata(from);
    const made = await c.createCollection({ id: s.collection, name: source.name ?? s.collection, color: source.color, entities: [pairing.entity] });
    created[from] = source;
    created[side] = { name: made.name, color: made.color ?? source.color };
    return true;
  }

  /** The name and colour of side `from`'s collection, to give a new collection on the other side (empty when unknown). */
  async function sourceMetadata(from: Side): Promise<CollectionMetadata> {
    const c = opts.endpoints[from].connector;
    const id = pairing[from].collection;
    try {
      if (c.collectionMetadata && (opts.endpoints[from].manifest?.capabilities ?? []).includes('collection-metadata')) return await c.collectionMetadata(id);
      const info = (await c.discover()).find((x) => x.id === id);
      return info ? { name: info.name, ...(info.color ? { color: info.color } : {}) } : {};
    } catch {
      return {}; // the source not found (yet): its listing reports that
    }
  }

  interface Listed { listing: Map<string, string>; cursor?: string; windowed: boolean; listedUntil?: string; metadata?: CollectionMetadata }

  /** Every relation of the state, built (`prepare`) and decoded a few hundred per turn of the event loop. */
  async function storedRelations(): Promise<Relation[]> {
    await state.prepare?.();
    const all: Relation[] = [];
    const it = state.relations();
    for (;;) {
      for (let n = 0; n < DECODE_STEP; n++) {
        const next = it.next();
        if (next.done) return all;
        all.push(next.value);
      }
      await nextTurn();
    }
  }

  async function listSide(side: Side): Promise<Listed> {
    const c = opts.endpoints[side].connector;
    const caps = opts.endpoints[side].manifest?.capabilities ?? [];
    // A window on one side only needs both sides listed in full: the windowed side holds copies of the other side's
    // items, whatever their dates.
    const window = rules.window && !rules.windowSide && caps.includes('time-range') ? rules.window : undefined;
    const savedUntil = side === 'a' ? meta.listedUntilA : meta.listedUntilB;
    let cursor = fullRescan ? undefined : (side === 'a' ? meta.cursorA : meta.cursorB);
    // A change feed reports changed items only; what time alone brings into the window was never listed. Once the
    // window reaches past what the last full listing covered, list in full again (a margin ahead, so weekly).
    if (window && cursor !== undefined && (!savedUntil || Date.parse(savedUntil) < window.end.getTime())) cursor = undefined;
    const fullWindow = window && { start: window.start, end: new Date(window.end.getTime() + LISTING_MARGIN_MS) };
    const listWindow = cursor === undefined ? fullWindow : window;
    let res: ListResult;
    try {
      res = await c.list(pairing[side].collection, { entity: pairing.entity, cursor, window: listWindow });
    } catch (e) {
      if (isDovetailError(e, 'NotFound') && !opts.dryRun && await ensureCollection(side, true)) {
        res = await c.list(pairing[side].collection, { entity: pairing.entity, window: fullWindow });
      } else if (isDovetailError(e, 'CursorInvalid')) {
        res = await c.list(pairing[side].collection, { entity: pairing.entity, window: fullWindow });
      } else if (isDovetailError(e, 'NotFound') && opts.dryRun && pairing[side].create) {
        return { listing: new Map(), windowed: false };
      } else if (isDovetailError(e, 'NotFound')) {
        const { endpoint, collection } = pairing[side];
        throw new RunFailed(`side ${side}: no collection ${collection} on endpoint "${endpoint}" (${(e as Error).message}) — \`dovetail discover ${endpoint}\` lists the collections there, or add "create": true to the side to create it`, { cause: e });
      } else {
        throw new RunFailed(`listing side ${side} (${pairing[side].endpoint}:${pairing[side].collection}) failed: ${(e as Error).message}`, { cause: e });
      }
    }
    if (res.kind === 'full') {
      return { listing: new Map(res.items.map((i) => [i.id, i.version])), cursor: res.cursor, windowed: !!window, listedUntil: fullWindow?.end.toISOString(), metadata: res.metadata };
    }
    // A change feed: start from what state knows about this side and apply the changes.
    const listing = new Map<string, string>();
    for (const r of stored ? await stored : state.relations()) {
      const rec = r[side];
      if (rec) listing.set(rec.id, rec.version);
    }
    for (const d of res.deleted) listing.delete(d);
    for (const i of res.changed) listing.set(i.id, i.version);
    return { listing, cursor: res.cursor, windowed: !!window, listedUntil: savedUntil, metadata: res.metadata };
  }

  /** Loads what the plan asked for (`want`) into the run's inputs, chunk by chunk. */
  async function loadWanted(): Promise<void> {
    for (const side of ['a', 'b'] as const) {
      const ids = [...want[side]].filter((id) => !inputs[side].loaded.has(id) && !inputs[side].failed.has(id));
      want[side].clear();
      let done = 0;
      for await (const chunk of loadChunks(side, ids)) {
        record(side, chunk, inputs[side]);
        done += chunk.part.length;
        opts.onProgress?.(`load ${side}`, done, ids.length);
      }
    }
  }

  /**
   * Loads `ids` of `side` in chunks of `chunkSize`, in order. The next chunk's load starts as soon as the current
   * one returns, so it is under way while the current one is used: the connector's I/O overlaps the engine's work,
   * only one `load` call is in flight at a time, and at most two chunks are held. A failure that stops the run
   * (credentials refused, host given up) throws `RunFailed`; a chunk whose load failed otherwise comes with its error.
   */
  async function* loadChunks(side: Side, ids: string[]): AsyncGenerator<LoadedChunk> {
    const size = policy.chunkSize;
    const start = (part: string[]): Promise<LoadedChunk> => opts.endpoints[side].connector.load(pairing[side].collection, part, { entity: pairing.entity })
      .then((results) => ({ part, results }), (error: unknown) => ({ part, error }));
    let next = ids.length ? start(ids.slice(0, size)) : undefined;
    try {
      for (let k = 0; k < ids.length; k += size) {
        const chunk = await next!;
        next = k + size < ids.length ? start(ids.slice(k + size, k + 2 * size)) : undefined;
        if ('error' in chunk) {
          const e = chunk.error;
          if (isDovetailError(e, 'AuthFailed') || stopsRun(e) || isNotAttempted(e)) throw new RunFailed(`side ${side}: ${(e as Error).message}`, { cause: e });
        } else {
          const given = chunk.results.find((r) => !r.ok && isNotAttempted(r.error));
          if (given && !given.ok) throw new RunFailed(`side ${side}: ${given.error.message}`, { cause: given.error });
        }
        yield chunk;
      }
    } finally {
      await next; // settled, never rejects: no load left running behind a failed or stopped run
    }
  }

  /**
   * Records a loaded chunk of `side` in `into` (the run's inputs, or one chunk's): loaded items with their hash,
   * failures, versions as loaded. The run's listing of the side follows too (versions, items deleted since listed).
   */
  function record(side: Side, chunk: LoadedChunk, into: SideInput): void {
    const listing = inputs[side].listing;
    if (into.listing !== listing) {
      for (const id of chunk.part) {
        const version = listing.get(id);
        if (version !== undefined) into.listing.set(id, version);
      }
    }
    if ('error' in chunk) {
      for (const id of chunk.part) into.failed.set(id, `load failed: ${(chunk.error as Error).message}`);
      return;
    }
    for (const r of chunk.results) {
      if (r.ok) {
        listing.set(r.id, r.version);
        into.listing.set(r.id, r.version);
        into.loaded.set(r.id, { id: r.id, version: r.version, entity: r.item, hash: rules.hashRead(r.item) } satisfies LoadedItem);
        noteUnresolvedZones(r.item, side, opts.debug);
      } else if (r.error.code === 'NotFound') {
        listing.delete(r.id); // deleted between list and load
        into.listing.delete(r.id);
      } else {
        into.failed.set(r.id, `${r.error.code}: ${r.error.message}`);
      }
    }
  }
}

/** One chunk of a side's items as its `load` returned them, or the error the whole call failed with. */
type LoadedChunk = { part: string[]; results: LoadResult[] } | { part: string[]; error: unknown };

const other = (s: Side): Side => (s === 'a' ? 'b' : 'a');

/** How far past the window's end a full listing reaches, so it is repeated weekly rather than every run. */
const LISTING_MARGIN_MS = 7 * 86_400_000;

/** Pending work on a relation whose items are unchanged: both sides must be loaded to act. */
function needsBothSides(rel: Relation, rules: { spanInWindow(span: [number, number | null]): boolean }, nowMs: number): boolean {
  if (rel.status === 'conflict') return true;
  // A failed write is retried once its backoff is over (a change feed would not list the item again).
  if ((rel.attempts || rel.lastError) && rel.status !== 'quarantined' && (!rel.retryAt || rel.retryAt <= nowMs)) return true;
  if (rel.status === 'synced' && (!rel.a || !rel.b)) return true; // a create still to do
  if (rel.status === 'out-of-scope' && rel.range && rules.spanInWindow(rel.range)) return true; // entered the window
  return false;
}

/** UIDs of the items earlier `once` runs imported (relations holding both sides). */
function importedUids(state: PairingState): Set<string> {
  const out = new Set<string>();
  for (const r of state.relations()) if (r.a && r.b) out.add(r.uid);
  return out;
}

function emptySide(windowed: boolean): SideInput {
  return { listing: new Map(), loaded: new Map(), failed: new Map(), windowed };
}

/** The plan without its items: what dry-run output and callers keep once the writes are done. */
function outline(p: Plan): PlanOutline {
  return {
    actions: p.actions.map(({ kind, key, uid, target, title, reason }) => ({ kind, key: ownString(key), uid: ownString(uid), target, title: ownString(title), reason })),
    skipped: p.skipped, held: p.held, unchanged: p.unchanged, ...(p.blocked ? { blocked: p.blocked } : {}),
  };
}

export type { EffectivePolicy, PlanRules, RunReport };
