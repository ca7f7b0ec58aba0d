/**
 * Validates a loaded config: the JSON schema (schemas/config.schema.json), then what the schema cannot
 * know — connector ids, endpoint references, each endpoint's settings against its connector's schema,
 * entity support, collection creation. Every issue carries a JSON pointer and a hint.
 */
import { processOptionIssues } from '../host/process/options.js';
import { statSync } from 'node:fs';
import path from 'node:path';
import { modeWrites } from '../engine/policy.js';
import type { DiscoveredConnector, HostProblem } from '../host/types.js';
import { schemaValidator } from './schema-validator.js';
import { joinPointer } from './json-pointer.js';
import { expandPresets, issuesAsWritten } from './preset-expand.js';
import { presetRuleIssues } from './preset-rules.js';
import type { SchemaIssue } from './schema-issues.js';
import { closest, oneOf, suggestion } from './suggest.js';
import { scheduleIssues } from '../runner/schedule-check.js';
import type { LoadedConfig } from './types.js';

/** A config problem: where (JSON pointer into dovetail.json), what, and how to fix it. */
export type ConfigIssue = SchemaIssue;

/** What validation needs from the host (a PluginHost satisfies it). */
export interface ConnectorCatalog {
  connectors(): DiscoveredConnector[];
  problems?(): HostProblem[];
}

const checkConfigSchema = schemaValidator('config.schema.json');

