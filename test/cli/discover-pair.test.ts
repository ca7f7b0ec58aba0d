/**
 * Bulk pairing (`dovetail discover ENDPOINT --pair-with ENDPOINT2`), end to end with the real CLI: a real
 * Radicale (rights from a file, so one calendar is read-only) on one side, a vdir folder on the other.
 * The proposal names one pairing per calendar and entity type, skips read-only and already-paired ones
 * with a reason, never reuses a pairing name or a folder; --write adds them to the config (everything else
 * kept, atomically) and the result validates, dry-runs and syncs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accepts, freePort } from '../support/ports.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ics, Workspace } from '../support/workspace.js';
import { parseJsoncText } from '../../core/src/config/json-text.js';

// ---------------------------------------------------------------------------------------------
// A Radicale of our own: the shared harness runs owner_only rights, and a read-only calendar needs a rights file.

const USER = 'user';
const WORK_UUID = '8f14e45f-ceea-467f-a0e6-9e2b0a1c3d4e';

/** Rights: the owner may do everything in their home except write to `holidays`. */
function rights(readOnlyHolidays: boolean): string {
  return [
    ...(readOnlyHolidays ? ['[holidays]', 'user: .+', 'collection: {user}/holidays(/.*)?', 'permissions: r', ''] : []),
    '[owner]', 'user: .+', 'collection: {user}(/.*)?', 'permissions: RrWw', '',
    '[root]', 'user: .+', 'collection:', 'permissions: R', '',
  ].join('\n');
}

let serverDir: string;
let radicale: ChildProcess | undefined;
let serverUrl: string;

async function davRequest(path: string, method: string, body: string, contentType: string): Promise<number> {
  const res = await fetch(new URL(path, serverUrl), {
    method, body,
    headers: { Authorization: `Basic ${Buffer.from(`${USER}:pw`).toString('base64')}`, 'Content-Type': contentType },
  });
  await res.arrayBuffer();
  return res.status;
}

async function mkcalendar(path: string, name: string, components?: ('VEVENT' | 'VTODO')[]): Promise<void> {
  const set = components ? `<C:supported-calendar-component-set>${components.map((c) => `<C:comp name="${c}"/>`).join('')}</C:supported-calendar-component-set>` : '';
  const body = '<?xml version="1.0" encoding="utf-8"?><C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>'
    + `<D:displayname>${name}</D:displayname>${set}</D:prop></D:set></C:mkcalendar>`;
  expect(await davRequest(path, 'MKCALENDAR', body, 'application/xml; charset=utf-8'), `MKCALENDAR ${path}`).toBe(201);
}

const task = (uid: string, summary: string) => ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Dovetail//Tests//EN', 'BEGIN:VTODO',
  `UID:${uid}`, 'DTSTAMP:20260101T000000Z', `SUMMARY:${summary}`, 'END:VTODO', 'END:VCALENDAR', ''].join('\r\n');

