/**
 * Expands the pairings' `preset` keys into plain pairings (loadConfig does it before anything else looks at the
 * config), reports bad `preset` values with a pointer and a hint, and moves problems later found in an expanded
 * pairing back to the place in the file where the user can fix them (a pairing's own mapping rule keeps its
 * written index; a part the preset supplied points at `/preset` and names the part).
 */
import { joinPointer } from './json-pointer.js';
import { mergePreset, type PartOrigin } from './preset-merge.js';
import { PRESET_OPTION_VALUES, presetCatalog, type Preset, type PresetCatalog } from './preset-catalog.js';
import type { SchemaIssue } from './schema-issues.js';
import { closest, suggestion } from './suggest.js';
import type { PresetOptionValue } from './types.js';

/** The result of expanding a config's presets. */
export interface PresetExpansion {
  /** The config with each pairing whose preset could be applied replaced by the merged pairing (the input is not changed). */
  config: unknown;
  /** Problems with `preset` values (unknown preset, option or option value; another entity), pointer + hint. */
  issues: SchemaIssue[];
  /** Pairings that still hold their `preset` (it could not be applied), by name. */
  unexpanded: Set<string>;
}

interface ExpandedInfo {
  presetId: string;
  origins: Map<string, PartOrigin>;
}

/** Merged pairings → where their parts came from (lives as long as the pairing object). */
const expandedPairings = new WeakMap<object, ExpandedInfo>();

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s;
}

interface ParsedRef {
  id: string;
  idPointer: string;
  options: Record<string, unknown>;
  /** Relative to the pairing; set when the pairing wrote `options`. */
  optionsPointer?: string;
}

/** The preset reference's parts, or undefined when its shape is wrong (the schema reports that). */
function parseRef(ref: unknown): ParsedRef | undefined {
  if (typeof ref === 'string') return ref.trim() === '' ? undefined : { id: ref, idPointer: '/preset', options: {} };
  if (!isObject(ref) || typeof ref.id !== 'string' || ref.id.trim() === '') return undefined;
  if (ref.options !== undefined && !isObject(ref.options)) return undefined;
  return { id: ref.id, idPointer: '/preset/id', options: ref.options ?? {}, optionsPointer: ref.options === undefined ? undefined : '/preset/options' };
}

function presetList(catalog: PresetCatalog): string {
  const ids = [...catalog.presets.keys()].sort();
  if (ids.length === 0) return 'no presets are installed';
  return `one of: ${ids.map((id) => `${id} (${catalog.presets.get(id)!.title})`).join(', ')}`;
}

/** Problems of one pairing's preset reference (empty = it can be applied). */
function refIssues(at: string, ref: ParsedRef, preset: Preset | undefined, written: Record<string, unknown>, catalog: PresetCatalog): SchemaIssue[] {
  if (!preset) {
    const broken = catalog.problems.get(ref.id);
    if (broken) return [{ pointer: at + ref.idPointer, message: `preset "${ref.id}" cannot be used: ${broken}`, hint: `the preset file is broken; reinstall dovetail or pick another preset, ${presetList(catalog)}` }];
    const near = closest(ref.id, [...catalog.presets.keys()]);
    return [{ pointer: at + ref.idPointer, message: `unknown preset "${ref.id}"`, hint: `${near ? `did you mean "${near}"? ` : ''}${presetList(catalog)}` }];
  }
  const issues: SchemaIssue[] = [];
  const groups = Object.keys(preset.groups ?? {});
  for (const [name, value] of Object.entries(ref.options)) {
    const pointer = joinPointer(at + ref.optionsPointer, name);
    if (!groups.includes(name)) {
      issues.push({
        pointer, message: `preset "${preset.id}" has no option "${name}"`,
        hint: groups.length ? suggestion(name, groups, '', 'options') : `preset "${preset.id}" takes no options; use "preset": "${preset.id}"`,
      });
    } else if (!PRESET_OPTION_VALUES.includes(value as PresetOptionValue)) {
      issues.push({
        pointer, message: `${show(value)} is not an allowed value for option "${name}"`,
        hint: `${suggestion(value, PRESET_OPTION_VALUES)} (none: each side keeps its own, export: A → B only, both: both ways)`,
      });
    }
  }
  if (written.entity !== undefined && written.entity !== preset.pairing.entity) {
    issues.push({
      pointer: `${at}/entity`, message: `preset "${preset.id}" is for ${preset.pairing.entity} pairings, not ${show(written.entity)}`,
      hint: `write "entity": "${preset.pairing.entity}" or leave "entity" out (the preset sets it)`,
    });
  }
  return issues;
}

