/**
 * One run of one pairing: list both sides, load what changed, plan, apply (unless dry-run), report.
 * The effects live here and in apply.ts; the decisions live in plan.ts.
 */
import { stopsRun } from '../host/process/errors.js';
import type { PairingConfig, SideConfig } from '../config/types.js';
import type { CollectionMetadata, Connector, ListResult } from '../sdk/connector.js';
import { carryCollectionMetadata, type StoredMetadata } from './collection-meta.js';
import { parseDuration } from '../runner/settings.js';
import type { ConnectorManifest } from '../sdk/manifest.js';
import { isDovetailError } from '../sdk/errors.js';
import { isNotAttempted, RunBudget, withRunBudget, type RunBudgetLimits } from '../sdk/run-budget.js';
import type { Entity, TimeValue } from '../sdk/entities.js';
import type { PairingMeta, PairingState, Relation } from '../state/types.js';
import { applyPlan, type ApplyResult } from './apply.js';
import { effectivePolicy, type EffectivePolicy } from './policy.js';
import { indexRelations, plan as makePlan } from './plan.js';
import type { Action, LoadedItem, Plan, PlanRules, Side, SideInput } from './plan-types.js';
import { compileRules } from './rules.js';
import type { FilterContext } from './filters.js';
import { ReportBuilder, type RunReport } from './report.js';

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

/** Raised when the run cannot start or must stop (collection missing, auth); the CLI maps it to exit 3. */
export class RunFailed extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RunFailed';
  }
}

export interface RunOutcome {
  report: RunReport;
  /** The plan as computed (for dry-run output). */
  plan: Plan;
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
  await ensureCollection('a');
  await ensureCollection('b');

  // ---- List.
  const [la, lb] = await Promise.all([listSide('a'), listSide('b')]);
  // `once` is a one-off import: every run pairs afresh by UID. With `add` and `update` it remembers what earlier
  // runs imported (their relations stay in state), so a copy deleted on B since is not imported again.
  const relations = policy.mode === 'once' ? [] : [...state.relations()];
  const imported = policy.mode === 'once' && policy.once !== 'recreate' ? importedUids(state) : undefined;
  const sideInput = (l: Listed): SideInput => ({ listing: l.listing, loaded: new Map(), failed: new Map(), windowed: l.windowed });
  const inputs = { a: sideInput(la), b: sideInput(lb) };

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
  const planInput = (a: SideInput, b: SideInput, rels: Iterable<Relation>) => ({
    pairing: opts.name, entity: pairing.entity, policy, relations: rels, meta, a, b, rules, now: now(), force: !!opts.force, fullRescan, imported,
  });
  const thePlan = makePlan(planInput(inputs.a, inputs.b, relations));
  report.countPlan(thePlan);
  if (thePlan.blocked) {
    report.r.blocked = thePlan.blocked;
    return finish(thePlan);
  }
  if (opts.dryRun) {
    await carryMetadata();
    return finish(thePlan);
  }
  if (opts.attendees) recordAttendees(opts.attendees.index, thePlan);

