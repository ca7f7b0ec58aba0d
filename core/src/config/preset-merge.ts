/**
 * Merging a preset into a pairing (pure). The result is a plain pairing (no `preset` key) plus where each of
 * its parts came from, so problems found in the merged pairing can be reported where the user can act.
 *
 * Merge rules (the pairing as written wins):
 * - Start from the preset's `pairing` defaults; each group's rules follow the preset's mapping, with the
 *   direction the group's option gives (`none` → `none`, `export` → `a-to-b`, `both` → `both`; absent → the
 *   group's `default`).
 * - `entity` must be the preset's when written (a contact preset makes a contact pairing).
 * - `deletes` merges per side: a side the pairing names replaces the preset's for that side only.
 * - `filters.include` written in the pairing replaces the preset's include list (include rules are OR'd, so
 *   adding would widen the scope; `[]` drops the preset's include rules); `filters.exclude` is appended after
 *   the preset's exclude rules (they only narrow).
 * - `mapping`: a pairing rule with the same `a` and `b` fields as a preset rule (compared normalized:
 *   `addresses[work].city` = `addresses[work].locality`) replaces that rule in place; every other pairing rule is
 *   appended after the preset's rules (so it wins where paths overlap).
 * - Every other key (`mode`, `conflict`, `once`, `window`, `schedule`, `maxDeleteShare`, `a`, `b`, …) replaces
 *   the preset's value whole.
 */
import { parseFieldPath } from '../engine/fields.js';
import type { Preset } from './preset-catalog.js';
import type { EntityType } from '../sdk/entities.js';
import type { Direction, PresetOptionValue } from './types.js';

/** The mapping direction each option value stands for. */
export const OPTION_DIRECTION: Record<PresetOptionValue, Direction> = { none: 'none', export: 'a-to-b', both: 'both' };

/**
 * Where a part of the merged pairing came from. `pointer` is relative to the pairing as written:
 * the written part's own place, or `/preset` (`/preset/options/<group>`) for what the preset supplied.
 * `what` (preset parts only) names the preset part, e.g. `preset "proad", mapping rule 13`.
 */
export type PartOrigin = { from: 'pairing'; pointer: string } | { from: 'preset'; pointer: string; what: string };