/** Expands every pairing's `preset` (see preset-merge.ts for how a preset and a pairing merge). */
export function expandPresets(config: unknown, catalog: PresetCatalog = presetCatalog()): PresetExpansion {
  const issues: SchemaIssue[] = [];
  const unexpanded = new Set<string>();
  if (!isObject(config) || !isObject(config.pairings)) return { config, issues, unexpanded };
  let pairings: Record<string, unknown> | undefined;
  for (const [name, written] of Object.entries(config.pairings)) {
    if (!isObject(written) || !('preset' in written)) continue;
    const at = joinPointer('/pairings', name);
    const ref = parseRef(written.preset);
    const preset = ref ? catalog.presets.get(ref.id) : undefined;
    const problems = ref ? refIssues(at, ref, preset, written, catalog) : [];
    if (!ref || !preset || problems.length) {
      issues.push(...problems);
      unexpanded.add(name);
      continue;
    }
    const merged = mergePreset(preset, ref.options as Record<string, PresetOptionValue>, written, ref.optionsPointer);
    expandedPairings.set(merged.pairing, { presetId: preset.id, origins: merged.origins });
    pairings ??= { ...config.pairings };
    pairings[name] = merged.pairing;
  }
  return { config: pairings ? { ...config, pairings } : config, issues, unexpanded };
}

/** The origins of an expanded pairing's parts (undefined for a pairing that was not expanded from a preset). */
export function presetOrigins(pairing: unknown): { presetId: string; origins: ReadonlyMap<string, PartOrigin> } | undefined {
  return isObject(pairing) ? expandedPairings.get(pairing) : undefined;
}

/** Moves an issue found in an expanded pairing to where it belongs in the pairing as written. */
function locate(issue: SchemaIssue, prefix: string, info: ExpandedInfo): SchemaIssue {
  const rel = issue.pointer.slice(prefix.length);
  let best: string | undefined;
  for (const key of info.origins.keys()) {
    if ((rel === key || rel.startsWith(`${key}/`)) && (best === undefined || key.length > best.length)) best = key;
  }
  if (best === undefined) return issue;
  const origin = info.origins.get(best)!;
  const rest = rel.slice(best.length);
  if (origin.from === 'pairing') return { ...issue, pointer: prefix + origin.pointer + rest };
  return { ...issue, pointer: prefix + origin.pointer, message: `${origin.what}${rest ? ` (at ${rest})` : ''}: ${issue.message}` };
}

/**
 * Issues found in the expanded config, as the user should see them: pointers into expanded pairings moved to
 * the written place, and for pairings whose preset could not be applied the complaints that only follow from
 * that (a missing `entity` the preset would have set; schema remarks on a `preset` already reported) dropped.
 */
export function issuesAsWritten(expansion: PresetExpansion, issues: SchemaIssue[]): SchemaIssue[] {
  const config = expansion.config;
  if (!isObject(config) || !isObject(config.pairings)) return issues;
  const pairings = Object.entries(config.pairings).map(([name, p]) => ({ name, prefix: joinPointer('/pairings', name), p }));
  const reported = new Set(expansion.issues.map((i) => pairings.find((x) => i.pointer.startsWith(`${x.prefix}/`))?.name));
  const out: SchemaIssue[] = [];
  for (const issue of issues) {
    const owner = pairings.find((x) => issue.pointer === x.prefix || issue.pointer.startsWith(`${x.prefix}/`));
    if (!owner) { out.push(issue); continue; }
    if (expansion.unexpanded.has(owner.name)) {
      if (issue.pointer === `${owner.prefix}/entity` && issue.message.startsWith('required property')) continue;
      if (reported.has(owner.name) && (issue.pointer === `${owner.prefix}/preset` || issue.pointer.startsWith(`${owner.prefix}/preset/`))) continue;
      out.push(issue);
      continue;
    }
    const info = isObject(owner.p) ? expandedPairings.get(owner.p) : undefined;
    out.push(info ? locate(issue, owner.prefix, info) : issue);
  }
  return out;
}
