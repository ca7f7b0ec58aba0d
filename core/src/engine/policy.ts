/**
 * Sync modes are presets: each expands to per-direction switches the planner reads (DESIGN §5).
 */
import type { ConflictPolicy, DeletePolicy, OnceStrategy, PairingConfig, SyncMode, TombstoneLook } from '../config/types.js';

/** What may flow in one direction (source → target). */
export interface DirectionRules {
  /** Items new on the source are created on the target. */
  create: boolean;
  /** Edits on the source overwrite the target. */
  update: boolean;
  /** Deletions on the source delete (or tombstone) the target's copy. */
  delete: boolean;
  /** Mirror: the target is a copy — target-only items are removed and target edits/deletions are reverted. */
  mirror: boolean;
}

export interface EffectivePolicy {
  mode: SyncMode;
  once?: OnceStrategy;
  aToB: DirectionRules;
  bToA: DirectionRules;
  /** What the mode alone lets flow, before read-only sides are taken out (to count the changes they hold back). */
  wanted: { aToB: DirectionRules; bToA: DirectionRules };
  /** Sides that are never written (`readOnly`, an endpoint read-only by its settings, a connector that cannot write). */
  readOnly: { a: boolean; b: boolean };
  conflict: ConflictPolicy;
  /** `deletes.a`: what a deletion on B does to A's copy; `deletes.b` the reverse. */
  deletes: { a: DeletePolicy; b: DeletePolicy };
  /** How a tombstone kept on each side is shown besides its X- property (`tombstones.a` / `.b`). */
  tombstones: { a: TombstoneLook; b: TombstoneLook };
  maxDeleteShare: number;
  maxAttempts: number;
  chunkSize: number;
}

const none: DirectionRules = { create: false, update: false, delete: false, mirror: false };
const full: DirectionRules = { create: true, update: true, delete: true, mirror: false };

function directions(mode: SyncMode, once: OnceStrategy): { aToB: DirectionRules; bToA: DirectionRules } {
  switch (mode) {
    case 'two-way': return { aToB: full, bToA: full };
    case 'two-way-existing': return { aToB: full, bToA: { ...full, create: false } };
    case 'mirror-a-to-b': return { aToB: { ...full, mirror: true }, bToA: none };
    case 'mirror-b-to-a': return { aToB: none, bToA: { ...full, mirror: true } };
    case 'push-a-to-b': return { aToB: full, bToA: none };
    case 'push-b-to-a': return { aToB: none, bToA: full };
    case 'export-a-to-b': return { aToB: { ...none, create: true }, bToA: none };
    case 'export-b-to-a': return { aToB: none, bToA: { ...none, create: true } };
    case 'once':
      // A one-off import A → B; `recreate` empties the target's in-scope items first (a mirror without reverts).
      if (once === 'add') return { aToB: { ...none, create: true }, bToA: none };
      if (once === 'update') return { aToB: { ...none, create: true, update: true }, bToA: none };
      return { aToB: { ...none, create: true, update: true, mirror: true }, bToA: none };
  }
}

/** Expands a pairing's mode and options into the rules the planner applies. Read-only sides receive nothing. */
export function effectivePolicy(p: PairingConfig, readOnly: { a: boolean; b: boolean }): EffectivePolicy {
  const mode = p.mode ?? 'two-way';
  const once = p.once ?? 'add';
  const wanted = directions(mode, once);
  return {
    mode,
    once: mode === 'once' ? once : undefined,
    aToB: readOnly.b ? none : wanted.aToB,
    bToA: readOnly.a ? none : wanted.bToA,
    wanted,
    readOnly: { ...readOnly },
    conflict: p.conflict ?? 'newer-wins',
    deletes: { a: p.deletes?.a ?? 'delete', b: p.deletes?.b ?? 'delete' },
    tombstones: { a: p.tombstones?.a ?? {}, b: p.tombstones?.b ?? {} },
    maxDeleteShare: p.maxDeleteShare ?? 0.5,
    maxAttempts: p.maxAttempts ?? 5,
    chunkSize: p.chunkSize ?? 200,
  };
}

/** Which sides a mode may write to (before read-only sides are taken out): side B receives A's changes and the reverse. */
export function modeWrites(p: Pick<PairingConfig, 'mode' | 'once'>): { a: boolean; b: boolean } {
  const { aToB, bToA } = directions(p.mode ?? 'two-way', p.once ?? 'add');
  const any = (d: DirectionRules) => d.create || d.update || d.delete || d.mirror;
  return { a: any(bToA), b: any(aToB) };
}