/** A merged pairing and the origins of its parts, keyed by pointers into the merged pairing (`/mapping/3`). */
export interface MergedPairing {
  pairing: Record<string, unknown>;
  origins: Map<string, PartOrigin>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

interface Entry {
  value: unknown;
  origin: PartOrigin;
}

function normalizedField(entity: EntityType, field: unknown): string | undefined {
  if (typeof field !== 'string') return undefined;
  const parsed = parseFieldPath(entity, field);
  return 'error' in parsed ? field.trim() : parsed.path;
}

function ruleKey(entity: EntityType, rule: unknown): string | undefined {
  if (!isObject(rule)) return undefined;
  const a = normalizedField(entity, rule.a);
  const b = normalizedField(entity, rule.b);
  return a === undefined || b === undefined ? undefined : `${a}\u0000${b}`;
}

/**
 * Merges `preset` (with the group `options` chosen; unknown names must have been refused before) and the
 * pairing as `written` (its `preset` key is ignored). `optionsPointer` is where the options were written
 * (`/preset/options`), undefined when the pairing gave none.
 */
export function mergePreset(
  preset: Preset, options: Record<string, PresetOptionValue>, written: Record<string, unknown>, optionsPointer?: string,
): MergedPairing {
  const defaults = structuredClone(preset.pairing) as Record<string, unknown>;
  const entity = preset.pairing.entity;
  const presetOrigin = (what: string, pointer = '/preset'): PartOrigin => ({ from: 'preset', pointer, what: `preset "${preset.id}", ${what}` });
  const scalars = new Map<string, Entry>();
  for (const [key, value] of Object.entries(defaults)) {
    if (key === 'mapping' || key === 'filters' || key === 'deletes') continue;
    scalars.set(key, { value, origin: presetOrigin(`"${key}"`) });
  }

  const deletes = new Map<string, Entry>();
  for (const [side, value] of Object.entries(isObject(defaults.deletes) ? defaults.deletes : {})) {
    deletes.set(side, { value, origin: presetOrigin(`"deletes.${side}"`) });
  }

  const mapping: Entry[] = ((defaults.mapping as unknown[] | undefined) ?? [])
    .map((value, k) => ({ value, origin: presetOrigin(`mapping rule ${k}`) }));
  for (const [name, group] of Object.entries(preset.groups ?? {})) {
    const choice = options[name] ?? group.default;
    const pointer = optionsPointer && options[name] !== undefined ? `${optionsPointer}/${name}` : '/preset';
    group.rules.forEach((rule, k) => mapping.push({
      value: { ...structuredClone(rule), direction: OPTION_DIRECTION[choice] },
      origin: presetOrigin(`group "${name}" (${choice})${group.rules.length > 1 ? `, rule ${k}` : ''}`, pointer),
    }));
  }

  const presetFilters = isObject(defaults.filters) ? defaults.filters : {};
  const filterEntries = (key: 'include' | 'exclude'): Entry[] => (Array.isArray(presetFilters[key]) ? presetFilters[key] as unknown[] : [])
    .map((value, k) => ({ value, origin: presetOrigin(`filters.${key} rule ${k}`) }));
  let include: Entry[] | undefined = presetFilters.include !== undefined ? filterEntries('include') : undefined;
  let exclude: Entry[] | undefined = presetFilters.exclude !== undefined ? filterEntries('exclude') : undefined;
  let filtersOther: Record<string, unknown> = {};
  let filtersReplaced: unknown;
  let mappingReplaced: unknown;

  for (const [key, value] of Object.entries(written)) {
    if (key === 'preset') continue;
    if (key === 'deletes' && isObject(value)) {
      for (const [side, v] of Object.entries(value)) deletes.set(side, { value: v, origin: { from: 'pairing', pointer: `/deletes/${side}` } });
    } else if (key === 'deletes') {
      deletes.clear();
      scalars.set(key, { value, origin: { from: 'pairing', pointer: `/${key}` } });
    } else if (key === 'filters' && isObject(value)) {
      for (const [fkey, list] of Object.entries(value)) {
        const own = (k: number): PartOrigin => ({ from: 'pairing', pointer: `/filters/${fkey}/${k}` });
        if (fkey === 'include') {
          include = Array.isArray(list) ? list.map((v, k) => ({ value: v, origin: own(k) })) : undefined;
          if (!Array.isArray(list)) filtersOther.include = list;
        } else if (fkey === 'exclude' && Array.isArray(list)) {
          exclude = [...(exclude ?? []), ...list.map((v, k) => ({ value: v, origin: own(k) }))];
        } else {
          filtersOther[fkey] = list;
        }
      }
    } else if (key === 'filters') {
      filtersReplaced = value;
      include = exclude = undefined;
      filtersOther = {};
    } else if (key === 'mapping' && Array.isArray(value)) {
      value.forEach((rule, j) => {
        const entry: Entry = { value: rule, origin: { from: 'pairing', pointer: `/mapping/${j}` } };
        const k = ruleKey(entity, rule);
        const at = k === undefined ? -1 : mapping.findIndex((m) => m.origin.from === 'preset' && ruleKey(entity, m.value) === k);
        if (at >= 0) mapping[at] = entry; else mapping.push(entry);
      });
    } else if (key === 'mapping') {
      mappingReplaced = value;
    } else {
      scalars.set(key, { value, origin: { from: 'pairing', pointer: `/${key}` } });
    }
  }

  const pairing: Record<string, unknown> = {};
  const origins = new Map<string, PartOrigin>();
  const place = (pointer: string, entry: Entry) => {
    if (entry.origin.from === 'preset' || entry.origin.pointer !== pointer) origins.set(pointer, entry.origin);
  };
  for (const [key, entry] of scalars) {
    pairing[key] = entry.value;
    place(`/${key}`, entry);
  }
  if (deletes.size) {
    pairing.deletes = Object.fromEntries([...deletes].map(([side, e]) => [side, e.value]));
    for (const [side, e] of deletes) place(`/deletes/${side}`, e);
  }
  if (filtersReplaced !== undefined) {
    pairing.filters = filtersReplaced;
  } else if (include || exclude || Object.keys(filtersOther).length) {
    const filters: Record<string, unknown> = { ...filtersOther };
    if (include) filters.include = include.map((e, i) => { place(`/filters/include/${i}`, e); return e.value; });
    if (exclude) filters.exclude = exclude.map((e, i) => { place(`/filters/exclude/${i}`, e); return e.value; });
    pairing.filters = filters;
  }
  if (mappingReplaced !== undefined) {
    pairing.mapping = mappingReplaced;
  } else if (mapping.length || 'mapping' in written) {
    pairing.mapping = mapping.map((e, i) => { place(`/mapping/${i}`, e); return e.value; });
  }
  return { pairing, origins };
}
