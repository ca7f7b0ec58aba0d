import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { ActivationError, PluginHost } from '../../src/host/index.js';
import { cleanTemp, copyFixture, memoryLogger, tempDir, writeJson } from './helpers.js';

afterEach(async () => {
  delete process.env.NOTES_FIXTURE_MARKER;
  await cleanTemp();
});

const PASSWORD = 'hunter2-very-secret';
const TOKEN = 'tok_"quoted"_value';

/** A config folder with the notes fixture in ./connectors and an empty repo root (no repo connectors). */
async function setup(extraEndpoints: Record<string, unknown> = {}) {
  const tmp = await tempDir();
  const cfgDir = path.join(tmp, 'cfg');
  await copyFixture('notes-js', path.join(cfgDir, 'connectors', 'notes'));
  await copyFixture('process-only', path.join(cfgDir, 'connectors', 'stdio'));
  await writeFile(path.join(cfgDir, 'token.txt'), `${TOKEN}\n`);
  await writeJson(path.join(cfgDir, 'dovetail.json'), {
    connectorDirs: ['./connectors'],
    endpoints: {
      notes: { connector: 'notes', settings: { folder: './n', password: { env: 'NOTES_PW' }, auth: { user: 'ann', token: { file: './token.txt' } } } },
      stdio: { connector: 'stdio' },
      invalid: { connector: 'notes', settings: { pageSize: 0 } },
      ghost: { connector: 'ghost' },
      ...extraEndpoints,
    },
    pairings: {},
  });
  const marker = path.join(tmp, 'imported.txt');
  process.env.NOTES_FIXTURE_MARKER = marker;
  const loaded = await loadConfig(path.join(cfgDir, 'dovetail.json'));
  const log = memoryLogger('debug');
  const host = await PluginHost.create({
    loaded, logger: log.logger, repoRoot: path.join(tmp, 'empty-repo'), nodeModulesDirs: [],
    secrets: log.secrets, env: { NOTES_PW: PASSWORD },
  });
  return { tmp, cfgDir, marker, host, log };
}

