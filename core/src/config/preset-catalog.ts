/**
 * The mapping presets shipped as data in core/presets/<entity>/<id>.json (found from src/ and dist/ alike):
 * reading them, checking their shape, and looking one up by id. A broken preset file is a problem of that
 * preset only; the others stay usable.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EntityType } from '../sdk/entities.js';
import type { MappingRule, PairingConfig, PresetOptionValue } from './types.js';

/** core/presets (this file is core/src/config/preset-catalog.ts or core/dist/config/preset-catalog.js). */
export const PRESETS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'presets');

/** The option values every group takes, in the order hints list them. */
export const PRESET_OPTION_VALUES: readonly PresetOptionValue[] = ['none', 'export', 'both'];

/** A named group of mapping rules whose direction a pairing option chooses. */
export interface PresetGroup {
  description: string;
  /** The option used when the pairing names none for this group. */
  default: PresetOptionValue;
  /** Rules without `direction`: the option supplies it. */
  rules: Omit<MappingRule, 'direction'>[];
}

/** Pairing keys a preset may set (never the endpoints). */
export type PresetDefaults = Partial<Omit<PairingConfig, 'a' | 'b' | 'preset'>> & { entity: EntityType };

/** One preset as read from its file. */
export interface Preset {
  id: string;
  title: string;
  description: string;
  pairing: PresetDefaults;
  groups?: Record<string, PresetGroup>;
  /** Absolute path of the preset file. */
  file: string;
}

/** All presets of a folder, plus the files that could not be used (a message each). */
export interface PresetCatalog {
  presets: Map<string, Preset>;
  problems: Map<string, string>;
}

const ENTITIES = ['event', 'task', 'contact'];
const ALLOWED_DEFAULTS = new Set(['entity', 'mode', 'once', 'conflict', 'deletes', 'tombstones', 'maxDeleteShare', 'window', 'filters', 'mapping', 'maxAttempts', 'chunkSize', 'schedule']);
const ID_PATTERN = /^[a-z0-9][a-z0-9-]*$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What is wrong with a parsed preset file (undefined = usable). */
function presetProblem(value: unknown, fileId: string): string | undefined {
  if (!isObject(value)) return 'must be a JSON object';
  if (value.id !== fileId) return `"id" must be "${fileId}" (the file name)`;
  if (!ID_PATTERN.test(fileId)) return 'the id must be lower-case letters, digits and "-"';
  if (typeof value.title !== 'string' || typeof value.description !== 'string') return 'needs "title" and "description" texts';
  const p = value.pairing;
  if (!isObject(p)) return 'needs a "pairing" object with the defaults';
  if (typeof p.entity !== 'string' || !ENTITIES.includes(p.entity)) return `"pairing.entity" must be one of ${ENTITIES.join(', ')}`;
  const extra = Object.keys(p).filter((k) => !ALLOWED_DEFAULTS.has(k));
  if (extra.length) return `"pairing" may not set ${extra.map((k) => `"${k}"`).join(', ')}`;
  if (p.mapping !== undefined && !Array.isArray(p.mapping)) return '"pairing.mapping" must be a list';
  if (p.deletes !== undefined && !isObject(p.deletes)) return '"pairing.deletes" must be an object';
  if (p.filters !== undefined && !isObject(p.filters)) return '"pairing.filters" must be an object';
  if (value.groups === undefined) return undefined;
  if (!isObject(value.groups)) return '"groups" must be an object';
  for (const [name, g] of Object.entries(value.groups)) {
    if (!isObject(g) || typeof g.description !== 'string') return `group "${name}" needs a "description"`;
    if (!PRESET_OPTION_VALUES.includes(g.default as PresetOptionValue)) return `group "${name}": "default" must be one of ${PRESET_OPTION_VALUES.join(', ')}`;
    if (!Array.isArray(g.rules) || g.rules.length === 0) return `group "${name}" needs a non-empty "rules" list`;
    const bad = g.rules.findIndex((r) => !isObject(r) || typeof r.a !== 'string' || typeof r.b !== 'string' || 'direction' in r);
    if (bad >= 0) return `group "${name}", rule ${bad}: needs "a" and "b" and no "direction" (the option sets it)`;
  }
  return undefined;
}

function jsonFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.sort().flatMap((name) => {
    const full = path.join(dir, name);
    let isDir = false;
    try { isDir = statSync(full).isDirectory(); } catch { return []; }
    if (isDir) return jsonFiles(full);
    return name.endsWith('.json') ? [full] : [];
  });
}

/** Reads every `*.json` under `dir` (any depth) as a preset. */
export function loadPresetCatalog(dir: string = PRESETS_DIR): PresetCatalog {
  const presets = new Map<string, Preset>();
  const problems = new Map<string, string>();
  for (const file of jsonFiles(dir)) {
    const id = path.basename(file, '.json');
    let value: unknown;
    try {
      value = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      problems.set(id, `${file}: unreadable: ${(e as Error).message}`);
      continue;
    }
    const problem = presetProblem(value, id);
    if (problem) problems.set(id, `${file}: ${problem}`);
    else if (presets.has(id)) problems.set(id, `${file}: id "${id}" is also used by ${presets.get(id)!.file}`);
    else presets.set(id, { ...(value as Omit<Preset, 'file'>), file });
  }
  for (const id of problems.keys()) presets.delete(id);
  return { presets, problems };
}

let shipped: PresetCatalog | undefined;

/** The shipped presets (core/presets), read once per process. */
export function presetCatalog(): PresetCatalog {
  shipped ??= loadPresetCatalog();
  return shipped;
}
