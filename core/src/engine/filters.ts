/**
 * Include/exclude filters (DESIGN §5).
 *
 * Patterns: `*` stands for any run of characters (also none). Without `*` a pattern matches when the value
 * *contains* it; with `*` it must match the whole value: `Test*` starts with Test, `*Test` ends with Test,
 * `Te*st` starts with Te and ends with st, `a*b*c` starts with a, then contains b, then ends with c (parts in
 * order, not overlapping), `*` alone matches everything. Matching is case-insensitive and locale-independent:
 * both sides are NFC-normalized and case-folded (upper- then lower-case, so `ß` matches `SS`). There is no
 * other special character; the matcher runs in time linear in value + pattern (no regular expression is built
 * from user input).
 *
 * Values: the field's value as text; a list (categories, emails, phones, …) matches if any element does;
 * typed values match on their value, addresses on any part; an absent field reads as the empty text (so only
 * `*` matches it).
 *
 * Predicates: `private` (sensitivity private or confidential), `recurring` (has RRULE or RDATE), `has-due`
 * (a task with a due date), `category` (any category matches the wildcard `value`), `selected` (the item's UID is
 * in the pairing's selection list, `dovetail select`), `attendee-of` (a contact one of whose e-mail addresses is
 * among the attendees of the events of the pairing named by `pairing`). The last two read lists the runner passes in
 * a `FilterContext`; without one they match nothing.
 *
 * Scope: an item is in scope when (no include rule applies to its side, or any applicable include rule
 * matches) and no applicable exclude rule matches. A rule with `side: 'a'` applies only to side A's items.
 */
import type { FilterRule } from '../config/types.js';
import type { Entity, EntityType } from '../sdk/entities.js';
import type { FieldPath } from './fields.js';
import { getField, parseFieldPath, textsOf } from './fields.js';

/** One invalid filter rule; `pointer` relative to the pairing, e.g. `/filters/exclude/1/pattern`. */
export interface FilterError {
  pointer: string;
  message: string;
}

/** Lists the `selected` and `attendee-of` predicates read (the runner fills them from the state folder). */
export interface FilterContext {
  /** UIDs chosen for this pairing. */
  selected?: ReadonlySet<string>;
  /** Per event pairing named by an `attendee-of` rule: its attendees' e-mail addresses, lower-cased. */
  attendees?: ReadonlyMap<string, ReadonlySet<string>>;
}

/** Compiled filters. */
export interface CompiledFilters {
  /** True when the item passes the filters for its side. */
  inScope(entity: Entity, side: 'a' | 'b'): boolean;
}

/** Case folding used on both values and patterns. */
export function foldCase(s: string): string {
  return s.normalize('NFC').toUpperCase().toLowerCase();
}

/** KMP failure table for `p`. */
function failureTable(p: string): Int32Array {
  const f = new Int32Array(p.length);
  let k = 0;
  for (let i = 1; i < p.length; i++) {
    while (k > 0 && p[i] !== p[k]) k = f[k - 1];
    if (p[i] === p[k]) k++;
    f[i] = k;
  }
  return f;
}

/** First index ≥ from where `p` occurs in `s` (KMP, linear), or -1. */
function indexOfLinear(s: string, p: string, f: Int32Array, from: number): number {
  if (p.length === 0) return from;
  let k = 0;
  for (let i = from; i < s.length; i++) {
    while (k > 0 && s[i] !== p[k]) k = f[k - 1];
    if (s[i] === p[k]) k++;
    if (k === p.length) return i - p.length + 1;
  }
  return -1;
}

/** A compiled wildcard pattern. */
export type WildcardMatcher = (value: string) => boolean;

