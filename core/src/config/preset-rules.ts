/**
 * Compiles the mapping and filters of pairings expanded from a preset, as the engine will. A pairing's own rules
 * are mixed with the preset's there, so a mistake the schema cannot see (an unknown field, a transform that
 * does not fit) would otherwise surface only at sync time, at its merged index; reported here it goes through
 * issuesAsWritten to the place the file shows. Pairings without a preset keep being checked by the engine.
 */
import { compileFilters } from '../engine/filters.js';
import { compileMapping } from '../engine/mapping.js';
import type { EntityType } from '../sdk/entities.js';
import { joinPointer } from './json-pointer.js';
import { presetOrigins, type PresetExpansion } from './preset-expand.js';
import type { SchemaIssue } from './schema-issues.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const ENTITIES = ['event', 'task', 'contact'];

/**
 * Rule problems of the expanded pairings, pointers into the expanded config. A pairing whose mapping or filters
 * already have issues in `known` (the schema's) is skipped for that part, so nothing is reported twice.
 */
export function presetRuleIssues(expansion: PresetExpansion, known: SchemaIssue[]): SchemaIssue[] {
  const config = expansion.config;
  if (!isObject(config) || !isObject(config.pairings)) return [];
  const out: SchemaIssue[] = [];
  for (const [name, pairing] of Object.entries(config.pairings)) {
    if (!isObject(pairing) || !presetOrigins(pairing)) continue;
    if (typeof pairing.entity !== 'string' || !ENTITIES.includes(pairing.entity)) continue;
    const entity = pairing.entity as EntityType;
    const at = joinPointer('/pairings', name);
    const clean = (part: string) => !known.some((i) => i.pointer === `${at}/${part}` || i.pointer.startsWith(`${at}/${part}/`));
    if (clean('mapping')) {
      const mapping = compileMapping(pairing.mapping as never, entity);
      if ('errors' in mapping) out.push(...mapping.errors.map((e) => ({ pointer: at + e.pointer, message: e.message, hint: 'see "Mapping tables" in the README' })));
    }
    if (clean('filters')) {
      const filters = compileFilters(pairing.filters as never, entity);
      if ('errors' in filters) out.push(...filters.errors.map((e) => ({ pointer: at + e.pointer, message: e.message, hint: 'see "Filters and window" in the README' })));
    }
  }
  return out;
}
