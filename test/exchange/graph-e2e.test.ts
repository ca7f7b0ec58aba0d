/**
 * Exchange Online (the Graph simulator) ↔ real DAV servers through the real CLI: events with series, changed and
 * cancelled occurrences two-way with Radicale, To Do tasks with Radicale, contacts with Xandikos — through
 * throttling, an expired delta token, an expired access token and a kill mid-run: no duplicates, nothing lost,
 * and a quiet run writes nothing and asks Graph one delta request per collection.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphSimulator, type Item } from '@dovetail/graph-simulator';
import { rawGet, rawList, rawPut, startDavServer, type DavServer } from '../support/dav-servers.js';
import { cliPath, Workspace, writes } from '../support/workspace.js';

const USER = 'ann@contoso.onmicrosoft.com';
const TENANT = 'contoso.onmicrosoft.com';
const CLIENT_ID = 'a1b2c3d4-0000-4000-8000-00000000e2e0';
const SECRET = 'E2E-graph-secret';
const W_EUROPE = 'W. Europe Standard Time';
const BERLIN_TZ = ['BEGIN:VTIMEZONE', 'TZID:Europe/Berlin', 'BEGIN:DAYLIGHT', 'TZOFFSETFROM:+0100', 'TZOFFSETTO:+0200', 'DTSTART:19700329T020000',
  'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU', 'END:DAYLIGHT', 'BEGIN:STANDARD', 'TZOFFSETFROM:+0200', 'TZOFFSETTO:+0100', 'DTSTART:19701025T030000',
  'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU', 'END:STANDARD', 'END:VTIMEZONE'].join('\r\n');

let sim: GraphSimulator;
let radicale: DavServer;
let xandikos: DavServer;
beforeAll(async () => {
  process.env.GRAPH_SECRET = SECRET; // the CLI reads the client secret from the environment, as users do
  [sim, radicale, xandikos] = await Promise.all([
    GraphSimulator.start({ tenant: TENANT, clientId: CLIENT_ID, clientSecret: SECRET, users: [{ email: USER }] }), startDavServer('radicale'), startDavServer('xandikos'),
  ]);
});
afterAll(async () => {
  await Promise.all([sim?.stop(), radicale?.dispose(), xandikos?.dispose()]);
});

let n = 0;
const fresh = (p: string) => `${p}-${process.pid}-${Date.now().toString(36)}-${++n}`;
const ROOT = { event: 'calendar', task: 'tasks', contact: 'contacts' } as const;

/** A workspace syncing a Graph folder (side A, app-only) with a DAV collection (side B); both created by the run. */
function graphWorkspace(entity: 'event' | 'task' | 'contact', dav: DavServer, davCollection: string, name: string, pairing: Record<string, unknown> = {}): Workspace {
  const ws = new Workspace('dovetail-graph-');
  writeFileSync(ws.path('graph-ca.pem'), sim.certificate!);
  const davSettings = dav.kind === 'radicale' ? { url: dav.url, username: dav.username, password: dav.password } : { url: dav.url };
  writeFileSync(ws.path('dovetail.json'), JSON.stringify({
    endpoints: {
      m365: { connector: 'exchange', settings: { backend: 'graph', tenant: TENANT, clientId: CLIENT_ID, clientSecret: { env: 'GRAPH_SECRET' }, mailbox: USER,
        authority: sim.authorityHost, graphUrl: sim.baseUrl, caFile: './graph-ca.pem', timeZone: 'Europe/Berlin' } },
      dav: { connector: entity === 'contact' ? 'carddav' : 'caldav', settings: davSettings },
    },
    pairings: { p: { entity, a: { endpoint: 'm365', collection: `${ROOT[entity]}/${name}`, create: true }, b: { endpoint: 'dav', collection: davCollection, create: true }, mode: 'two-way', conflict: 'newer-wins', ...pairing } },
  }, null, 2));
  return ws;
}

