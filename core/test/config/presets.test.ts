/**
 * Mapping presets as data (core/presets): the shipped files, their expansion into plain pairings, how a pairing's
 * own keys merge with a preset's, and the problems `validateConfig` reports (pointers into the file as written).
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { loadPresetCatalog, presetCatalog, PRESETS_DIR } from '../../src/config/preset-catalog.js';
import { expandPresets, presetOrigins } from '../../src/config/preset-expand.js';
import { configSchemaIssues, validateConfig, type ConfigIssue } from '../../src/config/validate.js';
import type { LoadedConfig, PairingConfig } from '../../src/config/types.js';
import { parseFieldPath } from '../../src/engine/fields.js';
import { compileFilters } from '../../src/engine/filters.js';
import { compileMapping } from '../../src/engine/mapping.js';
import { effectivePolicy } from '../../src/engine/policy.js';
import { PluginHost } from '../../src/host/index.js';
import { cleanTemp, copyFixture, memoryLogger, repoRoot, tempDir, writeJson } from '../host/helpers.js';

const sides = { a: { endpoint: 'app', collection: 'contacts' }, b: { endpoint: 'server', collection: 'contacts' } };
const endpoints = {
  app: { connector: 'filesystem', settings: { path: './app' } },
  server: { connector: 'filesystem', settings: { path: './server' } },
};
const configWith = (pairings: Record<string, unknown>) => ({ endpoints, pairings });

/** The pairing `p` after expansion (fails the test when the preset could not be applied). */
function expanded(pairing: Record<string, unknown>): Record<string, any> {
  const result = expandPresets(configWith({ p: { ...sides, ...pairing } }));
  expect(result.issues).toEqual([]);
  return (result.config as any).pairings.p;
}

const presetFile = (id: string) => JSON.parse(readFileSync(path.join(PRESETS_DIR, 'contact', `${id}.json`), 'utf8'));
const directionOf = (p: Record<string, any>, field: string) => p.mapping.find((r: any) => r.a === field && r.b === field)?.direction;

describe('shipped presets', () => {
  it('are found in core/presets, one file per id, with nothing broken', () => {
    const catalog = presetCatalog();
    expect([...catalog.problems]).toEqual([]);
    expect([...catalog.presets.keys()].sort()).toEqual(['pccaddie', 'proad', 'proad-1-way', 'proad-2-way', 'proad-export', 'proad-komplett']);
    for (const p of catalog.presets.values()) expect(path.basename(p.file)).toBe(`${p.id}.json`);
    expect(PRESETS_DIR).toBe(path.join(repoRoot, 'core', 'presets'));
  });

  it('ship with the package and are named in the config schema', () => {
    const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'core', 'package.json'), 'utf8'));
    expect(pkg.files).toContain('presets');
    const schema = JSON.parse(readFileSync(path.join(repoRoot, 'schemas', 'config.schema.json'), 'utf8'));
    const preset = schema.properties.pairings.additionalProperties.properties.preset;
    for (const id of presetCatalog().presets.keys()) {
      expect(preset.description).toContain(`\`${id}\``);
      expect(preset.anyOf[0].examples).toContain(id);
    }
    const groups = presetCatalog().presets.get('pccaddie')!.groups!;
    for (const g of Object.keys(groups)) expect(preset.anyOf[1].properties.options.description).toContain(`\`${g}\``);
  });

  it('expand, with every option value, into pairings the schema accepts and the engine compiles', () => {
    for (const preset of presetCatalog().presets.values()) {
      for (const value of ['none', 'export', 'both']) {
        const options = Object.fromEntries(Object.keys(preset.groups ?? {}).map((g) => [g, value]));
        const ref = preset.groups ? { id: preset.id, options } : preset.id;
        const config = expandPresets(configWith({ p: { ...sides, preset: ref } })).config as any;
        expect(configSchemaIssues(config), `${preset.id} ${value}`).toEqual([]);
        const p = config.pairings.p;
        expect('errors' in (compileMapping(p.mapping, p.entity) as object), `${preset.id} mapping`).toBe(false);
        expect('errors' in (compileFilters(p.filters, p.entity) as object), `${preset.id} filters`).toBe(false);
      }
    }
  });
});

