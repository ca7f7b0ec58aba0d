/**
 * The planner: pure. State + both sides' listings + loaded items → actions with reasons and the
 * relation each key will have afterwards. No I/O, no clock but `input.now`: the same input gives the same plan.
 */
import type { TombstoneLook } from '../config/types.js';
import type { Entity } from '../sdk/entities.js';
import type { PairingMeta, Relation, SideRecord } from '../state/types.js';
import type { Action, Held, LoadedItem, Plan, PlanInput, Side, Skipped } from './plan-types.js';
import type { DirectionRules } from './policy.js';

/** How a side of one key looks this run compared with the stored relation. */
type SideStatus = 'none' | 'new' | 'unchanged' | 'changed' | 'deleted' | 'error' | 'out';

interface SideView {
  status: SideStatus;
  id?: string;
  version?: string;
  item?: LoadedItem;
  error?: string;
}

interface Group {
  key: string;
  uid: string;
  rel?: Relation;
  a: SideView;
  b: SideView;
}

const other = (s: Side): Side => (s === 'a' ? 'b' : 'a');
const dirTo = (target: Side): 'aToB' | 'bToA' => (target === 'b' ? 'aToB' : 'bToA');

/** A short, human title for reports. */
export function titleOf(e: Entity | undefined, fallback: string): string {
  if (!e) return fallback;
  const t = e.type === 'contact' ? (e.formattedName ?? [e.name?.given, e.name?.family].filter(Boolean).join(' ')) : e.summary;
  return t && t.trim() ? t.trim() : e.uid || fallback;
}

function recordOf(item: LoadedItem): SideRecord {
  return { id: item.id, version: item.version, hash: item.hash };
}

/**
 * Marks an entity as deleted on the other side (tombstone), keeping everything else: always the
 * `X-DOVETAIL-DELETED` property (the time), plus the pairing's category and summary prefix when it sets them.
 */
export function markTombstone(e: Entity, now: Date, look: TombstoneLook = {}): Entity {
  const marked = { ...e, x: { ...(e.x ?? {}), 'X-DOVETAIL-DELETED': now.toISOString() } } as Entity;
  if (look.category && !(e.categories ?? []).includes(look.category)) marked.categories = [...(e.categories ?? []), look.category];
  if (look.prefix) {
    if (marked.type === 'contact') {
      const name = marked.formattedName ?? titleOf(e, '');
      if (!name.startsWith(look.prefix)) marked.formattedName = `${look.prefix}${name}`;
    } else if (!(marked.summary ?? '').startsWith(look.prefix)) {
      marked.summary = `${look.prefix}${marked.summary ?? ''}`;
    }
  }
  return marked;
}

/** A deterministic UID for the loser's copy under keep-both, so a crashed and repeated run cannot duplicate it. */
function conflictCopyUid(uid: string, hash: string): string {
  return `${uid}-conflict-${hash.slice(0, 8)}`;
}

function withCopySuffix(e: Entity, side: Side, uid: string): Entity {
  const suffix = ` (conflict copy from ${side.toUpperCase()})`;
  if (e.type === 'contact') return { ...e, uid, formattedName: `${e.formattedName ?? ''}${suffix}`.trim() };
  return { ...e, uid, summary: `${e.summary ?? ''}${suffix}`.trim() };
}

