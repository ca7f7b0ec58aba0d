import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { configSchemaIssues, validateConfig, type ConfigIssue } from '../../src/config/validate.js';
import { PluginHost } from '../../src/host/index.js';
import type { LoadedConfig } from '../../src/config/types.js';
import { cleanTemp, copyFixture, memoryLogger, repoRoot, tempDir, writeJson } from '../host/helpers.js';

let dir: string;

afterAll(cleanTemp);
beforeAll(async () => {
  // connector packages for all tests: the repo's filesystem connector plus the notes and feed fixtures in ./connectors
  dir = await tempDir('dovetail-validate-');
  await copyFixture('notes-js', path.join(dir, 'connectors', 'notes'));
  await copyFixture('feed-js', path.join(dir, 'connectors', 'feed'));
});

const base = () => ({
  connectorDirs: ['./connectors'],
  endpoints: {
    local: { connector: 'filesystem', settings: { path: './tasks' } },
    notes: { connector: 'notes', settings: { folder: 'n', password: { env: 'NOTES_PW' } } },
  },
  pairings: {
    p: { entity: 'task', a: { endpoint: 'local', collection: 'todo' }, b: { endpoint: 'notes', collection: 'inbox' }, mode: 'two-way' } as Record<string, unknown>,
  },
});

let counter = 0;
async function validate(config: unknown): Promise<{ issues: ConfigIssue[]; loaded: LoadedConfig }> {
  const file = path.join(dir, `dovetail-${counter++}.json`);
  await writeJson(file, config);
  const loaded = await loadConfig(file);
  const host = await PluginHost.create({ loaded, logger: memoryLogger().logger, repoRoot, nodeModulesDirs: [] });
  return { issues: validateConfig(loaded, host), loaded };
}

const at = (issues: ConfigIssue[], pointer: string) => issues.filter((i) => i.pointer === pointer);