/** Live items of a Graph folder by Dovetail UID (else iCalUId, else id), failing on duplicates. */
function graphItems(kind: 'event' | 'task' | 'contact', name: string): Map<string, Item> {
  const out = new Map<string, Item>();
  for (const item of sim.api.items(USER, sim.api.folderId(USER, kind, name))) {
    const props = (item.fields.singleValueExtendedProperties as { id: string; value: string }[] | undefined) ?? [];
    const ext = ((item.fields.extensions as { id: string; uid?: string }[] | undefined) ?? []).find((e) => e.id === 'dev.dovetail.stamp');
    const uid = props.find((p) => p.id.endsWith('Name DovetailUid'))?.value || ext?.uid || String(item.fields.iCalUId ?? item.id);
    if (out.has(uid)) throw new Error(`duplicate UID ${uid} in Exchange Online`);
    out.set(uid, item);
  }
  return out;
}

/** The resources of a DAV collection, unfolded: uid → text; fails on duplicates. */
async function davItems(server: DavServer, collection: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const { href } of await rawList(server, collection)) {
    const text = (await rawGet(server, href)).body.replace(/\r?\n[ \t]/g, '');
    const uid = /^UID:(.*?)\r?$/m.exec(text)?.[1] ?? '';
    if (out.has(uid)) throw new Error(`duplicate UID ${uid} on ${server.kind}`);
    out.set(uid, text);
  }
  return out;
}

const ruleParts = (text: string) => (/^RRULE:(.*?)\r?$/m.exec(text.slice(text.indexOf('BEGIN:VEVENT')))?.[1] ?? '').split(';').sort();
const deltaRequests = () => sim.requests().filter((r) => r.path.endsWith('/delta'));
const graphCalls = () => sim.requests().filter((r) => !r.path.includes('/oauth2/') && !r.path.includes('.well-known'));