export function plan(input: PlanInput): Plan {
  const { policy, rules, now } = input;
  const actions: Action[] = [];
  const after = new Map<string, Relation | null>();
  const before = new Map<string, Relation | undefined>();
  const skipped: Skipped[] = [];
  const held: Held[] = [];
  let unchanged = 0;

  const sides = { a: input.a, b: input.b };
  const rulesTo = (target: Side): DirectionRules => (target === 'b' ? policy.aToB : policy.bToA);

  // ---- 1. Index relations and find duplicate UIDs inside each side.
  const relations = [...input.relations];
  const { byId, byUid } = indexRelations(relations);
  const dupUids = { a: new Map<string, string[]>(), b: new Map<string, string[]>() };
  // Only loaded items can bring a UID clash (unchanged items keep the UID their relation has), so the check
  // costs what changed, not the collection size.
  for (const side of ['a', 'b'] as const) {
    const s = sides[side];
    const idsByUid = new Map<string, string[]>();
    for (const item of s.loaded.values()) {
      if (!s.listing.has(item.id)) continue;
      const l = idsByUid.get(item.entity.uid);
      if (l) l.push(item.id); else idsByUid.set(item.entity.uid, [item.id]);
    }
    for (const [uid, ids] of idsByUid) {
      const held = byUid.get(uid)?.[side]?.id;
      if (held && !ids.includes(held) && s.listing.has(held) && !s.loaded.has(held)) ids.push(held);
      if (ids.length > 1) dupUids[side].set(uid, ids.sort());
    }
  }

  // ---- 2. Build groups: one per relation, plus new items joined by UID, then by content.
  const groups = new Map<string, Group>();
  /** The common case, decided without building a group: synced, both versions as stored, nothing loaded. */
  const inSyncAndUntouched = (rel: Relation): boolean =>
    !input.fullRescan && rel.status === 'synced' && !rel.attempts && !rel.lastError && !!rel.a && !!rel.b
    && sides.a.listing.get(rel.a.id) === rel.a.version && sides.b.listing.get(rel.b.id) === rel.b.version
    && !sides.a.loaded.has(rel.a.id) && !sides.b.loaded.has(rel.b.id) && !byUidClash(rel);
  const byUidClash = (rel: Relation): boolean => dupUids.a.has(rel.uid) || dupUids.b.has(rel.uid);
  const viewOf = (side: Side, rel: Relation): SideView => {
    const rec = rel[side];
    if (!rec) return { status: 'none' };
    const s = sides[side];
    const version = s.listing.get(rec.id);
    if (version === undefined) {
      if (s.windowed && rel.range && !rules.spanInWindow(rel.range)) return { status: 'out', id: rec.id };
      return { status: 'deleted', id: rec.id };
    }
    const item = s.loaded.get(rec.id);
    const failed = s.failed.get(rec.id);
    if (failed !== undefined) return { status: 'error', id: rec.id, version, error: failed };
    if (version === rec.version && !input.fullRescan) return { status: 'unchanged', id: rec.id, version, item };
    if (!item) return { status: 'error', id: rec.id, version, error: 'changed but not loaded' };
    return { status: item.hash === rec.hash ? 'unchanged' : 'changed', id: rec.id, version, item };
  };
  for (const rel of relations) {
    if (inSyncAndUntouched(rel)) {
      unchanged++;
      continue;
    }
    groups.set(rel.key, { key: rel.key, uid: rel.uid, rel, a: viewOf('a', rel), b: viewOf('b', rel) });
  }
  const loose: { a: Group[]; b: Group[] } = { a: [], b: [] };
  for (const side of ['a', 'b'] as const) {
    const s = sides[side];
    for (const [id, version] of s.listing) {
      if (byId[side].has(id)) continue;
      const failed = s.failed.get(id);
      const item = s.loaded.get(id);
      if (failed !== undefined || !item) {
        skipped.push({ key: id, side, id, title: id, reason: failed ?? 'not loaded', kind: 'error' });
        continue;
      }
      const uid = item.entity.uid;
      if (dupUids[side].has(uid)) continue; // reported below, once per UID
      const view: SideView = { status: 'new', id, version, item };
      const rel = byUid.get(uid);
      const g = rel ? groups.get(rel.key)! : groups.get(uid);
      if (g) {
        const cur = g[side];
        if (cur.status === 'none' || cur.status === 'deleted') {
          // Joined by UID: a pending create that landed before a crash, or an item that moved to a new id.
          g[side] = rel?.[side] && cur.status === 'deleted' ? { ...view, status: 'changed' } : view;
          continue;
        }
      }
      const ng: Group = { key: uid, uid, a: { status: 'none' }, b: { status: 'none' } };
      ng[side] = view;
      if (!groups.has(uid)) {
        groups.set(uid, ng);
        loose[side].push(ng);
      }
    }
  }
  // Pair leftovers by content (items that share no UID but hold the same data, e.g. after lost state).
  const looseB = new Map<string, Group>();
  for (const g of loose.b) {
    if (g.a.status !== 'none' || !g.b.item) continue;
    looseB.set(rules.hashWritten(stripUid(g.b.item.entity)), g);
  }
  if (looseB.size) {
    for (const g of loose.a) {
      if (g.b.status !== 'none' || !g.a.item) continue;
      const composed = rules.compose('aToB', g.a.item.entity, undefined);
      const match = looseB.get(rules.hashWritten(stripUid(composed)));
      if (!match) continue;
      g.b = match.b;
      groups.delete(match.key);
      looseB.delete(rules.hashWritten(stripUid(composed)));
    }
  }
  for (const side of ['a', 'b'] as const) {
    for (const [uid, ids] of dupUids[side]) {
      const rel = byUid.get(uid);
      if (rel) groups.delete(rel.key);
      if (groups.get(uid)?.[side].status === 'new') groups.delete(uid);
      skipped.push(duplicateSkip(uid, side, ids));
    }
  }

  // ---- 3. Decide per group.
  const setAfter = (key: string, rel: Relation | undefined, next: Relation | null) => {
    if (!before.has(key)) before.set(key, rel);
    after.set(key, next);
  };
  const recordFor = (v: SideView): SideRecord | undefined => (v.item ? recordOf(v.item) : undefined);

  for (const g of groups.values()) decide(g);

  function entityOf(v: SideView): Entity | undefined {
    return v.item?.entity;
  }

  function decide(g: Group): void {
    const { a, b, rel } = g;
    const title = titleOf(entityOf(a) ?? entityOf(b), g.uid);
    if (a.status === 'error' || b.status === 'error') {
      const side: Side = a.status === 'error' ? 'a' : 'b';
      skipped.push({ key: g.key, side, id: g[side].id, title, reason: g[side].error ?? 'error', kind: 'error' });
      return;
    }
    // Backoff: a failed item waits until its retry time.
    if (rel?.retryAt && rel.retryAt > now.getTime() && a.status !== 'changed' && b.status !== 'changed') {
      skipped.push({ key: g.key, title, reason: `retrying after ${new Date(rel.retryAt).toISOString()}: ${rel.lastError ?? ''}`, kind: 'backoff' });
      return;
    }
    // Scope: filters and window. Out-of-scope items are frozen, never deleted on the other side. A window that
    // applies to one side only (`window.side`) leaves alone every item the other side holds or held.
    const windowExempt = rules.windowSide !== undefined && g[other(rules.windowSide)].status !== 'none';
    const outSide = (['a', 'b'] as const).find((s) => g[s].status === 'out'
      || (g[s].item && !(rules.inFilters(g[s].item!.entity, s) && (windowExempt || rules.inWindow(g[s].item!.entity, s)))));
    if (outSide) return freeze(g, outSide);
    if (rel?.status === 'out-of-scope') {
      // Back in scope: stored records are those from before it left, so the normal comparison follows.
      if (a.status === 'unchanged' && b.status === 'unchanged' && rel.a && rel.b) {
        setAfter(g.key, rel, { ...rel, status: 'synced', range: undefined });
        unchanged++;
        return;
      }
      // Never synced and still as it was when it fell out of scope (so not loaded): it stays frozen.
      if ((a.status === 'unchanged' && !a.item && b.status === 'none') || (b.status === 'unchanged' && !b.item && a.status === 'none')) {
        unchanged++;
        return;
      }
    }
    if (rel?.status === 'quarantined') {
      if (a.status === 'unchanged' && b.status !== 'changed' && b.status !== 'new' || (a.status === 'none' && b.status === 'unchanged')) {
        skipped.push({ key: g.key, title, reason: `quarantined after ${rel.attempts ?? 0} attempts: ${rel.lastError ?? ''}`, kind: 'quarantined' });
        return;
      }
    }
    if (rel?.status === 'tombstone-a' || rel?.status === 'tombstone-b') {
      // tombstone-b: deleted on A, B's copy kept and never synced again (and the reverse).
      const kept: Side = rel.status === 'tombstone-b' ? 'b' : 'a';
      const gone = other(kept);
      if (g[kept].status === 'deleted' && g[gone].status !== 'new') return setAfter(g.key, rel, null);
      if (g[gone].status !== 'new') {
        if (g[kept].status === 'changed' || g[kept].status === 'unchanged' && g[kept].item) {
          setAfter(g.key, rel, { ...rel, [kept]: recordFor(g[kept]) ?? rel[kept] });
        }
        unchanged++;
        return;
      }
      // Re-created on the side it was deleted from: pair again as on first contact.
    }
    if (rel?.status === 'conflict' && !rel.resolution) {
      const stillBoth = a.status !== 'deleted' && b.status !== 'deleted';
      if (stillBoth) {
        skipped.push({ key: g.key, title, reason: 'conflict: changed on both sides; resolve with `dovetail conflicts resolve`', kind: 'conflict' });
        return;
      }
    }

    const sa = a.status, sb = b.status;
    const gone = (s: SideStatus) => s === 'none' || s === 'deleted';

    if (gone(sa) && gone(sb)) {
      if (rel) setAfter(g.key, rel, null);
      return;
    }
    if (rel?.status === 'conflict' && rel.resolution && present(sa) && present(sb)) {
      return resolveConflict(g, rel.resolution === 'a' ? 'a-wins' : rel.resolution === 'b' ? 'b-wins' : 'keep-both');
    }
    // One side only: a new item, or a pending create (relation holds one side).
    if (present(sa) && sb === 'none') return oneSided(g, 'a');
    if (present(sb) && sa === 'none') return oneSided(g, 'b');
    // A new item joined to an existing copy on the other side: compare contents.
    if ((sa === 'new' && present(sb)) || (sb === 'new' && present(sa))) return bothChanged(g, true);
    if (sa === 'deleted') return deletedOn(g, 'a');
    if (sb === 'deleted') return deletedOn(g, 'b');
    if (sa === 'unchanged' && sb === 'unchanged') {
      const next = refreshed(g);
      if (next) setAfter(g.key, rel, next);
      unchanged++;
      return;
    }
    if (sa === 'changed' && sb === 'unchanged') return changedOn(g, 'a');
    if (sb === 'changed' && sa === 'unchanged') return changedOn(g, 'b');
    return bothChanged(g, false);
  }

  /** Relation with current versions where they moved without a content change (etag noise, our own echo). */
  function refreshed(g: Group): Relation | undefined {
    const rel = g.rel!;
    let next: Relation | undefined;
    for (const s of ['a', 'b'] as const) {
      const v = g[s];
      const rec = rel[s];
      if (rec && v.version !== undefined && v.version !== rec.version) {
        next = next ?? { ...rel };
        next[s] = { ...rec, version: v.version };
      }
    }
    if (next && next.status !== 'synced' && next.status !== 'quarantined') next.status = 'synced';
    if (rel.status === 'quarantined' || rel.attempts || rel.lastError) {
      next = { ...(next ?? rel), status: 'synced', attempts: undefined, lastError: undefined, retryAt: undefined };
    }
    return next;
  }

  function baseRelation(g: Group): Relation {
    const r: Relation = { key: g.key, uid: g.uid, status: 'synced' };
    if (g.rel) {
      if (g.rel.attempts || g.rel.lastError) { r.attempts = g.rel.attempts; r.lastError = g.rel.lastError; }
    }
    for (const s of ['a', 'b'] as const) {
      const v = g[s];
      const rec = recordFor(v) ?? (present(v.status) ? g.rel?.[s] : undefined);
      if (rec) r[s] = v.version !== undefined ? { ...rec, version: v.version } : rec;
    }
    const span = g.a.item ? rules.span(g.a.item.entity) : g.b.item ? rules.span(g.b.item.entity) : g.rel?.range;
    if (span) r.range = span;
    return r;
  }
  function present(s: SideStatus): boolean {
    return s === 'new' || s === 'unchanged' || s === 'changed';
  }

  /** A change on `side` that the mode would carry to the other side, held back because that side is read-only. */
  function heldByReadOnly(g: Group, side: Side, what: 'create' | 'update' | 'delete'): void {
    const target = other(side);
    if (!policy.readOnly[target] || !policy.wanted[dirTo(target)][what]) return;
    const title = titleOf(g[side].item?.entity ?? g[target].item?.entity, g.uid);
    held.push({ key: g.key, side, title, reason: `side ${target} is read-only` });
  }

  function freeze(g: Group, outSide: Side): void {
    const rel = g.rel;
    if (!rel) {
      // Never synced and out of scope: remember it so it is not loaded again until it changes or enters the window.
      const v = g[outSide];
      if (!v.item) return;
      const span = rules.span(v.item.entity);
      const outByWindow = span !== undefined && !rules.spanInWindow(span);
      setAfter(g.key, undefined, { key: g.key, uid: g.uid, status: 'out-of-scope', [outSide]: recordOf(v.item), ...(outByWindow ? { range: span } : {}) });
      return;
    }
    const v = g[outSide];
    if (v.status === 'out' || v.status === 'deleted') {
      if (rel.status !== 'out-of-scope') setAfter(g.key, rel, { ...rel, status: 'out-of-scope' });
      return;
    }
    const span = v.item ? rules.span(v.item.entity) : undefined;
    const outByWindow = span !== undefined && !rules.spanInWindow(span);
    const next: Relation = { ...rel, status: 'out-of-scope', range: outByWindow ? span : undefined };
    if (!rel[outSide] && v.item) next[outSide] = recordOf(v.item);
    if (rel.status !== 'out-of-scope' || rel.range?.[0] !== next.range?.[0] || !rel[outSide]) setAfter(g.key, rel, next);
  }

  function compose(target: Side, source: Entity, current: Entity | undefined): Entity {
    return rules.compose(dirTo(target), source, current);
  }

  function create(g: Group, target: Side, source: Entity, reason: string, key = g.key): void {
    const item = compose(target, source, undefined);
    actions.push({ kind: 'create', key, uid: item.uid, target, title: titleOf(item, g.uid), reason, item, hash: rules.hashWritten(item) });
  }
  function update(g: Group, target: Side, source: Entity, reason: string): void {
    const t = g[target];
    const current = t.item?.entity;
    const item = compose(target, source, current);
    actions.push({ kind: 'update', key: g.key, uid: g.uid, target, title: titleOf(item, g.uid), reason, id: t.id!, ifVersion: t.version || undefined, item, hash: rules.hashWritten(item) });
  }
  function remove(g: Group, target: Side, reason: string): void {
    const t = g[target];
    actions.push({ kind: 'delete', key: g.key, uid: g.uid, target, title: titleOf(t.item?.entity, g.uid), reason, id: t.id!, ifVersion: t.version || undefined });
  }

  function oneSided(g: Group, side: Side): void {
    const target = other(side);
    const v = g[side];
    const r = rulesTo(target);
    const back = rulesTo(side);
    if (side === 'a' && v.status === 'new' && input.imported?.has(g.uid)) {
      // `once` (add, update) remembers what it imported: a copy deleted on B since is not brought back.
      held.push({ key: g.key, side, title: titleOf(v.item?.entity, g.uid), reason: 'imported by an earlier run and deleted on b since (only once: recreate brings it back)' });
      return;
    }
    const base = baseRelation(g);
    delete base[target];
    if (r.create && v.item) {
      setAfter(g.key, g.rel, base);
      create(g, target, v.item.entity, v.status === 'new' ? `new on ${side}` : `missing on ${target}`);
      return;
    }
    if (back.mirror && v.item) {
      // The side is a mirror of the other: items only it holds are removed.
      setAfter(g.key, g.rel, null);
      remove(g, side, `only on ${side}, which mirrors ${target}`);
      return;
    }
    if (r.create && !v.item) {
      // Pending create but the source is unchanged and was not loaded; the orchestrator loads pending creates.
      skipped.push({ key: g.key, side, title: g.uid, reason: 'source not loaded', kind: 'error' });
      return;
    }
    if (v.status === 'new') heldByReadOnly(g, side, 'create');
    if (!g.rel || v.status !== 'unchanged') setAfter(g.key, g.rel, base);
    else unchanged++;
  }

  function changedOn(g: Group, side: Side): void {
    const target = other(side);
    const r = rulesTo(target);
    const back = rulesTo(side);
    const src = g[side].item!.entity;
    const base = baseRelation(g);
    if (r.update) {
      const cur = g[target].item?.entity;
      if (cur && rules.equivalent(dirTo(target), src, cur)) {
        setAfter(g.key, g.rel, base);
        return;
      }
      setAfter(g.key, g.rel, base);
      update(g, target, src, `changed on ${side}`);
      return;
    }
    if (back.mirror && g[target].item) {
      // The changed side mirrors the other: revert the edit.
      base[side] = g.rel![side];
      setAfter(g.key, g.rel, base);
      update(g, side, g[target].item!.entity, `edited on ${side}, which mirrors ${target}: reverted`);
      return;
    }
    heldByReadOnly(g, side, 'update');
    setAfter(g.key, g.rel, base); // accepted without propagation (one-way or export mode)
  }

  function deletedOn(g: Group, side: Side): void {
    const target = other(side);
    const r = rulesTo(target);
    const back = rulesTo(side);
    const t = g[target];
    const rel = g.rel!;
    // Edit beats delete, unless the policy says the deleting side wins or the edited side is only a mirror.
    const editWins = t.status === 'changed' && !r.mirror && back.create && policy.conflict !== (side === 'a' ? 'a-wins' : 'b-wins');
    if (back.mirror && t.item) {
      // The deleting side mirrors the other: restore it.
      const base = baseRelation(g);
      delete base[side];
      setAfter(g.key, rel, base);
      create(g, side, t.item.entity, `deleted on ${side}, which mirrors ${target}: restored`);
      return;
    }
    if (editWins) {
      const base = baseRelation(g);
      delete base[side];
      if (back.create && t.item) {
        setAfter(g.key, rel, base);
        create(g, side, t.item.entity, `deleted on ${side} but edited on ${target}: edit wins, re-created`);
      } else {
        setAfter(g.key, rel, { ...base, status: side === 'a' ? 'tombstone-b' : 'tombstone-a' });
      }
      return;
    }
    const tombstoneStatus = side === 'a' ? 'tombstone-b' : 'tombstone-a';
    if (r.delete) {
      const deletePolicy = policy.deletes[target];
      if (deletePolicy === 'delete') {
        setAfter(g.key, rel, null);
        remove(g, target, `deleted on ${side}`);
        return;
      }
      // Tombstone: keep the copy, mark it, never sync it again.
      const base: Relation = { ...baseRelation(g), status: tombstoneStatus, marked: true };
      delete base[side];
      setAfter(g.key, rel, base);
      if (t.item) {
        const marked = markTombstone(t.item.entity, now, policy.tombstones[target]);
        actions.push({
          kind: 'update', key: g.key, uid: g.uid, target, title: titleOf(t.item.entity, g.uid), reason: `deleted on ${side}: kept as tombstone`,
          id: t.id!, ifVersion: t.version || undefined, item: marked, hash: rules.hashWritten(marked),
        });
      }
      return;
    }
    // Deletions do not flow this way: keep the copy, stop syncing it.
    heldByReadOnly(g, side, 'delete');
    const base: Relation = { ...baseRelation(g), status: tombstoneStatus, marked: false };
    delete base[side];
    setAfter(g.key, rel, base);
  }

  function bothChanged(g: Group, firstContact: boolean): void {
    const ea = g.a.item?.entity, eb = g.b.item?.entity;
    if (!ea || !eb) {
      skipped.push({ key: g.key, title: g.uid, reason: 'counterpart not loaded', kind: 'error' });
      return;
    }
    if (rules.equivalent('aToB', ea, eb)) {
      // Paired by UID (first contact, a `once` run) or changed alike on both sides: nothing to write.
      setAfter(g.key, g.rel, baseRelation(g));
      unchanged++;
      return;
    }
    const canAB = policy.aToB.update, canBA = policy.bToA.update;
    if (canAB && !canBA) return resolveConflict(g, 'a-wins', firstContact);
    if (canBA && !canAB) return resolveConflict(g, 'b-wins', firstContact);
    if (!canAB && !canBA) {
      setAfter(g.key, g.rel, baseRelation(g));
      return;
    }
    resolveConflict(g, policy.conflict, firstContact);
  }

  function newerSide(g: Group): Side {
    const ta = Date.parse(g.a.item?.entity.lastModified ?? '') || 0;
    const tb = Date.parse(g.b.item?.entity.lastModified ?? '') || 0;
    return tb > ta ? 'b' : 'a';
  }

  function resolveConflict(g: Group, how: string, firstContact = false): void {
    const base = baseRelation(g);
    base.resolution = undefined;
    base.conflict = undefined;
    const winnerWrites = (winner: Side, reason: string) => {
      const loser = other(winner);
      setAfter(g.key, g.rel, base);
      update(g, loser, g[winner].item!.entity, reason);
    };
    const why = firstContact ? 'differs on first contact' : 'changed on both sides';
    switch (how) {
      case 'a-wins': return winnerWrites('a', `${why}: a wins`);
      case 'b-wins': return winnerWrites('b', `${why}: b wins`);
      case 'newer-wins': {
        const w = newerSide(g);
        return winnerWrites(w, `${why}: ${w} is newer`);
      }
      case 'keep-both': {
        const w = newerSide(g);
        const l = other(w);
        const loserItem = g[l].item!;
        const copyUid = conflictCopyUid(g.uid, loserItem.hash);
        const copy = withCopySuffix(loserItem.entity, l, copyUid);
        // The copy is written before the loser is overwritten, so a crash in between loses nothing; its UID is
        // derived from the loser's content, so a repeated run finds the copy instead of making another.
        if (!groups.has(copyUid) && !byUid.has(copyUid) && !after.has(copyUid)) {
          setAfter(copyUid, undefined, { key: copyUid, uid: copyUid, status: 'synced' });
          actions.push({ kind: 'create', key: copyUid, uid: copyUid, target: l, title: titleOf(copy, copyUid), reason: `conflict copy of ${l}'s version`, item: copy, hash: rules.hashWritten(copy) });
          create(g, w, copy, `conflict copy of ${l}'s version`, copyUid);
        }
        return winnerWrites(w, `${why}: ${w} kept, ${l}'s version copied`);
      }
      default: {
        // manual: record and skip; the stored records stay as they were so the conflict persists until resolved.
        const rel = g.rel ?? { key: g.key, uid: g.uid, status: 'synced' as const };
        const next: Relation = {
          ...rel, status: 'conflict',
          conflict: { detectedAt: rel.conflict?.detectedAt ?? now.toISOString(), aVersion: g.a.version, bVersion: g.b.version, aSummary: titleOf(g.a.item?.entity, g.uid), bSummary: titleOf(g.b.item?.entity, g.uid) },
        };
        if (!rel.a && g.a.item) next.a = { ...recordOf(g.a.item), hash: '' };
        if (!rel.b && g.b.item) next.b = { ...recordOf(g.b.item), hash: '' };
        setAfter(g.key, g.rel, next);
        skipped.push({ key: g.key, title: titleOf(g.a.item?.entity, g.uid), reason: `conflict: ${why}; resolve with \`dovetail conflicts resolve ${input.pairing} ${g.uid} --keep a|b|both\``, kind: 'conflict' });
      }
    }
  }

  // ---- 4. Guards: mass deletes and a side that suddenly went empty.
  const blocked = guard();
  if (blocked && !input.force) {
    return { actions: [], after: new Map(), before: new Map(), skipped, held, unchanged, blocked };
  }
  // Creates first (so keep-both copies exist before anything is overwritten), then updates, then deletes;
  // the sort is stable, and grouping by target makes full chunks.
  const rank = { create: 0, update: 1, delete: 2 } as const;
  actions.sort((x, y) => rank[x.kind] - rank[y.kind] || (x.target === y.target ? 0 : x.target === 'a' ? -1 : 1));
  return { actions, after, before, skipped, held, unchanged };

  function guard(): string | undefined {
    for (const side of ['a', 'b'] as const) {
      const count = sides[side].listing.size;
      const empty = emptySideProblem(side, input.meta, count);
      if (empty) return empty;
      const deletes = actions.filter((x) => x.kind === 'delete' && x.target === side).length;
      if (count > 10 && deletes > policy.maxDeleteShare * count) {
        return `this run would delete ${deletes} of ${count} items on side ${side} (more than maxDeleteShare ${policy.maxDeleteShare}); if that is intended, run again with --force`;
      }
    }
    return undefined;
  }
}

