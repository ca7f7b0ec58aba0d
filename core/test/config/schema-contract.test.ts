/**
 * schemas/config.schema.json must match core/src/config/types.ts exactly (keys, required keys, enums),
 * and explain every key (description + examples) so editors can complete it.
 * The types are read with the TypeScript compiler API, so a change on either side fails here.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../host/helpers.js';

const schema = JSON.parse(readFileSync(path.join(repoRoot, 'schemas', 'config.schema.json'), 'utf8'));
const manifestSchema = JSON.parse(readFileSync(path.join(repoRoot, 'schemas', 'connector-manifest.schema.json'), 'utf8'));

function parse(file: string): ts.SourceFile {
  return ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
}
const typesFile = parse(path.join(repoRoot, 'core', 'src', 'config', 'types.ts'));
const entitiesFile = parse(path.join(repoRoot, 'core', 'src', 'sdk', 'entities.ts'));
const manifestFile = parse(path.join(repoRoot, 'core', 'src', 'sdk', 'manifest.ts'));

type Members = Record<string, { optional: boolean; type: ts.TypeNode }>;

function declarations(file: ts.SourceFile) {
  const interfaces: Record<string, Members> = {};
  const aliases: Record<string, ts.TypeNode> = {};
  file.forEachChild((node) => {
    if (ts.isInterfaceDeclaration(node)) interfaces[node.name.text] = members(node.members);
    if (ts.isTypeAliasDeclaration(node)) aliases[node.name.text] = node.type;
  });
  return { interfaces, aliases };
}

function members(list: ts.NodeArray<ts.TypeElement>): Members {
  const out: Members = {};
  for (const m of list) {
    if (ts.isPropertySignature(m) && m.type) {
      const name = ts.isIdentifier(m.name) || ts.isStringLiteral(m.name) ? m.name.text : m.name.getText();
      out[name] = { optional: m.questionToken !== undefined, type: m.type };
    }
  }
  return out;
}

/** String literals of a union type (following aliases in `aliases`). */
function literals(type: ts.TypeNode, aliases: Record<string, ts.TypeNode>): string[] {
  if (ts.isUnionTypeNode(type)) return type.types.flatMap((t) => literals(t, aliases));
  if (ts.isLiteralTypeNode(type) && ts.isStringLiteral(type.literal)) return [type.literal.text];
  if (ts.isTypeReferenceNode(type) && ts.isIdentifier(type.typeName) && aliases[type.typeName.text]) return literals(aliases[type.typeName.text], aliases);
  return [];
}

const types = declarations(typesFile);
const entityAliases = declarations(entitiesFile).aliases;
const allAliases = { ...entityAliases, ...types.aliases };

function expectObjectMatches(members: Members, node: any, where: string): void {
  expect(Object.keys(node.properties ?? {}).sort(), `${where}: keys`).toEqual(Object.keys(members).sort());
  const required = Object.entries(members).filter(([, m]) => !m.optional).map(([k]) => k).sort();
  expect([...(node.required ?? [])].sort(), `${where}: required`).toEqual(required);
  expect(node.additionalProperties, `${where}: additionalProperties`).toBe(false);
}

function inline(type: ts.TypeNode): Members {
  if (!ts.isTypeLiteralNode(type)) throw new Error(`not an inline object type: ${type.getText()}`);
  return members(type.members);
}

const root = schema;
const endpoint = root.properties.endpoints.additionalProperties;
const pairing = root.properties.pairings.additionalProperties;
const I = types.interfaces;