/** Compiles a `*` wildcard pattern (see module doc) into a linear-time, case-insensitive matcher. */
export function compileWildcard(pattern: string): WildcardMatcher {
  const parts = foldCase(pattern).split('*');
  const tables = parts.map(failureTable);
  if (parts.length === 1) {
    return (value) => indexOfLinear(foldCase(value), parts[0], tables[0], 0) >= 0;
  }
  const head = parts[0];
  const tail = parts[parts.length - 1];
  return (value) => {
    const s = foldCase(value);
    if (s.length < head.length + tail.length || !s.startsWith(head) || !s.endsWith(tail)) return false;
    // Middle parts, leftmost-first, between the prefix and the suffix: greedy earliest placement is optimal.
    const limit = s.length - tail.length;
    let pos = head.length;
    for (let i = 1; i < parts.length - 1; i++) {
      if (parts[i] === '') continue;
      const at = indexOfLinear(s, parts[i], tables[i], pos);
      if (at < 0 || at + parts[i].length > limit) return false;
      pos = at + parts[i].length;
    }
    return true;
  };
}

type Test = (entity: Entity) => boolean;

interface CompiledRule {
  side: 'a' | 'b' | 'both';
  test: Test;
}

const PREDICATES = ['private', 'recurring', 'has-due', 'category', 'selected', 'attendee-of'] as const;

type Filters = { include?: FilterRule[]; exclude?: FilterRule[] } | undefined;

/** Every rule, include and exclude (lists that are not arrays are skipped: validation reports them). */
function allRules(filters: Filters): FilterRule[] {
  return [...(Array.isArray(filters?.include) ? filters.include : []), ...(Array.isArray(filters?.exclude) ? filters.exclude : [])];
}

/** The pairings `attendee-of` rules name, for the runner to load their attendee lists. */
export function attendeePairings(filters: Filters): string[] {
  return [...new Set(allRules(filters).flatMap((r) => (r?.predicate === 'attendee-of' && typeof r.pairing === 'string' ? [r.pairing] : [])))];
}

/** True when any rule reads the selection list. */
export function usesSelection(filters: Filters): boolean {
  return allRules(filters).some((r) => r?.predicate === 'selected');
}

function isRecurring(e: Entity): boolean {
  if (e.type === 'contact' || !e.recurrence) return false;
  return (e.recurrence.rrule?.length ?? 0) > 0 || (e.recurrence.rdate?.length ?? 0) > 0;
}

function fieldTest(path: FieldPath, match: WildcardMatcher): Test {
  return (entity) => {
    let value: unknown;
    try {
      value = getField(entity, path);
    } catch {
      value = undefined;
    }
    const texts = textsOf(value);
    return texts.length === 0 ? match('') : texts.some(match);
  };
}

/** Parses a path valid for `entity`, or for any entity type when none is given. */
function parseAnyPath(raw: string, entity: EntityType | undefined): { paths: Partial<Record<EntityType, FieldPath>> } | { error: string } {
  const types: EntityType[] = entity ? [entity] : ['event', 'task', 'contact'];
  const paths: Partial<Record<EntityType, FieldPath>> = {};
  let firstError = '';
  for (const t of types) {
    const p = parseFieldPath(t, raw);
    if ('error' in p) firstError ||= p.error; else paths[t] = p;
  }
  return Object.keys(paths).length ? { paths } : { error: firstError };
}