describe('PROAD', () => {
  it('expands to a plain one-way contact pairing: only the preset rules, the active filter, the delete policy', () => {
    const p = expanded({ preset: 'proad' });
    const file = presetFile('proad');
    expect(p).not.toHaveProperty('preset');
    expect(p).toMatchObject({ entity: 'contact', mode: 'push-a-to-b', conflict: 'b-wins', deletes: { a: 'tombstone', b: 'tombstone' }, ...sides });
    expect(p.mapping).toEqual(file.pairing.mapping);
    expect(p.filters.include).toEqual(['1*', 'true*', 'yes*'].map((pattern) => ({ field: 'x.X-PROAD-ACTIVE', pattern, side: 'a' })));
  });

  it('lets exactly the 15 PROAD fields (and the name they compose) flow A → B; nothing flows back', () => {
    const p = expanded({ preset: 'proad' });
    const flowing = p.mapping.filter((r: any) => r.direction !== 'none').map((r: any) => r.a);
    expect(flowing).toEqual([
      'name.given', 'name.family', 'formattedName', 'title', 'org.name',
      'addresses[work].street', 'addresses[work].postalCode', 'addresses[work].locality', 'addresses[work].country',
      'phones[work]', 'phones[work:1]', 'phones[cell]', 'phones[work+fax]', 'emails[0]', 'emails[1]', 'urls[0]',
    ]);
    expect(p.mapping.filter((r: any) => r.direction !== 'none').every((r: any) => r.direction === 'a-to-b' && r.a === r.b)).toBe(true);
    const compiled = compileMapping(p.mapping, 'contact');
    if ('errors' in compiled) throw new Error(JSON.stringify(compiled.errors));
    // Every top-level field besides REV belongs to a rule: nothing is carried implicitly, except `extra` (what the
    // model does not know), which the preset leaves to the engine's default (the source's text is patched).
    const normalized = flowing.map((f: string) => (parseFieldPath('contact', f) as { path: string }).path);
    expect(compiled.fieldsCarried('aToB').sort()).toEqual([...normalized, 'lastModified', 'extra'].sort());
    expect(compiled.fieldsCarried('bToA').sort()).toEqual(['extra', 'lastModified']);
  });

  it('has the delete behaviour the issue asks for, per the engine policy', () => {
    const policy = effectivePolicy(expanded({ preset: 'proad' }) as PairingConfig, { a: false, b: false });
    // Deleted in the app (A): the deletion flows towards B as a tombstone — B keeps the card, marked.
    expect(policy.aToB).toEqual({ create: true, update: true, delete: true, mirror: false });
    expect(policy.deletes.b).toBe('tombstone');
    // Deleted on the server (B): nothing flows towards A — A keeps its card untouched, the relation is dropped.
    expect(policy.bToA).toEqual({ create: false, update: false, delete: false, mirror: false });
    // A same-interval edit in the app does not bring back a card the server deleted.
    expect(policy.conflict).toBe('b-wins');
  });
});

describe('PC CADDIE groups', () => {
  const groupDirections = (p: Record<string, any>) => ({
    address: directionOf(p, 'addresses'), phone: directionOf(p, 'phones'), email: directionOf(p, 'emails'),
  });

  it('turn each option into the direction of its rules: none → none, export → a-to-b, both → both', () => {
    const p = expanded({ preset: { id: 'pccaddie', options: { address: 'both', phone: 'export', email: 'none' } } });
    expect(groupDirections(p)).toEqual({ address: 'both', phone: 'a-to-b', email: 'none' });
    expect(p).toMatchObject({ entity: 'contact', mode: 'two-way-existing', conflict: 'a-wins', deletes: { a: 'tombstone', b: 'delete' } });
    // The group rules follow the preset's own rules.
    const file = presetFile('pccaddie');
    expect(p.mapping.slice(0, file.pairing.mapping.length)).toEqual(file.pairing.mapping);
    expect(p.mapping).toHaveLength(file.pairing.mapping.length + 3);
  });

  it('applies the defaults for options left out (all "export")', () => {
    expect(groupDirections(expanded({ preset: 'pccaddie' }))).toEqual({ address: 'a-to-b', phone: 'a-to-b', email: 'a-to-b' });
    expect(groupDirections(expanded({ preset: { id: 'pccaddie' } }))).toEqual({ address: 'a-to-b', phone: 'a-to-b', email: 'a-to-b' });
    expect(groupDirections(expanded({ preset: { id: 'pccaddie', options: { phone: 'both' } } }))).toEqual({ address: 'a-to-b', phone: 'both', email: 'a-to-b' });
  });

  it('keeps a "none" group as rules with direction none, so the fields are not carried implicitly', () => {
    const p = expanded({ preset: { id: 'pccaddie', options: { address: 'none', phone: 'none', email: 'none' } } });
    const compiled = compileMapping(p.mapping as never, 'contact');
    if ('errors' in compiled) throw new Error(JSON.stringify(compiled.errors));
    for (const d of ['aToB', 'bToA'] as const) {
      expect(compiled.fieldsCarried(d)).not.toContain('addresses');
      expect(compiled.fieldsKept(d)).toEqual(expect.arrayContaining(['addresses', 'phones', 'emails']));
    }
  });
});

