import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configureValidatorStore, validatorKey } from '../../src/config/validator-store.js';
import { discoverConnectors } from '../../src/host/discovery.js';
import { hostApiVersion } from '../../src/host/paths.js';
import { widenSecrets } from '../../src/host/settings-schema.js';
import { cleanTemp, copyFixture, tempDir, writeJson } from './helpers.js';

const hostVersion = hostApiVersion();
let tmp: string;
let nm: string;
let indexFile: string;
let cacheDir: string;

beforeEach(async () => {
  tmp = await tempDir('dovetail-index-');
  nm = path.join(tmp, 'node_modules');
  indexFile = path.join(tmp, 'cache', 'connector-index.json');
  cacheDir = path.join(tmp, 'cache', 'validators');
  configureValidatorStore({ builtDir: path.join(tmp, 'no-built'), cacheDir });
});
afterEach(async () => {
  configureValidatorStore({});
  await cleanTemp();
});

async function editPackage(dir: string, edit: (pkg: any) => void): Promise<void> {
  const file = path.join(dir, 'package.json');
  const pkg = JSON.parse(await readFile(file, 'utf8'));
  edit(pkg);
  await writeJson(file, pkg);
}

/** A package without the keyword, ready to be turned into a connector in place. */
async function plainPackage(dir: string, id: string): Promise<string> {
  await copyFixture('notes-js', dir);
  await editPackage(dir, (p) => { p.name = path.basename(dir); p.keywords = []; p.dovetail.id = id; });
  return dir;
}

/** Moves a folder's modification time on, as a later npm install would. */
async function touch(dir: string, seconds: number): Promise<void> {
  const at = new Date(Date.now() + seconds * 1000);
  await utimes(dir, at, at);
}

const ids = async () => (await discoverConnectors({ nodeModulesDirs: [nm], hostVersion, indexFile })).connectors.map((c) => c.id);

describe('connector index', () => {
  it('remembers which node_modules packages are connectors and reads no other package.json while node_modules is unchanged', async () => {
    await copyFixture('notes-js', path.join(nm, 'dovetail-connector-notes'));
    const other = await plainPackage(path.join(nm, 'not-yet'), 'late');
    expect(await ids()).toEqual(['notes']);
    const index = JSON.parse(await readFile(indexFile, 'utf8'));
    expect(index.folders[nm].connectors).toEqual([path.join(nm, 'dovetail-connector-notes')]);

    // The keyword added in place (node_modules itself untouched): the index answers, the package.json is not read.
    await editPackage(other, (p) => { p.keywords = ['dovetail-connector']; });
    expect(await ids()).toEqual(['notes']);
    // Once node_modules changes (as any npm install does), it is scanned again.
    await touch(nm, 5);
    expect(await ids()).toEqual(['notes', 'late']);
  });

  it('refreshes when a package is added or removed, also inside an @scope folder', async () => {
    await copyFixture('notes-js', path.join(nm, 'dovetail-connector-notes'));
    await mkdir(path.join(nm, '@acme'), { recursive: true });
    expect(await ids()).toEqual(['notes']);

    const scoped = await copyFixture('notes-js', path.join(nm, '@acme', 'scoped'));
    await editPackage(scoped, (p) => { p.name = '@acme/scoped'; p.dovetail.id = 'scoped'; });
    await touch(path.join(nm, '@acme'), 5);
    expect(await ids()).toEqual(['scoped', 'notes']);

    await rm(path.join(nm, 'dovetail-connector-notes'), { recursive: true });
    await touch(nm, 10);
    expect(await ids()).toEqual(['scoped']);
  });

  it('reads symlinked packages (workspaces, npm link) on every run', async () => {
    const linked = await plainPackage(path.join(tmp, 'work', 'linked'), 'linked');
    await mkdir(nm, { recursive: true });
    await symlink(linked, path.join(nm, 'linked'), 'dir');
    expect(await ids()).toEqual([]);
    await editPackage(linked, (p) => { p.keywords = ['dovetail-connector']; });
    expect(await ids()).toEqual(['linked']);
  });

  it('ignores a damaged index and writes a good one; works when the index cannot be written', async () => {
    await copyFixture('notes-js', path.join(nm, 'dovetail-connector-notes'));
    await mkdir(path.dirname(indexFile), { recursive: true });
    await writeFile(indexFile, '{"format":1,"folders":');
    expect(await ids()).toEqual(['notes']);
    expect(JSON.parse(await readFile(indexFile, 'utf8')).folders[nm].connectors).toHaveLength(1);

    const blocker = path.join(tmp, 'a-file');
    await writeFile(blocker, 'not a folder');
    const found = await discoverConnectors({ nodeModulesDirs: [nm], hostVersion, indexFile: path.join(blocker, 'index.json') });
    expect(found.connectors.map((c) => c.id)).toEqual(['notes']);
    expect(found.problems).toEqual([]);
  });

  it('drops the entries of node_modules folders that are gone', async () => {
    const gone = path.join(tmp, 'gone', 'node_modules');
    await copyFixture('notes-js', path.join(gone, 'dovetail-connector-notes'));
    await discoverConnectors({ nodeModulesDirs: [gone], hostVersion, indexFile });
    await rm(path.join(tmp, 'gone'), { recursive: true });
    await copyFixture('notes-js', path.join(nm, 'dovetail-connector-notes'));
    await ids();
    expect(Object.keys(JSON.parse(await readFile(indexFile, 'utf8')).folders)).toEqual([nm]);
  });
});