function compileRule(rule: unknown, at: string, entity: EntityType | undefined, errors: FilterError[], context: FilterContext): CompiledRule | undefined {
  const err = (sub: string, message: string) => { errors.push({ pointer: at + sub, message }); };
  if (!rule || typeof rule !== 'object' || Array.isArray(rule)) {
    err('', 'a filter rule must be an object: { field, pattern, side? } or { predicate, value?, side? }');
    return undefined;
  }
  const r = rule as FilterRule;
  const side = r.side ?? 'both';
  const before = errors.length;
  if (side !== 'a' && side !== 'b' && side !== 'both') err('/side', 'side must be "a", "b" or "both"');
  let test: Test | undefined;
  if (r.predicate !== undefined) {
    if (r.field !== undefined || r.pattern !== undefined) err('', 'use either "predicate" or "field" + "pattern", not both');
    switch (r.predicate) {
      case 'private':
        test = (e) => e.type === 'event' && (e.sensitivity === 'private' || e.sensitivity === 'confidential');
        break;
      case 'recurring':
        test = isRecurring;
        break;
      case 'has-due':
        test = (e) => e.type === 'task' && !!e.due;
        break;
      case 'category': {
        if (typeof r.value !== 'string' || r.value === '') { err('/value', 'predicate "category" needs a "value" (a category, * wildcards allowed)'); break; }
        const match = compileWildcard(r.value);
        test = (e) => (e.categories ?? []).some((c) => typeof c === 'string' && match(c));
        break;
      }
      case 'selected': {
        const selected = context.selected ?? new Set<string>();
        test = (e) => selected.has(e.uid);
        break;
      }
      case 'attendee-of': {
        if (typeof r.pairing !== 'string' || r.pairing === '') { err('/pairing', 'predicate "attendee-of" needs "pairing": the name of an event pairing'); break; }
        const emails = context.attendees?.get(r.pairing) ?? new Set<string>();
        test = (e) => e.type === 'contact' && (e.emails ?? []).some((m) => typeof m?.value === 'string' && emails.has(m.value.trim().toLowerCase()));
        break;
      }
      default:
        err('/predicate', `unknown predicate "${String(r.predicate)}" (known: ${PREDICATES.join(', ')})`);
    }
    if (r.value !== undefined && r.predicate !== 'category') err('/value', `predicate "${r.predicate}" takes no "value"`);
    if (r.pairing !== undefined && r.predicate !== 'attendee-of') err('/pairing', `predicate "${r.predicate}" takes no "pairing"`);
  } else {
    if (typeof r.field !== 'string') err('/field', 'a filter needs "field" and "pattern" (or a "predicate")');
    if (typeof r.pattern !== 'string') err('/pattern', 'a filter needs "pattern" (* wildcards; no * = contains)');
    else if (r.pattern === '') err('/pattern', 'an empty pattern matches everything; write "*" if that is meant');
    if (typeof r.field === 'string' && typeof r.pattern === 'string' && r.pattern !== '') {
      const parsed = parseAnyPath(r.field, entity);
      if ('error' in parsed) {
        err('/field', parsed.error);
      } else {
        const match = compileWildcard(r.pattern);
        const tests: Partial<Record<EntityType, Test>> = {};
        for (const [t, p] of Object.entries(parsed.paths) as [EntityType, FieldPath][]) tests[t] = fieldTest(p, match);
        // A field the item's type does not have reads as empty.
        test = (e) => (tests[e.type] ? tests[e.type]!(e) : match(''));
      }
    }
  }
  if (errors.length > before || !test) return undefined;
  return { side, test };
}

/**
 * Validates and compiles a pairing's filters. Field names are checked against `entity`'s catalogue when given,
 * else against any entity type's.
 */
export function compileFilters(
  filters: { include?: FilterRule[]; exclude?: FilterRule[] } | undefined, entity?: EntityType, context: FilterContext = {},
): CompiledFilters | { errors: FilterError[] } {
  const errors: FilterError[] = [];
  const compileList = (key: 'include' | 'exclude'): CompiledRule[] => {
    const list = filters?.[key];
    if (list === undefined) return [];
    if (!Array.isArray(list)) { errors.push({ pointer: `/filters/${key}`, message: `"${key}" must be a list of rules` }); return []; }
    return list.flatMap((rule, i) => compileRule(rule, `/filters/${key}/${i}`, entity, errors, context) ?? []);
  };
  const include = compileList('include');
  const exclude = compileList('exclude');
  if (errors.length) return { errors };
  const applies = (r: CompiledRule, side: 'a' | 'b') => r.side === 'both' || r.side === side;
  return {
    inScope(entity, side) {
      const inc = include.filter((r) => applies(r, side));
      if (inc.length > 0 && !inc.some((r) => r.test(entity))) return false;
      return !exclude.some((r) => applies(r, side) && r.test(entity));
    },
  };
}