/** Schema issues only (no connector knowledge). */
export function configSchemaIssues(config: unknown): ConfigIssue[] {
  return checkConfigSchema(config);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const ENTITIES = ['event', 'task', 'contact'] as const;

function isDirectory(p: string): boolean {
  try { return statSync(p).isDirectory(); } catch { return false; }
}

/**
 * Validates `loaded` against the schema and the connectors `host` knows. Empty array = valid. Presets are
 * expanded first (already done by loadConfig; done here for a config built in memory), and problems in an
 * expanded pairing are reported where the file says it (see preset-expand.ts).
 */
export function validateConfig(loaded: LoadedConfig, host: ConnectorCatalog): ConfigIssue[] {
  const expansion = expandPresets(loaded.config);
  const found = findIssues(expansion.config, loaded, host);
  return [...expansion.issues, ...issuesAsWritten(expansion, [...found, ...presetRuleIssues(expansion, found)])];
}

/** The issues of a config whose presets are expanded. */
function findIssues(config: unknown, loaded: LoadedConfig, host: ConnectorCatalog): ConfigIssue[] {
  const issues: ConfigIssue[] = [...configSchemaIssues(config)];
  if (!isObject(config)) return issues;
  issues.push(...scheduleIssues(config));

  const connectors = new Map(host.connectors().map((c) => [c.id, c]));
  const refused = host.problems?.() ?? [];

  if (Array.isArray(config.connectorDirs)) {
    config.connectorDirs.forEach((dir, i) => {
      if (typeof dir !== 'string' || dir === '') return;
      const abs = path.resolve(loaded.baseDir, dir);
      if (!isDirectory(abs)) issues.push({ pointer: `/connectorDirs/${i}`, message: `folder ${abs} does not exist`, hint: 'paths are relative to the folder of the config file' });
    });
  }

  const endpoints = isObject(config.endpoints) ? config.endpoints : {};
  const endpointConnector = new Map<string, DiscoveredConnector>();
  /** Why an endpoint is read-only by its settings (manifest `readOnlyWhen`). */
  const endpointReadOnly = new Map<string, string>();
  for (const [name, ep] of Object.entries(endpoints)) {
    if (!isObject(ep) || typeof ep.connector !== 'string' || ep.connector === '') continue;
    const at = joinPointer('/endpoints', name);
    const connector = connectors.get(ep.connector);
    if (!connector) {
      const broken = refused.find((p) => p.connectorId === ep.connector);
      issues.push({
        pointer: `${at}/connector`, message: `unknown connector "${ep.connector}"`,
        hint: broken ? `a package declaring "${ep.connector}" was refused: ${broken.path} ${broken.pointer}: ${broken.message}`
          : `${suggestion(ep.connector, [...connectors.keys()], 'no connectors were discovered')} (\`dovetail connectors\` lists them)`,
      });
      continue;
    }
    endpointConnector.set(name, connector);
    issues.push(...processOptionIssues(ep.process, connector.manifest).map((i) => ({ ...i, pointer: `${at}${i.pointer}` })));
    if (ep.settings !== undefined && !isObject(ep.settings)) continue; // the schema reported it
    const checked = connector.checkSettings(ep.settings ?? {});
    if (!checked.ok) issues.push(...checked.issues.map((i) => ({ ...i, pointer: `${at}/settings${i.pointer}` })));
    const readOnly = checked.ok ? connector.readOnlyReason(checked.settings) : undefined;
    if (readOnly !== undefined) endpointReadOnly.set(name, readOnly);
  }

  const pairings = isObject(config.pairings) ? config.pairings : {};
  const endpointNames = Object.keys(endpoints);
  for (const [pname, pairing] of Object.entries(pairings)) {
    if (!isObject(pairing)) continue;
    const at = joinPointer('/pairings', pname);
    const entity = typeof pairing.entity === 'string' && (ENTITIES as readonly string[]).includes(pairing.entity) ? pairing.entity as typeof ENTITIES[number] : undefined;
    const sides: { key: 'a' | 'b'; endpoint?: string; connector?: DiscoveredConnector; side: Record<string, unknown> }[] = [];
    for (const key of ['a', 'b'] as const) {
      const side = pairing[key];
      if (!isObject(side) || typeof side.endpoint !== 'string' || side.endpoint === '') continue;
      if (!Object.prototype.hasOwnProperty.call(endpoints, side.endpoint)) {
        issues.push({ pointer: `${at}/${key}/endpoint`, message: `unknown endpoint "${side.endpoint}"`, hint: suggestion(side.endpoint, endpointNames, 'no endpoints are defined under "endpoints"') });
        continue;
      }
      sides.push({ key, endpoint: side.endpoint, connector: endpointConnector.get(side.endpoint), side });
    }

    for (const s of sides) {
      if (!s.connector) continue;
      const caps = entity ? s.connector.manifest.entities[entity] : undefined;
      if (entity && !caps) {
        const handled = Object.keys(s.connector.manifest.entities);
        issues.push({ pointer: `${at}/entity`, message: `endpoint "${s.endpoint}" (connector "${s.connector.id}") does not handle ${entity} items`, hint: `connector "${s.connector.id}" handles ${oneOf(handled).replace(/^one of: /, '')}` });
      }
      if (s.side.collection === undefined && s.connector.manifest.collections !== 'single') {
        issues.push({
          pointer: `${at}/${s.key}`, message: 'required property "collection" is missing',
          hint: `endpoint "${s.endpoint}" (connector "${s.connector.id}") holds several collections: name one (\`dovetail discover ${s.endpoint}\` lists them); only connectors with one collection per endpoint, such as ical-feed, let you leave it out`,
        });
      }
      if (s.side.create === true && !(s.connector.manifest.capabilities ?? []).includes('create-collection')) {
        issues.push({ pointer: `${at}/${s.key}/create`, message: `connector "${s.connector.id}" cannot create collections`, hint: 'create the collection by other means and remove "create", or pick an existing one (`dovetail discover ENDPOINT`)' });
      }
      if (caps?.fields && Array.isArray(pairing.mapping)) {
        pairing.mapping.forEach((rule, i) => {
          if (!isObject(rule) || typeof rule[s.key] !== 'string') return;
          const field = rule[s.key] as string;
          if (!caps.fields!.includes(field)) {
            const near = closest(field, caps.fields!);
            issues.push({ pointer: `${at}/mapping/${i}/${s.key}`, message: `connector "${s.connector!.id}" does not store field "${field}" for ${entity} items`, hint: near ? `did you mean "${near}"? ${oneOf(caps.fields!)}` : oneOf(caps.fields!) });
          }
        });
      }
    }

    issues.push(...readOnlyWrites(at, pairing, sides, endpointReadOnly));
    issues.push(...attendeeRuleIssues(at, pname, pairing, pairings));

    const [a, b] = [pairing.a, pairing.b];
    const single = sides.some((s) => s.key === 'a' && s.connector?.manifest.collections === 'single');
    if (isObject(a) && isObject(b) && a.endpoint === b.endpoint && a.collection === b.collection && (typeof a.collection === 'string' || (a.collection === undefined && single))) {
      issues.push({ pointer: `${at}/b${typeof b.collection === 'string' ? '/collection' : ''}`, message: 'side B is the same collection as side A', hint: 'a pairing syncs two different collections' });
    }
  }

  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.pointer}\u0000${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * `attendee-of` rules: the pairing they name must exist, hold events and be another pairing; the rule selects
 * contacts, so the pairing it sits in must hold contacts.
 */
function attendeeRuleIssues(at: string, pname: string, pairing: Record<string, unknown>, pairings: Record<string, unknown>): ConfigIssue[] {
  const filters = isObject(pairing.filters) ? pairing.filters : {};
  const out: ConfigIssue[] = [];
  for (const key of ['include', 'exclude'] as const) {
    const list = filters[key];
    if (!Array.isArray(list)) continue;
    list.forEach((rule, i) => {
      if (!isObject(rule) || rule.predicate !== 'attendee-of' || typeof rule.pairing !== 'string') return;
      const ruleAt = `${at}/filters/${key}/${i}`;
      const named = pairings[rule.pairing];
      const others = Object.keys(pairings).filter((n) => n !== pname && isObject(pairings[n]) && (pairings[n] as Record<string, unknown>).entity === 'event');
      if (pairing.entity !== 'contact') {
        out.push({ pointer: `${ruleAt}/predicate`, message: `predicate "attendee-of" selects contacts, but this pairing holds ${String(pairing.entity)} items`, hint: 'use it in a contact pairing' });
      } else if (rule.pairing === pname) {
        out.push({ pointer: `${ruleAt}/pairing`, message: 'an "attendee-of" rule names the pairing it belongs to', hint: `name an event pairing: ${others.join(', ') || '(none defined)'}` });
      } else if (!isObject(named)) {
        out.push({ pointer: `${ruleAt}/pairing`, message: `unknown pairing "${rule.pairing}"`, hint: suggestion(rule.pairing, others, 'no event pairings are defined') });
      } else if (named.entity !== 'event') {
        out.push({ pointer: `${ruleAt}/pairing`, message: `pairing "${rule.pairing}" holds ${String(named.entity)} items, not events`, hint: `name an event pairing: ${others.join(', ') || '(none defined)'}` });
      }
    });
  }
  return out;
}

/**
 * A pairing whose mode would write to a side whose endpoint is read-only by its settings (manifest
 * `readOnlyWhen`, e.g. a subscribed iCal feed), unless that side says `"readOnly": true`.
 */
function readOnlyWrites(
  at: string, pairing: Record<string, unknown>, sides: { key: 'a' | 'b'; endpoint?: string }[], endpointReadOnly: Map<string, string>,
): ConfigIssue[] {
  const mode = typeof pairing.mode === 'string' ? pairing.mode : 'two-way';
  let writes: { a: boolean; b: boolean };
  try {
    writes = modeWrites({ mode: mode as never, once: pairing.once as never });
  } catch {
    return []; // an unknown mode: the schema reported it
  }
  const out: ConfigIssue[] = [];
  for (const s of sides) {
    const reason = s.endpoint === undefined ? undefined : endpointReadOnly.get(s.endpoint);
    const side = pairing[s.key] as Record<string, unknown>;
    if (reason === undefined || !writes[s.key] || side.readOnly === true) continue;
    const [from, to] = s.key === 'a' ? ['b', 'a'] : ['a', 'b'];
    out.push({
      pointer: at,
      message: `mode "${mode}" would write to side ${s.key.toUpperCase()}, but endpoint "${s.endpoint}" is read-only: ${reason}`,
      hint: `copy it one way with "mode": "mirror-${to}-to-${from}" or "push-${to}-to-${from}", or set "readOnly": true on side ${s.key.toUpperCase()} so nothing is ever written to it`,
    });
  }
  return out;
}
