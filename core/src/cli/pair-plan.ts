/**
 * Bulk pairing proposals (`dovetail discover ENDPOINT --pair-with ENDPOINT2`): one pairing per collection
 * and entity type that ENDPOINT holds, each into a new collection on ENDPOINT2. Pure: no I/O.
 */
import type { PairingConfig, SyncMode } from '../config/types.js';
import { effectivePolicy } from '../engine/policy.js';
import type { CollectionInfo } from '../sdk/connector.js';
import type { EntityType } from '../sdk/entities.js';

/** Every mode a pairing accepts (schemas/config.schema.json `mode`). */
export const SYNC_MODES = [
  'two-way', 'two-way-existing', 'mirror-a-to-b', 'mirror-b-to-a', 'push-a-to-b', 'push-b-to-a', 'export-a-to-b', 'export-b-to-a', 'once',
] as const satisfies readonly SyncMode[];
// Compile-time guard: the list names every SyncMode.
const everyModeListed: Exclude<SyncMode, typeof SYNC_MODES[number]> extends never ? true : never = true;
void everyModeListed;

export const ENTITY_TYPES = ['event', 'task', 'contact'] as const satisfies readonly EntityType[];

/** What the proposal is made from. */
export interface PairPlanInput {
  /** Side A endpoint: the one whose collections were discovered. */
  endpoint: string;
  /** Side B endpoint: where new collections are created. */
  pairWith: string;
  /** Side A's collections as its connector's `discover` returned them. */
  collections: CollectionInfo[];
  /** The pairings already in the config (never renamed, never overwritten). */
  existing: Record<string, PairingConfig>;
  /** Collection ids that already exist on side B (from its `discover`), so new ones never land in them. */
  existingOnB: string[];
  mode: SyncMode;
  /** Only this entity type (`--entity`). */
  entity?: EntityType;
  /** Entity types side B's connector handles. */
  entitiesOnB: readonly EntityType[];
  /** Entity types side A's connector can write (its manifest); others count as read-only. */
  writableOnA: readonly EntityType[];
}

/** One proposed pairing, named and ready to go into `pairings`. */
export interface ProposedPairing {
  name: string;
  /** The side-A collection it was made from. */
  source: { id: string; name: string };
  pairing: PairingConfig;
}

/** A collection (or one entity type of it) left out, with why. */
export interface SkippedCollection {
  collection: string;
  name: string;
  entity?: EntityType;
  reason: string;
}

export interface PairPlan {
  proposed: ProposedPairing[];
  skipped: SkippedCollection[];
}

const MAX_SLUG = 40;
/** Names Windows refuses as file or folder names, whatever the extension. */
const RESERVED_FOLDER_NAMES = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/;

/** True when the mode never writes to side A (so a read-only source is fine). */
export function readsOnlyFromA(mode: SyncMode): boolean {
  const { bToA } = effectivePolicy({ entity: 'event', a: { endpoint: '', collection: '' }, b: { endpoint: '', collection: '' }, mode }, { a: false, b: false });
  return !bToA.create && !bToA.update && !bToA.delete && !bToA.mirror;
}

/** Modes that only read from A, for hints. */
export function oneWayModes(): SyncMode[] {
  return SYNC_MODES.filter((m) => m !== 'once' && readsOnlyFromA(m));
}

/** `Personal Calendar ü` → `personal-calendar-u`: lowercase ASCII letters, digits and single dashes; '' when nothing is left. */
export function slugify(text: string): string {
  const ascii = text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
  const slug = ascii.replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return slug.slice(0, MAX_SLUG).replace(/-+$/, '');
}

/** The last path segment of a collection id (href, URL or bare name), decoded. */
export function lastSegment(id: string): string {
  const path = /^https?:\/\//i.test(id) ? safeUrlPath(id) : id;
  const seg = path.split('/').filter(Boolean).pop() ?? '';
  try { return decodeURIComponent(seg); } catch { return seg; }
}

function safeUrlPath(url: string): string {
  try { return new URL(url).pathname; } catch { return url; }
}

