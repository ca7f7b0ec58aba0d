/**
 * Carrying what Exchange cannot hold. When an item is written, every canonical field that would read back
 * differently (an organizer other than the mailbox, a PRIORITY of 3, a floating time, a second reminder, …) is
 * stored in an extended property together with a fingerprint of how Exchange shows that field. When the item is
 * read, a field whose Exchange side still matches its fingerprint gets the carried value back; a field someone
 * changed in Outlook since is taken from Exchange. So an item travels through Exchange unchanged, and an edit
 * made in Exchange is never overridden by a stale carried value.
 */
import { createHash } from 'node:crypto';
import { canonicalJson, type Entity } from '@dovetail/core/sdk';

/** Field name → the value to restore and the fingerprint of the Exchange side it belongs to. */
type Carried = Record<string, { v: unknown; ex: string }>;

/** Largest carried text; beyond it the largest fields are left out (they are then read as Exchange has them). */
export const MAX_CARRY_CHARS = 16 * 1024;

const fingerprint = (value: unknown) => createHash('sha256').update(canonicalJson(value)).digest('base64url').slice(0, 16);
const field = (e: Entity, f: string) => (e as unknown as Record<string, unknown>)[f];

/**
 * The carry text for writing `intended` when Exchange will show it as `asRead`, or undefined when every field
 * reads back as intended. Only `fields` are compared (identity fields such as `uid` and `raw` never are).
 */
export function makeCarry(intended: Entity, asRead: Entity, fields: readonly string[]): string | undefined {
  const entries = fields
    .filter((f) => canonicalJson(field(intended, f)) !== canonicalJson(field(asRead, f)))
    .map((f) => [f, { v: field(intended, f) ?? null, ex: fingerprint(field(asRead, f)) }] as const)
    .sort((a, b) => JSON.stringify(a[1]).length - JSON.stringify(b[1]).length);
  const carried: Carried = {};
  let size = 2;
  for (const [f, entry] of entries) {
    const cost = f.length + JSON.stringify(entry).length + 4;
    if (size + cost > MAX_CARRY_CHARS) continue;
    carried[f] = entry;
    size += cost;
  }
  return Object.keys(carried).length ? JSON.stringify(carried) : undefined;
}

/** `read` with every carried field restored whose Exchange side is unchanged since it was written. */
export function applyCarry<T extends Entity>(read: T, carry: string | undefined): T {
  if (!carry) return read;
  let carried: Carried;
  try {
    carried = JSON.parse(carry) as Carried;
  } catch {
    return read; // written by something else, or damaged: Exchange's values stand
  }
  if (typeof carried !== 'object' || carried === null) return read;
  const out = { ...read } as unknown as Record<string, unknown>;
  for (const [f, entry] of Object.entries(carried)) {
    if (f === 'uid' || f === 'raw' || f === 'type' || typeof entry?.ex !== 'string') continue;
    if (fingerprint(out[f]) !== entry.ex) continue;
    if (entry.v === null || entry.v === undefined) delete out[f];
    else out[f] = entry.v;
  }
  return out as unknown as T;
}