describe('validateConfig', () => {
  it('checks an endpoint\'s process option: durations and their bounds, and false only for connectors with a main entry', async () => {
    const cfg = base() as Record<string, any>;
    cfg.endpoints.local.process = { requestTimeout: 'soon', heartbeat: '10ms' };
    cfg.endpoints.notes.process = true;
    const { issues } = await validate(cfg);
    expect(issues).toEqual([
      expect.objectContaining({ pointer: '/endpoints/local/process/requestTimeout', message: '"soon" does not have the expected form' }),
      { pointer: '/endpoints/local/process/heartbeat', message: '10ms is out of range', hint: 'from 50 ms to 600 s' },
    ]);
    cfg.endpoints.local.process = false;
    cfg.endpoints.notes.process = { requestTimeout: '5m', maxMessageBytes: 1024 };
    expect((await validate(cfg)).issues.map((i) => i.pointer)).toEqual(['/endpoints/notes/process/maxMessageBytes']);
  });

  it('accepts a valid config', async () => {
    const { issues } = await validate(base());
    expect(issues).toEqual([]);
  });

  it('reports a wrong type at /pairings/p/mode with the allowed modes as hint', async () => {
    const cfg = base();
    cfg.pairings.p.mode = 2;
    const { issues } = await validate(cfg);
    expect(issues).toEqual([{
      pointer: '/pairings/p/mode', message: 'must be a string, not an integer',
      hint: 'one of: two-way, two-way-existing, mirror-a-to-b, mirror-b-to-a, push-a-to-b, push-b-to-a, export-a-to-b, export-b-to-a, once',
    }]);
  });

  it('suggests the closest value for a misspelt mode and a misspelt key', async () => {
    const cfg = base();
    cfg.pairings.p.mode = 'two-ways';
    cfg.pairings.p.confict = 'a-wins';
    const { issues } = await validate(cfg);
    expect(at(issues, '/pairings/p/mode')[0].hint).toMatch(/^did you mean "two-way"\? one of: two-way, /);
    expect(at(issues, '/pairings/p/confict')[0]).toMatchObject({ message: 'unknown property "confict"' });
    expect(at(issues, '/pairings/p/confict')[0].hint).toMatch(/^did you mean "conflict"\?/);
    expect(issues).toHaveLength(2);
  });

  it('reports an unknown connector with the known ids', async () => {
    const cfg = base() as any;
    cfg.endpoints.cal = { connector: 'filesytem', settings: { path: '.' } };
    const { issues } = await validate(cfg);
    expect(issues).toEqual([{ pointer: '/endpoints/cal/connector', message: 'unknown connector "filesytem"', hint: expect.stringMatching(/^did you mean "filesystem"\? one of: .*filesystem.*notes/) }]);
  });

  it('reports an unknown endpoint in a pairing with the defined endpoints', async () => {
    const cfg = base();
    cfg.pairings.p.a = { endpoint: 'locl', collection: 'todo' };
    const { issues } = await validate(cfg);
    expect(issues).toEqual([{ pointer: '/pairings/p/a/endpoint', message: 'unknown endpoint "locl"', hint: 'did you mean "local"? one of: local, notes' }]);
  });

  it('reports settings that break the connector\'s schema with pointers inside the settings', async () => {
    const cfg = base() as any;
    cfg.endpoints.local.settings = { path: 7, vcardVersion: '2.1', extra: true };
    cfg.endpoints.notes.settings = { password: 12 };
    const { issues } = await validate(cfg);
    const byPointer = Object.fromEntries(issues.map((i) => [i.pointer, i]));
    expect(Object.keys(byPointer).sort()).toEqual([
      '/endpoints/local/settings/extra', '/endpoints/local/settings/path', '/endpoints/local/settings/vcardVersion',
      '/endpoints/notes/settings/folder', '/endpoints/notes/settings/password',
    ]);
    expect(byPointer['/endpoints/local/settings/path']).toMatchObject({ message: 'must be a string, not an integer', hint: expect.stringMatching(/^Root folder/) });
    expect(byPointer['/endpoints/local/settings/vcardVersion'].hint).toBe('one of: 3.0, 4.0');
    expect(byPointer['/endpoints/local/settings/extra'].hint).toMatch(/^allowed here: path, fileExtension, vcardVersion, charset, createRoot/);
    expect(byPointer['/endpoints/notes/settings/folder'].message).toBe('required property "folder" is missing');
    expect(byPointer['/endpoints/notes/settings/password']).toMatchObject({ message: 'must be a string or an object, not an integer', hint: expect.stringMatching(/\{ "env": NAME \}/) });
  });

  it('reports missing required settings when an endpoint has none', async () => {
    const cfg = base() as any;
    delete cfg.endpoints.local.settings;
    const { issues } = await validate(cfg);
    expect(issues).toEqual([{ pointer: '/endpoints/local/settings/path', message: 'required property "path" is missing', hint: expect.stringMatching(/^Root folder/) }]);
  });

  it('reports an entity a side\'s connector does not handle', async () => {
    const cfg = base();
    cfg.pairings.p.entity = 'event';
    const { issues } = await validate(cfg);
    expect(issues).toEqual([{ pointer: '/pairings/p/entity', message: 'endpoint "notes" (connector "notes") does not handle event items', hint: 'connector "notes" handles task' }]);
  });

  it('reports create on a connector without create-collection, mapping fields it does not store, and a self-pairing', async () => {
    const cfg = base() as any;
    cfg.pairings.p.b = { endpoint: 'notes', collection: 'inbox', create: true };
    cfg.pairings.p.mapping = [{ a: 'summary', b: 'sumary' }];
    cfg.pairings.q = { entity: 'task', a: { endpoint: 'local', collection: 'x' }, b: { endpoint: 'local', collection: 'x' } };
    const { issues } = await validate(cfg);
    expect(issues).toEqual([
      { pointer: '/pairings/p/b/create', message: 'connector "notes" cannot create collections', hint: expect.any(String) },
      { pointer: '/pairings/p/mapping/0/b', message: 'connector "notes" does not store field "sumary" for task items', hint: 'did you mean "summary"? one of: summary, description, due, status' },
      { pointer: '/pairings/q/b/collection', message: 'side B is the same collection as side A', hint: expect.any(String) },
    ]);
  });

  it('lets a side leave out "collection" only on a single-collection connector, naming the one that needs it', async () => {
    const cfg = base() as any;
    cfg.endpoints.out = { connector: 'feed-fixture', settings: { target: 'x' } };
    cfg.pairings.p = { entity: 'task', a: { endpoint: 'local' }, b: { endpoint: 'out' }, mode: 'two-way' };
    cfg.pairings.q = { entity: 'task', a: { endpoint: 'out' }, b: { endpoint: 'out' }, mode: 'push-a-to-b' };
    const { issues } = await validate(cfg);
    expect(issues).toEqual([
      { pointer: '/pairings/p/a', message: 'required property "collection" is missing', hint: expect.stringContaining('endpoint "local" (connector "filesystem") holds several collections') },
      { pointer: '/pairings/q/b', message: 'side B is the same collection as side A', hint: expect.any(String) },
    ]);
  });

  it('refuses, at the pairing, a mode that would write to an endpoint read-only by its settings, and says what to do', async () => {
    const cfg = base() as any;
    cfg.endpoints.src = { connector: 'feed-fixture', settings: { source: 'x' } };
    cfg.endpoints.out = { connector: 'feed-fixture', settings: { target: 'y' } };
    const side = (endpoint: string, extra = {}) => ({ endpoint, ...extra });
    cfg.pairings = {
      twoway: { entity: 'task', a: side('src'), b: { endpoint: 'local', collection: 'todo' } },
      back: { entity: 'task', a: { endpoint: 'local', collection: 'todo' }, b: side('src'), mode: 'push-a-to-b' },
      mirror: { entity: 'task', a: side('src'), b: { endpoint: 'local', collection: 'todo' }, mode: 'mirror-a-to-b' },
      marked: { entity: 'task', a: side('src', { readOnly: true }), b: { endpoint: 'local', collection: 'todo' }, mode: 'two-way' },
      writable: { entity: 'task', a: side('out'), b: { endpoint: 'local', collection: 'todo' }, mode: 'two-way' },
    };
    const { issues } = await validate(cfg);
    expect(issues).toEqual([
      {
        pointer: '/pairings/twoway', message: 'mode "two-way" would write to side A, but endpoint "src" is read-only: it reads from "source", which cannot be written',
        hint: 'copy it one way with "mode": "mirror-a-to-b" or "push-a-to-b", or set "readOnly": true on side A so nothing is ever written to it',
      },
      {
        pointer: '/pairings/back', message: 'mode "push-a-to-b" would write to side B, but endpoint "src" is read-only: it reads from "source", which cannot be written',
        hint: 'copy it one way with "mode": "mirror-b-to-a" or "push-b-to-a", or set "readOnly": true on side B so nothing is ever written to it',
      },
    ]);
  });

  it('reports a missing connectorDirs folder', async () => {
    const cfg = base();
    cfg.connectorDirs.push('./nope');
    const { issues } = await validate(cfg);
    expect(issues).toEqual([{ pointer: '/connectorDirs/1', message: `folder ${path.join(dir, 'nope')} does not exist`, hint: expect.any(String) }]);
  });

  it('explains schema problems in nested rules: transforms, filters, secrets, once', async () => {
    const cfg = base() as any;
    cfg.pairings.p.mapping = [
      { a: 'description', b: 'description', transform: 'html-to-txt' },
      { a: 'status', b: 'status', transform: { name: 'status-table' } },
      { a: 'summary', b: 'summary', transform: { name: 'reminders', policy: 'some' } },
      { a: 'summary', b: 'summary', transform: { name: 'my-own', x: 1 } },
    ];
    cfg.pairings.p.filters = { exclude: [{ field: 'summary' }, { predicate: 'category' }, { field: 'summary', pattern: 'x', predicate: 'private' }] };
    cfg.pairings.p.once = 'add';
    cfg.service = { token: { envv: 'TOKEN' }, port: 70000 };
    const { issues } = await validate(cfg);
    const byPointer = Object.fromEntries(issues.map((i) => [i.pointer, i]));
    expect(byPointer['/pairings/p/mapping/0/transform'].hint).toMatch(/^did you mean "html-to-text"\?/);
    expect(byPointer['/pairings/p/mapping/1/transform/table'].message).toBe('required property "table" is missing');
    expect(byPointer['/pairings/p/mapping/2/transform/policy'].hint).toBe('one of: all, none, upcoming-only');
    expect(byPointer['/pairings/p/filters/exclude/0/pattern'].message).toBe('required property "pattern" is missing');
    expect(byPointer['/pairings/p/filters/exclude/1/value'].message).toBe('required property "value" is missing');
    expect(byPointer['/pairings/p/filters/exclude/2'].message).toBe('combines properties that cannot be used together');
    expect(byPointer['/pairings/p/filters/exclude/2'].hint).toMatch(/^Either `field` \+ `pattern` .* or a `predicate` .* not both\.$/);
    expect(byPointer['/pairings/p/mode'].message).toBe('must be "once"');
    expect(byPointer['/service/token/envv']).toMatchObject({ message: 'unknown property "envv"', hint: 'did you mean "env"? allowed here: env' });
    expect(byPointer['/service/token/env'].message).toBe('required property "env" is missing');
    expect(byPointer['/service/port'].message).toMatch(/must be <= 65535/);
    expect(Object.keys(byPointer).filter((p) => p.startsWith('/pairings/p/mapping/3'))).toEqual([]);
    expect(issues).toHaveLength(10);
  });

  it('reports missing top-level sections and invalid names', async () => {
    const { issues } = await validate({ endpoints: { 'bad name': { connector: 'filesystem', settings: { path: '.' } } } });
    expect(issues).toEqual([
      { pointer: '/pairings', message: 'required property "pairings" is missing', hint: expect.stringMatching(/^Named pairings/) },
      { pointer: '/endpoints/bad name', message: 'invalid name "bad name"', hint: expect.stringMatching(/^Endpoint name: letters, digits/) },
    ]);
  });
});