describe('settings schemas at discovery, with stored validators', () => {
  it('stores the validator of a valid settings schema at discovery and loads it only when settings are checked', async () => {
    const dir = await copyFixture('notes-js', path.join(tmp, 'connectors', 'notes'));
    const schema = JSON.parse(await readFile(path.join(dir, 'settings.schema.json'), 'utf8'));
    const file = path.join(cacheDir, `${validatorKey(widenSecrets(schema) as object, { useDefaults: true })}.json`);
    await discoverConnectors({ extraDirs: [path.join(tmp, 'connectors')], hostVersion, indexFile });
    expect(existsSync(file)).toBe(true);

    // Damaged later: discovery only checks that the validator is stored; the first check notices and compiles again.
    await writeFile(file, 'garbage');
    const { connectors, problems } = await discoverConnectors({ extraDirs: [path.join(tmp, 'connectors')], hostVersion, indexFile });
    expect(problems).toEqual([]);
    expect(await readFile(file, 'utf8')).toBe('garbage');
    expect(connectors[0].checkSettings({ url: 7 }).ok).toBe(false);
    expect(await readFile(file, 'utf8')).not.toBe('garbage');
  });

  it('reports an invalid settings schema on every run, and a schema that became invalid', async () => {
    const dir = path.join(tmp, 'connectors');
    const bad = await copyFixture('notes-js', path.join(dir, 'bad'));
    await editPackage(bad, (p) => { p.dovetail.id = 'bad'; });
    await writeJson(path.join(bad, 'settings.schema.json'), { type: 'object', properties: { folder: { type: 'strin' } } });
    const good = await copyFixture('notes-js', path.join(dir, 'notes'));
    for (let run = 0; run < 2; run++) {
      const { connectors, problems } = await discoverConnectors({ extraDirs: [dir], hostVersion, indexFile });
      expect(connectors.map((c) => c.id)).toEqual(['notes']);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatchObject({ connectorId: 'bad', path: path.join(bad, 'settings.schema.json') });
      expect(problems[0].message).toMatch(/invalid settings schema/);
    }
    const schemaFile = path.join(good, 'settings.schema.json');
    const schema = JSON.parse(await readFile(schemaFile, 'utf8'));
    await writeJson(schemaFile, { ...schema, required: 'url' });
    const { connectors, problems } = await discoverConnectors({ extraDirs: [dir], hostVersion, indexFile });
    expect(connectors).toEqual([]);
    expect(problems.map((p) => p.path).sort()).toEqual([path.join(dir, 'bad', 'settings.schema.json'), schemaFile].sort());
  });
});
