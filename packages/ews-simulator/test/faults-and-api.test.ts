/** Fault injection, the request log and the out-of-band API over HTTP. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EwsSimulator, StoredItem } from '../src/index.js';
import { ALICE, BOB, calendarView, codes, createCalendarItem, envelope, first, oob, post, startSimulator, text } from './support.js';

let sim: EwsSimulator;
beforeAll(async () => { sim = await startSimulator(); });
afterAll(async () => { await sim.stop(); });

const GET_FOLDER = '<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="calendar"/></m:FolderIds></m:GetFolder>';
const FIND = '<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:ParentFolderIds><t:DistinguishedFolderId Id="calendar"/></m:ParentFolderIds></m:FindItem>';

describe('fault injection', () => {
  it('answers ErrorServerBusy with BackOffMilliseconds as a SOAP fault for the next N requests of one operation', async () => {
    sim.injectFault({ kind: 'server-busy', count: 2, operation: 'FindItem', backOffMs: 1234 });
    expect((await post(sim, GET_FOLDER)).status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const r = await post(sim, FIND);
      expect(r.status).toBe(500);
      expect(text(r.doc, 'faultcode')).toBe('a:ErrorServerBusy');
      expect(text(r.doc, 'ResponseCode')).toBe('ErrorServerBusy');
      const value = first(r.doc, 'Value')!;
      expect(value.attrs.Name).toBe('BackOffMilliseconds');
      expect(value.text).toBe('1234');
    }
    expect(codes(await post(sim, FIND))).toEqual(['NoError']);
    expect(sim.requests({ operation: 'FindItem' }).map((e) => e.fault ?? 'none')).toEqual(['server-busy', 'server-busy', 'none']);
  });

  it('answers HTTP 503 with Retry-After, HTTP 500 and 401', async () => {
    sim.injectFault({ kind: 'http-503', retryAfter: 7 });
    const busy = await post(sim, GET_FOLDER);
    expect([busy.status, busy.headers.get('retry-after')]).toEqual([503, '7']);
    sim.injectFault({ kind: 'http-500' });
    expect((await post(sim, GET_FOLDER)).status).toBe(500);
    sim.injectFault({ kind: 'http-401' });
    const denied = await post(sim, GET_FOLDER);
    expect(denied.status).toBe(401);
    expect(denied.headers.get('www-authenticate')).toContain('NTLM');
    expect((await post(sim, GET_FOLDER)).status).toBe(200);
  });

  it('resets the connection, truncates the XML, delays and hangs', async () => {
    sim.injectFault({ kind: 'reset' });
    await expect(post(sim, GET_FOLDER)).rejects.toThrow();
    sim.injectFault({ kind: 'truncated' });
    const truncated = await post(sim, GET_FOLDER);
    expect(truncated.status).toBe(200);
    expect(truncated.text.startsWith('<?xml')).toBe(true);
    expect(truncated.text).not.toContain('</s:Envelope>');
    expect(truncated.doc).toBeUndefined();
    sim.injectFault({ kind: 'delay', ms: 300 });
    const t0 = Date.now();
    expect((await post(sim, GET_FOLDER)).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    sim.injectFault({ kind: 'hang' });
    const hung = fetch(sim.url, { method: 'POST', body: envelope(GET_FOLDER), signal: AbortSignal.timeout(300), headers: { authorization: `Basic ${Buffer.from(`${ALICE.email}:${ALICE.password}`).toString('base64')}` } });
    await expect(hung).rejects.toThrow();
    expect(sim.pendingFaults()).toEqual([]);
  });

  it('refuses an unknown fault kind', () => {
    expect(() => sim.injectFault({ kind: 'meteor' as never })).toThrow(/unknown fault kind/);
  });
});

describe('request log', () => {
  it('records operation, user, auth scheme, mailboxes, folder and item ids and the raw body', async () => {
    sim.clearRequests();
    const [id] = await createCalendarItem(sim, '<t:Subject>logged</t:Subject><t:Start>2026-02-02T10:00:00Z</t:Start><t:End>2026-02-02T11:00:00Z</t:End>');
    await post(sim, `<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:ItemIds><t:ItemId Id="${id}"/></m:ItemIds></m:GetItem>`);
    const [create, get] = sim.requests();
    expect(create).toMatchObject({ operation: 'CreateItem', user: ALICE.email, authScheme: 'Basic', mailboxes: [ALICE.email], status: 200, responseCodes: ['NoError'] });
    expect(create!.folderIds).toHaveLength(1);
    expect(get).toMatchObject({ operation: 'GetItem', itemIds: [id] });
    expect(get!.body).toContain(`<t:ItemId Id="${id}"/>`);
  });
});

describe('out-of-band API over HTTP', () => {
  it('acts as another Outlook user: creates, edits an occurrence, deletes one and answers a meeting', async () => {
    const created = await oob(sim, 'createItem', {
      mailbox: ALICE.email, folder: 'calendar',
      xml: '<t:CalendarItem><t:Subject>Board</t:Subject><t:Start>2026-09-07T15:00:00Z</t:Start><t:End>2026-09-07T16:00:00Z</t:End>'
        + '<t:RequiredAttendees><t:Attendee><t:Mailbox><t:EmailAddress>bob@example.org</t:EmailAddress></t:Mailbox></t:Attendee></t:RequiredAttendees>'
        + '<t:Recurrence><t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Monday</t:DaysOfWeek></t:WeeklyRecurrence>'
        + '<t:NumberedRecurrence><t:StartDate>2026-09-07</t:StartDate><t:NumberOfOccurrences>3</t:NumberOfOccurrences></t:NumberedRecurrence></t:Recurrence></t:CalendarItem>',
    });
    expect(created.status).toBe(200);
    const { id, changeKey } = created.json.result as { id: string; changeKey: string };
    expect((await oob(sim, 'updateItem', { mailbox: ALICE.email, masterId: id, index: 1, xml: '<t:CalendarItem><t:Subject>Board (Q3)</t:Subject></t:CalendarItem>' })).status).toBe(200);
    expect((await oob(sim, 'deleteItem', { mailbox: ALICE.email, masterId: id, index: 3 })).status).toBe(200);
    const answered = await oob(sim, 'respondToMeeting', { mailbox: ALICE.email, id, attendee: BOB.email, response: 'Decline' });
    expect((answered.json.result as { changeKey: string }).changeKey).not.toBe(changeKey);
    const view = (await calendarView(sim, '2026-09-01T00:00:00Z', '2026-10-01T00:00:00Z')).filter((i) => text(i, 'Subject')?.startsWith('Board'));
    expect(view.map((v) => text(v, 'Subject'))).toEqual(['Board (Q3)', 'Board']);
    expect(text(first(view[1], 'RequiredAttendees'), 'ResponseType')).toBe('Decline');
    expect(text(view[1], 'IsMeeting')).toBe('true');
    const raw = await oob(sim, 'items', { mailbox: ALICE.email, folder: 'calendar' });
    const master = (raw.json.result as StoredItem[]).find((i) => i.id === id)!;
    expect(Object.keys(master.exceptions)).toHaveLength(1);
    expect(master.deletedOccurrences).toHaveLength(1);
  });

  it('injects faults, grants delegates and reports mistakes with HTTP 400 / 404', async () => {
    expect((await oob(sim, 'injectFault', { kind: 'http-500', operation: 'GetFolder' })).status).toBe(200);
    expect((await post(sim, GET_FOLDER)).status).toBe(500);
    expect((await oob(sim, 'grantDelegate', { owner: BOB.email, delegate: ALICE.email, folders: { contacts: 'Reviewer' } })).status).toBe(200);
    const bobContacts = await post(sim, '<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="contacts"><t:Mailbox><t:EmailAddress>bob@example.org</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId></m:FolderIds></m:GetFolder>');
    expect(codes(bobContacts)).toEqual(['NoError']);
    const bad = await oob(sim, 'grantDelegate', { owner: BOB.email, delegate: ALICE.email, folders: { contacts: 'Owner' } });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatch(/not None, Reviewer, Author or Editor/);
    expect((await oob(sim, 'nope', {})).status).toBe(404);
    const noAuth = await fetch(`${sim.baseUrl}/_simulator/items`, { method: 'POST', body: '{}' });
    expect(noAuth.status).toBe(401);
    const badXml = await oob(sim, 'createItem', { mailbox: ALICE.email, xml: '<CalendarItem/>' });
    expect(badXml.status).toBe(400);
  });
});
