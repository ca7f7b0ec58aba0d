import { StringTable } from '../sdk/string-table.js';
import type { Relation, SideRecord } from './types.js';

/**
 * An open pairing's relations, kept outside the JavaScript heap (see sdk/string-table.ts): each relation is encoded as a
 * short JSON array (field names left out, a UID equal to the key and a side's id or hash equal to the other side's
 * written once). A relation of a synced event takes ~200 bytes this way against ~560 bytes as objects in a Map —
 * at 100,000 relations ~22 MiB outside the heap instead of ~56 MiB inside it, which V8 let grow 3–4× before
 * collecting.
 *
 * Behaves as a `Map<string, Relation>` that copies on the way in and out: `get` and iteration decode a fresh object
 * each time; order and changes during an iteration are a Map's.
 */
export class RelationTable {
  private readonly table = new StringTable();

  get size(): number {
    return this.table.size;
  }

  /** Bytes held outside the heap, for measurements. */
  get externalBytes(): number {
    return this.table.externalBytes;
  }

  get(key: string): Relation | undefined {
    const record = this.table.get(key);
    return record === undefined ? undefined : decodeRecord(key, record);
  }

  has(key: string): boolean {
    return this.table.has(key);
  }

  /** Stores a copy of `relation` under its key. */
  set(relation: Relation): void {
    this.table.set(relation.key, encodeRecord(relation));
  }

  delete(key: string): boolean {
    return this.table.delete(key);
  }

  *values(): IterableIterator<Relation> {
    for (const [key, record] of this.table.entries()) yield decodeRecord(key, record);
  }

  /**
   * Every relation whose status is `conflict` or `quarantined` or that holds `attempts` or `lastError`, and few
   * others: found in the encoded records, so the rest are never decoded (see `PairingState.unsettled`).
   */
  *unsettled(): IterableIterator<Relation> {
    for (const [key, record] of this.table.entries()) if (mayBeUnsettled(record)) yield decodeRecord(key, record);
  }
}

/**
 * Whether an encoded record may be unsettled. JSON holds a quoted status or field name only as that whole string
 * (a quote inside a string is escaped), so a record without any of these four has none of them; a string value that
 * happens to equal one only costs a decode.
 */
function mayBeUnsettled(record: string): boolean {
  return record.includes('"conflict"') || record.includes('"quarantined"') || record.includes('"attempts"') || record.includes('"lastError"');
}

/** Fields a relation's record holds in fixed places; any other field goes into the trailing object. */
const PLACED = new Set(['key', 'uid', 'status', 'a', 'b', 'range']);

/**
 * `[uid, status, a, b, range, rest?]` without the key (held beside it): uid 0 when it equals the key; a side as
 * `[id, version, hash]` (b's id and hash 0 when they equal a's), 0 when absent, the object itself when it holds
 * other fields; range 0 when absent; `rest` the remaining fields, left out when there are none.
 */
function encodeRecord(relation: Relation): string {
  const a = relation.a, b = relation.b;
  const record: unknown[] = [
    relation.uid === relation.key ? 0 : relation.uid,
    relation.status,
    encodeSide(a),
    encodeSide(b, a),
    relation.range ?? 0,
  ];
  let rest: Record<string, unknown> | undefined;
  for (const field of Object.keys(relation)) {
    const value = (relation as unknown as Record<string, unknown>)[field];
    if (PLACED.has(field) || value === undefined) continue;
    (rest ??= {})[field] = value;
  }
  if (rest) record.push(rest);
  return JSON.stringify(record);
}

function encodeSide(side: SideRecord | undefined, other?: SideRecord): unknown {
  if (!side) return 0;
  const keys = Object.keys(side);
  if (keys.length !== 3 || !('id' in side && 'version' in side && 'hash' in side)) return side;
  return [other && side.id === other.id ? 0 : side.id, side.version, other && side.hash === other.hash ? 0 : side.hash];
}

function decodeSide(value: unknown, other?: SideRecord): SideRecord | undefined {
  if (value === 0) return undefined;
  if (!Array.isArray(value)) return value as SideRecord;
  const [id, version, hash] = value as [string | 0, string, string | 0];
  return { id: id === 0 ? other!.id : id, version, hash: hash === 0 ? other!.hash : hash };
}

function decodeRecord(key: string, text: string): Relation {
  const [uid, status, a, b, range, rest] = JSON.parse(text) as [string | 0, Relation['status'], unknown, unknown, Relation['range'] | 0, Record<string, unknown>?];
  const relation: Relation = { key, uid: uid === 0 ? key : uid, status };
  const sideA = decodeSide(a);
  const sideB = decodeSide(b, sideA);
  if (sideA) relation.a = sideA;
  if (sideB) relation.b = sideB;
  if (range !== 0) relation.range = range;
  return rest ? Object.assign(relation, rest) : relation;
}
