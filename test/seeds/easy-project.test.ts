/**
 * Easy Project (many calendars, each with its colour) end to end through the CLI against a real Radicale: every
 * server calendar paired into a local folder (`discover --pair-with --write`), names and colours carried both ways on
 * creation and when they change, and khal (Debian's package) shows our events in the server calendar's colour.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDavServer, rawPut, type DavServer } from '../support/dav-servers.js';
import { collectionProps, mkcalendar, proppatch } from '../support/dav-collection.js';
import { putCard } from '../support/folder-items.js';
import { ics, Workspace } from '../support/workspace.js';

let server: DavServer;
let ws: Workspace;

beforeAll(async () => {
  server = await startDavServer('radicale');
  expect(await mkcalendar(server, '/user/alpha/', 'Project Alpha', '#FF2968FF')).toBe(201);
  expect(await mkcalendar(server, '/user/beta/', 'Project Beta', '#1BADF8FF')).toBe(201);
  expect((await rawPut(server, '/user/alpha/kickoff.ics', ics({ uid: 'alpha-kickoff', summary: 'Alpha kick-off', start: '20261210T100000Z' }))).status).toBe(201);
  expect((await rawPut(server, '/user/beta/review.ics', ics({ uid: 'beta-review', summary: 'Beta review', start: '20261211T100000Z' }))).status).toBe(201);
}, 60_000);
afterAll(async () => { await server?.dispose(); });
afterEach(() => ws?.cleanup());

function setup(): Workspace {
  ws = new Workspace('dovetail-easyproject-');
  mkdirSync(ws.path('calendars'));
  writeFileSync(ws.path('dovetail.json'), JSON.stringify({
    endpoints: {
      ep: { connector: 'caldav', settings: { url: server.url, username: server.username, password: server.password } },
      local: { connector: 'filesystem', settings: { path: './calendars' } },
    },
    pairings: {},
  }, null, 2));
  return ws;
}

/** The folder's metadata file, trimmed (undefined when it has none). */
const meta = (folder: string, file: 'color' | 'displayname') => (existsSync(ws.path('calendars', folder, file)) ? readFileSync(ws.path('calendars', folder, file), 'utf8').trim() : undefined);

function editConfig(change: (config: { pairings: Record<string, Record<string, unknown>> }) => void): void {
  const config = JSON.parse(readFileSync(ws.path('dovetail.json'), 'utf8'));
  change(config);
  writeFileSync(ws.path('dovetail.json'), JSON.stringify(config, null, 2));
}

/** khal with a config of its own in the workspace: the events of `folders`, as `<ANSI colour>calendar|title`. */
function khal(folders: string[]): Promise<string> {
  const calendars = folders.map((f) => `[[${f}]]\npath = ${ws.path('calendars', f)}\ncolor = auto\n`).join('');
  writeFileSync(ws.path('khal.conf'), `[calendars]\n${calendars}[locale]\ntimeformat = %H:%M\ndateformat = %Y-%m-%d\nlongdateformat = %Y-%m-%d\n`
    + `datetimeformat = %Y-%m-%d %H:%M\nlongdatetimeformat = %Y-%m-%d %H:%M\ndefault_timezone = UTC\nlocal_timezone = UTC\n[sqlite]\npath = ${ws.path('khal.db')}\n`);
  return new Promise((resolve, reject) => {
    execFile('khal', ['-c', ws.path('khal.conf'), '--color', 'list', '--format', '{calendar-color}{calendar}|{title}{reset}', '2026-12-01', '30d'],
      { env: { ...process.env, HOME: ws.dir }, timeout: 60_000 }, (err, stdout, stderr) => (err ? reject(new Error(`khal: ${stderr || err.message}`)) : resolve(stdout)));
  });
}

describe('Easy Project: many calendars, each with its colour', () => {
  it('pairs every server calendar into a folder with its name and colour; khal shows them; changes flow both ways', async () => {
    setup();
    const pair = await ws.run(['discover', 'ep', '--pair-with', 'local', '--write', '--entity', 'event']);
    expect(pair.code, pair.stderr).toBe(0);
    editConfig((c) => { for (const p of Object.values(c.pairings)) p.metadataCheck = '0s'; });
    const first = await ws.run(['sync']);
    expect(first.code, first.stderr + first.stdout).toBe(0);
    const folders = Object.values(JSON.parse(readFileSync(ws.path('dovetail.json'), 'utf8')).pairings as Record<string, { b: { collection: string } }>).map((p) => p.b.collection).sort();
    expect(folders.length).toBeGreaterThanOrEqual(2);
    const alpha = folders.find((f) => meta(f, 'displayname') === 'Project Alpha')!;
    const beta = folders.find((f) => meta(f, 'displayname') === 'Project Beta')!;
    expect(meta(alpha, 'color')).toBe('#FF2968');
    expect(meta(beta, 'color')).toBe('#1BADF8');

    // khal reads the folders we wrote: each event in its calendar's colour (24-bit ANSI from the color file).
    const shown = await khal([alpha, beta]);
    expect(shown).toContain(`\x1b[38;2;255;41;104m${alpha}|Alpha kick-off`);
    expect(shown).toContain(`\x1b[38;2;27;173;248m${beta}|Beta review`);

    // A new colour in the folder reaches the server calendar.
    writeFileSync(ws.path('calendars', alpha, 'color'), '#00AA55');
    const local = await ws.run(['sync']);
    expect(local.stdout).toContain('collection on a: set colour #00AA55');
    expect((await collectionProps(server, '/user/alpha/')).color).toBe('#00AA55FF');

    // A new name (and colour) on the server reaches the folder.
    expect(await proppatch(server, '/user/beta/', { name: 'Project Beta (archived)', color: '#888888FF' })).toBe(207);
    await ws.run(['sync']);
    expect(meta(beta, 'displayname')).toBe('Project Beta (archived)');
    expect(meta(beta, 'color')).toBe('#888888');
    // Nothing left to carry.
    const again = await ws.sync();
    expect(again.json!.runs.every((r) => !(r as { collections?: unknown }).collections)).toBe(true);
  });

  it('a local folder with a name and colour becomes a server calendar (and an address book) with them', async () => {
    setup();
    mkdirSync(ws.path('calendars', 'private'));
    writeFileSync(ws.path('calendars', 'private', 'displayname'), 'Private');
    writeFileSync(ws.path('calendars', 'private', 'color'), '#AA00FF');
    writeFileSync(ws.path('calendars', 'private', 'dentist.ics'), ics({ uid: 'dentist', summary: 'Dentist' }));
    putCard(ws.path('calendars', 'people'), 'p-1', ['FN:Pat']);
    writeFileSync(ws.path('calendars', 'people', 'displayname'), 'People I know');
    editConfig((c) => {
      c.pairings = {
        cal: { entity: 'event', a: { endpoint: 'local', collection: 'private' }, b: { endpoint: 'ep', collection: '/user/private/', create: true } },
        book: { entity: 'contact', a: { endpoint: 'local', collection: 'people' }, b: { endpoint: 'card', collection: '/user/people/', create: true } },
      };
      (c as unknown as { endpoints: Record<string, unknown> }).endpoints.card = { connector: 'carddav', settings: { url: server.url, username: server.username, password: server.password } };
    });
    const r = await ws.run(['sync']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(await collectionProps(server, '/user/private/')).toEqual({ name: 'Private', color: '#AA00FFFF' });
    expect((await collectionProps(server, '/user/people/')).name).toBe('People I know');
  });
});
