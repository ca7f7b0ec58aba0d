/**
 * Mapping tables (DESIGN §5): compile a pairing's `mapping` rules into the functions that build the entity to
 * write on the other side.
 *
 * Semantics
 * ---------
 * - No rules: identity — every field is carried as is, both ways.
 * - With rules the list is an override: a field no rule names (on either side) is still carried identically
 *   in both directions. A field some rule names belongs to the rules and is never carried implicitly. A rule `{ a, b, direction, transform?, default? }` says field `a` on side A corresponds
 *   to field `b` on side B. `direction` (default `both`) says which way values flow; `none` stops the field:
 *   each side keeps its own value.
 * - Building the entity for B from A's item (`aToB`; `bToA` mirrors it):
 *   1. start from a copy of A's fields (without `raw`); `uid` is the target's uid when a target is given, else A's;
 *   2. a field that rules read from A but no rule writes on B (a rename, `a: note → b: x.X-NOTE`) keeps B's
 *      current value — B's `note` is not overwritten by A's `note`;
 *   3. then each rule in order: if it flows a→b, B's field `b` := transform(A's field `a`), and the rule's
 *      `default` when that is empty; otherwise B's field `b` keeps the target's current value (absent on
 *      create) — unless another rule writes that very field a→b.
 *   Where paths overlap (`addresses` and `addresses[work].street`) the later rule wins: list coarse rules first.
 * - A recurring event's overrides repeat some master fields per instance (summary, description, location, status).
 *   While `overrides` is carried, a rule between two of these fields governs the overrides' copies too, matched by
 *   RECURRENCE-ID: `summary` → constant "Busy" makes every moved instance "Busy" as well, and `description`
 *   with direction `none` leaves the instances' descriptions behind just like the master's.
 * - `extra` is what the model does not know (unmodelled properties in the source text). It is carried like any
 *   field; a rule `{ a: "extra", b: "extra", direction: "none" }` leaves it behind, so the target is written from
 *   the mapped fields alone (see rules.ts `compose`). It takes no transform and no default.
 * - Transforms are written in the sense of the rule: a→b for `both` and `a-to-b` rules, b→a for `b-to-a` rules.
 *   A `both` rule applies the transform's inverse from B to A (see transforms.ts). `constant` and `template`
 *   have no inverse and need a one-way rule.
 *
 * What `aToB`/`bToA` return: a new entity of the pairing's type holding fields only — it never has `raw`. The
 * caller decides which raw to attach (the target's raw when updating in the same format, so the writer patches
 * it, or none when creating). The inputs are never modified.
 */
import type { Direction, MappingRule } from '../config/types.js';
import type { Entity, EntityType, EventEntity, EventOverride } from '../sdk/entities.js';
import { toEpochMs } from '../model/time-value.js';
import type { FieldKind, FieldPath } from './fields.js';
import { getField, isEmptyValue, parseFieldPath, pathCoveredBy, setField, topLevelFields } from './fields.js';
import type { KindClass, Transform, TransformSense } from './transforms.js';
import { compileTransform, kindClass, withDefault } from './transforms.js';

/** The two ways values flow (the planner's names). */
export type MapDirection = 'aToB' | 'bToA';

/** What a mapping may look at besides the entities. */
export interface MapContext {
  now: Date;
}

/** One invalid rule; `pointer` is relative to the pairing, e.g. `/mapping/2/transform`. `index` -1 = the list. */
export interface MappingError {
  index: number;
  pointer: string;
  message: string;
}

/** A compiled mapping table. */
export interface CompiledMapping {
  readonly entity: EntityType;
  /** True when there are no rules: every field carried as is, both ways. */
  readonly identity: boolean;
  /** The entity to write on B, built from A's `source` and B's current copy `target` (undefined on create). */
  aToB(source: Entity, target: Entity | undefined, ctx: MapContext): Entity;
  /** The entity to write on A, built from B's `source` and A's current copy `target`. */
  bToA(source: Entity, target: Entity | undefined, ctx: MapContext): Entity;
  map(direction: MapDirection, source: Entity, target: Entity | undefined, ctx: MapContext): Entity;
  /** Target-side paths whose value comes from the source in this direction (top-level fields carried as is, plus
   * the paths of rules flowing this way). A nested path listed by `fieldsKept` overrides an enclosing one here. */
  fieldsCarried(direction: MapDirection): string[];
  /** Target-side paths that keep the target's own value in this direction. */
  fieldsKept(direction: MapDirection): string[];
  /** True when writing `source` onto `target` in this direction would change no field (volatile fields
   * `lastModified`, `created`, `sequence` and `raw` ignored; empty and absent are the same). */
  equivalent(direction: MapDirection, source: Entity, target: Entity, ctx: MapContext): boolean;
}