describe('events: Exchange Online ↔ Radicale', () => {
  it('series with changed and cancelled occurrences both ways, through throttling, an expired delta token and an expired access token', async () => {
    const name = fresh('team');
    const cal = `/user/${fresh('cal')}/`;
    const ws = graphWorkspace('event', radicale, cal, name, { chunkSize: 5 });
    expect((await ws.sync()).code).toBe(0); // creates both collections
    const folder = sim.api.folderId(USER, 'event', name);
    // In Outlook: a weekly series, its 2nd occurrence moved, its 4th cancelled; and a single meeting.
    const standup = sim.api.create(USER, 'event', folder, { subject: 'Standup', body: { contentType: 'text', content: 'Daily sync' }, location: { displayName: 'Room 4' },
      start: { dateTime: '2027-03-01T09:00:00', timeZone: W_EUROPE }, end: { dateTime: '2027-03-01T09:15:00', timeZone: W_EUROPE },
      recurrence: { pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'], firstDayOfWeek: 'monday' }, range: { type: 'numbered', startDate: '2027-03-01', numberOfOccurrences: 8 } } });
    sim.api.modifyOccurrence(USER, String(standup.id), '2027-03-08T08:00:00Z', { subject: 'Standup (late)', start: { dateTime: '2027-03-08T11:00:00', timeZone: W_EUROPE }, end: { dateTime: '2027-03-08T11:15:00', timeZone: W_EUROPE } });
    sim.api.cancelOccurrence(USER, String(standup.id), '2027-03-22T08:00:00Z');
    sim.api.create(USER, 'event', folder, { subject: 'Budget', importance: 'high', showAs: 'oof', start: { dateTime: '2027-03-04T13:00:00', timeZone: 'UTC' }, end: { dateTime: '2027-03-04T14:00:00', timeZone: 'UTC' } });
    // On the CalDAV side: a series in Europe/Berlin with an override and an EXDATE.
    await rawPut(radicale, `${cal}review.ics`, ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Test//EN', BERLIN_TZ,
      'BEGIN:VEVENT', 'UID:review@example.org', 'DTSTAMP:20270101T000000Z', 'DTSTART;TZID=Europe/Berlin:20270406T140000', 'DTEND;TZID=Europe/Berlin:20270406T150000',
      'SUMMARY:Review', 'RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=6', 'EXDATE;TZID=Europe/Berlin:20270420T140000', 'END:VEVENT',
      'BEGIN:VEVENT', 'UID:review@example.org', 'DTSTAMP:20270101T000000Z', 'RECURRENCE-ID;TZID=Europe/Berlin:20270413T140000',
      'DTSTART;TZID=Europe/Berlin:20270413T160000', 'DTEND;TZID=Europe/Berlin:20270413T170000', 'SUMMARY:Review (room B)', 'LOCATION:Room B', 'END:VEVENT',
      'END:VCALENDAR', ''].join('\r\n'));

    const first = await ws.sync();
    expect(first.code, first.stderr).toBe(0);
    expect(first.report).toMatchObject({ a: { created: 1 }, b: { created: 2 }, failed: 0 });
    const onDav = await davItems(radicale, cal);
    expect(onDav.size).toBe(3);
    const standupText = [...onDav.values()].find((t) => t.includes('SUMMARY:Standup'))!;
    expect(standupText).toMatch(/DTSTART;TZID=Europe\/Berlin:20270301T090000/);
    expect(ruleParts(standupText)).toEqual(['BYDAY=MO', 'COUNT=8', 'FREQ=WEEKLY']);
    expect(standupText).toMatch(/EXDATE;TZID=Europe\/Berlin:20270322T090000/);
    expect(standupText).toMatch(/RECURRENCE-ID;TZID=Europe\/Berlin:20270308T090000/);
    expect(standupText).toMatch(/SUMMARY:Standup \(late\)/);
    expect([...onDav.values()].find((t) => t.includes('SUMMARY:Budget'))).toMatch(/PRIORITY:1/);
    const review = graphItems('event', name).get('review@example.org')!;
    expect([...review.cancelled]).toEqual(['2027-04-20T12:00:00Z']);
    expect([...review.exceptions.values()].map((x) => [x.originalStart, x.fields.subject])).toEqual([['2027-04-13T12:00:00Z', 'Review (room B)']]);
    expect(graphItems('event', name).size).toBe(3);

    // The next run sees the first run's own writes in its delta and writes nothing; the one after is quiet.
    expect(writes((await ws.sync()).report)).toBe(0);
    sim.clearRequests();
    const quiet = await ws.sync();
    expect(quiet.code).toBe(0);
    expect(writes(quiet.report)).toBe(0);
    expect(deltaRequests()).toHaveLength(1); // one request for the collection's changes
    expect(graphCalls().filter((r) => r.path.includes('/events') || r.path === '/$batch')).toEqual([]); // nothing listed or loaded

    // Outlook moves another occurrence; CalDAV renames the review series. Graph throttles, the access token has
    // expired and the delta token is gone: the run still brings both edits across, once.
    sim.api.modifyOccurrence(USER, String(standup.id), '2027-03-29T07:00:00Z', { subject: 'Standup (demo day)' });
    const reviewHref = (await rawList(radicale, cal)).find((r) => r.href.endsWith('review.ics'))!.href;
    const text = (await rawGet(radicale, reviewHref)).body;
    await rawPut(radicale, reviewHref, text.replace('SUMMARY:Review\r\n', 'SUMMARY:Design review\r\n').replace(/DTSTAMP:[^\r\n]+/, 'DTSTAMP:20270201T000000Z'));
    sim.expireDeltaTokens();
    sim.injectFault({ kind: 'token-expired', count: 1 });
    sim.injectFault({ kind: 'throttle', status: 429, retryAfter: 1, count: 1, match: '/calendarView/delta' });
    sim.injectFault({ kind: 'throttle', status: 503, retryAfter: 1, count: 1, inBatch: true });
    sim.clearRequests();
    const third = await ws.sync();
    expect(third.code, third.stderr).toBe(0);
    expect(third.report).toMatchObject({ a: { updated: 1 }, b: { updated: 1 }, failed: 0 });
    expect(sim.requests().map((r) => r.status)).toEqual(expect.arrayContaining([401, 410, 429]));
    expect([...(await davItems(radicale, cal)).values()].find((t) => t.includes('Standup'))).toMatch(/SUMMARY:Standup \(demo day\)/);
    expect(graphItems('event', name).get('review@example.org')!.fields.subject).toBe('Design review');
    expect(writes((await ws.sync()).report)).toBe(0);
  }, 180_000);

  it('a run killed while it writes to Exchange Online is finished by the next run without duplicates', async () => {
    const name = fresh('kill');
    const cal = `/user/${fresh('kill')}/`;
    const ws = graphWorkspace('event', radicale, cal, name, { chunkSize: 5 });
    expect((await ws.sync()).code).toBe(0);
    const N = 30;
    for (let i = 0; i < N; i++) {
      await rawPut(radicale, `${cal}k${i}.ics`, ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Test//EN', 'BEGIN:VEVENT', `UID:k${i}@example.org`, 'DTSTAMP:20270101T000000Z',
        'DTSTART:20270601T090000Z', 'DTEND:20270601T100000Z', `SUMMARY:K${i}`, 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n'));
    }
    sim.setLatency(250);
    sim.clearRequests();
    const child = spawn(process.execPath, [cliPath, 'sync', '--json'], { cwd: ws.dir, env: process.env, stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const started = Date.now();
    const creates = () => sim.requests().filter((r) => r.inBatch && r.method === 'POST' && r.path.endsWith('/events') && r.status === 201).length;
    while (creates() < 5 && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    await exited;
    sim.setLatency(0);
    const partial = graphItems('event', name).size;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(N);
    const next = await ws.sync();
    expect(next.code, next.stderr).toBe(0);
    expect(graphItems('event', name).size).toBe(N);
    expect((await davItems(radicale, cal)).size).toBe(N);
    expect(writes((await ws.sync()).report)).toBe(0);
  }, 180_000);
});

describe('tasks: Microsoft To Do ↔ Radicale', () => {
  it('status, due dates and completion both ways; a long throttle leaves an item for the next run', { timeout: 180_000 }, async () => {
    const name = fresh('todo');
    const cal = `/user/${fresh('todo')}/`;
    const ws = graphWorkspace('task', radicale, cal, name);
    expect((await ws.sync()).code).toBe(0);
    const list = sim.api.folderId(USER, 'task', name);
    sim.api.create(USER, 'task', list, { title: 'Write report', status: 'inProgress', importance: 'high', dueDateTime: { dateTime: '2027-05-08T00:00:00', timeZone: W_EUROPE } });
    await rawPut(radicale, `${cal}t1.ics`, ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Test//EN', 'BEGIN:VTODO', 'UID:t1@example.org', 'DTSTAMP:20270101T000000Z',
      'SUMMARY:Call supplier', 'DUE;VALUE=DATE:20270512', 'STATUS:NEEDS-ACTION', 'PERCENT-COMPLETE:20', 'PRIORITY:1', 'END:VTODO', 'END:VCALENDAR', ''].join('\r\n'));
    await rawPut(radicale, `${cal}t2.ics`, ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Test//EN', 'BEGIN:VTODO', 'UID:t2@example.org', 'DTSTAMP:20270101T000000Z',
      'SUMMARY:Book flights', 'STATUS:NEEDS-ACTION', 'END:VTODO', 'END:VCALENDAR', ''].join('\r\n'));
    sim.injectFault({ kind: 'throttle', status: 429, retryAfter: 120, count: 1, inBatch: true, method: 'POST' });
    const first = await ws.sync();
    expect(first.report).toMatchObject({ a: { created: 1 }, b: { created: 1 } });
    expect(first.report.failed).toBe(1);
    expect(first.report.errors.map((e) => e.message).join(' ')).toMatch(/429/);
    const second = await ws.sync();
    expect(second.code, second.stderr).toBe(0);
    expect(second.report).toMatchObject({ a: { created: 1 }, failed: 0 });
    const dav = await davItems(radicale, cal);
    expect(dav.size).toBe(3);
    expect([...dav.values()].find((t) => t.includes('Write report'))).toMatch(/STATUS:IN-PROCESS/);
    expect([...dav.values()].find((t) => t.includes('Write report'))).toMatch(/DUE;VALUE=DATE:20270508/);
    const onGraph = graphItems('task', name);
    expect(onGraph.size).toBe(3);
    const t1 = onGraph.get('t1@example.org')!;
    expect(t1.fields).toMatchObject({ title: 'Call supplier', status: 'notStarted', importance: 'high', dueDateTime: { dateTime: '2027-05-12T00:00:00' } });
    sim.api.update(USER, t1.id, { status: 'completed' });
    expect((await ws.sync()).code).toBe(0);
    const done = (await davItems(radicale, cal)).get('t1@example.org')!;
    expect(done).toMatch(/STATUS:COMPLETED/);
    expect(done).toMatch(/PRIORITY:1/);
    expect(writes((await ws.sync()).report)).toBe(0);
  });
});

describe('contacts: Exchange Online ↔ Xandikos (CardDAV)', () => {
  it('contacts with phones, addresses and a photo both ways; edits come back', { timeout: 180_000 }, async () => {
    const name = fresh('people');
    const book = `/user/contacts/${fresh('book')}/`;
    const ws = graphWorkspace('contact', xandikos, book, name);
    expect((await ws.sync()).code).toBe(0);
    const folder = sim.api.folderId(USER, 'contact', name);
    const annId = String(sim.api.create(USER, 'contact', folder, { displayName: 'Ann Lee', givenName: 'Ann', surname: 'Lee', companyName: 'ACME', emailAddresses: [{ address: 'ann@acme.example', name: 'Ann Lee' }], mobilePhone: '+49 170 1' }).id);
    const annPhoto = Buffer.from('ann-photo-bytes-from-outlook');
    sim.api.setPhoto(USER, annId, annPhoto, 'image/jpeg');
    const photo = Buffer.from('a-small-jpeg-stand-in').toString('base64');
    await rawPut(xandikos, `${book}bob.vcf`, ['BEGIN:VCARD', 'VERSION:3.0', 'UID:bob@example.org', 'FN:Bob Stone', 'N:Stone;Bob;;;', 'ORG:Stone & Co', 'TITLE:Owner',
      'TEL;TYPE=WORK,VOICE:+49 30 2', 'TEL;TYPE=WORK,FAX:+49 30 3', 'ADR;TYPE=WORK:;;Main 1;Berlin;;10115;Germany', `PHOTO;ENCODING=b;TYPE=JPEG:${photo}`, 'END:VCARD', ''].join('\r\n'));
    const first = await ws.sync();
    expect(first.code, first.stderr).toBe(0);
    expect(first.report).toMatchObject({ a: { created: 1 }, b: { created: 1 } });
    const ann = [...(await davItems(xandikos, book)).values()].find((t) => t.includes('FN:Ann Lee'))!;
    expect(ann).toMatch(/EMAIL[^:]*:ann@acme\.example/);
    expect(ann).toMatch(/TEL[^:]*CELL[^:]*:\+49 170 1/i);
    expect(ann.replace(/\s/g, '')).toContain(annPhoto.toString('base64'));
    const bob = graphItems('contact', name).get('bob@example.org')!;
    expect(bob.fields).toMatchObject({ companyName: 'Stone & Co', jobTitle: 'Owner', businessPhones: ['+49 30 2'], businessAddress: { street: 'Main 1', city: 'Berlin', postalCode: '10115', countryOrRegion: 'Germany' } });
    expect((bob.fields.singleValueExtendedProperties as { id: string; value: string }[]).find((p) => p.id === 'String 0x3A24')?.value).toBe('+49 30 3');
    expect(bob.photo?.data.toString('base64')).toBe(photo);
    sim.api.update(USER, bob.id, { jobTitle: 'Founder' });
    expect((await ws.sync()).code).toBe(0);
    const bobText = (await davItems(xandikos, book)).get('bob@example.org')!;
    expect(bobText).toMatch(/TITLE:Founder/);
    expect(bobText).toMatch(/PHOTO/);
    expect(writes((await ws.sync()).report)).toBe(0);
  });
});
