/**
 * Exchange (EWS simulator) ↔ real DAV servers through the real CLI: events with series, changed and deleted
 * occurrences two-way with Radicale, tasks with Radicale, contacts with Xandikos; through conflicts, throttling,
 * an invalidated SyncState and a kill mid-run — no duplicates, nothing lost, and a quiet run writes nothing.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EwsSimulator } from '@dovetail/ews-simulator';
import { rawGet, rawList, rawPut, startDavServer, type DavServer } from '../support/dav-servers.js';
import { cliPath, Workspace, writes } from '../support/workspace.js';

const USER = 'ann@example.com';
const PASSWORD = 'Ann-secret-1';
const T = 'xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"';
const BERLIN_TZ = ['BEGIN:VTIMEZONE', 'TZID:Europe/Berlin', 'BEGIN:DAYLIGHT', 'TZOFFSETFROM:+0100', 'TZOFFSETTO:+0200', 'DTSTART:19700329T020000',
  'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU', 'END:DAYLIGHT', 'BEGIN:STANDARD', 'TZOFFSETFROM:+0200', 'TZOFFSETTO:+0100', 'DTSTART:19701025T030000',
  'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU', 'END:STANDARD', 'END:VTIMEZONE'].join('\r\n');

let sim: EwsSimulator;
let radicale: DavServer;
let xandikos: DavServer;
beforeAll(async () => {
  process.env.EX_PASSWORD = PASSWORD; // the CLI reads the Exchange password from the environment, as users do
  [sim, radicale, xandikos] = await Promise.all([
    EwsSimulator.start({ users: [{ email: USER, password: PASSWORD }] }), startDavServer('radicale'), startDavServer('xandikos'),
  ]);
});
afterAll(async () => {
  await Promise.all([sim?.stop(), radicale?.dispose(), xandikos?.dispose()]);
});

let n = 0;
const fresh = (p: string) => `${p}-${process.pid}-${Date.now().toString(36)}-${++n}`;

/** A workspace syncing an Exchange folder (side A) with a DAV collection (side B, created by the run). */
function exchangeWorkspace(entity: 'event' | 'task' | 'contact', dav: DavServer, davCollection: string, folder: string, pairing: Record<string, unknown> = {}): Workspace {
  const ws = new Workspace('dovetail-exchange-');
  const davSettings = dav.kind === 'radicale' ? { url: dav.url, username: dav.username, password: dav.password } : { url: dav.url };
  writeFileSync(ws.path('dovetail.json'), JSON.stringify({
    endpoints: {
      ex: { connector: 'exchange', settings: { url: sim.url, username: USER, password: { env: 'EX_PASSWORD' }, timeZone: 'Europe/Berlin' } },
      dav: { connector: entity === 'contact' ? 'carddav' : 'caldav', settings: davSettings },
    },
    pairings: { p: { entity, a: { endpoint: 'ex', collection: folder, create: true }, b: { endpoint: 'dav', collection: davCollection, create: true }, mode: 'two-way', conflict: 'newer-wins', ...pairing } },
  }, null, 2));
  return ws;
}

/** The simulator folder id of an Exchange collection id such as `calendar/Name`. */
function folderId(collection: string): string {
  const [root, ...path] = collection.split('/');
  const mb = sim.store.mailbox(USER)!;
  return path.reduce((parent, name) => sim.store.childFolders(mb, parent).find((f) => f.displayName === name)!.id, sim.api.folderId({ mailbox: USER, folder: root }));
}

type StoredItem = ReturnType<EwsSimulator['api']['items']>[number];
/** A stored property's text (`Subject`, `JobTitle`, …). */
const propText = (item: StoredItem, name: string) => (item.props[name] as { t?: string } | undefined)?.t;