/** Field lists connectors declared (manifest `entities.<type>.fields`); absent = all fields. */
export interface MappingOptions {
  aFields?: string[];
  bFields?: string[];
}

interface CompiledRule {
  index: number;
  a: FieldPath;
  b: FieldPath;
  direction: Direction;
  transform: Transform;
  default: unknown;
}

const DIRECTIONS: Direction[] = ['both', 'a-to-b', 'b-to-a', 'none'];
/** Master fields an override repeats for its instance (EventOverride). */
const INSTANCE_FIELDS = new Set(['summary', 'description', 'location', 'status']);
const VOLATILE = new Set(['raw', 'lastModified', 'created', 'sequence']);

function flows(direction: Direction, d: MapDirection): boolean {
  return direction === 'both' || (direction === 'a-to-b' && d === 'aToB') || (direction === 'b-to-a' && d === 'bToA');
}

function compatible(x: KindClass, y: KindClass): boolean {
  return x === 'any' || y === 'any' || x === y;
}

function defaultFits(kind: FieldKind, v: unknown): boolean {
  if (kind === 'text' || kind === 'html') return typeof v === 'string' || typeof v === 'number';
  if (kind === 'number') return typeof v === 'number' || (typeof v === 'string' && Number.isFinite(Number(v)));
  if (kind === 'list') return Array.isArray(v);
  if (kind === 'object' || kind === 'time') return v !== null && typeof v === 'object' && !Array.isArray(v);
  return typeof v === 'string';
}

/** Validates and compiles mapping rules for an entity type (see module doc). */
export function compileMapping(
  rules: MappingRule[] | undefined, entity: EntityType, opts: MappingOptions = {},
): CompiledMapping | { errors: MappingError[] } {
  if (rules !== undefined && !Array.isArray(rules)) {
    return { errors: [{ index: -1, pointer: '/mapping', message: 'mapping must be a list of rules' }] };
  }
  const errors: MappingError[] = [];
  const compiled: CompiledRule[] = [];
  (rules ?? []).forEach((rule, index) => {
    const r = compileRule(rule, index, entity, opts, errors);
    if (r) compiled.push(r);
  });
  checkSingleWriter(compiled, errors);
  if (errors.length) return { errors };
  return buildMapping(entity, compiled, rules === undefined || rules.length === 0);
}

