import type { PairingMeta, Relation, RelationStatus } from './types.js';

const STATUSES: ReadonlySet<RelationStatus> = new Set(['synced', 'conflict', 'tombstone-a', 'tombstone-b', 'quarantined', 'out-of-scope']);
const META_STRINGS = ['cursorA', 'cursorB', 'listedUntilA', 'listedUntilB', 'configHash', 'lastRunAt'] as const;
const META_NUMBERS = ['countA', 'countB'] as const;

/** Meta keys whose type is known. */
const META_KEYS: ReadonlySet<string> = new Set<string>([...META_STRINGS, ...META_NUMBERS]);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sideProblem(side: unknown, name: string): string | undefined {
  if (side === undefined) return undefined;
  if (!isObject(side)) return `${name} is not an object`;
  for (const field of ['id', 'version', 'hash']) {
    if (typeof side[field] !== 'string') return `${name}.${field} is not a string`;
  }
  return undefined;
}

/** Why a value is not a valid `Relation`, or undefined when it is. */
export function relationProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'relation is not an object';
  if (typeof value.key !== 'string' || value.key.length === 0) return 'relation key is not a non-empty string';
  const where = `relation "${value.key}"`;
  if (typeof value.uid !== 'string') return `${where}: uid is not a string`;
  if (!STATUSES.has(value.status as RelationStatus)) return `${where}: unknown status ${JSON.stringify(value.status)}`;
  const side = sideProblem(value.a, 'a') ?? sideProblem(value.b, 'b');
  if (side) return `${where}: ${side}`;
  if (value.attempts !== undefined && typeof value.attempts !== 'number') return `${where}: attempts is not a number`;
  if (value.retryAt !== undefined && typeof value.retryAt !== 'number') return `${where}: retryAt is not a number`;
  if (value.lastError !== undefined && typeof value.lastError !== 'string') return `${where}: lastError is not a string`;
  if (value.conflict !== undefined && (!isObject(value.conflict) || typeof value.conflict.detectedAt !== 'string')) {
    return `${where}: conflict has no detectedAt string`;
  }
  return undefined;
}

/**
 * Why a value is not a valid (partial) `PairingMeta`, or undefined when it is. Known keys are
 * type-checked; other keys are kept as they are (so members added to the contract later persist).
 */
export function metaProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'meta is not an object';
  for (const [key, field] of Object.entries(value)) {
    if (field === undefined || !META_KEYS.has(key)) continue;
    const expected = (META_NUMBERS as readonly string[]).includes(key) ? 'number' : 'string';
    if (typeof field !== expected) return `meta.${key} is not a ${expected}`;
  }
  return undefined;
}

/** Narrows after a successful check. */
export function isRelation(value: unknown): value is Relation {
  return relationProblem(value) === undefined;
}

/** Narrows after a successful check. */
export function isMeta(value: unknown): value is PairingMeta {
  return metaProblem(value) === undefined;
}
