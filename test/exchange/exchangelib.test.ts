/**
 * An independent EWS client as the Outlook side: what Debian's python3-exchangelib writes into the simulator
 * reaches Radicale and Xandikos through the CLI with its fields, and edits made there come back to what
 * exchangelib reads.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EwsSimulator } from '@dovetail/ews-simulator';
import { rawGet, rawList, rawPut, startDavServer, type DavServer } from '../support/dav-servers.js';
import { Workspace, writes } from '../support/workspace.js';

const USER = 'ada.peer@example.com';
const PASSWORD = 'Peer-secret-3';
const PEER = fileURLToPath(new URL('./exchangelib_peer.py', import.meta.url));
/** Debian's interpreter: python3-exchangelib is installed for it, not for other Pythons on PATH. */
const PYTHON = '/usr/bin/python3';

let sim: EwsSimulator;
let radicale: DavServer;
let xandikos: DavServer;
beforeAll(async () => {
  [sim, radicale, xandikos] = await Promise.all([EwsSimulator.start({ users: [{ email: USER, password: PASSWORD }] }), startDavServer('radicale'), startDavServer('xandikos')]);
});
afterAll(async () => { await Promise.all([sim?.stop(), radicale?.dispose(), xandikos?.dispose()]); });

function peer(command: 'create' | 'read'): Promise<Record<string, any>> {
  return new Promise((resolve, reject) => {
    execFile(PYTHON, [PEER, sim.url, USER, PASSWORD, command], { timeout: 120_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`exchangelib ${command} failed: ${stderr || err.message}`));
      else resolve(JSON.parse(stdout));
    });
  });
}

/** The parts of the event's RRULE (not a VTIMEZONE's), sorted: writers order them differently. */
const ruleParts = (text: string) => (/^RRULE:(.*?)\r?$/m.exec(text.slice(text.indexOf('BEGIN:VEVENT')))?.[1] ?? '').split(';').sort();

async function davTexts(server: DavServer, collection: string): Promise<string[]> {
  return Promise.all((await rawList(server, collection)).map(async ({ href }) => (await rawGet(server, href)).body.replace(/\r?\n[ \t]/g, '')));
}

it('what exchangelib writes reaches the DAV servers with its fields; edits made there come back to exchangelib', async () => {
  expect(await peer('create')).toEqual({ ok: true });
  const ws = new Workspace('dovetail-exchangelib-');
  const rad = { url: radicale.url, username: radicale.username, password: radicale.password };
  writeFileSync(ws.path('dovetail.json'), JSON.stringify({
    endpoints: {
      ex: { connector: 'exchange', settings: { url: sim.url, username: USER, password: PASSWORD, timeZone: 'Europe/Berlin' } },
      rad: { connector: 'caldav', settings: rad },
      xan: { connector: 'carddav', settings: { url: xandikos.url } },
    },
    pairings: {
      events: { entity: 'event', a: { endpoint: 'ex', collection: 'calendar' }, b: { endpoint: 'rad', collection: '/user/peer-cal/', create: true } },
      tasks: { entity: 'task', a: { endpoint: 'ex', collection: 'tasks' }, b: { endpoint: 'rad', collection: '/user/peer-tasks/', create: true } },
      contacts: { entity: 'contact', a: { endpoint: 'ex', collection: 'contacts' }, b: { endpoint: 'xan', collection: '/user/contacts/peer/', create: true } },
    },
  }, null, 2));
  const first = await ws.run(['sync', '--json']);
  expect(first.code, first.stderr).toBe(0);
  expect(first.json!.runs.map((r) => r.b.created)).toEqual([1, 1, 1]);

  const [series] = await davTexts(radicale, '/user/peer-cal/');
  expect(series).toMatch(/SUMMARY:Weekly sync\r?\n/);
  expect(series).toMatch(/LOCATION:Room 7/);
  expect(series).toMatch(/PRIORITY:1/);
  expect(series).toMatch(/CATEGORIES:Team/);
  expect(series).toMatch(/DTSTART;TZID=Europe\/Berlin:20260316T100000/);
  expect(ruleParts(series)).toEqual(['BYDAY=MO', 'COUNT=6', 'FREQ=WEEKLY']);
  expect(series).toMatch(/EXDATE;TZID=Europe\/Berlin:20260406T100000/);
  expect(series).toMatch(/RECURRENCE-ID;TZID=Europe\/Berlin:20260323T100000[\s\S]*SUMMARY:Weekly sync \(special\)/);
  const [task] = await davTexts(radicale, '/user/peer-tasks/');
  expect(task).toMatch(/SUMMARY:File report/);
  expect(task).toMatch(/STATUS:IN-PROCESS/);
  expect(task).toMatch(/PERCENT-COMPLETE:50/);
  expect(task).toMatch(/DUE;VALUE=DATE:20260401/);
  const [card] = await davTexts(xandikos, '/user/contacts/peer/');
  expect(card).toMatch(/FN:Ada Lovelace/);
  expect(card).toMatch(/ORG:Analytical Engines/);
  expect(card).toMatch(/TITLE:Programmer/);
  expect(card).toMatch(/EMAIL[^:]*:ada@example\.org/);
  expect(card).toMatch(/TEL[^:]*:\+44 20 7946 0000/);
  expect(card).toMatch(/ADR[^:]*:;;12 St James's Square;London;;SW1Y 4JH;United Kingdom/);

  // Edits on the DAV side: the series moves to 11:00 and is renamed, the task is done, the contact changes job.
  const [calHref] = (await rawList(radicale, '/user/peer-cal/')).map((r) => r.href);
  const cal = (await rawGet(radicale, calHref)).body;
  await rawPut(radicale, calHref, cal.replace(/SUMMARY:Weekly sync\r\n/, 'SUMMARY:Weekly planning\r\n'));
  const [taskHref] = (await rawList(radicale, '/user/peer-tasks/')).map((r) => r.href);
  await rawPut(radicale, taskHref, (await rawGet(radicale, taskHref)).body.replace('STATUS:IN-PROCESS', 'STATUS:COMPLETED').replace(/PERCENT-COMPLETE:50/, 'PERCENT-COMPLETE:100'));
  const [cardHref] = (await rawList(xandikos, '/user/contacts/peer/')).map((r) => r.href);
  await rawPut(xandikos, cardHref, (await rawGet(xandikos, cardHref)).body.replace('TITLE:Programmer', 'TITLE:Mathematician'));
  const second = await ws.run(['sync', '--json']);
  expect(second.code, second.stderr).toBe(0);
  expect(second.json!.runs.map((r) => r.a.updated)).toEqual([1, 1, 1]);

  const seen = await peer('read');
  const master = seen.events.find((e: { type: string }) => e.type === 'RecurringMaster');
  expect(master).toMatchObject({ subject: 'Weekly planning', location: 'Room 7', importance: 'High', start: '2026-03-16T10:00:00+01:00' });
  expect(master.modified).toHaveLength(1);
  expect(master.deleted).toEqual(['2026-04-06T10:00:00+02:00']);
  expect(seen.view.filter((v: { subject: string }) => v.subject.startsWith('Weekly'))).toHaveLength(5);
  expect(seen.tasks).toEqual([expect.objectContaining({ subject: 'File report', status: 'Completed', percent: 100 })]);
  expect(seen.contacts).toEqual([expect.objectContaining({ display_name: 'Ada Lovelace', job_title: 'Mathematician', company: 'Analytical Engines', emails: ['ada@example.org'], cities: ['London'] })]);

  const third = await ws.run(['sync', '--json']);
  expect(third.json!.runs.map(writes)).toEqual([0, 0, 0]);
});