function compileRule(
  rule: unknown, index: number, entity: EntityType, opts: MappingOptions, errors: MappingError[],
): CompiledRule | undefined {
  const at = `/mapping/${index}`;
  const err = (sub: string, message: string) => errors.push({ index, pointer: at + sub, message });
  if (!rule || typeof rule !== 'object' || Array.isArray(rule)) { err('', 'a rule must be an object { a, b, direction?, transform?, default? }'); return undefined; }
  const r = rule as MappingRule;
  const before = errors.length;
  const side = (key: 'a' | 'b', declared: string[] | undefined): FieldPath | undefined => {
    const raw = r[key];
    if (raw === undefined) { err(`/${key}`, `"${key}" is required: the ${entity} field on side ${key.toUpperCase()}`); return undefined; }
    const p = parseFieldPath(entity, raw);
    if ('error' in p) { err(`/${key}`, p.error); return undefined; }
    if (p.path === 'uid') { err(`/${key}`, '"uid" is the item identity and always carried; it cannot be mapped'); return undefined; }
    if (declared && !pathCoveredBy(p, declared)) {
      err(`/${key}`, `side ${key.toUpperCase()}'s connector does not store "${p.path}" (it declares: ${declared.join(', ') || 'nothing'})`);
      return undefined;
    }
    return p;
  };
  const a = side('a', opts.aFields);
  const b = side('b', opts.bFields);
  const direction = r.direction ?? 'both';
  if (!DIRECTIONS.includes(direction)) err('/direction', `direction must be one of ${DIRECTIONS.join(', ')}`);
  let transform: Transform | undefined;
  const compiledT = compileTransform(r.transform ?? 'identity', entity);
  if ('errors' in compiledT) {
    for (const e of compiledT.errors) err(`/transform${e.pointer}`, e.message);
  } else {
    transform = compiledT;
  }
  if (errors.length > before || !a || !b || !transform) return undefined;
  if (a.path === 'extra' || b.path === 'extra') {
    if (a.path !== b.path) err(a.path === 'extra' ? '/b' : '/a', '"extra" (what the model does not know) maps only to "extra" on the other side');
    if (transform.name !== 'identity') err('/transform', '"extra" takes no transform: only its direction can be set');
    if (r.default !== undefined) err('/default', '"extra" takes no default');
    return errors.length > before ? undefined : { index, a, b, direction, transform, default: undefined };
  }

  // The rule's own sense: b-to-a rules read B and write A.
  const [from, to] = direction === 'b-to-a' ? [b, a] : [a, b];
  if (!transform.invertible && direction === 'both') {
    err('/direction', `transform "${transform.name}" has no inverse: use direction "a-to-b" or "b-to-a"`);
  }
  const fromClass = kindClass(from.kind);
  const toClass = kindClass(to.kind);
  if (transform.name === 'identity') {
    if (!compatible(fromClass, toClass)) {
      err('/transform', `"${from.path}" (${from.kind}) and "${to.path}" (${to.kind}) hold different kinds of value; a transform is needed`);
    }
  } else {
    if (!compatible(transform.input, fromClass) && transform.invertible) {
      err('/transform', `transform "${transform.name}" reads ${transform.input} values, but "${from.path}" is ${from.kind}`);
    }
    if (!compatible(transform.output, toClass)) {
      err('/transform', `transform "${transform.name}" produces ${transform.output} values, but "${to.path}" is ${to.kind}`);
    }
  }
  const readsDeclared = direction === 'b-to-a' ? opts.bFields : opts.aFields;
  for (const read of transform.reads) {
    const p = parseFieldPath(entity, read) as FieldPath;
    if (readsDeclared && !pathCoveredBy(p, readsDeclared)) {
      err('/transform/template', `placeholder {${read}}: side ${direction === 'b-to-a' ? 'B' : 'A'}'s connector does not store it`);
    }
  }
  if (r.default !== undefined) {
    const written = direction === 'both' ? [a, b] : direction === 'a-to-b' ? [b] : direction === 'b-to-a' ? [a] : [];
    const misfit = written.find((w) => !defaultFits(w.kind, r.default));
    if (misfit) err('/default', `default ${JSON.stringify(r.default)} does not fit "${misfit.path}" (${misfit.kind})`);
  }
  if (errors.length > before) return undefined;
  return { index, a, b, direction, transform, default: r.default };
}

function checkSingleWriter(rules: CompiledRule[], errors: MappingError[]): void {
  for (const d of ['aToB', 'bToA'] as const) {
    const writers = new Map<string, number>();
    for (const r of rules) {
      if (!flows(r.direction, d)) continue;
      const target = d === 'aToB' ? r.b : r.a;
      const prev = writers.get(target.path);
      if (prev !== undefined) {
        errors.push({
          index: r.index, pointer: `/mapping/${r.index}/${d === 'aToB' ? 'b' : 'a'}`,
          message: `"${target.path}" on side ${d === 'aToB' ? 'B' : 'A'} is already written by rule ${prev}; one rule per field and direction`,
        });
      } else {
        writers.set(target.path, r.index);
      }
    }
  }
}