/** A comparable form of a collection id: path only, decoded, without trailing slashes. */
function collectionKey(id: string): string {
  const path = /^https?:\/\//i.test(id) ? safeUrlPath(id) : id;
  let decoded = path;
  try { decoded = decodeURIComponent(path); } catch { /* keep as is */ }
  return decoded.replace(/\/+$/, '');
}

/** Same collection? A bare name (no '/') matches a path ending in that segment (CalDAV resolves it under the home). */
export function sameCollection(x: string, y: string): boolean {
  const [kx, ky] = [collectionKey(x), collectionKey(y)];
  if (kx === ky) return true;
  if (!kx.includes('/') || !ky.includes('/')) return kx !== '' && lastSegment(kx) === lastSegment(ky);
  return false;
}

/** `base`, or `base-2`, `base-3`, … : the first that `taken` (lowercased) does not hold. Adds it to `taken`. */
function unique(base: string, taken: Set<string>, refuse: (s: string) => boolean = () => false): string {
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? base : `${base}-${n}`;
    if (!taken.has(candidate.toLowerCase()) && !refuse(candidate)) {
      taken.add(candidate.toLowerCase());
      return candidate;
    }
  }
}

/** The pairing (name) that already syncs `collection` of `endpoint` for `entity`, on either side. */
function pairedIn(input: PairPlanInput, collection: string, entity: EntityType): string | undefined {
  for (const [name, p] of Object.entries(input.existing)) {
    if (p?.entity !== entity) continue;
    for (const side of [p.a, p.b]) {
      if (side?.endpoint === input.endpoint && typeof side.collection === 'string' && sameCollection(side.collection, collection)) return name;
    }
  }
  return undefined;
}

/** The proposal: pairings to add and collections left out. */
export function planPairings(input: PairPlanInput): PairPlan {
  const proposed: ProposedPairing[] = [];
  const skipped: SkippedCollection[] = [];
  const oneWay = readsOnlyFromA(input.mode);
  const takenNames = new Set(Object.keys(input.existing).map((n) => n.toLowerCase()));
  const takenOnB = new Set<string>(input.existingOnB.map((id) => lastSegment(id).toLowerCase()));
  for (const p of Object.values(input.existing)) {
    for (const side of [p?.a, p?.b]) {
      if (side?.endpoint === input.pairWith && typeof side.collection === 'string') takenOnB.add(lastSegment(side.collection).toLowerCase());
    }
  }

  for (const c of input.collections) {
    const skip = (reason: string, entity?: EntityType) => skipped.push({ collection: c.id, name: c.name, entity, reason });
    const held = ENTITY_TYPES.filter((e) => c.entities.includes(e));
    const entities = input.entity ? held.filter((e) => e === input.entity) : held;
    if (entities.length === 0) {
      skip(input.entity ? `holds no ${input.entity} items` : 'holds no event, task or contact items', input.entity);
      continue;
    }
    const slug = slugify(c.name) || slugify(lastSegment(c.id)) || 'collection';
    const perEntity = entities.length > 1;
    for (const entity of entities) {
      if (!input.entitiesOnB.includes(entity)) {
        skip(`endpoint '${input.pairWith}' cannot hold ${entity} items`, entity);
        continue;
      }
      const already = pairedIn(input, c.id, entity);
      if (already) {
        skip(`already paired in '${already}'`, entity);
        continue;
      }
      const readOnly = !!c.readOnly || !input.writableOnA.includes(entity);
      if (readOnly && !oneWay) {
        skip(`read-only on '${input.endpoint}' and mode ${input.mode} would write to it (use --mode ${oneWayModes().join(', ')} to copy it one way)`, entity);
        continue;
      }
      const suffix = perEntity ? `-${entity}` : '';
      const name = unique(`${input.endpoint}-${slug}${suffix}`, takenNames);
      const bCollection = unique(`${slug}${suffix}`, takenOnB, (s) => RESERVED_FOLDER_NAMES.test(s));
      proposed.push({
        name,
        source: { id: c.id, name: c.name },
        pairing: {
          entity,
          a: { endpoint: input.endpoint, collection: c.id, ...(readOnly ? { readOnly: true } : {}) },
          b: { endpoint: input.pairWith, collection: bCollection, create: true },
          mode: input.mode,
        },
      });
    }
  }
  return { proposed, skipped };
}
