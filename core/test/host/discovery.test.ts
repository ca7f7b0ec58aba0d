import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { discoverConnectors } from '../../src/host/discovery.js';
import { hostApiVersion } from '../../src/host/paths.js';
import { cleanTemp, copyFixture, repoRoot, tempDir, writeJson } from './helpers.js';

const hostVersion = hostApiVersion();
const repoConnectorsDir = path.join(repoRoot, 'connectors');

afterEach(cleanTemp);

/** Rewrites a copied fixture's package.json. */
async function editPackage(dir: string, edit: (pkg: any) => void): Promise<void> {
  const file = path.join(dir, 'package.json');
  const pkg = JSON.parse(await readFile(file, 'utf8'));
  edit(pkg);
  await writeJson(file, pkg);
}

describe('discoverConnectors', () => {
  it('finds the repository\'s filesystem connector from its real manifest without building or importing it', async () => {
    const { connectors, problems } = await discoverConnectors({ repoConnectorsDir, hostVersion });
    const fs = connectors.find((c) => c.id === 'filesystem');
    expect(fs).toBeDefined();
    expect(fs!.source).toBe('repo');
    expect(fs!.packageName).toBe('@dovetail/connector-filesystem');
    expect(fs!.dir).toBe(path.join(repoConnectorsDir, 'filesystem'));
    expect(fs!.displayName).toBe('Local folder (vdir)');
    expect(Object.keys(fs!.manifest.entities).sort()).toEqual(['contact', 'event', 'task']);
    expect(fs!.settingsSchema.required).toEqual(['path']);
    expect(fs!.secretKeys).toEqual([]);
    expect(problems.filter((p) => p.path.startsWith(fs!.dir))).toEqual([]);
    // its settings schema is compiled and enforced
    expect(fs!.checkSettings({ path: './cal' })).toMatchObject({ ok: true });
    const bad = fs!.checkSettings({ path: 7 });
    expect(bad.ok).toBe(false);
  });

  it('counts a workspace package reached through node_modules and connectors/ once', async () => {
    const { connectors, problems } = await discoverConnectors({
      repoConnectorsDir, nodeModulesDirs: [path.join(repoRoot, 'node_modules')], hostVersion,
    });
    expect(connectors.filter((c) => c.id === 'filesystem')).toHaveLength(1);
    expect(problems.filter((p) => p.connectorId === 'filesystem')).toEqual([]);
  });

  it('picks up a plain-JS package copied into a connectorDirs folder, and a folder that is itself a package', async () => {
    const tmp = await tempDir();
    await copyFixture('notes-js', path.join(tmp, 'my-connectors', 'notes'));
    const single = await copyFixture('notes-js', path.join(tmp, 'single'));
    await editPackage(single, (p) => { p.dovetail.id = 'notes-two'; });

    const { connectors, problems } = await discoverConnectors({ extraDirs: [path.join(tmp, 'my-connectors'), single], hostVersion });
    expect(problems).toEqual([]);
    expect(connectors.map((c) => [c.id, c.source, c.version, c.packageName])).toEqual([
      ['notes', 'connectorDirs', '1.2.3', 'dovetail-connector-notes'],
      ['notes-two', 'connectorDirs', '1.2.3', 'dovetail-connector-notes'],
    ]);
    expect(connectors[0].secretKeys).toEqual(['password', 'auth.token']);
  });

  it('finds installed npm packages (plain and @scoped) by keyword and ignores other packages', async () => {
    const nm = path.join(await tempDir(), 'node_modules');
    await copyFixture('notes-js', path.join(nm, 'dovetail-connector-notes'));
    const scoped = await copyFixture('notes-js', path.join(nm, '@acme', 'dovetail-scoped'));
    await editPackage(scoped, (p) => { p.name = '@acme/dovetail-scoped'; p.dovetail.id = 'scoped'; });
    await writeJson(path.join(nm, 'left-pad', 'package.json'), { name: 'left-pad', version: '1.0.0' });
    await mkdir(path.join(nm, 'garbage'), { recursive: true });
    await writeFile(path.join(nm, 'garbage', 'package.json'), '{ not json');
    await mkdir(path.join(nm, '.bin'), { recursive: true });

    const { connectors, problems } = await discoverConnectors({ nodeModulesDirs: [nm, path.join(nm, 'missing')], hostVersion });
    expect(problems).toEqual([]);
    expect(connectors.map((c) => [c.id, c.packageName, c.source])).toEqual([
      ['scoped', '@acme/dovetail-scoped', 'node_modules'],
      ['notes', 'dovetail-connector-notes', 'node_modules'],
    ]);
  });

  it('reports a broken manifest with its file and field, and still loads the others', async () => {
    const dir = path.join(await tempDir(), 'connectors');
    await copyFixture('broken-manifest', path.join(dir, 'broken'));
    await copyFixture('notes-js', path.join(dir, 'notes'));

    const { connectors, problems } = await discoverConnectors({ extraDirs: [dir], hostVersion });
    expect(connectors.map((c) => c.id)).toEqual(['notes']);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({
      path: path.join(dir, 'broken', 'package.json'), pointer: '/dovetail/entities', connectorId: 'broken',
    });
    expect(problems[0].message).toMatch(/must be an object, not an array/);
  });

  it('names the missing field, unknown keys and a bad id', async () => {
    const dir = path.join(await tempDir(), 'connectors');
    const pkg = await copyFixture('notes-js', path.join(dir, 'notes'));
    await editPackage(pkg, (p) => { delete p.dovetail.main; p.dovetail.id = 'Notes App'; p.dovetail.entites = {}; });
    const { connectors, problems } = await discoverConnectors({ extraDirs: [dir], hostVersion });
    expect(connectors).toEqual([]);
    const byPointer = Object.fromEntries(problems.map((p) => [p.pointer, p]));
    expect(Object.keys(byPointer).sort()).toEqual(['/dovetail/entites', '/dovetail/id', '/dovetail/main']);
    expect(byPointer['/dovetail/main'].message).toBe('required property "main" is missing');
    expect(byPointer['/dovetail/entites'].hint).toMatch(/did you mean "entities"\?/);
    expect(byPointer['/dovetail/id'].message).toMatch(/"Notes App"/);
    for (const p of problems) expect(p.path).toBe(path.join(pkg, 'package.json'));
  });

  it('compiles readOnlyWhen: settings matching it make an endpoint read-only with the manifest\'s reason', async () => {
    const dir = path.join(await tempDir(), 'connectors');
    await copyFixture('feed-js', path.join(dir, 'feed'));
    const { connectors, problems } = await discoverConnectors({ extraDirs: [dir], hostVersion });
    expect(problems).toEqual([]);
    const feed = connectors[0];
    expect(feed.manifest.collections).toBe('single');
    expect(feed.readOnlyReason({ source: 'x' })).toBe('it reads from "source", which cannot be written');
    expect(feed.readOnlyReason({ target: 'x' })).toBeUndefined();
  });

  it('refuses a readOnlyWhen whose settings are not a JSON Schema, and an unknown collections value', async () => {
    const dir = path.join(await tempDir(), 'connectors');
    const pkg = await copyFixture('feed-js', path.join(dir, 'feed'));
    await editPackage(pkg, (p) => { p.dovetail.readOnlyWhen.settings = { required: 'source' }; });
    const other = await copyFixture('feed-js', path.join(dir, 'other'));
    await editPackage(other, (p) => { p.dovetail.id = 'other'; p.dovetail.collections = 'one'; });
    const { connectors, problems } = await discoverConnectors({ extraDirs: [dir], hostVersion });
    expect(connectors).toEqual([]);
    expect(problems.map((p) => [p.connectorId, p.pointer])).toEqual([
      ['feed-fixture', '/dovetail/readOnlyWhen/settings'],
      ['other', '/dovetail/collections'],
    ]);
    expect(problems[0].message).toMatch(/^invalid JSON Schema: /);
    expect(problems[1].hint).toMatch(/many, single/);
  });

  it('refuses a duplicate id and names both paths', async () => {
    const tmp = await tempDir();
    const first = await copyFixture('notes-js', path.join(tmp, 'a', 'notes'));
    const second = await copyFixture('notes-js', path.join(tmp, 'b', 'notes-copy'));
    const { connectors, problems } = await discoverConnectors({ extraDirs: [path.join(tmp, 'a'), path.join(tmp, 'b')], hostVersion });
    expect(connectors.map((c) => c.dir)).toEqual([first]);
    expect(problems).toHaveLength(1);
    expect(problems[0].pointer).toBe('/dovetail/id');
    expect(problems[0].path).toBe(path.join(second, 'package.json'));
    expect(problems[0].message).toContain(path.join(first, 'package.json'));
    expect(problems[0].message).toContain(path.join(second, 'package.json'));
  });

  it('checks engines.dovetail against the host API version', async () => {
    const dir = path.join(await tempDir(), 'connectors');
    await copyFixture('old-engine', path.join(dir, 'old'));
    await copyFixture('notes-js', path.join(dir, 'notes'));

    const now = await discoverConnectors({ extraDirs: [dir], hostVersion });
    expect(now.connectors.map((c) => c.id)).toEqual(['notes']);
    expect(now.problems).toEqual([expect.objectContaining({ path: path.join(dir, 'old', 'package.json'), pointer: '/engines/dovetail', connectorId: 'old' })]);
    expect(now.problems[0].message).toBe(`needs Dovetail host API ^7.0.0 (at least 7.0.0); this host provides ${hostVersion} and accepts connectors written for ~0.1.0 or ~0.0.0`);
    expect(now.problems[0].hint).toMatch(/^upgrade Dovetail to a version that provides 7\.0\.0/);

    const later = await discoverConnectors({ extraDirs: [dir], hostVersion: '7.2.0' });
    expect(later.connectors.map((c) => c.id)).toEqual(['old']);
    expect(later.problems.map((p) => [p.connectorId, p.pointer])).toEqual([['notes', '/engines/dovetail']]);
    expect(later.problems[0].message).toBe('needs Dovetail host API ^0.1.0 (at least 0.1.0); this host provides 7.2.0 and accepts connectors written for ^7.0.0 or ^6.0.0');
    expect(later.problems[0].hint).toMatch(/older host API .* built for "\^7\.0\.0"/);
  });

  it('accepts connectors written for the current and the previous major of the host API, and refuses older and newer ones', async () => {
    const dir = path.join(await tempDir(), 'connectors');
    const ranges = { current: '^3.1.0', previous: '^2.4.0', older: '^1.0.0', newer: '^4.0.0' };
    for (const [id, range] of Object.entries(ranges)) {
      const at = await copyFixture('notes-js', path.join(dir, id));
      await editPackage(at, (p) => { p.engines.dovetail = range; p.dovetail.id = id; });
    }
    const found = await discoverConnectors({ extraDirs: [dir], hostVersion: '3.2.0' });
    expect(found.connectors.map((c) => c.id).sort()).toEqual(['current', 'previous']);
    const byId = Object.fromEntries(found.problems.map((p) => [p.connectorId, p]));
    expect(Object.keys(byId).sort()).toEqual(['newer', 'older']);
    expect(byId.older!.message).toContain('this host provides 3.2.0 and accepts connectors written for ^3.0.0 or ^2.0.0');
    expect(byId.newer!.message).toContain('needs Dovetail host API ^4.0.0 (at least 4.0.0)');
  });

  it('runs a declared settings migration before validating settings, and refuses a package whose migration is not one', async () => {
    const dir = path.join(await tempDir(), 'connectors');
    const good = await copyFixture('notes-js', path.join(dir, 'good'));
    await writeFile(path.join(good, 'migrate.js'), "export default { kind: 'dovetail-settings-migration', migrate: (s) => ('dir' in s ? { folder: s.dir } : s) };\n");
    await editPackage(good, (p) => { p.dovetail.settingsMigration = './migrate.js'; });
    const bad = await copyFixture('notes-js', path.join(dir, 'bad'));
    await writeFile(path.join(bad, 'migrate.js'), 'export default (s) => s;\n');
    await editPackage(bad, (p) => { p.dovetail.settingsMigration = './migrate.js'; p.dovetail.id = 'bad'; });
    const { connectors, problems } = await discoverConnectors({ extraDirs: [dir], hostVersion });
    expect(connectors.map((c) => c.id)).toEqual(['notes']);
    expect(problems).toEqual([expect.objectContaining({ connectorId: 'bad', pointer: '/dovetail/settingsMigration', message: `${path.join(bad, 'migrate.js')} does not export a settings migration as default` })]);
    const notes = connectors[0]!;
    expect(notes.checkSettings({ dir: './n' })).toEqual({ ok: true, settings: { folder: './n', pageSize: 50 }, migrated: true });
    expect(notes.checkSettings({ folder: './n' })).toEqual({ ok: true, settings: { folder: './n', pageSize: 50 } });
  });

  it('says which manifest versions it reads when a manifest has another', async () => {
    const dir = path.join(await tempDir(), 'connectors');
    const at = await copyFixture('notes-js', path.join(dir, 'future'));
    await editPackage(at, (p) => { p.dovetail.manifestVersion = 2; });
    const { connectors, problems } = await discoverConnectors({ extraDirs: [dir], hostVersion });
    expect(connectors).toEqual([]);
    expect(problems).toEqual([expect.objectContaining({ pointer: '/dovetail/manifestVersion', message: 'manifest version 2 is newer than this Dovetail reads (it reads 1)' })]);
  });

  it('reports missing or invalid engines.dovetail and an entry outside the package', async () => {
    const dir = path.join(await tempDir(), 'connectors');
    const a = await copyFixture('notes-js', path.join(dir, 'a'));
    await editPackage(a, (p) => { delete p.engines; p.dovetail.id = 'a'; });
    const b = await copyFixture('notes-js', path.join(dir, 'b'));
    await editPackage(b, (p) => { p.engines.dovetail = 'not a range'; p.dovetail.id = 'b'; p.dovetail.main = '../a/index.js'; });
    const { connectors, problems } = await discoverConnectors({ extraDirs: [dir], hostVersion });
    expect(connectors).toEqual([]);
    expect(problems.map((p) => [p.connectorId, p.pointer])).toEqual([['a', '/engines/dovetail'], ['b', '/dovetail/main'], ['b', '/engines/dovetail']]);
    expect(problems[0].hint).toMatch(/"engines": \{ "dovetail": "\^0\.1\.0" \}/);
  });

  it('reports package.json and settings schema syntax errors with line and column', async () => {
    const dir = path.join(await tempDir(), 'connectors');
    await copyFixture('bad-settings-schema', path.join(dir, 'badschema'));
    await mkdir(path.join(dir, 'garbled'), { recursive: true });
    await writeFile(path.join(dir, 'garbled', 'package.json'), '{\n  "name": "x",\n  "dovetail": {\n    "id" "x"\n  }\n}\n');
    const missing = await copyFixture('notes-js', path.join(dir, 'nosettings'));
    await editPackage(missing, (p) => { p.dovetail.settings = './nope.json'; });

    const { connectors, problems } = await discoverConnectors({ extraDirs: [dir], hostVersion });
    expect(connectors).toEqual([]);
    const [schemaProblem, jsonProblem, missingProblem] = problems;
    expect(schemaProblem.path).toBe(path.join(dir, 'badschema', 'settings.schema.json'));
    expect(schemaProblem.message).toMatch(/^invalid JSON at line 4, column \d+/);
    expect(jsonProblem.path).toBe(path.join(dir, 'garbled', 'package.json'));
    expect(jsonProblem.message).toMatch(/^invalid JSON at line 4, column 10/);
    expect(missingProblem).toMatchObject({ path: path.join(missing, 'package.json'), pointer: '/dovetail/settings' });
  });

  it('rejects a settings schema with unknown keywords but allows x-secret', async () => {
    const dir = path.join(await tempDir(), 'connectors');
    const pkg = await copyFixture('notes-js', path.join(dir, 'notes'));
    await writeJson(path.join(pkg, 'settings.schema.json'), { type: 'object', properties: { url: { type: 'string', 'x-sekret': true } } });
    const { problems } = await discoverConnectors({ extraDirs: [dir], hostVersion });
    expect(problems).toHaveLength(1);
    expect(problems[0].path).toBe(path.join(pkg, 'settings.schema.json'));
    expect(problems[0].message).toMatch(/unknown keyword: "x-sekret"/);
  });

  it('runs no connector code', async () => {
    const tmp = await tempDir();
    const marker = path.join(tmp, 'imported.txt');
    process.env.NOTES_FIXTURE_MARKER = marker;
    try {
      await copyFixture('notes-js', path.join(tmp, 'connectors', 'notes'));
      await copyFixture('broken-manifest', path.join(tmp, 'connectors', 'broken'));
      const { connectors } = await discoverConnectors({ extraDirs: [path.join(tmp, 'connectors')], hostVersion });
      expect(connectors.map((c) => c.id)).toEqual(['notes']);
      expect(existsSync(marker)).toBe(false);
    } finally {
      delete process.env.NOTES_FIXTURE_MARKER;
    }
  });
});