describe('merging a pairing with its preset', () => {
  it('replaces scalars and merges deletes per side', () => {
    const p = expanded({ preset: 'proad', mode: 'mirror-a-to-b', conflict: 'a-wins', maxDeleteShare: 0.2, deletes: { a: 'delete' } });
    expect(p).toMatchObject({ mode: 'mirror-a-to-b', conflict: 'a-wins', maxDeleteShare: 0.2, deletes: { a: 'delete', b: 'tombstone' } });
  });

  it('replaces the preset\'s include rules with the pairing\'s, appends exclude rules', () => {
    const include = [{ field: 'org.name', pattern: 'ACME*', side: 'a' }];
    const exclude = [{ field: 'emails', pattern: '*@test.example' }];
    const p = expanded({ preset: 'proad', filters: { include, exclude } });
    expect(p.filters).toEqual({ include, exclude });
    expect(expanded({ preset: 'proad', filters: { include: [] } }).filters.include).toEqual([]);
    const kept = expanded({ preset: 'proad', filters: { exclude } }).filters;
    expect(kept.include).toHaveLength(3);
    expect(kept.exclude).toEqual(exclude);
  });

  it('replaces a preset mapping rule with the same fields in place (aliases count), appends the others', () => {
    const base = presetFile('proad').pairing.mapping;
    const own = [
      { a: 'note', b: 'note', direction: 'a-to-b' },
      { a: 'addresses[WORK].city', b: 'addresses[work].city', direction: 'none' },
      { a: 'x.X-PROAD-ID', b: 'x.X-PROAD-ID', direction: 'a-to-b' },
    ];
    const p = expanded({ preset: 'proad', mapping: own });
    const noteAt = base.findIndex((r: any) => r.a === 'note');
    const cityAt = base.findIndex((r: any) => r.a === 'addresses[work].locality');
    expect(p.mapping).toHaveLength(base.length + 1);
    expect(p.mapping[noteAt]).toEqual(own[0]);
    expect(p.mapping[cityAt]).toEqual(own[1]);
    expect(p.mapping[base.length]).toEqual(own[2]);
    expect(expanded({ preset: 'proad', mapping: [] }).mapping).toEqual(base);
  });

  it('does not change the config it was given', () => {
    const written = configWith({ p: { ...sides, preset: 'proad', mapping: [{ a: 'note', b: 'note', direction: 'a-to-b' }] } });
    const copy = structuredClone(written);
    const result = expandPresets(written);
    expect(written).toEqual(copy);
    expect(result.config).not.toBe(written);
    expect(expandPresets(result.config).config).toEqual(result.config);
  });

  it('loadConfig returns the expanded pairing and keeps the file as written in `source`', async () => {
    const dir = await tempDir('dovetail-presets-');
    const file = path.join(dir, 'dovetail.json');
    const written = configWith({ p: { ...sides, preset: { id: 'pccaddie', options: { email: 'both' } } }, plain: { entity: 'event', ...sides } });
    await writeJson(file, written);
    const loaded = await loadConfig(file);
    expect(loaded.source).toEqual(written);
    expect(loaded.config.pairings.p).not.toHaveProperty('preset');
    expect(loaded.config.pairings.p.entity).toBe('contact');
    expect(directionOf(loaded.config.pairings.p, 'emails')).toBe('both');
    expect(loaded.config.pairings.plain).toEqual(written.pairings.plain);
    expect(presetOrigins(loaded.config.pairings.p)?.presetId).toBe('pccaddie');
    expect(presetOrigins(loaded.config.pairings.plain)).toBeUndefined();
  });
});