/** The empty-side guard: why the run must stop when `side` held items last run and lists none (`listed`) now. */
export function emptySideProblem(side: Side, meta: Readonly<PairingMeta>, listed: number): string | undefined {
  const prev = side === 'a' ? meta.countA : meta.countB;
  if (prev && prev > 0 && listed === 0) return `side ${side} held ${prev} items last run and is empty now; if that is intended, run again with --force`;
  return undefined;
}

/** The skip reported for items sharing one UID on one side (`ids`, sorted): none of them is synced. */
export function duplicateSkip(uid: string, side: Side, ids: string[]): Skipped {
  return { key: uid, side, title: uid, reason: `duplicate UID ${uid} on side ${side}: ${ids.join(', ')}; fix or remove one copy`, kind: 'duplicate' };
}

/** Relations by each side's item id and by UID. */
export function indexRelations(relations: Iterable<Relation>): { byId: Record<Side, Map<string, Relation>>; byUid: Map<string, Relation> } {
  const byId = { a: new Map<string, Relation>(), b: new Map<string, Relation>() };
  const byUid = new Map<string, Relation>();
  for (const r of relations) {
    if (r.a) byId.a.set(r.a.id, r);
    if (r.b) byId.b.set(r.b.id, r);
    byUid.set(r.uid, r);
  }
  return { byId, byUid };
}

function stripUid(e: Entity): Entity {
  return { ...e, uid: '' };
}