describe('PluginHost', () => {
  it('lists the connectors of the config\'s connectorDirs without running their code', async () => {
    const { host, marker, cfgDir } = await setup();
    expect(host.connectors().map((c) => [c.id, c.source, c.dir])).toEqual([
      ['notes', 'connectorDirs', path.join(cfgDir, 'connectors', 'notes')],
      ['stdio', 'connectorDirs', path.join(cfgDir, 'connectors', 'stdio')],
    ]);
    expect(host.problems()).toEqual([]);
    expect(existsSync(marker)).toBe(false);
    await host.dispose();
  });

  it('activates an endpoint: code runs now, with frozen validated settings, a child logger, secrets and a signal', async () => {
    const { host, marker, cfgDir, log } = await setup();
    expect(existsSync(marker)).toBe(false);
    const active = await host.activate('notes');
    expect(await readFile(marker, 'utf8')).toBe('imported\n');
    expect(active).toMatchObject({ name: 'notes', connectorId: 'notes' });
    expect(active.manifest.displayName).toBe('Notes (fixture)');

    const ctx = (active.connector as any).context;
    expect(ctx.endpoint).toBe('notes');
    expect(ctx.baseDir).toBe(cfgDir);
    expect(ctx.settings).toEqual({ folder: './n', pageSize: 50, password: { env: 'NOTES_PW' }, auth: { user: 'ann', token: { file: './token.txt' } } });
    expect(Object.isFrozen(ctx.settings)).toBe(true);
    expect(Object.isFrozen(ctx.settings.auth)).toBe(true);
    expect(() => { ctx.settings.folder = 'elsewhere'; }).toThrow(TypeError);

    expect(await ctx.secrets.get('password')).toBe(PASSWORD);
    expect(await ctx.secrets.get('auth.token')).toBe(TOKEN);
    await expect(ctx.secrets.get('folder')).rejects.toThrow(/setting "folder" is not marked "x-secret": true/);

    const created = log.lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'notes connector created');
    expect(created).toMatchObject({ connector: 'notes', endpoint: 'notes', folder: './n' });

    expect(ctx.signal).toBeInstanceOf(AbortSignal);
    expect(ctx.signal.aborted).toBe(false);
    await host.dispose();
  });

  it('never lets a resolved secret reach the log output', async () => {
    const { host, log } = await setup();
    const active = await host.activate('notes');
    const result = await active.connector.check();
    expect(result).toEqual({ ok: true, message: 'ok' });
    await (active.connector as any).context.secrets.get('auth.token');
    (active.connector as any).context.logger.info(`token is ${TOKEN}`);
    const text = log.text();
    expect(text).toContain('logging in with [redacted]');
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(JSON.stringify(TOKEN).slice(1, -1));
    expect(text).not.toContain('quoted');
    for (const line of log.lines) expect(() => JSON.parse(line)).not.toThrow();
    await host.dispose();
  });

  it('masks a literal secret from the settings as soon as the endpoint is activated', async () => {
    const literal = 'literal-pass-in-config';
    const { host, log } = await setup({ literal: { connector: 'notes', settings: { folder: 'f', password: literal } } });
    const active = await host.activate('literal');
    const ctx = (active.connector as any).context;
    expect(ctx.settings.password).toBe(literal);
    ctx.logger.info(`settings say ${ctx.settings.password}`);
    expect(log.text()).toContain(`settings say [redacted]`);
    expect(log.text()).not.toContain(literal);
    await host.dispose();
  });

  it('caches an activation per endpoint; dispose aborts the signal, closes the connector and forgets it', async () => {
    const { host } = await setup();
    const [first, again] = await Promise.all([host.activate('notes'), host.activate('notes')]);
    expect(again).toBe(first);
    const ctx = (first.connector as any).context;
    await first.dispose();
    await first.dispose();
    expect(ctx.signal.aborted).toBe(true);
    expect((first.connector as any).closed).toEqual([true]);

    const fresh = await host.activate('notes');
    expect(fresh).not.toBe(first);
    const freshCtx = (fresh.connector as any).context;
    expect(freshCtx.signal.aborted).toBe(false);
    await host.dispose();
    expect(freshCtx.signal.aborted).toBe(true);
    expect((fresh.connector as any).closed).toEqual([true]);
    await expect(host.activate('notes')).rejects.toThrow(/disposed/);
  });

  it('refuses invalid settings with pointers inside the settings, before importing any code', async () => {
    const { host, marker } = await setup();
    const err = await host.activate('invalid').catch((e) => e);
    expect(err).toBeInstanceOf(ActivationError);
    expect(err.reason).toBe('invalid-settings');
    expect(err.issues.map((i: any) => i.pointer).sort()).toEqual(['/endpoints/invalid/settings/folder', '/endpoints/invalid/settings/pageSize']);
    expect(existsSync(marker)).toBe(false);
    await host.dispose();
  });

  it('starts out-of-process-only connectors as a process; one that cannot start fails activation with its exit and stderr', async () => {
    const { host } = await setup();
    // The fixture's process is `python3 ./connector.py`, and the package has no connector.py.
    const err = await host.activate('stdio').catch((e) => e);
    expect(err).toBeInstanceOf(ActivationError);
    expect(err.reason).toBe('create-failed');
    expect(err.message).toMatch(/connector "stdio" failed to start: connector "stdio" crashed: the process exited with code 2 \(last stderr: .*connector\.py/);
    await host.dispose();
  });

  it('explains unknown endpoints and connectors', async () => {
    const { host } = await setup();
    const unknownEndpoint = await host.activate('note').catch((e) => e);
    expect(unknownEndpoint.reason).toBe('unknown-endpoint');
    expect(unknownEndpoint.message).toMatch(/unknown endpoint "note" \(did you mean "notes"\?/);
    const unknownConnector = await host.activate('ghost').catch((e) => e);
    expect(unknownConnector.reason).toBe('unknown-connector');
    expect(unknownConnector.message).toMatch(/unknown connector "ghost" \(one of: notes, stdio\)/);
  });

  it('refuses a module whose default export is not a connector definition, and a connector missing methods', async () => {
    const { host, cfgDir } = await setup();
    const pkgDir = path.join(cfgDir, 'connectors', 'notes');
    // edit the entry after discovery: activation reads it only now
    await writeFile(path.join(pkgDir, 'index.js'), 'export default { kind: "something-else" };\n');
    const err = await host.activate('notes').catch((e) => e);
    expect(err.reason).toBe('load-failed');
    expect(err.message).toMatch(/does not export a connector definition as default/);

    // a connector whose create() returns an incomplete object (a new package folder: modules are cached by URL)
    const other = path.join(cfgDir, 'connectors2', 'half');
    await copyFixture('notes-js', other);
    await writeFile(path.join(other, 'index.js'), 'export default { kind: "dovetail-connector", apiVersion: 1, create: () => ({ check() {} }) };\n');
    const pkg = JSON.parse(await readFile(path.join(other, 'package.json'), 'utf8'));
    pkg.dovetail.id = 'half';
    await writeJson(path.join(other, 'package.json'), pkg);
    const cfgFile = path.join(cfgDir, 'half.json');
    await writeJson(cfgFile, { connectorDirs: ['./connectors2'], endpoints: { h: { connector: 'half', settings: { folder: 'x' } } }, pairings: {} });
    const host2 = await PluginHost.create({ loaded: await loadConfig(cfgFile), logger: memoryLogger().logger, repoRoot: cfgDir, nodeModulesDirs: [] });
    const err2 = await host2.activate('h').catch((e) => e);
    expect(err2.reason).toBe('create-failed');
    expect(err2.message).toMatch(/without discover, list, load, write/);
    await host.dispose();
    await host2.dispose();
  });

  it('tells an activated endpoint whether its settings make it read-only (manifest readOnlyWhen)', async () => {
    const cfgDir = path.join(await tempDir(), 'cfg');
    await copyFixture('feed-js', path.join(cfgDir, 'connectors', 'feed'));
    await writeJson(path.join(cfgDir, 'dovetail.json'), {
      connectorDirs: ['./connectors'],
      endpoints: { src: { connector: 'feed-fixture', settings: { source: 'x' } }, out: { connector: 'feed-fixture', settings: { target: 'y' } } },
      pairings: {},
    });
    const loaded = await loadConfig(path.join(cfgDir, 'dovetail.json'));
    const host = await PluginHost.create({ loaded, logger: memoryLogger().logger, repoRoot: path.join(cfgDir, 'empty-repo'), nodeModulesDirs: [] });
    expect((await host.activate('src')).readOnly).toBe('it reads from "source", which cannot be written');
    expect((await host.activate('out')).readOnly).toBeUndefined();
    await host.dispose();
  });

  it('discovers the repository connectors by default', async () => {
    const host = await PluginHost.create({ logger: memoryLogger().logger, nodeModulesDirs: [] });
    expect(host.connectors().map((c) => c.id)).toContain('filesystem');
    await host.dispose();
  });
});
