/** SyncFolderItems (paging, change kinds, invalidation) and UpdateItem's ChangeKey rules. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EwsSimulator } from '../src/index.js';
import { ALICE, BOB, all, codes, createCalendarItem, first, post, startSimulator, text } from './support.js';

let sim: EwsSimulator;
beforeAll(async () => { sim = await startSimulator(); });
afterAll(async () => { await sim.stop(); });

async function newCalendar(name: string, user = ALICE): Promise<string> {
  const f = await post(sim, '<m:CreateFolder><m:ParentFolderId><t:DistinguishedFolderId Id="calendar"/></m:ParentFolderId>'
    + `<m:Folders><t:CalendarFolder><t:DisplayName>${name}</t:DisplayName></t:CalendarFolder></m:Folders></m:CreateFolder>`, user);
  return first(f.doc, 'FolderId')!.attrs.Id!;
}

async function sync(folderId: string, state: string | undefined, max = 512, extra = '') {
  const r = await post(sim, '<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="item:Subject"/></t:AdditionalProperties></m:ItemShape>'
    + `<m:SyncFolderId><t:FolderId Id="${folderId}"/></m:SyncFolderId>${state ? `<m:SyncState>${state}</m:SyncState>` : ''}${extra}`
    + `<m:MaxChangesReturned>${max}</m:MaxChangesReturned></m:SyncFolderItems>`);
  const changes = first(r.doc, 'Changes')?.children.map((c) => `${c.local}:${text(c, 'Subject') ?? first(c, 'ItemId')?.attrs.Id}`) ?? [];
  return { r, changes, state: text(r.doc, 'SyncState'), last: text(r.doc, 'IncludesLastItemInRange') };
}

const at = (d: number) => `<t:Start>2026-05-${String(d).padStart(2, '0')}T10:00:00Z</t:Start><t:End>2026-05-${String(d).padStart(2, '0')}T11:00:00Z</t:End>`;

describe('SyncFolderItems', () => {
  it('pages an initial sync by MaxChangesReturned and then reports creates, updates and deletes', async () => {
    const folder = await newCalendar('Sync');
    const ids: string[] = [];
    for (let i = 1; i <= 5; i++) ids.push((await createCalendarItem(sim, `<t:Subject>E${i}</t:Subject>${at(i)}`, ALICE, `<t:FolderId Id="${folder}"/>`))[0]);
    const p1 = await sync(folder, undefined, 2);
    expect(p1.changes).toEqual(['Create:E1', 'Create:E2']);
    expect(p1.last).toBe('false');
    const p2 = await sync(folder, p1.state, 2);
    expect(p2.changes).toEqual(['Create:E3', 'Create:E4']);
    const p3 = await sync(folder, p2.state, 2);
    expect(p3.changes).toEqual(['Create:E5']);
    expect(p3.last).toBe('true');
    expect((await sync(folder, p3.state)).changes).toEqual([]);

    // Another Outlook user edits E2 and deletes E3; our client creates E6 and creates+deletes E7 (net nothing).
    await sim.api.updateItem({ mailbox: ALICE.email, id: ids[1]!, xml: '<t:CalendarItem><t:Subject>E2 edited</t:Subject></t:CalendarItem>' });
    sim.api.deleteItem({ mailbox: ALICE.email, id: ids[2]! });
    await createCalendarItem(sim, `<t:Subject>E6</t:Subject>${at(6)}`, ALICE, `<t:FolderId Id="${folder}"/>`);
    const [e7] = await createCalendarItem(sim, `<t:Subject>E7</t:Subject>${at(7)}`, ALICE, `<t:FolderId Id="${folder}"/>`);
    await post(sim, `<m:DeleteItem DeleteType="HardDelete" SendMeetingCancellations="SendToNone"><m:ItemIds><t:ItemId Id="${e7}"/></m:ItemIds></m:DeleteItem>`);
    const d = await sync(folder, p3.state);
    expect(d.changes).toEqual(['Update:E2 edited', `Delete:${ids[2]}`, 'Create:E6']);
    // Ignore skips an item's changes.
    await sim.api.updateItem({ mailbox: ALICE.email, id: ids[0]!, xml: '<t:CalendarItem><t:Location>x</t:Location></t:CalendarItem>' });
    const ignored = await sync(folder, d.state, 512, `<m:Ignore><t:ItemId Id="${ids[0]}"/></m:Ignore>`);
    expect(ignored.changes).toEqual([]);
  });

  it('reports an edited or deleted occurrence as an Update of the master', async () => {
    const folder = await newCalendar('Series sync');
    const [master] = await createCalendarItem(sim, `<t:Subject>Series</t:Subject>${at(4)}`
      + '<t:Recurrence><t:DailyRecurrence><t:Interval>1</t:Interval></t:DailyRecurrence><t:NumberedRecurrence><t:StartDate>2026-05-04</t:StartDate><t:NumberOfOccurrences>4</t:NumberOfOccurrences></t:NumberedRecurrence></t:Recurrence>',
    ALICE, `<t:FolderId Id="${folder}"/>`);
    const s0 = await sync(folder, undefined);
    expect(s0.changes).toEqual(['Create:Series']);
    sim.api.updateItem({ mailbox: ALICE.email, masterId: master, index: 2, xml: '<t:CalendarItem><t:Location>Room 9</t:Location></t:CalendarItem>' });
    const s1 = await sync(folder, s0.state);
    expect(s1.changes).toEqual(['Update:Series']);
    sim.api.deleteItem({ mailbox: ALICE.email, masterId: master, index: 3 });
    const s2 = await sync(folder, s1.state);
    expect(s2.changes).toEqual(['Update:Series']);
    expect(sim.api.items({ mailbox: ALICE.email, folder })[0]!.deletedOccurrences).toHaveLength(1);
  });

  it('answers ErrorInvalidSyncStateData for an invalidated, foreign or corrupt SyncState', async () => {
    const a = await newCalendar('Inv A');
    const b = await newCalendar('Inv B');
    const sa = (await sync(a, undefined)).state!;
    const sb = (await sync(b, undefined)).state!;
    expect(codes((await sync(b, sa)).r)).toEqual(['ErrorInvalidSyncStateData']);
    expect(codes((await sync(a, 'bm90IGEgc3RhdGU=')).r)).toEqual(['ErrorInvalidSyncStateData']);
    sim.api.invalidateSyncStates({ folderId: a });
    expect(codes((await sync(a, sa)).r)).toEqual(['ErrorInvalidSyncStateData']);
    expect(codes((await sync(b, sb)).r)).toEqual(['NoError']);
    sim.api.invalidateSyncStates();
    expect(codes((await sync(b, sb)).r)).toEqual(['ErrorInvalidSyncStateData']);
    const fresh = await sync(a, undefined);
    expect(codes(fresh.r)).toEqual(['NoError']);
  });

  it('validates MaxChangesReturned against the schema range 1..512', async () => {
    const a = await newCalendar('Max');
    expect(text((await sync(a, undefined, 0)).r.doc, 'faultcode')).toBe('a:ErrorSchemaValidation');
    expect(text((await sync(a, undefined, 513)).r.doc, 'faultcode')).toBe('a:ErrorSchemaValidation');
  });
});

describe('ChangeKey rules of UpdateItem', () => {
  const update = (id: string, changeKey: string | undefined, resolution: string, field: string, value: string) => post(sim,
    `<m:UpdateItem ConflictResolution="${resolution}" SendMeetingInvitationsOrCancellations="SendToNone"><m:ItemChanges><t:ItemChange>`
    + `<t:ItemId Id="${id}"${changeKey ? ` ChangeKey="${changeKey}"` : ''}/><t:Updates><t:SetItemField><t:FieldURI FieldURI="${field}"/>`
    + `<t:CalendarItem>${value}</t:CalendarItem></t:SetItemField></t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>`);

  it('NeverOverwrite fails on a stale ChangeKey; AutoResolve merges untouched properties but not touched ones; AlwaysOverwrite writes', async () => {
    const [id, ck1] = await createCalendarItem(sim, `<t:Subject>v1</t:Subject>${at(20)}`);
    const other = await sim.api.updateItem({ mailbox: ALICE.email, id, xml: '<t:CalendarItem><t:Subject>theirs</t:Subject></t:CalendarItem>' });
    expect(other.changeKey).not.toBe(ck1);
    const never = await update(id, ck1, 'NeverOverwrite', 'calendar:Location', '<t:Location>L</t:Location>');
    expect(codes(never)).toEqual(['ErrorIrresolvableConflict']);
    expect(text(never.doc, 'MessageText')).toMatch(/change key passed in the request does not match/);
    const autoOther = await update(id, ck1, 'AutoResolve', 'calendar:Location', '<t:Location>L</t:Location>');
    expect(codes(autoOther)).toEqual(['NoError']);
    const autoSame = await update(id, ck1, 'AutoResolve', 'item:Subject', '<t:Subject>mine</t:Subject>');
    expect(codes(autoSame)).toEqual(['ErrorIrresolvableConflict']);
    const always = await update(id, ck1, 'AlwaysOverwrite', 'item:Subject', '<t:Subject>mine</t:Subject>');
    expect(codes(always)).toEqual(['NoError']);
    const current = first(always.doc, 'ItemId')!.attrs.ChangeKey!;
    expect(codes(await update(id, current, 'NeverOverwrite', 'item:Subject', '<t:Subject>next</t:Subject>'))).toEqual(['NoError']);
    const stored = sim.api.items({ mailbox: ALICE.email, folder: 'calendar' }).find((i) => i.id === id)!;
    expect([stored.props.Subject!.t, stored.props.Location!.t]).toEqual(['next', 'L']);
  });

  it('requires a ChangeKey unless AlwaysOverwrite, and refuses one from another item', async () => {
    const [id] = await createCalendarItem(sim, `<t:Subject>ck</t:Subject>${at(21)}`);
    const [, foreign] = await createCalendarItem(sim, `<t:Subject>other</t:Subject>${at(22)}`);
    expect(codes(await update(id, undefined, 'AutoResolve', 'item:Subject', '<t:Subject>x</t:Subject>'))).toEqual(['ErrorChangeKeyRequiredForWriteOperations']);
    expect(codes(await update(id, undefined, 'AlwaysOverwrite', 'item:Subject', '<t:Subject>x</t:Subject>'))).toEqual(['NoError']);
    expect(codes(await update(id, foreign, 'AutoResolve', 'item:Subject', '<t:Subject>y</t:Subject>'))).toEqual(['ErrorInvalidChangeKey']);
    const cal = await post(sim, '<m:UpdateItem ConflictResolution="AlwaysOverwrite"><m:ItemChanges><t:ItemChange>'
      + `<t:ItemId Id="${id}"/><t:Updates><t:SetItemField><t:FieldURI FieldURI="item:Subject"/><t:CalendarItem><t:Subject>z</t:Subject></t:CalendarItem></t:SetItemField></t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>`);
    expect(codes(cal)).toEqual(['ErrorSendMeetingInvitationsOrCancellationsRequired']);
  });
});

describe('delegate access', () => {
  it('reaches another mailbox by DistinguishedFolderId/Mailbox only with a grant, and reports an unknown mailbox', async () => {
    const target = '<t:DistinguishedFolderId Id="calendar"><t:Mailbox><t:EmailAddress>bob@example.org</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId>';
    const find = () => post(sim, `<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:ParentFolderIds>${target}</m:ParentFolderIds></m:FindItem>`);
    expect(codes(await find())).toEqual(['ErrorAccessDenied']);
    sim.api.grantDelegate({ owner: BOB.email, delegate: ALICE.email, folders: { calendar: 'Reviewer' } });
    expect(codes(await find())).toEqual(['NoError']);
    const create = await post(sim, `<m:CreateItem SendMeetingInvitations="SendToNone"><m:SavedItemFolderId>${target}</m:SavedItemFolderId><m:Items><t:CalendarItem><t:Subject>for Bob</t:Subject>${at(23)}</t:CalendarItem></m:Items></m:CreateItem>`);
    expect(codes(create)).toEqual(['ErrorAccessDenied']);
    sim.api.grantDelegate({ owner: BOB.email, delegate: ALICE.email, folders: { calendar: 'Editor' } });
    const ok = await post(sim, `<m:CreateItem SendMeetingInvitations="SendToNone"><m:SavedItemFolderId>${target}</m:SavedItemFolderId><m:Items><t:CalendarItem><t:Subject>for Bob</t:Subject>${at(23)}</t:CalendarItem></m:Items></m:CreateItem>`);
    expect(codes(ok)).toEqual(['NoError']);
    expect(sim.api.items({ mailbox: BOB.email, folder: 'calendar' }).map((i) => i.props.Subject?.t)).toEqual(['for Bob']);
    // A delegate sees Bob's root (Folder visible) and, below it, only the granted folders.
    const bobRoot = '<t:DistinguishedFolderId Id="root"><t:Mailbox><t:EmailAddress>bob@example.org</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId>';
    const tree = await post(sim, `<m:FindFolder Traversal="Deep"><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape><m:ParentFolderIds>${bobRoot}</m:ParentFolderIds></m:FindFolder>`);
    expect(all(tree.doc, 'DisplayName').map((d) => d.text)).toEqual(['Top of Information Store', 'Calendar']);
    // Bob's tasks stay closed to Alice.
    const tasks = await post(sim, '<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="tasks"><t:Mailbox><t:EmailAddress>bob@example.org</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId></m:FolderIds></m:GetFolder>');
    expect(codes(tasks)).toEqual(['ErrorAccessDenied']);
    const nobody = await post(sim, '<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="calendar"><t:Mailbox><t:EmailAddress>nobody@example.org</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId></m:FolderIds></m:GetFolder>');
    expect(codes(nobody)).toEqual(['ErrorNonExistentMailbox']);
  });

  it('refuses ExchangeImpersonation without the right and honours it once granted', async () => {
    const header = '<t:RequestServerVersion Version="Exchange2016"/><t:ExchangeImpersonation><t:ConnectingSID><t:PrimarySmtpAddress>bob@example.org</t:PrimarySmtpAddress></t:ConnectingSID></t:ExchangeImpersonation>';
    const body = '<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="tasks"/></m:FolderIds></m:GetFolder>';
    const denied = await post(sim, body, ALICE, header);
    expect(denied.status).toBe(500);
    expect(text(denied.doc, 'faultcode')).toBe('a:ErrorImpersonateUserDenied');
    sim.grantImpersonation({ actor: ALICE.email, target: BOB.email });
    const ok = await post(sim, body, ALICE, header);
    expect(codes(ok)).toEqual(['NoError']);
    const bobTasks = await post(sim, body, BOB);
    expect(first(ok.doc, 'FolderId')!.attrs.Id).toBe(first(bobTasks.doc, 'FolderId')!.attrs.Id);
    expect(all(ok.doc, 'FolderId')).toHaveLength(1);
  });
});