describe('config schema ↔ config/types.ts', () => {
  it('has the same objects, keys and required keys', () => {
    expectObjectMatches(I.ConfigFile, root, 'ConfigFile');
    expectObjectMatches(I.EndpointConfig, endpoint, 'EndpointConfig');
    expectObjectMatches(I.PairingConfig, pairing, 'PairingConfig');
    expectObjectMatches(I.SideConfig, pairing.properties.a, 'SideConfig (a)');
    expectObjectMatches(I.SideConfig, pairing.properties.b, 'SideConfig (b)');
    expectObjectMatches(I.WindowConfig, pairing.properties.window, 'WindowConfig');
    expectObjectMatches(I.FilterRule, pairing.properties.filters.properties.include.items, 'FilterRule');
    expectObjectMatches(I.MappingRule, pairing.properties.mapping.items, 'MappingRule');
    expectObjectMatches(I.ServiceConfig, root.properties.service, 'ServiceConfig');
    expectObjectMatches(inline(I.PairingConfig.deletes.type), pairing.properties.deletes, 'PairingConfig.deletes');
    expectObjectMatches(inline(I.PairingConfig.filters.type), pairing.properties.filters, 'PairingConfig.filters');
    expectObjectMatches(I.ScheduleConfig, pairing.properties.schedule, 'ScheduleConfig');
    expectObjectMatches(inline(I.ScheduleConfig.retry.type), pairing.properties.schedule.properties.retry, 'ScheduleConfig.retry');
    expectObjectMatches(inline(I.ConfigFile.log.type), root.properties.log, 'ConfigFile.log');
    expect(pairing.properties.filters.properties.exclude.items).toEqual(pairing.properties.filters.properties.include.items);
  });

  it('has the same enumerations', () => {
    const enumOf = (node: any) => [...node.enum].sort();
    const lits = (t: ts.TypeNode) => literals(t, allAliases).sort();
    expect(enumOf(pairing.properties.entity)).toEqual(lits(I.PairingConfig.entity.type));
    expect(enumOf(pairing.properties.mode)).toEqual(lits(I.PairingConfig.mode.type));
    expect(enumOf(pairing.properties.once)).toEqual(lits(I.PairingConfig.once.type));
    expect(enumOf(pairing.properties.conflict)).toEqual(lits(I.PairingConfig.conflict.type));
    const deletes = inline(I.PairingConfig.deletes.type);
    expect(enumOf(pairing.properties.deletes.properties.a)).toEqual(lits(deletes.a.type));
    expect(enumOf(pairing.properties.deletes.properties.b)).toEqual(lits(deletes.b.type));
    const rule = pairing.properties.mapping.items;
    expect(enumOf(rule.properties.direction)).toEqual(lits(I.MappingRule.direction.type));
    const filter = pairing.properties.filters.properties.include.items;
    expect(enumOf(filter.properties.predicate)).toEqual(lits(I.FilterRule.predicate.type));
    expect(enumOf(filter.properties.side)).toEqual(lits(I.FilterRule.side.type));
    expect(enumOf(root.properties.log.properties.level)).toEqual(lits(inline(I.ConfigFile.log.type).level.type));
  });

  it('lists every built-in transform of TransformSpec', () => {
    const spec = types.aliases.TransformSpec as ts.UnionTypeNode;
    const names = literals(spec, {}).sort();
    const objectNames = spec.types.filter(ts.isTypeLiteralNode)
      .map((t) => members(t.members).name?.type).filter((t): t is ts.TypeNode => t !== undefined)
      .flatMap((t) => literals(t, {})).sort();
    const transform = rule().properties.transform;
    expect([...transform.anyOf[0].enum].sort()).toEqual(names);
    const described = transform.anyOf[1].allOf.map((c: any) => c.if.properties.name.const).sort();
    expect(described).toEqual(objectNames);
    for (const n of names) expect(transform.description).toContain(`\`${n}\``);
    for (const n of objectNames) expect(transform.description).toContain(`"name": "${n}"`);
    // the parameters of each object transform exist in the schema
    for (const t of spec.types.filter(ts.isTypeLiteralNode)) {
      for (const key of Object.keys(members(t.members))) expect(Object.keys(transform.anyOf[1].properties)).toContain(key);
    }
    function rule() { return pairing.properties.mapping.items; }
  });

  it('accepts exactly the SecretRef forms for secrets', () => {
    const secret = root.definitions.secretRef;
    expect(secret.anyOf.map((b: any) => b.type)).toEqual(['string', 'object', 'object']);
    expect(secret.anyOf.slice(1).map((b: any) => b.required)).toEqual([['env'], ['file']]);
    expect(root.properties.service.properties.token.$ref).toBe('#/definitions/secretRef');
  });
});

/** Every property schema under `node`, with its path. */
function* properties(node: any, at = ''): Generator<[string, any]> {
  if (!node || typeof node !== 'object') return;
  for (const [k, v] of Object.entries<any>(node.properties ?? {})) {
    yield [`${at}/${k}`, v];
    yield* properties(v, `${at}/${k}`);
  }
  for (const key of ['additionalProperties', 'items']) {
    if (node[key] && typeof node[key] === 'object') yield* properties(node[key], `${at}/${key === 'items' ? '[]' : '*'}`);
  }
  for (const key of ['anyOf', 'allOf']) for (const sub of node[key] ?? []) yield* properties(sub.then ?? sub, at);
  if (node.$ref === '#/definitions/secretRef') yield* properties(schema.definitions.secretRef, at);
}

describe('schemas explain every key', () => {
  it('config schema: every property has a description and examples', () => {
    const missing = [...properties(schema)].filter(([, v]) => !(typeof v.description === 'string' && v.description.length > 10 && Array.isArray(v.examples) && v.examples.length > 0)).map(([p]) => p);
    expect(missing).toEqual([]);
  });

  it('manifest schema: every property has a description, and its keys match ConnectorManifest', () => {
    const missing = [...properties(manifestSchema)].filter(([, v]) => typeof v.description !== 'string').map(([p]) => p);
    expect(missing).toEqual([]);
    const m = declarations(manifestFile).interfaces;
    expect(Object.keys(manifestSchema.properties).sort()).toEqual(Object.keys(m.ConnectorManifest).sort());
    expect(Object.keys(manifestSchema.properties.entities.properties.event.properties).sort()).toEqual(Object.keys(m.EntityCapability).sort());
  });
});