describe('validateConfig with presets', () => {
  let dir: string;
  let counter = 0;
  beforeAll(async () => {
    dir = await tempDir('dovetail-presets-validate-');
    await copyFixture('notes-js', path.join(dir, 'connectors', 'notes'));
  });
  afterAll(cleanTemp);

  async function validate(pairings: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<ConfigIssue[]> {
    const file = path.join(dir, `dovetail-${counter++}.json`);
    await writeJson(file, { connectorDirs: ['./connectors'], ...configWith(pairings), ...extra });
    const loaded = await loadConfig(file);
    const host = await PluginHost.create({ loaded, logger: memoryLogger().logger, repoRoot, nodeModulesDirs: [] });
    try {
      return validateConfig(loaded, host);
    } finally {
      await host.dispose();
    }
  }

  it('accepts both presets (entity left out, or written as the preset\'s)', async () => {
    expect(await validate({
      proad: { ...sides, preset: 'proad' },
      caddie: { entity: 'contact', ...sides, b: { endpoint: 'server', collection: 'other' }, preset: { id: 'pccaddie', options: { address: 'both', phone: 'export', email: 'none' } } },
    })).toEqual([]);
  });

  it('reports an unknown preset id with the known ones (string and object form), and nothing else', async () => {
    const KNOWN = 'one of: pccaddie (PC CADDIE contacts), proad (PROAD contact export), proad-1-way (PROAD "1-Way" procedure), '
      + 'proad-2-way (PROAD "2-Way" procedure), proad-export (PROAD "Export" procedure), proad-komplett (PROAD "Komplett-Sync" procedure)';
    const issues = await validate({ p: { ...sides, preset: 'proadd' }, q: { ...sides, preset: { id: 'outlook' } } });
    expect(issues).toEqual([
      { pointer: '/pairings/p/preset', message: 'unknown preset "proadd"', hint: `did you mean "proad"? ${KNOWN}` },
      { pointer: '/pairings/q/preset/id', message: 'unknown preset "outlook"', hint: KNOWN },
    ]);
  });

  it('reports unknown options and option values at their pointer, with the allowed ones', async () => {
    const issues = await validate({
      p: { ...sides, preset: { id: 'pccaddie', options: { adress: 'both', phone: 'sometimes', email: 'export' } } },
      q: { ...sides, b: { endpoint: 'server', collection: 'q' }, preset: { id: 'proad', options: { phone: 'both' } } },
    });
    expect(issues).toEqual([
      { pointer: '/pairings/p/preset/options/adress', message: 'preset "pccaddie" has no option "adress"', hint: 'did you mean "address"? options: address, phone, email' },
      { pointer: '/pairings/p/preset/options/phone', message: '"sometimes" is not an allowed value for option "phone"', hint: expect.stringMatching(/^one of: none, export, both \(none: each side keeps its own/) },
      { pointer: '/pairings/q/preset/options/phone', message: 'preset "proad" has no option "phone"', hint: 'preset "proad" takes no options; use "preset": "proad"' },
    ]);
  });

  it('reports an entity other than the preset\'s', async () => {
    expect(await validate({ p: { ...sides, entity: 'event', preset: 'proad' } })).toEqual([
      { pointer: '/pairings/p/entity', message: 'preset "proad" is for contact pairings, not "event"', hint: 'write "entity": "contact" or leave "entity" out (the preset sets it)' },
    ]);
  });

  it('leaves a malformed preset value to the schema', async () => {
    const issues = await validate({ p: { ...sides, preset: 5 }, q: { ...sides, b: { endpoint: 'server', collection: 'q' }, preset: { name: 'proad' } } });
    expect(issues.map((i) => [i.pointer, i.message])).toEqual([
      ['/pairings/p/preset', 'must be a string or an object, not an integer'],
      ['/pairings/q/preset/id', 'required property "id" is missing'],
      ['/pairings/q/preset/name', 'unknown property "name"'],
    ]);
  });

  it('reports problems in the pairing\'s own rules at their written index, not the merged one', async () => {
    const issues = await validate({
      p: {
        ...sides, preset: 'proad',
        mapping: [{ a: 'note', b: 'note', direction: 'a-to-b' }, { a: 'notee', b: 'x.X-NOTE', direction: 'a-to-b' }],
        filters: { exclude: [{ field: 'org.name' }] },
      },
      q: {
        ...sides, b: { endpoint: 'server', collection: 'q' }, preset: 'pccaddie',
        mapping: [{ a: 'emails', b: 'emails', direction: 'sideways' }],
      },
    });
    expect(issues).toEqual([
      { pointer: '/pairings/p/filters/exclude/0/pattern', message: 'required property "pattern" is missing', hint: expect.any(String) },
      { pointer: '/pairings/q/mapping/0/direction', message: '"sideways" is not an allowed value', hint: expect.stringContaining('one of: both, a-to-b, b-to-a, none') },
      { pointer: '/pairings/p/mapping/1/a', message: 'unknown contact field "notee" — did you mean "note"?', hint: expect.any(String) },
    ]);
  });

  it('points problems with what the preset supplied at /preset and names the part', async () => {
    // The notes connector handles tasks only, so the preset's entity "contact" does not fit it.
    const issues = await validate({ p: { a: { endpoint: 'app', collection: 'c' }, b: { endpoint: 'notes', collection: 'inbox' }, preset: { id: 'pccaddie', options: { phone: 'both' } } } },
      { endpoints: { ...endpoints, notes: { connector: 'notes', settings: { folder: 'n', password: 'x' } } } });
    expect(issues).toEqual([{
      pointer: '/pairings/p/preset', message: 'preset "pccaddie", "entity": endpoint "notes" (connector "notes") does not handle contact items', hint: 'connector "notes" handles task',
    }]);
  });

  it('expands presets in a config built in memory too (as `discover --pair-with` validates one)', async () => {
    const loaded: LoadedConfig = { file: path.join(dir, 'mem.json'), baseDir: dir, stateDir: path.join(dir, '.dovetail'), config: { connectorDirs: ['./connectors'], ...configWith({ p: { ...sides, preset: 'proad' }, q: { ...sides, preset: 'nope' } }) } as never };
    const host = await PluginHost.create({ loaded, logger: memoryLogger().logger, repoRoot, nodeModulesDirs: [] });
    try {
      expect(validateConfig(loaded, host).map((i) => i.pointer)).toEqual(['/pairings/q/preset']);
    } finally {
      await host.dispose();
    }
  });
});

describe('a broken preset file', () => {
  afterAll(cleanTemp);

  it('makes only that preset unusable, with the reason', async () => {
    const dir = await tempDir('dovetail-presets-broken-');
    await mkdir(path.join(dir, 'contact'));
    await writeFile(path.join(dir, 'contact', 'good.json'), JSON.stringify({ ...presetFile('proad'), id: 'good' }));
    await writeFile(path.join(dir, 'contact', 'bad.json'), '{ "id": "bad", ');
    await writeFile(path.join(dir, 'contact', 'sides.json'), JSON.stringify({ id: 'sides', title: 'x', description: 'y', pairing: { entity: 'contact', a: {} } }));
    await writeFile(path.join(dir, 'contact', 'group.json'), JSON.stringify({ id: 'group', title: 'x', description: 'y', pairing: { entity: 'contact' }, groups: { g: { description: 'd', default: 'maybe', rules: [{ a: 'note', b: 'note' }] } } }));
    const catalog = loadPresetCatalog(dir);
    expect([...catalog.presets.keys()]).toEqual(['good']);
    expect(catalog.problems.get('bad')).toMatch(/bad\.json: unreadable/);
    expect(catalog.problems.get('sides')).toMatch(/"pairing" may not set "a"/);
    expect(catalog.problems.get('group')).toMatch(/group "g": "default" must be one of none, export, both/);
    const result = expandPresets(configWith({ p: { ...sides, preset: 'bad' }, q: { ...sides, preset: 'good' } }), catalog);
    expect(result.issues).toEqual([{ pointer: '/pairings/p/preset', message: expect.stringMatching(/^preset "bad" cannot be used: .*unreadable/), hint: expect.stringContaining('one of: good (PROAD contact export)') }]);
    expect([...result.unexpanded]).toEqual(['p']);
    expect((result.config as any).pairings.q.mode).toBe('push-a-to-b');
  });
});
