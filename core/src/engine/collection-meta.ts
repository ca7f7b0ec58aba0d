/**
 * Carrying a collection's name and colour to the paired collection (capability `collection-metadata`): on creation
 * (sync.ts) and when either side changes them later (here).
 *
 * Each run compares each side's current name and colour with what the last run saw (kept in the pairing's state
 * meta). A value that changed on one side is written to the other, in the directions the mode lets updates flow
 * (A wins when both changed the same value). On first contact, a value only one side has is copied to the other;
 * values both sides have and that differ are left as they are. A side's current values come from its listing when
 * the connector reports them there for free (local folders); otherwise the connector's `collectionMetadata` is asked
 * at most once per pairing `metadataCheck` (default {@link METADATA_INTERVAL_MS}; one small request on DAV servers).
 * Between checks a side is taken as unchanged.
 */
import type { CollectionMetadata, Connector } from '../sdk/connector.js';
import type { Side } from './plan-types.js';

/** How often a side whose listing does not report its name and colour is asked for them (pairing `metadataCheck`). */
export const METADATA_INTERVAL_MS = 3_600_000;

const FIELDS = ['name', 'color'] as const;

/** What the last run saw on each side, and when the sides were last asked. */
export interface StoredMetadata {
  a?: CollectionMetadata;
  b?: CollectionMetadata;
  checkedAt?: string;
}

/** Decides what to write where (pure): `{ a: changes for A, b: changes for B }`. */
export function metadataUpdates(
  current: { a?: CollectionMetadata; b?: CollectionMetadata }, stored: StoredMetadata, may: { aToB: boolean; bToA: boolean },
): { a?: CollectionMetadata; b?: CollectionMetadata } {
  const out: { a?: CollectionMetadata; b?: CollectionMetadata } = {};
  const set = (side: Side, field: typeof FIELDS[number], value: string) => { (out[side] ??= {})[field] = value; };
  const firstContact = !stored.a && !stored.b;
  const now = { a: current.a ?? stored.a, b: current.b ?? stored.b };
  if (!now.a || !now.b) return out;
  for (const f of FIELDS) {
    const va = now.a[f], vb = now.b[f];
    if (va === vb) continue;
    if (firstContact) {
      if (va !== undefined && vb === undefined && may.aToB) set('b', f, va);
      else if (vb !== undefined && va === undefined && may.bToA) set('a', f, vb);
      continue;
    }
    const changedA = !!stored.a && stored.a[f] !== va;
    const changedB = !!stored.b && stored.b[f] !== vb;
    if (changedA && va !== undefined && may.aToB) set('b', f, va);
    else if (changedB && vb !== undefined && may.bToA) set('a', f, vb);
  }
  return out;
}

export interface MetadataSide {
  connector: Connector;
  collection: string;
  /** The connector declares `collection-metadata`. */
  capable: boolean;
  /** Name and colour as the listing reported them, if it did. */
  listed?: CollectionMetadata;
}

export interface MetadataOutcome {
  /**
   * What was written (or, in a dry run, would be) per side: `changes` as the side holds them afterwards, `asked` the
   * values asked for where the side took another (a colour rounded to its palette, a name it keeps).
   */
  updates: { side: Side; changes: CollectionMetadata; asked?: CollectionMetadata }[];
  /** What to remember for the next run. */
  stored: StoredMetadata;
  /** Failures to read or write; the items' sync is not affected. */
  errors: string[];
}

/** Reads both sides' name and colour where due, writes the changes `metadataUpdates` decides, and says what it did. */
export async function carryCollectionMetadata(o: {
  sides: Record<Side, MetadataSide>; stored: StoredMetadata; may: { aToB: boolean; bToA: boolean }; now: Date; dryRun: boolean;
  /** Default {@link METADATA_INTERVAL_MS}. */
  intervalMs?: number;
}): Promise<MetadataOutcome> {
  const errors: string[] = [];
  const due = !o.stored.checkedAt || o.now.getTime() - Date.parse(o.stored.checkedAt) >= (o.intervalMs ?? METADATA_INTERVAL_MS);
  let asked = false;
  const current: { a?: CollectionMetadata; b?: CollectionMetadata } = {};
  for (const side of ['a', 'b'] as const) {
    const s = o.sides[side];
    if (!s.capable) continue;
    if (s.listed) { current[side] = s.listed; continue; }
    if (!due || !s.connector.collectionMetadata) continue;
    asked = true;
    try {
      current[side] = await s.connector.collectionMetadata(s.collection);
    } catch (e) {
      errors.push(`reading the name and colour of side ${side} (${s.collection}) failed: ${(e as Error).message}`);
    }
  }
  const may = {
    aToB: o.may.aToB && o.sides.b.capable && !!o.sides.b.connector.updateCollection,
    bToA: o.may.bToA && o.sides.a.capable && !!o.sides.a.connector.updateCollection,
  };
  const decided = metadataUpdates(current, o.stored, may);
  const stored: StoredMetadata = {
    a: current.a ?? o.stored.a, b: current.b ?? o.stored.b, checkedAt: asked ? o.now.toISOString() : o.stored.checkedAt,
  };
  const updates: MetadataOutcome['updates'] = [];
  for (const side of ['a', 'b'] as const) {
    const changes = decided[side];
    if (!changes) continue;
    let held: CollectionMetadata | void = undefined;
    if (!o.dryRun) {
      try {
        held = await o.sides[side].connector.updateCollection!(o.sides[side].collection, changes);
      } catch (e) {
        errors.push(`setting the name or colour of side ${side} (${o.sides[side].collection}) failed: ${(e as Error).message}`);
        continue;
      }
    }
    updates.push(heldUpdate(side, changes, held));
    stored[side] = { ...stored[side], ...changes, ...(held ? held : {}) };
  }
  return { updates, stored, errors };
}

/** The update as the side took it: a value it holds differently from what was asked is reported with the asked one. */
export function heldUpdate(side: Side, changes: CollectionMetadata, held: CollectionMetadata | void): MetadataOutcome['updates'][number] {
  const now: CollectionMetadata = {};
  const asked: CollectionMetadata = {};
  for (const f of FIELDS) {
    if (changes[f] === undefined) continue;
    const value = held && held[f] !== undefined ? held[f] : changes[f];
    now[f] = value;
    if (value !== changes[f]) asked[f] = changes[f];
  }
  return { side, changes: now, ...(Object.keys(asked).length ? { asked } : {}) };
}
