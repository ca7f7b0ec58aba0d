/**
 * Calendar names and colours between Exchange Online (the Graph simulator) and a local folder through the CLI: an
 * Outlook calendar's name and colour reach the folder's `displayname` and `color` files; a folder's colour becomes the
 * new Outlook calendar's as the nearest of Outlook's named colours (Graph sets colours by name only); a colour changed
 * on either side travels, the nearest colour is reported and not carried back, and a name Exchange keeps (the
 * calendar is paired by its name) is reported as kept.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GraphSimulator, type Folder } from '@dovetail/graph-simulator';
import { ics, Workspace } from '../support/workspace.js';

const USER = 'ann@contoso.onmicrosoft.com';
const TENANT = 'contoso.onmicrosoft.com';
const CLIENT_ID = 'a1b2c3d4-0000-4000-8000-00000000c010';
const SECRET = 'colour-graph-secret';

let sim: GraphSimulator;
let ws: Workspace | undefined;
beforeAll(async () => {
  process.env.GRAPH_SECRET = SECRET; // the CLI reads the client secret from the environment, as users do
  sim = await GraphSimulator.start({ tenant: TENANT, clientId: CLIENT_ID, clientSecret: SECRET, users: [{ email: USER }] });
});
afterAll(async () => { await sim?.stop(); });
afterEach(() => { ws?.cleanup(); ws = undefined; });

/** A workspace with a Graph endpoint `m365` and a folder endpoint `local` (./calendars), and one event pairing. */
function workspace(pairing: Record<string, unknown>): Workspace {
  const w = new Workspace('dovetail-graph-colours-');
  writeFileSync(w.path('graph-ca.pem'), sim.certificate!);
  mkdirSync(w.path('calendars'));
  writeFileSync(w.path('dovetail.json'), JSON.stringify({
    endpoints: {
      local: { connector: 'filesystem', settings: { path: './calendars' } },
      m365: { connector: 'exchange', settings: { backend: 'graph', tenant: TENANT, clientId: CLIENT_ID, clientSecret: { env: 'GRAPH_SECRET' }, mailbox: USER,
        authority: sim.authorityHost, graphUrl: sim.baseUrl, caFile: './graph-ca.pem', timeZone: 'Europe/Berlin' } },
    },
    pairings: { p: { entity: 'event', mode: 'two-way', metadataCheck: '0s', ...pairing } },
  }, null, 2));
  return w;
}

/** A folder's metadata file, trimmed; undefined when it has none. */
function meta(w: Workspace, folder: string, file: 'color' | 'displayname'): string | undefined {
  const p = w.path('calendars', folder, file);
  return existsSync(p) ? readFileSync(p, 'utf8').trim() : undefined;
}

const calendar = (id: string): Folder => sim.api.folders(USER, 'event').find((f) => f.id === id)!;

async function sync(w: Workspace): Promise<string> {
  const r = await w.run(['sync']);
  expect(r.code, r.stderr + r.stdout).toBe(0);
  return r.stdout;
}

describe('calendar names and colours with Exchange Online', () => {
  it("an Outlook calendar's name and colour reach a new folder, and a colour changed on either side travels", async () => {
    const alpha = sim.api.createFolder(USER, 'event', 'Project Alpha');
    sim.api.colourCalendar(USER, alpha.id, { color: 'lightTeal' });
    sim.api.create(USER, 'event', alpha.id, { subject: 'Kick-off', start: { dateTime: '2026-12-10T10:00:00', timeZone: 'UTC' }, end: { dateTime: '2026-12-10T11:00:00', timeZone: 'UTC' } });
    ws = workspace({ a: { endpoint: 'm365', collection: 'calendar/Project Alpha' }, b: { endpoint: 'local', collection: 'alpha', create: true } });

    await sync(ws);
    expect(meta(ws, 'alpha', 'displayname')).toBe('Project Alpha');
    expect(meta(ws, 'alpha', 'color')).toBe('#8CD5D0');
    expect(readdirSync(ws.path('calendars', 'alpha')).filter((f) => f.endsWith('.ics')).map((f) => /^SUMMARY:(.*?)\r?$/m.exec(readFileSync(ws!.path('calendars', 'alpha', f), 'utf8'))?.[1])).toEqual(['Kick-off']);

    // An Outlook user picks a named colour, then a custom one: each reaches the folder as its hex.
    sim.api.colourCalendar(USER, alpha.id, { color: 'lightGreen' });
    expect(await sync(ws)).toContain('collection on b: set colour #87D28F');
    expect(meta(ws, 'alpha', 'color')).toBe('#87D28F');
    sim.api.colourCalendar(USER, alpha.id, { hexColor: '#1e90ff' });
    expect(await sync(ws)).toContain('collection on b: set colour #1E90FF');
    expect(meta(ws, 'alpha', 'color')).toBe('#1E90FF');

    // The folder gets a colour Outlook does not have: the calendar takes the nearest named one, and the run says so.
    writeFileSync(ws.path('calendars', 'alpha', 'color'), '#FF0000\n');
    const local = await ws.sync();
    expect(local.report).toMatchObject({ collections: [{ side: 'a', color: '#F5919C', asked: { color: '#FF0000' } }] });
    expect(calendar(alpha.id)).toMatchObject({ color: 'lightRed', hexColor: '#F5919C' });
    // The nearest colour is not carried back over the folder's own.
    expect(await sync(ws)).not.toContain('collection on');
    expect(meta(ws, 'alpha', 'color')).toBe('#FF0000');

    // A new folder name is kept in Exchange (the pairing names the calendar by its name), said once, not undone.
    writeFileSync(ws.path('calendars', 'alpha', 'displayname'), 'Alpha (archived)\n');
    expect(await sync(ws)).toContain('collection on a: set name "Project Alpha" (kept; not "Alpha (archived)")');
    expect(calendar(alpha.id).name).toBe('Project Alpha');
    expect(await sync(ws)).not.toContain('collection on');
    expect(meta(ws, 'alpha', 'displayname')).toBe('Alpha (archived)');
  }, 120_000);

  it('a folder with a colour becomes an Outlook calendar with the nearest named colour; an Outlook change comes back', async () => {
    ws = workspace({ a: { endpoint: 'local', collection: 'team' }, b: { endpoint: 'm365', collection: 'calendar/Team', create: true } });
    mkdirSync(ws.path('calendars', 'team'));
    writeFileSync(ws.path('calendars', 'team', 'color'), '#E02020');
    writeFileSync(ws.path('calendars', 'team', 'standup.ics'), ics({ uid: 'standup', summary: 'Standup' }));

    const first = await ws.sync();
    expect(first.code, first.stderr).toBe(0);
    const team = sim.api.folders(USER, 'event').find((f) => f.name === 'Team')!;
    expect(team).toMatchObject({ color: 'lightRed', hexColor: '#F5919C' });
    expect(sim.api.items(USER, team.id).map((i) => i.fields.subject)).toEqual(['Standup']);
    // Settled: the calendar's nearest colour is not carried back to the folder.
    const settled = await ws.sync();
    expect(settled.report).not.toHaveProperty('collections');
    expect(meta(ws, 'team', 'color')).toBe('#E02020');

    // Outlook's user picks another colour: it reaches the folder.
    sim.api.colourCalendar(USER, team.id, { color: 'lightYellow' });
    expect(await sync(ws)).toContain('collection on a: set colour #F0E16C');
    expect(meta(ws, 'team', 'color')).toBe('#F0E16C');
    expect(await sync(ws)).not.toContain('collection on');
  }, 120_000);
});