/** Live items of an Exchange folder by Dovetail UID (else iCalendar UID, else id), failing on duplicates. */
function exchangeItems(collection: string): Map<string, { id: string; subject: string; item: StoredItem }> {
  const out = new Map<string, { id: string; subject: string; item: StoredItem }>();
  for (const item of sim.api.items({ mailbox: USER, folder: folderId(collection) })) {
    const stamped = item.extended.find((x) => (x.uri as { PropertyName?: string }).PropertyName === 'DovetailUid')?.value as string | undefined;
    const uid = stamped || propText(item, 'UID') || item.id;
    if (out.has(uid)) throw new Error(`duplicate UID ${uid} in Exchange`);
    out.set(uid, { id: item.id, subject: propText(item, 'Subject') ?? '', item });
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

/** The parts of the event's RRULE (not a VTIMEZONE's), sorted: writers order them differently. */
const ruleParts = (text: string) => (/^RRULE:(.*?)\r?$/m.exec(text.slice(text.indexOf('BEGIN:VEVENT')))?.[1] ?? '').split(';').sort();
const quiet = (r: { report: Parameters<typeof writes>[0] }) => writes(r.report);

describe('events: Exchange ↔ Radicale', () => {
  it('series with changed and deleted occurrences travel both ways and edits come back; a quiet run writes nothing', async () => {
    const folder = `calendar/${fresh('team')}`;
    const cal = `/user/${fresh('cal')}/`;
    const ws = exchangeWorkspace('event', radicale, cal, folder);
    expect((await ws.sync()).code).toBe(0); // creates both collections
    // In Outlook: a weekly series, its 2nd occurrence moved, its 4th deleted; and a single meeting.
    const master = sim.api.createItem({ mailbox: USER, folder: folderId(folder), xml: `<t:CalendarItem ${T}><t:Subject>Standup</t:Subject><t:Body BodyType="Text">Daily sync</t:Body>
      <t:Start>2026-03-02T08:00:00Z</t:Start><t:End>2026-03-02T08:15:00Z</t:End><t:Location>Room 4</t:Location>
      <t:Recurrence><t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Monday</t:DaysOfWeek><t:FirstDayOfWeek>Monday</t:FirstDayOfWeek></t:WeeklyRecurrence><t:NumberedRecurrence><t:StartDate>2026-03-02</t:StartDate><t:NumberOfOccurrences>8</t:NumberOfOccurrences></t:NumberedRecurrence></t:Recurrence>
      <t:StartTimeZone Id="W. Europe Standard Time"/><t:EndTimeZone Id="W. Europe Standard Time"/></t:CalendarItem>` });
    sim.api.updateItem({ mailbox: USER, masterId: master.id, index: 2, xml: `<t:CalendarItem ${T}><t:Subject>Standup (late)</t:Subject><t:Start>2026-03-09T10:00:00Z</t:Start><t:End>2026-03-09T10:15:00Z</t:End></t:CalendarItem>` });
    sim.api.deleteItem({ mailbox: USER, masterId: master.id, index: 4 });
    sim.api.createItem({ mailbox: USER, folder: folderId(folder), xml: `<t:CalendarItem ${T}><t:Subject>Budget</t:Subject><t:Importance>High</t:Importance><t:UID>budget-2026@example.com</t:UID>
      <t:Start>2026-03-05T13:00:00Z</t:Start><t:End>2026-03-05T14:00:00Z</t:End><t:LegacyFreeBusyStatus>OOF</t:LegacyFreeBusyStatus></t:CalendarItem>` });
    // On the CalDAV side: a series in Europe/Berlin with an override and an EXDATE.
    await rawPut(radicale, `${cal}review.ics`, ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Test//EN', BERLIN_TZ,
      'BEGIN:VEVENT', 'UID:review@example.org', 'DTSTAMP:20260101T000000Z', 'DTSTART;TZID=Europe/Berlin:20260407T140000', 'DTEND;TZID=Europe/Berlin:20260407T150000',
      'SUMMARY:Review', 'RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=6', 'EXDATE;TZID=Europe/Berlin:20260421T140000', 'END:VEVENT',
      'BEGIN:VEVENT', 'UID:review@example.org', 'DTSTAMP:20260101T000000Z', 'RECURRENCE-ID;TZID=Europe/Berlin:20260414T140000',
      'DTSTART;TZID=Europe/Berlin:20260414T160000', 'DTEND;TZID=Europe/Berlin:20260414T170000', 'SUMMARY:Review (room B)', 'LOCATION:Room B', 'END:VEVENT',
      'END:VCALENDAR', ''].join('\r\n'));

    const first = await ws.sync();
    expect(first.code).toBe(0);
    expect(first.report).toMatchObject({ a: { created: 1 }, b: { created: 2 }, failed: 0 });

    const onDav = await davItems(radicale, cal);
    expect(onDav.size).toBe(3);
    const standup = [...onDav.values()].find((t) => t.includes('SUMMARY:Standup'))!;
    expect(standup).toMatch(/DTSTART;TZID=Europe\/Berlin:20260302T090000/);
    expect(ruleParts(standup)).toEqual(['BYDAY=MO', 'COUNT=8', 'FREQ=WEEKLY']);
    expect(standup).toMatch(/EXDATE;TZID=Europe\/Berlin:20260323T090000/);
    expect(standup).toMatch(/RECURRENCE-ID;TZID=Europe\/Berlin:20260309T090000/);
    expect(standup).toMatch(/SUMMARY:Standup \(late\)/);
    expect(onDav.get('budget-2026@example.com')).toMatch(/PRIORITY:1/);

    const onEx = exchangeItems(folder);
    expect(onEx.size).toBe(3);
    const review = onEx.get('review@example.org')!.item;
    expect(review.deletedOccurrences).toEqual([Date.parse('2026-04-21T12:00:00Z')]);
    expect(Object.keys(review.exceptions)).toEqual([String(Date.parse('2026-04-14T12:00:00Z'))]);

    const second = await ws.sync();
    expect(second.code).toBe(0);
    expect(quiet(second)).toBe(0);

    // Outlook moves another occurrence; CalDAV renames the series: both arrive.
    sim.api.updateItem({ mailbox: USER, masterId: master.id, index: 5, xml: `<t:CalendarItem ${T}><t:Subject>Standup (demo day)</t:Subject></t:CalendarItem>` });
    const reviewHref = (await rawList(radicale, cal)).find((r) => r.href.endsWith('review.ics'))!.href;
    const text = (await rawGet(radicale, reviewHref)).body;
    await rawPut(radicale, reviewHref, text.replace('SUMMARY:Review\r\n', 'SUMMARY:Design review\r\n').replace(/DTSTAMP:[^\r\n]+/, 'DTSTAMP:20260201T000000Z'));
    const third = await ws.sync();
    expect(third.code).toBe(0);
    expect(third.report).toMatchObject({ a: { updated: 1 }, b: { updated: 1 } });
    expect([...(await davItems(radicale, cal)).values()].find((t) => t.includes('UID:') && t.includes('Standup'))).toMatch(/SUMMARY:Standup \(demo day\)/);
    expect(exchangeItems(folder).get('review@example.org')!.subject).toBe('Design review');
    expect(quiet(await ws.sync())).toBe(0);
  });

  it('throttling, an invalidated SyncState and a conflict: no loss, no duplicates, convergence', async () => {
    const folder = `calendar/${fresh('ops')}`;
    const cal = `/user/${fresh('ops')}/`;
    const ws = exchangeWorkspace('event', radicale, cal, folder);
    expect((await ws.sync()).code).toBe(0);
    for (let i = 0; i < 12; i++) {
      await rawPut(radicale, `${cal}e${i}.ics`, ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Test//EN', 'BEGIN:VEVENT', `UID:e${i}@example.org`, 'DTSTAMP:20260101T000000Z',
        `DTSTART:202605${String(i + 1).padStart(2, '0')}T090000Z`, `DTEND:202605${String(i + 1).padStart(2, '0')}T100000Z`, `SUMMARY:E${i}`, 'LAST-MODIFIED:20260101T000000Z', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n'));
    }
    // Exchange throttles the creates: those items wait for the next run, the rest is written.
    sim.injectFault({ kind: 'server-busy', operation: 'CreateItem', backOffMs: 1000, count: 1 });
    const throttled = await ws.sync();
    expect(throttled.report.failed).toBeGreaterThan(0);
    expect(throttled.report.errors.map((e) => e.message).join(' ')).toMatch(/busy|ErrorServerBusy/);
    const after = await ws.sync();
    expect(after.code).toBe(0);
    expect(exchangeItems(folder).size).toBe(12);

    // The SyncState is lost: the next run lists everything again and writes nothing.
    sim.api.invalidateSyncStates({ folderId: folderId(folder) });
    const relisted = await ws.sync();
    expect(relisted.code).toBe(0);
    expect(quiet(relisted)).toBe(0);
    expect(exchangeItems(folder).size).toBe(12);

    // Both sides edit e3; the newer edit (Exchange, now) wins on both sides.
    const e3 = exchangeItems(folder).get('e3@example.org')!;
    sim.api.updateItem({ mailbox: USER, id: e3.id, xml: `<t:CalendarItem ${T}><t:Subject>E3 from Outlook</t:Subject></t:CalendarItem>` });
    const href = (await rawList(radicale, cal)).find((r) => r.href.endsWith('e3.ics'))!.href;
    await rawPut(radicale, href, (await rawGet(radicale, href)).body.replace('SUMMARY:E3', 'SUMMARY:E3 from DAV'));
    const conflict = await ws.sync();
    expect(conflict.code).toBe(0);
    expect(conflict.report.items.filter((i) => i.uid === 'e3@example.org')).toEqual([
      expect.objectContaining({ action: 'update', side: 'b', reason: expect.stringMatching(/changed on both sides: a is newer/) })]);
    expect((await davItems(radicale, cal)).get('e3@example.org')).toMatch(/SUMMARY:E3 from Outlook/);
    expect(exchangeItems(folder).get('e3@example.org')!.subject).toBe('E3 from Outlook');
    expect(quiet(await ws.sync())).toBe(0);
  });

  it('a run killed mid-write is picked up by the next run without duplicates', async () => {
    const folder = `calendar/${fresh('kill')}`;
    const cal = `/user/${fresh('kill')}/`;
    const ws = exchangeWorkspace('event', radicale, cal, folder, { chunkSize: 5 });
    expect((await ws.sync()).code).toBe(0);
    const N = 30;
    for (let i = 0; i < N; i++) {
      await rawPut(radicale, `${cal}k${i}.ics`, ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Test//EN', 'BEGIN:VEVENT', `UID:k${i}@example.org`, 'DTSTAMP:20260101T000000Z',
        'DTSTART:20260601T090000Z', 'DTEND:20260601T100000Z', `SUMMARY:K${i}`, 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n'));
    }
    sim.injectFault({ kind: 'delay', operation: 'CreateItem', ms: 300, count: 1000 });
    sim.clearRequests();
    const child = spawn(process.execPath, [cliPath, 'sync', '--json'], { cwd: ws.dir, env: process.env, stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const started = Date.now();
    while (sim.requests({ operation: 'CreateItem' }).length < 2 && Date.now() - started < 20_000) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    await exited;
    sim.clearFaults();
    const partial = exchangeItems(folder).size;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(N);
    const next = await ws.sync();
    expect(next.code).toBe(0);
    expect(exchangeItems(folder).size).toBe(N);
    expect((await davItems(radicale, cal)).size).toBe(N);
    expect(quiet(await ws.sync())).toBe(0);
  });
});

describe('tasks: Exchange ↔ Radicale', () => {
  it('status, dates and completion travel both ways', async () => {
    const folder = `tasks/${fresh('todo')}`;
    const cal = `/user/${fresh('todo')}/`;
    const ws = exchangeWorkspace('task', radicale, cal, folder);
    expect((await ws.sync()).code).toBe(0);
    sim.api.createItem({ mailbox: USER, folder: folderId(folder), xml: `<t:Task ${T}><t:Subject>Write report</t:Subject><t:DueDate>2026-05-08T22:00:00Z</t:DueDate><t:PercentComplete>30</t:PercentComplete><t:Status>InProgress</t:Status></t:Task>` });
    await rawPut(radicale, `${cal}t1.ics`, ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Test//EN', 'BEGIN:VTODO', 'UID:t1@example.org', 'DTSTAMP:20260101T000000Z',
      'SUMMARY:Call supplier', 'DUE;VALUE=DATE:20260512', 'STATUS:NEEDS-ACTION', 'PRIORITY:1', 'END:VTODO', 'END:VCALENDAR', ''].join('\r\n'));
    const first = await ws.sync();
    expect(first.code).toBe(0);
    expect(first.report).toMatchObject({ a: { created: 1 }, b: { created: 1 } });
    const dav = await davItems(radicale, cal);
    expect([...dav.values()].find((t) => t.includes('Write report'))).toMatch(/STATUS:IN-PROCESS[\s\S]*|PERCENT-COMPLETE:30/);
    const t1 = exchangeItems(folder).get('t1@example.org')!;
    expect(propText(t1.item, 'Status')).toBe('NotStarted');
    sim.api.updateItem({ mailbox: USER, id: t1.id, xml: `<t:Task ${T}><t:Status>Completed</t:Status></t:Task>` });
    expect((await ws.sync()).code).toBe(0);
    expect((await davItems(radicale, cal)).get('t1@example.org')).toMatch(/STATUS:COMPLETED/);
    expect(quiet(await ws.sync())).toBe(0);
  });
});

describe('contacts: Exchange ↔ Xandikos', () => {
  it('contacts with phones, addresses and a photo travel both ways; edits come back', async () => {
    const folder = `contacts/${fresh('people')}`;
    const book = `/user/contacts/${fresh('book')}/`;
    const ws = exchangeWorkspace('contact', xandikos, book, folder);
    expect((await ws.sync()).code).toBe(0);
    sim.api.createItem({ mailbox: USER, folder: folderId(folder), xml: `<t:Contact ${T}><t:FileAs>Lee, Ann</t:FileAs><t:DisplayName>Ann Lee</t:DisplayName><t:GivenName>Ann</t:GivenName><t:CompanyName>ACME</t:CompanyName>
      <t:EmailAddresses><t:Entry Key="EmailAddress1">ann@acme.example</t:Entry></t:EmailAddresses><t:PhoneNumbers><t:Entry Key="MobilePhone">+49 170 1</t:Entry></t:PhoneNumbers><t:Surname>Lee</t:Surname></t:Contact>` });
    const photo = Buffer.from('a-small-jpeg-stand-in').toString('base64');
    await rawPut(xandikos, `${book}bob.vcf`, ['BEGIN:VCARD', 'VERSION:3.0', 'UID:bob@example.org', 'FN:Bob Stone', 'N:Stone;Bob;;;', 'ORG:Stone & Co', 'TITLE:Owner',
      'TEL;TYPE=WORK,VOICE:+49 30 2', 'ADR;TYPE=WORK:;;Main 1;Berlin;;10115;Germany', `PHOTO;ENCODING=b;TYPE=JPEG:${photo}`, 'END:VCARD', ''].join('\r\n'));
    const first = await ws.sync();
    expect(first.code).toBe(0);
    expect(first.report).toMatchObject({ a: { created: 1 }, b: { created: 1 } });
    const ann = [...(await davItems(xandikos, book)).values()].find((t) => t.includes('FN:Ann Lee'))!;
    expect(ann).toMatch(/EMAIL[^:]*:ann@acme\.example/);
    expect(ann).toMatch(/TEL[^:]*CELL[^:]*:\+49 170 1/i);
    const bob = exchangeItems(folder).get('bob@example.org')!;
    expect(propText(bob.item, 'CompanyName')).toBe('Stone & Co');
    expect(bob.item.attachments.filter((a) => a.isContactPhoto).map((a) => a.content)).toEqual([photo]);
    sim.api.updateItem({ mailbox: USER, id: bob.id, xml: `<t:Contact ${T}><t:JobTitle>Founder</t:JobTitle></t:Contact>` });
    expect((await ws.sync()).code).toBe(0);
    expect((await davItems(xandikos, book)).get('bob@example.org')).toMatch(/TITLE:Founder/);
    expect(quiet(await ws.sync())).toBe(0);
  });
});