  // ---- Apply, then refetch and replan items that changed under our feet (412).
  const finalMeta: Partial<PairingMeta> = {
    configHash,
    countA: inputs.a.listing.size,
    countB: inputs.b.listing.size,
    lastRunAt: new Date().toISOString(),
  };
  // Items skipped for an error (unreadable, duplicate UID) have no relation: keep the old cursor so they are listed again.
  const unsettled = thePlan.skipped.some((s) => s.kind === 'error' || s.kind === 'duplicate');
  if (la.cursor !== undefined && inputs.a.failed.size === 0 && !unsettled) finalMeta.cursorA = la.cursor;
  if (lb.cursor !== undefined && inputs.b.failed.size === 0 && !unsettled) finalMeta.cursorB = lb.cursor;
  if (la.cursor === undefined) finalMeta.cursorA = undefined;
  if (lb.cursor === undefined) finalMeta.cursorB = undefined;
  if ('cursorA' in finalMeta) finalMeta.listedUntilA = finalMeta.cursorA === undefined ? undefined : la.listedUntil;
  if ('cursorB' in finalMeta) finalMeta.listedUntilB = finalMeta.cursorB === undefined ? undefined : lb.listedUntil;
  let result = await apply(thePlan, finalMeta);
  let notAttempted = result.notAttempted.length;
  const givenUp = { ...result.givenUp };
  for (let round = 0; round < 2 && result.stale.length && !result.aborted; round++) {
    const replanned = await replan(result.stale);
    report.countPlan(replanned, true);
    result = await apply(replanned, undefined);
    notAttempted += result.notAttempted.length;
    Object.assign(givenUp, { ...result.givenUp, ...givenUp });
  }
  if (result.stale.length) {
    for (const a of result.stale) report.fail(a, 'PreconditionFailed', 'the item kept changing during the run; retried next run');
  }
  if (result.aborted) report.abort(result.aborted, opts.signal?.aborted ? 'interrupted' : 'auth');
  else if (notAttempted) {
    const why = [...new Set(Object.values(givenUp))].join('; ');
    report.r.notAttempted = notAttempted;
    report.abort(`${why}; ${notAttempted} change${notAttempted === 1 ? '' : 's'} not attempted (no retry penalty: the next run tries them again)`, 'unreachable');
  } else await carryMetadata();
  return finish(thePlan);

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
    if (!opts.dryRun) await state.commit({ meta: { collectionA: outcome.stored.a, collectionB: outcome.stored.b, metadataCheckedAt: outcome.stored.checkedAt } });
  }

  async function apply(p: Plan, fm: Partial<PairingMeta> | undefined): Promise<ApplyResult> {
    const r = await applyPlan({
      plan: p, state, chunkSize: policy.chunkSize, maxAttempts: policy.maxAttempts, now, finalMeta: fm, signal: opts.signal, sleep: opts.sleep,
      hashStored: rules.hashRead,
      targets: { a: { connector: opts.endpoints.a.connector, collection: pairing.a.collection }, b: { connector: opts.endpoints.b.connector, collection: pairing.b.collection } },
      onChunk: (d, t) => opts.onProgress?.('write', d, t),
    });
    for (const o of r.outcomes) report.outcome(o);
    return r;
  }

  async function replan(staleActions: Action[]): Promise<Plan> {
    const keys = new Set(staleActions.map((a) => a.key));
    const rels = [...keys].map((k) => state.get(k)).filter((r): r is Relation => !!r);
    const sub = { a: emptySide(inputs.a.windowed), b: emptySide(inputs.b.windowed) };
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
      for (const item of inputs[s].loaded.values()) if (staleUids.has(item.entity.uid) || staleIds.has(item.id)) ids[s].add(item.id);
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

  /** Attendee e-mails of every event loaded this run, by UID; UIDs whose relation the plan forgets are dropped. */
  function recordAttendees(index: Map<string, string[]>, p: Plan): void {
    for (const side of ['a', 'b'] as const) {
      for (const item of inputs[side].loaded.values()) {
        const e = item.entity;
        if (e.type !== 'event') continue;
        const emails = [...new Set((e.attendees ?? []).flatMap((x) => (x.email ? [x.email.trim().toLowerCase()] : [])))].sort();
        if (emails.length) index.set(e.uid, emails); else index.delete(e.uid);
      }
    }
    for (const [key, rel] of p.after) {
      if (rel === null) {
        const uid = p.before.get(key)?.uid;
        if (uid !== undefined) index.delete(uid);
      }
    }
  }

  function finish(p: Plan): RunOutcome {
    return { report: report.finish(Date.now() - started), plan: p };
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
    for (const r of state.relations()) {
      const rec = r[side];
      if (rec) listing.set(rec.id, rec.version);
    }
    for (const d of res.deleted) listing.delete(d);
    for (const i of res.changed) listing.set(i.id, i.version);
    return { listing, cursor: res.cursor, windowed: !!window, listedUntil: savedUntil, metadata: res.metadata };
  }

  /**
   * Loads what the plan asked for, chunk by chunk. The next chunk's load starts as soon as the current one
   * returns, so it is under way while the current one is hashed: the connector's I/O overlaps the engine's
   * work, and still only one `load` call is in flight at a time.
   */
  async function loadWanted(): Promise<void> {
    for (const side of ['a', 'b'] as const) {
      const ids = [...want[side]].filter((id) => !inputs[side].loaded.has(id) && !inputs[side].failed.has(id));
      want[side].clear();
      const parts: string[][] = [];
      for (let i = 0; i < ids.length; i += policy.chunkSize) parts.push(ids.slice(i, i + policy.chunkSize));
      const start = (part: string[]) => opts.endpoints[side].connector.load(pairing[side].collection, part, { entity: pairing.entity })
        .then((results) => ({ results }), (error: unknown) => ({ error }));
      let next = parts.length ? start(parts[0]!) : undefined;
      let done = 0;
      for (const [k, part] of parts.entries()) {
        const outcome = await next!;
        next = k + 1 < parts.length ? start(parts[k + 1]!) : undefined;
        done += part.length;
        if ('error' in outcome) {
          const e = outcome.error;
          if (isDovetailError(e, 'AuthFailed') || stopsRun(e) || isNotAttempted(e)) {
            await next; // settled, never rejects: no load left running behind the failed run
            throw new RunFailed(`side ${side}: ${(e as Error).message}`, { cause: e });
          }
          for (const id of part) inputs[side].failed.set(id, `load failed: ${(e as Error).message}`);
          continue;
        }
        const { results } = outcome;
        for (const r of results) {
          if (r.ok) {
            inputs[side].listing.set(r.id, r.version);
            inputs[side].loaded.set(r.id, { id: r.id, version: r.version, entity: r.item, hash: rules.hashRead(r.item) } satisfies LoadedItem);
            noteUnresolvedZones(r.item, side, opts.debug);
          } else if (r.error.code === 'NotFound') {
            inputs[side].listing.delete(r.id); // deleted between list and load
          } else if (isNotAttempted(r.error)) {
            await next;
            throw new RunFailed(`side ${side}: ${r.error.message}`, { cause: r.error });
          } else {
            inputs[side].failed.set(r.id, `${r.error.code}: ${r.error.message}`);
          }
        }
        opts.onProgress?.(`load ${side}`, done, ids.length);
      }
    }
  }
}

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

export type { EffectivePolicy, PlanRules, RunReport };