function buildMapping(entity: EntityType, rules: CompiledRule[], identity: boolean): CompiledMapping {
  const plans = { aToB: planFor('aToB'), bToA: planFor('bToA') };

  function planFor(d: MapDirection) {
    const readPath = (r: CompiledRule) => (d === 'aToB' ? r.a : r.b);
    const writePath = (r: CompiledRule) => (d === 'aToB' ? r.b : r.a);
    const written = new Set(rules.map((r) => writePath(r).path));
    const routedAway = [...new Set(rules.map((r) => readPath(r)).filter((p) => !written.has(p.path)).map((p) => p.path))];
    const activeWrites = new Set(rules.filter((r) => flows(r.direction, d)).map((r) => writePath(r).path));
    const keptByRules = rules.filter((r) => !flows(r.direction, d) && !activeWrites.has(writePath(r).path)).map((r) => writePath(r).path);
    const kept = [...new Set([...routedAway, ...keptByRules])];
    const carried = [...new Set([...topLevelFields(entity).filter((f) => !kept.includes(f)), ...activeWrites])];
    // Rules between instance fields also govern the overrides, while the overrides themselves are carried.
    const overridesCarried = entity === 'event' && carried.includes('overrides') && !rules.some((r) => writePath(r).path === 'overrides');
    const instanceRules = overridesCarried ? rules.filter((r) => INSTANCE_FIELDS.has(r.a.path) && INSTANCE_FIELDS.has(r.b.path)) : [];
    const instancesTouched = instanceRules.length > 0 || (overridesCarried && routedAway.some((p) => INSTANCE_FIELDS.has(p)));
    return { readPath, writePath, routedAway, activeWrites, kept, carried, instanceRules, instancesTouched };
  }

  function map(d: MapDirection, source: Entity, target: Entity | undefined, ctx: MapContext): Entity {
    if (!source || source.type !== entity) {
      throw new Error(`mapping for ${entity} items was given a ${source?.type ?? 'missing'} item`);
    }
    if (target !== undefined && target.type !== entity) {
      throw new Error(`mapping for ${entity} items was given a ${target.type} target`);
    }
    const plan = plans[d];
    const { raw: _raw, ...fields } = source;
    void _raw;
    let out = structuredClone(fields) as Entity;
    out.uid = target?.uid ?? source.uid;
    const targetValue = (p: FieldPath) => (target ? structuredClone(getField(target, p)) : undefined);
    for (const path of plan.routedAway) out = setField(out, path, targetValue(parsePath(path)));
    for (const r of rules) {
      const w = plan.writePath(r);
      if (flows(r.direction, d)) {
        const sense: TransformSense = (r.direction === 'b-to-a') === (d === 'bToA') ? 'forward' : 'backward';
        const value = r.transform.apply(structuredClone(getField(source, plan.readPath(r))), {
          now: ctx.now, source, current: target ? getField(target, w) : undefined,
        }, sense);
        out = setField(out, w, withDefault(value, r.default));
      } else if (!plan.activeWrites.has(w.path)) {
        out = setField(out, w, targetValue(w));
      }
    }
    if (plan.instancesTouched && out.type === 'event' && out.overrides?.length) {
      out = { ...out, overrides: out.overrides.map((o) => mapOverride(d, o, source as EventEntity, target as EventEntity | undefined, ctx)) };
    }
    return out;
  }

  /** An override's instance fields as the rules between instance fields say (the module doc). */
  function mapOverride(d: MapDirection, src: EventOverride, source: EventEntity, target: EventEntity | undefined, ctx: MapContext): EventOverride {
    const plan = plans[d];
    const at = toEpochMs(src.recurrenceId);
    const own = target?.overrides?.find((o) => toEpochMs(o.recurrenceId) === at);
    const read = src as unknown as Record<string, unknown>;
    const out = { ...src } as unknown as Record<string, unknown>;
    const set = (field: string, value: unknown) => { if (isEmptyValue(value)) delete out[field]; else out[field] = value; };
    for (const path of plan.routedAway) if (INSTANCE_FIELDS.has(path)) set(path, own?.[path as keyof EventOverride]);
    for (const r of plan.instanceRules) {
      const [from, to] = [plan.readPath(r).path, plan.writePath(r).path];
      if (flows(r.direction, d)) {
        const sense: TransformSense = (r.direction === 'b-to-a') === (d === 'bToA') ? 'forward' : 'backward';
        // A template sees the instance: its own fields over the master's.
        const instance = { ...source, ...Object.fromEntries([...INSTANCE_FIELDS].map((f) => [f, read[f]])) } as Entity;
        set(to, withDefault(r.transform.apply(structuredClone(read[from]), { now: ctx.now, source: instance, current: own?.[to as keyof EventOverride] }, sense), r.default));
      } else if (!plan.activeWrites.has(to)) {
        set(to, own?.[to as keyof EventOverride]);
      }
    }
    return out as unknown as EventOverride;
  }

  function parsePath(path: string): FieldPath {
    return parseFieldPath(entity, path) as FieldPath;
  }

  return {
    entity,
    identity,
    map,
    aToB: (s, t, ctx) => map('aToB', s, t, ctx),
    bToA: (s, t, ctx) => map('bToA', s, t, ctx),
    fieldsCarried: (d) => [...plans[d].carried],
    fieldsKept: (d) => [...plans[d].kept],
    equivalent(d, source, target, ctx) {
      return canonicalJson(map(d, source, target, ctx)) === canonicalJson(target);
    },
  };
}

/** JSON with sorted keys, without volatile fields and empty values — for equivalence checks. */
function canonicalJson(entity: Entity): string {
  const strip = (v: unknown, top: boolean): unknown => {
    if (Array.isArray(v)) return v.map((x) => strip(x, false));
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) {
        if (top && VOLATILE.has(k)) continue;
        const x = strip((v as Record<string, unknown>)[k], false);
        if (!isEmptyValue(x)) out[k] = x;
      }
      return out;
    }
    return v;
  };
  return JSON.stringify(strip(entity, true));
}
