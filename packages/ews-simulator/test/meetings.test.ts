/** Meetings between simulated mailboxes: invitations, updates, answers and cancellations reach the attendee's calendar. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EwsSimulator } from '../src/index.js';
import { ALICE, BOB, all, codes, first, post, startSimulator, text } from './support.js';

let sim: EwsSimulator;
beforeAll(async () => { sim = await startSimulator(); });
afterAll(async () => { await sim.stop(); });

async function bobsMeeting() {
  const r = await post(sim, '<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape></m:ItemShape>'
    + '<m:ParentFolderIds><t:DistinguishedFolderId Id="calendar"/></m:ParentFolderIds></m:FindItem>', BOB);
  return all(r.doc, 'CalendarItem');
}

describe('meetings between simulated mailboxes', () => {
  it('places, updates, answers and cancels the attendee copy, matched by UID', async () => {
    const created = await post(sim, '<m:CreateItem SendMeetingInvitations="SendToAllAndSaveCopy"><m:Items><t:CalendarItem><t:Subject>Budget</t:Subject>'
      + '<t:Start>2026-10-05T13:00:00Z</t:Start><t:End>2026-10-05T14:00:00Z</t:End>'
      + '<t:RequiredAttendees><t:Attendee><t:Mailbox><t:EmailAddress>bob@example.org</t:EmailAddress></t:Mailbox></t:Attendee>'
      + '<t:Attendee><t:Mailbox><t:EmailAddress>outside@elsewhere.example</t:EmailAddress></t:Mailbox></t:Attendee></t:RequiredAttendees>'
      + '</t:CalendarItem></m:Items></m:CreateItem>');
    const id = first(created.doc, 'ItemId')!;
    let [copy] = await bobsMeeting();
    expect(text(copy, 'Subject')).toBe('Budget');
    expect(text(copy, 'MyResponseType')).toBe('NoResponseReceived');
    expect(text(copy, 'LegacyFreeBusyStatus')).toBe('Tentative');
    expect(text(first(copy, 'Organizer'), 'EmailAddress')).toBe(ALICE.email);
    const organizerUid = text(first((await post(sim, `<m:GetItem><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape></m:ItemShape><m:ItemIds><t:ItemId Id="${id.attrs.Id}"/></m:ItemIds></m:GetItem>`)).doc, 'CalendarItem'), 'UID');
    expect(text(copy, 'UID')).toBe(organizerUid);

    const upd = await post(sim, '<m:UpdateItem ConflictResolution="AlwaysOverwrite" SendMeetingInvitationsOrCancellations="SendToAllAndSaveCopy"><m:ItemChanges><t:ItemChange>'
      + `<t:ItemId Id="${id.attrs.Id}"/><t:Updates><t:SetItemField><t:FieldURI FieldURI="calendar:Location"/><t:CalendarItem><t:Location>Room 3</t:Location></t:CalendarItem></t:SetItemField>`
      + '</t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>');
    expect(codes(upd)).toEqual(['NoError']);
    [copy] = await bobsMeeting();
    expect(text(copy, 'Location')).toBe('Room 3');

    sim.api.respondToMeeting({ mailbox: ALICE.email, id: id.attrs.Id!, attendee: BOB.email, response: 'Accept' });
    [copy] = await bobsMeeting();
    expect([text(copy, 'MyResponseType'), text(copy, 'LegacyFreeBusyStatus')]).toEqual(['Accept', 'Busy']);

    const del = await post(sim, `<m:DeleteItem DeleteType="MoveToDeletedItems" SendMeetingCancellations="SendToAllAndSaveCopy"><m:ItemIds><t:ItemId Id="${id.attrs.Id}"/></m:ItemIds></m:DeleteItem>`);
    expect(codes(del)).toEqual(['NoError']);
    [copy] = await bobsMeeting();
    expect([text(copy, 'Subject'), text(copy, 'IsCancelled')]).toEqual(['Canceled: Budget', 'true']);
  });

  it('sends nothing with SendToNone, and a declined meeting leaves the attendee calendar', async () => {
    const before = (await bobsMeeting()).length;
    await post(sim, '<m:CreateItem SendMeetingInvitations="SendToNone"><m:Items><t:CalendarItem><t:Subject>Quiet</t:Subject>'
      + '<t:Start>2026-10-06T13:00:00Z</t:Start><t:End>2026-10-06T14:00:00Z</t:End>'
      + '<t:RequiredAttendees><t:Attendee><t:Mailbox><t:EmailAddress>bob@example.org</t:EmailAddress></t:Mailbox></t:Attendee></t:RequiredAttendees>'
      + '</t:CalendarItem></m:Items></m:CreateItem>');
    expect(await bobsMeeting()).toHaveLength(before);
    const sent = await post(sim, '<m:CreateItem SendMeetingInvitations="SendOnlyToAll"><m:Items><t:CalendarItem><t:Subject>Loud</t:Subject>'
      + '<t:Start>2026-10-07T13:00:00Z</t:Start><t:End>2026-10-07T14:00:00Z</t:End>'
      + '<t:RequiredAttendees><t:Attendee><t:Mailbox><t:EmailAddress>bob@example.org</t:EmailAddress></t:Mailbox></t:Attendee></t:RequiredAttendees>'
      + '</t:CalendarItem></m:Items></m:CreateItem>');
    expect(await bobsMeeting()).toHaveLength(before + 1);
    sim.api.respondToMeeting({ mailbox: ALICE.email, id: first(sent.doc, 'ItemId')!.attrs.Id!, attendee: BOB.email, response: 'Decline' });
    expect((await bobsMeeting()).map((i) => text(i, 'Subject'))).not.toContain('Loud');
  });
});