beforeAll(async () => {
  serverDir = mkdtempSync(join(tmpdir(), 'dovetail-pair-radicale-'));
  writeFileSync(join(serverDir, 'rights'), rights(false));
  const port = await freePort();
  serverUrl = `http://127.0.0.1:${port}/`;
  radicale = spawn('radicale', ['--config', '', '--server-hosts', `127.0.0.1:${port}`, '--auth-type', 'none',
    '--rights-type', 'from_file', '--rights-file', join(serverDir, 'rights'), '--storage-filesystem-folder', join(serverDir, 'storage')],
  { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  radicale.stderr!.on('data', (d: Buffer) => { log += d.toString(); });
  process.once('exit', () => radicale?.kill('SIGKILL'));
  const deadline = Date.now() + 15_000;
  while (!(await accepts(port))) {
    if (radicale.exitCode !== null || Date.now() > deadline) throw new Error(`radicale did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  // Radicale creates the principal on first access.
  expect(await davRequest(`/${USER}/`, 'PROPFIND', '', 'application/xml')).toBe(207);
  await mkcalendar(`/${USER}/${WORK_UUID}/`, 'Work', ['VEVENT']);
  await mkcalendar(`/${USER}/chores/`, 'Chores', ['VTODO']);
  await mkcalendar(`/${USER}/family/`, '👪', ['VEVENT']);
  await mkcalendar(`/${USER}/holidays/`, 'Holidays', ['VEVENT']);
  await mkcalendar(`/${USER}/personal/`, 'Persönlich'); // no component set: events and tasks
  await mkcalendar(`/${USER}/work/`, 'Office', ['VEVENT']);
  const put = (path: string, text: string) => davRequest(path, 'PUT', text, 'text/calendar; charset=utf-8');
  expect(await put(`/${USER}/${WORK_UUID}/standup.ics`, ics({ uid: 'standup', summary: 'Standup' }))).toBe(201);
  expect(await put(`/${USER}/holidays/new-year.ics`, ics({ uid: 'new-year', summary: 'New Year', start: '20270101' }))).toBe(201);
  expect(await put(`/${USER}/chores/bins.ics`, task('bins', 'Take out the bins'))).toBe(201);
  // From now on the holidays calendar is read-only for its owner (Radicale reads the rights file per request).
  writeFileSync(join(serverDir, 'rights'), rights(true));
});

afterAll(async () => {
  if (radicale && radicale.exitCode === null && radicale.signalCode === null) {
    const exited = new Promise((r) => radicale!.once('exit', r));
    radicale.kill('SIGTERM');
    const timer = setTimeout(() => radicale?.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }
  if (serverDir) rmSync(serverDir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// Workspaces

let ws: Workspace;
afterEach(() => ws?.cleanup());

/** Keys in an order no serializer would pick by itself, and content that must survive a rewrite. */
function configObject(): Record<string, unknown> {
  return {
    $schema: '../schemas/config.schema.json',
    log: { level: 'warn' },
    endpoints: {
      local: { connector: 'filesystem', settings: { path: './local' } },
      dav: { connector: 'caldav', settings: { url: serverUrl, username: USER, password: { env: 'DAV_TEST_PASSWORD' } } },
    },
    pairings: {
      // Already pairs the "Office" calendar: it is skipped.
      mine: { entity: 'event', a: { endpoint: 'dav', collection: `/${USER}/work/` }, b: { endpoint: 'local', collection: 'office', create: true }, conflict: 'a-wins' },
      // Takes the name the "Chores" pairing would get, with something unrelated.
      'dav-chores': { entity: 'event', a: { endpoint: 'local', collection: 'inbox', create: true }, b: { endpoint: 'local', collection: 'outbox', create: true } },
    },
    service: { host: '127.0.0.1', port: 8787 },
    state: './.state',
  };
}

/** The config above as people write it: 4-space indentation, comments and a trailing comma. */
function configWithComments(): string {
  return `// Dovetail: my calendars\n${JSON.stringify(configObject(), null, 4)
    .replace('"pairings": {', '/* pairings made by hand */\n    "pairings": {')
    .replace('"state": "./.state"', '"state": "./.state", // beside the config')}\n`;
}

/** A workspace with the config above (mode 0600) and a local vdir that already has an unrelated `chores` folder. */
function freshWorkspace(): Workspace {
  const w = new Workspace('dovetail-pair-');
  mkdirSync(w.path('local', 'chores'), { recursive: true });
  writeFileSync(w.path('local', 'chores', 'unrelated.ics'), ics({ uid: 'unrelated', summary: 'Not from the server' }));
  writeFileSync(w.path('dovetail.json'), configWithComments());
  chmodSync(w.path('dovetail.json'), 0o600);
  return w;
}

const env = { DAV_TEST_PASSWORD: 'pw' };
const run = (args: string[]) => ws.run(args, env);

interface Proposal { name: string; source: { id: string; name: string }; pairing: { entity: string; a: { endpoint: string; collection: string; readOnly?: boolean }; b: { endpoint: string; collection: string; create?: boolean }; mode: string } }
interface Report { endpoint: string; pairWith: string; mode: string; written: boolean; added: number; file: string; proposed: Proposal[]; skipped: { collection: string; name: string; entity?: string; reason: string }[] }

async function pairJson(...extra: string[]): Promise<Report> {
  const r = await run(['discover', 'dav', '--pair-with', 'local', '--json', ...extra]);
  expect(r.code, r.stderr + r.stdout).toBe(0);
  return r.json as unknown as Report;
}

/** SUMMARY of every item file in a folder of the local vdir. */
const summaries = (folder: string) => readdirSync(ws.path('local', folder)).filter((f) => f.endsWith('.ics'))
  .map((f) => /^SUMMARY:(.*?)\r?$/m.exec(readFileSync(ws.path('local', folder, f), 'utf8'))?.[1]);

/** name → [entity, a collection, b collection, mode, a read-only] of each proposal. */
const summary = (rep: Report) => Object.fromEntries(rep.proposed.map((p) => [p.name, [p.pairing.entity, p.pairing.a.collection, p.pairing.b.collection, p.pairing.mode, !!p.pairing.a.readOnly]]));

describe('dovetail discover --pair-with', () => {
  it('proposes one pairing per calendar and entity type, skips read-only and already-paired calendars with a reason, and changes nothing', async () => {
    ws = freshWorkspace();
    const before = readFileSync(ws.path('dovetail.json'), 'utf8');
    const rep = await pairJson();
    expect(rep).toMatchObject({ endpoint: 'dav', pairWith: 'local', mode: 'two-way', written: false, added: 0 });
    expect(summary(rep)).toEqual({
      'dav-work': ['event', `/${USER}/${WORK_UUID}/`, 'work', 'two-way', false],
      'dav-chores-2': ['task', `/${USER}/chores/`, 'chores-2', 'two-way', false], // the name and the folder were taken
      'dav-family': ['event', `/${USER}/family/`, 'family', 'two-way', false], // emoji name: the href's last segment
      'dav-personlich-event': ['event', `/${USER}/personal/`, 'personlich-event', 'two-way', false],
      'dav-personlich-task': ['task', `/${USER}/personal/`, 'personlich-task', 'two-way', false],
    });
    for (const p of rep.proposed) expect(p.pairing.b).toMatchObject({ endpoint: 'local', create: true });
    expect(rep.skipped).toHaveLength(2);
    expect(rep.skipped).toEqual(expect.arrayContaining([
      { collection: `/${USER}/holidays/`, name: 'Holidays', entity: 'event', reason: expect.stringMatching(/read-only.*push-a-to-b/) },
      { collection: `/${USER}/work/`, name: 'Office', entity: 'event', reason: "already paired in 'mine'" },
    ]));

    // The table says the same to a person, and still nothing is written.
    const text = await run(['discover', 'dav', '--pair-with', 'local']);
    expect(text.code).toBe(0);
    for (const name of Object.keys(summary(rep))) expect(text.stdout).toMatch(new RegExp(`^${name}\\s`, 'm'));
    expect(text.stdout).toMatch(/^skipped \/user\/holidays\/ \(Holidays\) event: read-only/m);
    expect(text.stdout).toMatch(/5 pairings proposed, nothing written; .*--write/);
    expect(readFileSync(ws.path('dovetail.json'), 'utf8')).toBe(before);
    expect(existsSync(ws.path('local', 'work'))).toBe(false);
  });

  it('a mode that only reads from A takes the read-only calendar too, marked read-only', async () => {
    ws = freshWorkspace();
    const rep = await pairJson('--mode', 'push-a-to-b');
    expect(summary(rep)['dav-holidays']).toEqual(['event', `/${USER}/holidays/`, 'holidays', 'push-a-to-b', true]);
    expect(Object.values(summary(rep)).every((s) => s[3] === 'push-a-to-b')).toBe(true);
    expect(rep.skipped.map((s) => s.collection)).toEqual([`/${USER}/work/`]);
  });

  it('--entity task keeps to task lists; a calendar holding both needs no suffix then', async () => {
    ws = freshWorkspace();
    const rep = await pairJson('--entity', 'task');
    expect(summary(rep)).toEqual({
      'dav-chores-2': ['task', `/${USER}/chores/`, 'chores-2', 'two-way', false],
      'dav-personlich': ['task', `/${USER}/personal/`, 'personlich', 'two-way', false],
    });
    const noTasks = rep.skipped.filter((s) => s.reason === 'holds no task items').map((s) => s.collection);
    expect(noTasks).toEqual(expect.arrayContaining([`/${USER}/${WORK_UUID}/`, `/${USER}/family/`, `/${USER}/holidays/`, `/${USER}/work/`]));
  });

  it('--write adds the pairings and keeps everything else; the config validates, dry-runs and syncs; a second run adds nothing', async () => {
    ws = freshWorkspace();
    const originalText = readFileSync(ws.path('dovetail.json'), 'utf8');
    const original = parseJsoncText(originalText, 'dovetail.json') as Record<string, Record<string, unknown>>;
    const r = await run(['discover', 'dav', '--pair-with', 'local', '--write']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/added 5 pairings to .*dovetail\.json; the config is valid/);

    const text = readFileSync(ws.path('dovetail.json'), 'utf8');
    const written = parseJsoncText(text, 'dovetail.json') as Record<string, Record<string, unknown>>;
    // Edited in place: everything up to the last existing pairing is as it was (comments too), the comments after
    // it survive, and the new pairings are indented like the file (4 spaces).
    const lastExisting = originalText.indexOf('"dav-chores"');
    expect(text.slice(0, lastExisting)).toBe(originalText.slice(0, lastExisting));
    expect(text).toContain('"state": "./.state", // beside the config');
    expect(text).toMatch(/\n {8}"dav-work": \{\n {12}"entity": "event",/);
    expect(Object.keys(written)).toEqual(Object.keys(original)); // top-level order kept
    for (const key of Object.keys(original)) if (key !== 'pairings') expect(written[key]).toEqual(original[key]);
    expect(Object.keys(written.pairings)).toEqual(['mine', 'dav-chores', 'dav-work', 'dav-chores-2', 'dav-family', 'dav-personlich-event', 'dav-personlich-task']);
    expect(written.pairings.mine).toEqual(original.pairings.mine);
    expect(written.pairings['dav-chores']).toEqual(original.pairings['dav-chores']);
    expect(written.pairings['dav-work']).toEqual({ entity: 'event', a: { endpoint: 'dav', collection: `/${USER}/${WORK_UUID}/` }, b: { endpoint: 'local', collection: 'work', create: true }, mode: 'two-way' });
    expect(statSync(ws.path('dovetail.json')).mode & 0o777).toBe(0o600); // still private: it may hold secrets
    expect(readdirSync(ws.dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    const valid = await run(['validate']);
    expect(valid.code, valid.stderr).toBe(0);
    expect(valid.stdout).toContain('7 pairings');

    const dry = await run(['sync', '--dry-run', '--json']);
    expect(dry.code, dry.stderr + dry.stdout).toBe(0);
    const runs = Object.fromEntries((dry.json!.runs as { pairing: string; ok: boolean; b: { created: number } }[]).map((x) => [x.pairing, x]));
    expect(runs['dav-work']).toMatchObject({ ok: true, b: { created: 1 } });
    expect(runs['dav-chores-2']).toMatchObject({ ok: true, b: { created: 1 } });
    expect(existsSync(ws.path('local', 'work'))).toBe(false); // a dry run creates nothing

    const synced = await run(['sync', '--json', 'dav-work', 'dav-chores-2', 'dav-family', 'dav-personlich-event', 'dav-personlich-task']);
    expect(synced.code, synced.stderr + synced.stdout).toBe(0);
    expect(summaries('work')).toEqual(['Standup']);
    expect(summaries('chores-2')).toEqual(['Take out the bins']);
    expect(readdirSync(ws.path('local', 'chores'))).toEqual(['unrelated.ics']); // the unrelated folder is untouched

    const again = await run(['discover', 'dav', '--pair-with', 'local', '--write']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/nothing to pair/);
    expect(again.stdout).toMatch(/already paired in 'dav-work'/);
    expect(readFileSync(ws.path('dovetail.json'), 'utf8')).toBe(text);
  });

  it('--write through a symlinked config updates the file it points at and keeps the link', async () => {
    ws = freshWorkspace();
    mkdirSync(ws.path('conf'));
    renameSync(ws.path('dovetail.json'), ws.path('conf', 'real.json'));
    // Relative paths in the config resolve against the link's folder (the workspace), as before.
    symlinkSync(ws.path('conf', 'real.json'), ws.path('dovetail.json'));
    const r = await run(['discover', 'dav', '--pair-with', 'local', '--write', '--entity', 'task']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(lstatSync(ws.path('dovetail.json')).isSymbolicLink()).toBe(true);
    const pairings = (parseJsoncText(readFileSync(ws.path('conf', 'real.json'), 'utf8'), 'real.json') as { pairings: Record<string, unknown> }).pairings;
    expect(Object.keys(pairings)).toEqual(['mine', 'dav-chores', 'dav-chores-2', 'dav-personlich']);
  });

  it('usage errors exit 2 and change nothing: unknown --pair-with endpoint, bad --mode or --entity, the flags on other commands', async () => {
    ws = freshWorkspace();
    const before = readFileSync(ws.path('dovetail.json'), 'utf8');
    const unknown = await run(['discover', 'dav', '--pair-with', 'locl', '--write']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--pair-with: unknown endpoint 'locl' \(did you mean "local"\?/);
    const mode = await run(['discover', 'dav', '--pair-with', 'local', '--mode', 'sideways']);
    expect(mode.code).toBe(2);
    expect(mode.stderr).toMatch(/unknown mode 'sideways'.*push-a-to-b/);
    const entity = await run(['discover', 'dav', '--pair-with', 'local', '--entity', 'note']);
    expect(entity.code).toBe(2);
    expect(entity.stderr).toMatch(/unknown entity type 'note'.*event, task, contact/);
    const elsewhere = await run(['sync', '--pair-with', 'local']);
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.stderr).toMatch(/--pair-with only goes with 'dovetail discover/);
    const alone = await run(['discover', 'dav', '--write']);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toMatch(/--write only goes with/);
    expect(readFileSync(ws.path('dovetail.json'), 'utf8')).toBe(before);
  });

  it('an unreachable ENDPOINT exits 3 and writes nothing', async () => {
    ws = freshWorkspace();
    const config = configObject() as { endpoints: Record<string, { settings: Record<string, unknown> }> };
    config.endpoints.dav.settings.url = `http://127.0.0.1:${await freePort()}/`;
    writeFileSync(ws.path('dovetail.json'), JSON.stringify(config, null, 2));
    const before = readFileSync(ws.path('dovetail.json'), 'utf8');
    const r = await run(['discover', 'dav', '--pair-with', 'local', '--write']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/connection refused/);
    expect(readFileSync(ws.path('dovetail.json'), 'utf8')).toBe(before);
  });
});