describe('config schema', () => {
  it('accepts the DESIGN §6 example and every documented option', () => {
    const example = {
      $schema: './schemas/config.schema.json',
      state: './.dovetail',
      connectorDirs: ['./my-connectors'],
      endpoints: {
        work: { connector: 'caldav', settings: { url: 'https://dav.example.com/', username: 'ann', password: { env: 'WORK_PASSWORD' } } },
        local: { connector: 'filesystem', settings: { path: './calendars' } },
      },
      pairings: {
        'work-local': {
          entity: 'event',
          a: { endpoint: 'work', collection: '/ann/calendar/' },
          b: { endpoint: 'local', collection: 'calendar', create: true },
          mode: 'two-way', conflict: 'newer-wins', deletes: { a: 'delete', b: 'tombstone' }, maxDeleteShare: 0.5,
          window: { pastDays: 365, futureDays: 365 },
          filters: { exclude: [{ field: 'summary', pattern: 'Test*' }, { predicate: 'private' }], include: [] },
          mapping: [{ a: 'description', b: 'description', direction: 'both', transform: 'html-to-text' }],
          schedule: { every: '5m' },
        },
        import: {
          entity: 'contact', a: { endpoint: 'work', collection: 'c', readOnly: true }, b: { endpoint: 'local', collection: 'c' },
          mode: 'once', once: 'recreate', conflict: 'keep-both', maxAttempts: 3, chunkSize: 50, window: { from: '2026-01-01', to: '2027-01-01T00:00:00Z' },
          mapping: [
            { a: 'status', b: 'status', transform: { name: 'status-table', table: 'proad' } },
            { a: 'status', b: 'status', transform: { name: 'status-table', table: { 'needs-action': 'open' } } },
            { a: 'reminders', b: 'reminders', direction: 'a-to-b', transform: { name: 'reminders', policy: 'upcoming-only' } },
            { a: 'categories', b: 'color', transform: { name: 'category-color', table: { Work: '#0000ff' } } },
            { a: 'showAs', b: 'showAs', transform: { name: 'constant', value: 'busy' } },
            { a: 'summary', b: 'summary', transform: { name: 'template', template: '{summary} – {location}' }, default: '.' },
            { a: 'priority', b: 'priority', transform: 'priority-1-9-to-level', direction: 'none' },
          ],
          filters: { include: [{ predicate: 'category', value: 'Work', side: 'a' }, { predicate: 'has-due' }, { predicate: 'recurring' }] },
        },
      },
      service: { host: '127.0.0.1', port: 8787, token: { file: './token' } },
      log: { level: 'debug' },
    };
    expect(configSchemaIssues(example)).toEqual([]);
  });
});