describe('schemas bound every number', () => {
  const connectorSchemas = ['caldav', 'carddav', 'exchange', 'filesystem', 'ical-feed']
    .map((c) => [c, JSON.parse(readFileSync(path.join(repoRoot, 'connectors', c, 'settings.schema.json'), 'utf8'))] as const);

  it('config and every connector settings schema: each integer or number has a minimum and a maximum', () => {
    const unbounded: string[] = [];
    for (const [name, s] of [['config', schema] as const, ...connectorSchemas]) {
      for (const [at, v] of properties(s)) {
        const types = [v.type].flat();
        if ((types.includes('integer') || types.includes('number')) && (typeof v.minimum !== 'number' || typeof v.maximum !== 'number')) unbounded.push(`${name}${at}`);
      }
    }
    expect(unbounded).toEqual([]);
  });
});

describe('schema defaults are the code\'s defaults', () => {
  it('pairing, run budget and service defaults', async () => {
    const { effectivePolicy } = await import('../../src/engine/policy.js');
    const { SERVICE_DEFAULTS, RUN_BUDGET_DEFAULTS, resolveRunBudget, parseDuration } = await import('../../src/runner/settings.js');
    const { DEFAULT_RUN_BUDGET } = await import('../../src/sdk/run-budget.js');
    const policy = effectivePolicy({ entity: 'event', a: { endpoint: 'a' }, b: { endpoint: 'b' } }, { a: false, b: false });
    const p = pairing.properties;
    expect({ mode: p.mode.default, conflict: p.conflict.default, maxDeleteShare: p.maxDeleteShare.default, maxAttempts: p.maxAttempts.default, chunkSize: p.chunkSize.default, deletes: { a: p.deletes.properties.a.default, b: p.deletes.properties.b.default } })
      .toEqual({ mode: policy.mode, conflict: policy.conflict, maxDeleteShare: policy.maxDeleteShare, maxAttempts: policy.maxAttempts, chunkSize: policy.chunkSize, deletes: policy.deletes });
    const budget = p.runBudget.properties;
    expect({ failures: budget.failures.default, failureTime: budget.failureTime.default, maxPause: budget.maxPause.default }).toEqual(RUN_BUDGET_DEFAULTS);
    expect(resolveRunBudget({ entity: 'event', a: { endpoint: 'a' }, b: { endpoint: 'b' } })).toEqual(DEFAULT_RUN_BUDGET);
    expect(parseDuration(RUN_BUDGET_DEFAULTS.maxPause)).toBe(DEFAULT_RUN_BUDGET.maxPauseMs);
    const svc = root.properties.service.properties;
    for (const key of ['host', 'port', 'concurrency', 'perHost', 'maxFailures', 'shutdownTimeout', 'watchDebounce'] as const) {
      expect(svc[key].default, `service.${key}`).toEqual(SERVICE_DEFAULTS[key]);
    }
    const s = p.schedule.properties;
    expect([s.jitter.default, s.retry.properties.initial.default, s.retry.properties.max.default]).toEqual([SERVICE_DEFAULTS.jitter, SERVICE_DEFAULTS.retryInitial, SERVICE_DEFAULTS.retryMax]);
  });

  it('network connector defaults: time-outs, size and listing caps', async () => {
    const { DEFAULT_MAX_RESPONSE_BYTES } = await import('../../../packages/http/src/transport.js');
    const { DEFAULT_MAX_LIST_ITEMS } = await import('../../../packages/dav/src/client.js');
    const { DEFAULT_DAV_TIMEOUT_MS } = await import('../../../packages/dav/src/endpoint.js');
    const settings = (c: string) => JSON.parse(readFileSync(path.join(repoRoot, 'connectors', c, 'settings.schema.json'), 'utf8')).properties;
    for (const c of ['caldav', 'carddav']) {
      expect(settings(c).timeoutMs.default, c).toBe(DEFAULT_DAV_TIMEOUT_MS); // the DAV endpoint's default, not the transport's
      expect(settings(c).maxResponseBytes.default, c).toBe(DEFAULT_MAX_RESPONSE_BYTES);
      expect(settings(c).maxListItems.default, c).toBe(DEFAULT_MAX_LIST_ITEMS);
    }
    expect(settings('exchange').maxResponseBytes.default).toBe(DEFAULT_MAX_RESPONSE_BYTES);
    expect(settings('exchange').maxListItems.default).toBe(DEFAULT_MAX_LIST_ITEMS);
  });
});
