/**
 * The Exchange connector against the EWS simulator: what it sends (asserted on the simulator's request log),
 * series with changed and deleted occurrences both ways, the carry, faults and sign-in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connector, EventEntity, LoadResult, TaskEntity, ContactEntity, Entity } from '@dovetail/core/sdk';
import { recordingLogger, testContext } from '@dovetail/core/testing';
import definition from '../src/index.js';
import type { EwsSimulator } from '@dovetail/ews-simulator';
import { freePort } from '../../../test/support/ports.js';
import { exchangeFor, freshFolder, OTHER, PASSWORD, startSimulator, USER } from './helpers.js';

let sim: EwsSimulator;
beforeAll(async () => { sim = await startSimulator(); });
afterAll(async () => { await sim?.stop(); });

const T = 'xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"';
const loaded = (r: LoadResult | undefined): Entity => {
  if (!r?.ok) throw new Error(`load failed: ${r && !r.ok ? `${r.error.code}: ${r.error.message}` : 'no result'}`);
  return r.item;
};
const ops = (name: string) => sim.requests().filter((r) => r.operation === name);
const stored_ = (id: string) => sim.store.locate(id)!.item!;

async function fresh(entity: 'event' | 'task' | 'contact', c?: Connector): Promise<{ connector: Connector; collection: string; folderId: string }> {
  const connector = c ?? await exchangeFor(sim);
  const root = { event: 'calendar', task: 'tasks', contact: 'contacts' }[entity];
  const info = await connector.createCollection!({ id: `${root}/${freshFolder(entity)}`, entities: [entity] });
  const mb = sim.store.mailbox(USER)!;
  const folderId = info.id.split('/').slice(1).reduce((parent, name) => sim.store.childFolders(mb, parent).find((f) => f.displayName === name)!.id,
    sim.api.folderId({ mailbox: USER, folder: root }));
  return { connector, collection: info.id, folderId };
}

describe('listing', () => {
  it('a full listing pages through SyncFolderItems; a quiet delta is one request; changes by another client arrive', async () => {
    const { connector, collection, folderId } = await fresh('event');
    for (let i = 0; i < 600; i++) {
      sim.api.createItem({ mailbox: USER, folder: folderId, xml: `<t:CalendarItem ${T}><t:Subject>Item ${i}</t:Subject><t:Start>2026-05-01T0${i % 10}:00:00Z</t:Start><t:End>2026-05-01T0${i % 10}:30:00Z</t:End></t:CalendarItem>` });
    }
    sim.clearRequests();
    const full = await connector.list(collection, { entity: 'event' });
    expect(full.kind).toBe('full');
    if (full.kind !== 'full') return;
    expect(full.items).toHaveLength(600);
    expect(sim.requests().map((r) => r.operation)).toEqual(['SyncFolderItems', 'SyncFolderItems']); // 512 + 88

    sim.clearRequests();
    const quiet = await connector.list(collection, { entity: 'event', cursor: full.cursor });
    expect(quiet).toMatchObject({ kind: 'changes', changed: [], deleted: [] });
    expect(sim.requests().map((r) => r.operation)).toEqual(['SyncFolderItems']);

    const [edited, removed] = [full.items[3], full.items[4]];
    sim.api.updateItem({ mailbox: USER, id: edited.id, xml: `<t:CalendarItem ${T}><t:Subject>Edited in Outlook</t:Subject></t:CalendarItem>` });
    sim.api.deleteItem({ mailbox: USER, id: removed.id });
    const added = sim.api.createItem({ mailbox: USER, folder: folderId, xml: `<t:CalendarItem ${T}><t:Subject>New</t:Subject><t:Start>2026-06-01T09:00:00Z</t:Start><t:End>2026-06-01T10:00:00Z</t:End></t:CalendarItem>` });
    sim.clearRequests();
    const delta = await connector.list(collection, { entity: 'event', cursor: (quiet as { cursor: string }).cursor });
    expect(delta.kind).toBe('changes');
    if (delta.kind !== 'changes') return;
    expect(delta.changed.map((r) => r.id).sort()).toEqual([edited.id, added.id].sort());
    expect(delta.changed.find((r) => r.id === edited.id)!.version).not.toBe(edited.version);
    expect(delta.deleted).toEqual([removed.id]);
    expect(ops('SyncFolderItems')).toHaveLength(1);
  });

  it('an invalidated SyncState is CursorInvalid; the full listing after it duplicates nothing', async () => {
    const { connector, collection, folderId } = await fresh('task');
    sim.api.createItem({ mailbox: USER, folder: folderId, xml: `<t:Task ${T}><t:Subject>One</t:Subject></t:Task>` });
    const full = await connector.list(collection, { entity: 'task' });
    sim.api.invalidateSyncStates({ folderId });
    await expect(connector.list(collection, { entity: 'task', cursor: full.cursor })).rejects.toMatchObject({ code: 'CursorInvalid' });
    const again = await connector.list(collection, { entity: 'task' });
    expect(again.kind === 'full' && again.items.map((i) => i.id)).toEqual(full.kind === 'full' && full.items.map((i) => i.id));
  });

  it('a window leaves out single items outside it but always lists series', async () => {
    const { connector, collection, folderId } = await fresh('event');
    const inside = sim.api.createItem({ mailbox: USER, folder: folderId, xml: `<t:CalendarItem ${T}><t:Subject>In</t:Subject><t:Start>2026-05-01T09:00:00Z</t:Start><t:End>2026-05-01T10:00:00Z</t:End></t:CalendarItem>` });
    sim.api.createItem({ mailbox: USER, folder: folderId, xml: `<t:CalendarItem ${T}><t:Subject>Out</t:Subject><t:Start>2020-05-01T09:00:00Z</t:Start><t:End>2020-05-01T10:00:00Z</t:End></t:CalendarItem>` });
    const series = sim.api.createItem({ mailbox: USER, folder: folderId, xml: `<t:CalendarItem ${T}><t:Subject>Weekly</t:Subject><t:Start>2019-01-07T09:00:00Z</t:Start><t:End>2019-01-07T10:00:00Z</t:End><t:Recurrence><t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Monday</t:DaysOfWeek></t:WeeklyRecurrence><t:NoEndRecurrence><t:StartDate>2019-01-07</t:StartDate></t:NoEndRecurrence></t:Recurrence></t:CalendarItem>` });
    const res = await connector.list(collection, { entity: 'event', window: { start: new Date('2026-01-01T00:00:00Z'), end: new Date('2026-12-31T00:00:00Z') } });
    expect(res.kind === 'full' && res.items.map((i) => i.id).sort()).toEqual([inside.id, series.id].sort());
  });
});

describe('series', () => {
  const berlin = (value: string) => ({ kind: 'zoned' as const, value, tz: 'Europe/Berlin' });

  it('a series changed in Outlook (one occurrence moved, one deleted) loads as RRULE, EXDATE and an override', async () => {
    const { connector, collection, folderId } = await fresh('event');
    const master = sim.api.createItem({ mailbox: USER, folder: folderId, xml: `<t:CalendarItem ${T}><t:Subject>Standup</t:Subject><t:Start>2026-03-02T08:00:00Z</t:Start><t:End>2026-03-02T08:15:00Z</t:End>
      <t:Recurrence><t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Monday</t:DaysOfWeek></t:WeeklyRecurrence><t:NumberedRecurrence><t:StartDate>2026-03-02</t:StartDate><t:NumberOfOccurrences>10</t:NumberOfOccurrences></t:NumberedRecurrence></t:Recurrence>
      <t:StartTimeZone Id="W. Europe Standard Time"/><t:EndTimeZone Id="W. Europe Standard Time"/></t:CalendarItem>` });
    sim.api.updateItem({ mailbox: USER, masterId: master.id, index: 2, xml: `<t:CalendarItem ${T}><t:Subject>Standup (late)</t:Subject><t:Start>2026-03-09T10:00:00Z</t:Start><t:End>2026-03-09T10:15:00Z</t:End></t:CalendarItem>` });
    sim.api.deleteItem({ mailbox: USER, masterId: master.id, index: 4 });
    const e = loaded((await connector.load(collection, [master.id], { entity: 'event' }))[0]) as EventEntity;
    expect(e.start).toEqual(berlin('2026-03-02T09:00:00'));
    expect(e.recurrence).toEqual({ rrule: ['FREQ=WEEKLY;BYDAY=MO;COUNT=10'], exdate: [berlin('2026-03-23T09:00:00')] });
    expect(e.overrides).toEqual([{ recurrenceId: berlin('2026-03-09T09:00:00'), summary: 'Standup (late)', start: berlin('2026-03-09T11:00:00'), end: berlin('2026-03-09T11:15:00') }]);
    expect(e.uid).toMatch(/./);
  });

  it('a series written with an override and a deleted occurrence is stored as Exchange keeps them, and reads back the same', async () => {
    const { connector, collection } = await fresh('event');
    const event: EventEntity = {
      type: 'event', uid: 'series-1@dovetail.test', summary: 'Review', start: berlin('2026-04-07T14:00:00'), end: berlin('2026-04-07T15:00:00'),
      recurrence: { rrule: ['FREQ=WEEKLY;BYDAY=TU;UNTIL=20260526T120000Z'], exdate: [berlin('2026-04-21T14:00:00')] },
      overrides: [{ recurrenceId: berlin('2026-04-14T14:00:00'), summary: 'Review (room B)', location: 'Room B', start: berlin('2026-04-14T16:00:00'), end: berlin('2026-04-14T17:00:00') }],
    };
    sim.clearRequests();
    const [res] = await connector.write(collection, [{ op: 'create', item: event }]);
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    const stored = stored_(res.id);
    expect(stored.deletedOccurrences).toEqual([Date.parse('2026-04-21T12:00:00Z')]);
    expect(Object.keys(stored.exceptions)).toEqual([String(Date.parse('2026-04-14T12:00:00Z'))]);
    const create = ops('CreateItem')[0].body;
    expect(create).toContain('SendMeetingInvitations="SendToNone"');
    expect(create).toContain('Id="W. Europe Standard Time"');
    const back = loaded((await connector.load(collection, [res.id], { entity: 'event' }))[0]) as EventEntity;
    expect(back.recurrence).toEqual(event.recurrence);
    expect(back.overrides).toEqual(event.overrides);
    expect(back.start).toEqual(event.start);
    expect(back.uid).toBe(event.uid);
    expect(res.version).toBe((await connector.list(collection, { entity: 'event' }).then((l) => l.kind === 'full' ? l.items : []))[0].version);
  });

  it('restoring a deleted occurrence rewrites the pattern and puts the other changes back', async () => {
    const { connector, collection } = await fresh('event');
    const event: EventEntity = {
      type: 'event', uid: 'series-2@dovetail.test', summary: 'Sync', start: berlin('2026-04-06T09:00:00'), end: berlin('2026-04-06T09:30:00'),
      recurrence: { rrule: ['FREQ=DAILY;COUNT=5'], exdate: [berlin('2026-04-08T09:00:00')] },
      overrides: [{ recurrenceId: berlin('2026-04-07T09:00:00'), summary: 'Sync (moved)', start: berlin('2026-04-07T11:00:00'), end: berlin('2026-04-07T11:30:00') }],
    };
    const [created] = await connector.write(collection, [{ op: 'create', item: event }]);
    if (!created.ok) throw new Error(created.error.message);
    const current = loaded((await connector.load(collection, [created.id], { entity: 'event' }))[0]) as EventEntity;
    const restored: EventEntity = { ...current, recurrence: { rrule: ['FREQ=DAILY;COUNT=5'] } };
    const [updated] = await connector.write(collection, [{ op: 'update', id: created.id, ifVersion: created.version, item: restored }]);
    expect(updated.ok).toBe(true);
    const back = loaded((await connector.load(collection, [created.id], { entity: 'event' }))[0]) as EventEntity;
    expect(back.recurrence).toEqual({ rrule: ['FREQ=DAILY;COUNT=5'] });
    expect(back.overrides).toEqual(event.overrides);
  });

  it('times do not depend on the zone of the machine running the sync', async () => {
    const saved = process.env.TZ;
    process.env.TZ = 'Pacific/Chatham';
    try {
      const { connector, collection } = await fresh('event');
      const event: EventEntity = { type: 'event', uid: 'tz@dovetail.test', summary: 'DST', start: berlin('2026-03-29T03:30:00'), end: berlin('2026-03-29T04:30:00'),
        recurrence: { rrule: ['FREQ=DAILY;COUNT=3'] } };
      const [res] = await connector.write(collection, [{ op: 'create', item: event }]);
      if (!res.ok) throw new Error(res.error.message);
      const stored = stored_(res.id);
      expect(JSON.stringify(stored.props.Start)).toContain('2026-03-29T01:30:00Z');
      const back = loaded((await connector.load(collection, [res.id], { entity: 'event' }))[0]) as EventEntity;
      expect(back.start).toEqual(event.start);
      expect(back.recurrence).toEqual(event.recurrence);
    } finally {
      if (saved === undefined) delete process.env.TZ; else process.env.TZ = saved;
    }
  });
});

describe('fields and the carry', () => {
  it('what Exchange sets itself (the organizer) or cannot hold (a second reminder, PRIORITY 3) reads back as written', async () => {
    const { connector, collection } = await fresh('event');
    const event: EventEntity = {
      type: 'event', uid: 'carry@dovetail.test', summary: 'Board', start: { kind: 'utc', value: '2026-05-04T09:00:00Z' }, end: { kind: 'utc', value: '2026-05-04T10:00:00Z' },
      organizer: { email: 'carol@example.org', name: 'Carol' }, priority: 3, url: 'https://intranet.example.org/board',
      attendees: [{ email: 'dave@example.org', name: 'Dave', role: 'req-participant', partstat: 'accepted' }],
      reminders: [{ kind: 'relative', offset: '-PT30M', related: 'start', action: 'display' }, { kind: 'relative', offset: '-P1D', related: 'start', action: 'email' }],
      showAs: 'oof', sensitivity: 'confidential', categories: ['Board'], description: 'Agenda\nline 2',
    };
    const [res] = await connector.write(collection, [{ op: 'create', item: event }]);
    if (!res.ok) throw new Error(res.error.message);
    const stored = stored_(res.id);
    expect(JSON.stringify(stored.props.Organizer)).toContain(USER); // Exchange makes the mailbox the organizer
    const back = loaded((await connector.load(collection, [res.id], { entity: 'event' }))[0]) as EventEntity;
    for (const k of ['organizer', 'priority', 'url', 'attendees', 'reminders', 'showAs', 'sensitivity', 'categories', 'description', 'summary'] as const) {
      expect(back[k], k).toEqual(event[k]);
    }
    const listed = await connector.list(collection, { entity: 'event' });
    expect(res.version).toBe(listed.kind === 'full' ? listed.items[0].version : ''); // the version after correcting the carry
    // Importance raised in Outlook: Exchange's value wins over the carried PRIORITY; the rest stays.
    sim.api.updateItem({ mailbox: USER, id: res.id, xml: `<t:CalendarItem ${T}><t:Importance>Low</t:Importance></t:CalendarItem>` });
    const edited = loaded((await connector.load(collection, [res.id], { entity: 'event' }))[0]) as EventEntity;
    expect(edited.priority).toBe(9);
    expect(edited.organizer).toEqual(event.organizer);
  });

  it('an all-day event stays on its days; an HTML body keeps its HTML and reads as text too', async () => {
    const { connector, collection } = await fresh('event');
    const event: EventEntity = { type: 'event', uid: 'allday@dovetail.test', summary: 'Holiday', start: { kind: 'date', value: '2026-12-24' }, end: { kind: 'date', value: '2026-12-27' },
      description: 'Office closed', descriptionHtml: '<p>Office <b>closed</b></p>' };
    const [res] = await connector.write(collection, [{ op: 'create', item: event }]);
    if (!res.ok) throw new Error(res.error.message);
    const stored = stored_(res.id);
    expect((stored.props.IsAllDayEvent as { t?: string }).t).toBe('true');
    expect((stored.props.Start as { t?: string }).t).toBe('2026-12-23T23:00:00Z'); // midnight in the mailbox's zone (Europe/Berlin)
    const back = loaded((await connector.load(collection, [res.id], { entity: 'event' }))[0]) as EventEntity;
    expect(back.start).toEqual(event.start);
    expect(back.end).toEqual(event.end);
    expect(back.descriptionHtml).toBe(event.descriptionHtml);
    expect(back.description).toBe('Office closed');
  });

  it('an attendee\'s answer made in their Outlook arrives as their PARTSTAT', async () => {
    const { connector, collection } = await fresh('event');
    const event: EventEntity = { type: 'event', uid: 'meeting@dovetail.test', summary: 'Kick-off', start: { kind: 'utc', value: '2026-06-01T09:00:00Z' }, end: { kind: 'utc', value: '2026-06-01T10:00:00Z' },
      attendees: [{ email: 'dave@example.org', name: 'Dave', role: 'req-participant', partstat: 'needs-action' }] };
    const [res] = await connector.write(collection, [{ op: 'create', item: event }]);
    if (!res.ok) throw new Error(res.error.message);
    expect(ops('CreateItem').at(-1)!.body).toContain('SendMeetingInvitations="SendToNone"');
    sim.api.respondToMeeting({ mailbox: USER, id: res.id, attendee: 'dave@example.org', response: 'Accept' });
    const back = loaded((await connector.load(collection, [res.id], { entity: 'event' }))[0]) as EventEntity;
    expect(back.attendees).toEqual([{ email: 'dave@example.org', name: 'Dave', role: 'req-participant', partstat: 'accepted' }]);
  });

  it('a subject or body with XML markup is stored as text, never as XML', async () => {
    const { connector, collection } = await fresh('event');
    const summary = 'Q&A </t:Subject><t:Location>injected</t:Location> <b>"quoted"</b>';
    const [res] = await connector.write(collection, [{ op: 'create', item: { type: 'event', uid: 'xml@dovetail.test', summary, description: 'a < b & c > d',
      start: { kind: 'utc', value: '2026-06-02T09:00:00Z' }, end: { kind: 'utc', value: '2026-06-02T10:00:00Z' }, categories: ['R&D'] } }]);
    if (!res.ok) throw new Error(res.error.message);
    expect((stored_(res.id).props.Subject as { t?: string }).t).toBe(summary);
    expect(stored_(res.id).props.Location).toBeUndefined();
    const back = loaded((await connector.load(collection, [res.id], { entity: 'event' }))[0]) as EventEntity;
    expect([back.summary, back.description, back.categories]).toEqual([summary, 'a < b & c > d', ['R&D']]);
    const [bad] = await connector.write(collection, [{ op: 'create', item: { type: 'event', uid: 'ctl@dovetail.test', summary: 'bell \u0007', start: { kind: 'utc', value: '2026-06-02T09:00:00Z' }, end: { kind: 'utc', value: '2026-06-02T10:00:00Z' } } }]);
    expect(bad).toMatchObject({ ok: false, error: { code: 'Invalid', message: expect.stringMatching(/U\+0007, which XML \(and so EWS\) cannot carry/) } });
  });

  it('tasks: status, dates, percent and the Dovetail UID stamped in an extended property', async () => {
    const { connector, collection } = await fresh('task');
    const task: TaskEntity = { type: 'task', uid: 'task-1@dovetail.test', summary: 'Ship', status: 'in-process', percent: 40,
      start: { kind: 'date', value: '2026-05-01' }, due: { kind: 'date', value: '2026-05-08' }, priority: 1 };
    const [res] = await connector.write(collection, [{ op: 'create', item: task }]);
    if (!res.ok) throw new Error(res.error.message);
    const stored = stored_(res.id);
    expect(stored.extended.some((x) => JSON.stringify(x).includes('task-1@dovetail.test'))).toBe(true);
    const back = loaded((await connector.load(collection, [res.id], { entity: 'task' }))[0]) as TaskEntity;
    expect(back).toMatchObject({ uid: task.uid, summary: 'Ship', status: 'in-process', percent: 40, start: task.start, due: task.due, priority: 1 });
  });

  it('contacts: names, slots, photo and notes round-trip; an update sends only what changed', async () => {
    const { connector, collection } = await fresh('contact');
    const photo = Buffer.from('GIF89a-not-really-a-gif-but-bytes').toString('base64');
    const contact: ContactEntity = { type: 'contact', uid: 'c-1@dovetail.test', name: { given: 'Ann', family: 'Lee', prefix: 'Dr.' }, formattedName: 'Dr. Ann Lee',
      org: { name: 'ACME', units: ['Labs'] }, title: 'CTO', emails: [{ value: 'ann@acme.example' }], phones: [{ value: '+49 30 1', types: ['work', 'voice'] }, { value: '+49 170 2', types: ['cell'] }],
      addresses: [{ street: 'Main 1', locality: 'Berlin', postalCode: '10115', country: 'Germany', types: ['work'] }], birthday: '1980-07-14', note: 'Met at the fair',
      photo: { data: photo, mediaType: 'image/gif' }, urls: [{ value: 'https://acme.example', types: ['work'] }] };
    const [res] = await connector.write(collection, [{ op: 'create', item: contact }]);
    if (!res.ok) throw new Error(res.error.message);
    expect(stored_(res.id).attachments.filter((a) => a.isContactPhoto).map((a) => a.content)).toEqual([photo]);
    const back = loaded((await connector.load(collection, [res.id], { entity: 'contact' }))[0]) as ContactEntity;
    for (const k of ['name', 'formattedName', 'org', 'title', 'emails', 'phones', 'addresses', 'birthday', 'note', 'photo', 'urls'] as const) expect(back[k], k).toEqual(contact[k]);
    sim.clearRequests();
    const [upd] = await connector.write(collection, [{ op: 'update', id: res.id, ifVersion: res.version, item: { ...back, title: 'CEO' } }]);
    expect(upd.ok).toBe(true);
    const update = ops('UpdateItem')[0].body;
    expect(update).toContain('contacts:JobTitle');
    expect(update).not.toContain('contacts:CompanyName');
    expect(update).toContain('ConflictResolution="NeverOverwrite"');
  });
});

describe('failures', () => {
  it('ErrorServerBusy is RateLimited with the back-off Exchange asks for', async () => {
    const connector = await exchangeFor(sim);
    sim.injectFault({ kind: 'server-busy', operation: 'SyncFolderItems', backOffMs: 42_000 });
    const err = await connector.list('calendar', { entity: 'event' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'RateLimited', retryAfterMs: 42_000 });
  });

  it('a 503 with a long Retry-After is RateLimited; a 500, a reset and a truncated answer are Unavailable, never a crash', async () => {
    const connector = await exchangeFor(sim);
    sim.injectFault({ kind: 'http-503', retryAfter: 120, count: 5 });
    await expect(connector.list('calendar', { entity: 'event' })).rejects.toMatchObject({ code: 'RateLimited', retryAfterMs: 120_000 });
    sim.clearFaults();
    for (const kind of ['http-500', 'reset', 'truncated'] as const) {
      sim.injectFault({ kind, operation: 'SyncFolderItems', count: 5 });
      const err = await connector.list('calendar', { entity: 'event' }).catch((e: unknown) => e);
      expect(err, kind).toMatchObject({ code: 'Unavailable' });
      sim.clearFaults();
    }
  });

  it('check: a wrong password, a URL that is not EWS and a closed port each get a message a person can act on', async () => {
    const wrong = await definition.create(testContext({ url: sim.url, username: USER, timeZone: 'UTC' }, { secrets: { password: 'wrong' } }));
    expect(await wrong.check()).toMatchObject({ ok: false, message: expect.stringMatching(/401 Unauthorized .*check username and password/) });
    const notEws = await exchangeFor(sim, { url: `${sim.baseUrl}/owa/` });
    expect((await notEws.check()).message).toMatch(/did not answer as Exchange Web Services|404/);
    const closed = await exchangeFor(sim, { url: `http://127.0.0.1:${await freePort()}/EWS/Exchange.asmx` });
    expect(await closed.check()).toMatchObject({ ok: false, message: expect.stringMatching(/refused|not reachable|ECONNREFUSED/i) });
  });

  it('signs in with NTLM and with a bearer token', async () => {
    const ntlm = await exchangeFor(sim, { auth: 'ntlm' });
    expect((await ntlm.check()).ok).toBe(true);
    expect(sim.requests().at(-1)!.authScheme).toBe('NTLM');
    sim.addToken({ token: 'tok-123', email: USER });
    const bearer = await definition.create(testContext({ url: sim.url, timeZone: 'UTC', token: 'x' }, { secrets: { token: 'tok-123' } }));
    expect((await bearer.check()).ok).toBe(true);
    expect(sim.requests().at(-1)!.authScheme).toBe('Bearer');
  });

  it('another mailbox needs delegate access: refused without it, synced with it', async () => {
    const connector = await exchangeFor(sim, { sharedMailboxes: [OTHER] });
    await expect(connector.list(`${OTHER}/calendar`, { entity: 'event' })).rejects.toMatchObject({ code: 'AuthFailed' });
    sim.api.grantDelegate({ owner: OTHER, delegate: USER, folders: { calendar: 'Editor' } });
    const res = await connector.list(`${OTHER}/calendar`, { entity: 'event' });
    expect(res.kind).toBe('full');
    expect((await connector.discover()).map((c) => c.id)).toContain(`${OTHER}/calendar`);
    const [w] = await connector.write(`${OTHER}/calendar`, [{ op: 'create', item: { type: 'event', uid: 'shared@dovetail.test', summary: 'For Bob', start: { kind: 'utc', value: '2026-07-01T09:00:00Z' }, end: { kind: 'utc', value: '2026-07-01T10:00:00Z' } } }]);
    expect(w.ok).toBe(true);
    expect(sim.api.items({ mailbox: OTHER, folder: 'calendar' }).some((i) => JSON.stringify(i.props.Subject).includes('For Bob'))).toBe(true);
  });

  it('secrets never reach the logs', async () => {
    const lines: [string, unknown][] = [];
    const connector = await exchangeFor(sim, {}, recordingLogger(lines));
    await connector.list('calendar', { entity: 'event' });
    expect(JSON.stringify(lines)).not.toContain(PASSWORD);
  });
});

describe('collection names', () => {
  it('reads a folder\'s display name with one GetFolder, has no colour, and never renames (no updateCollection)', async () => {
    const { connector, collection } = await fresh('event');
    sim.clearRequests();
    expect(await connector.collectionMetadata!(collection)).toEqual({ name: collection.split('/')[1] });
    expect(sim.requests().map((r) => r.operation)).toEqual(['GetFolder']);
    expect(await connector.collectionMetadata!('calendar')).toEqual({ name: 'Calendar' });
    expect(connector.updateCollection).toBeUndefined();
    // A colour asked for a new folder is not taken, and the result says so by having none.
    const made = await connector.createCollection!({ id: `calendar/${freshFolder('event')}`, color: '#FF0000', entities: ['event'] });
    expect(made.color).toBeUndefined();
  });
});
