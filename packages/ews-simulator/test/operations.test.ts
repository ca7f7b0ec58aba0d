/**
 * Hand-written SOAP requests shaped like Microsoft's EWS reference samples, sent over real HTTP; the assertions
 * follow the documented response shapes and codes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EwsSimulator } from '../src/index.js';
import { NS } from '../src/xml.js';
import { ALICE, BOB, all, codes, createCalendarItem, first, post, startSimulator, text } from './support.js';

let sim: EwsSimulator;
beforeAll(async () => { sim = await startSimulator(); });
afterAll(async () => { await sim.stop(); });

describe('envelope and header', () => {
  it('answers GetFolder like the reference sample, with an Exchange 2016 ServerVersionInfo header', async () => {
    const r = await post(sim, '<GetFolder xmlns="http://schemas.microsoft.com/exchange/services/2006/messages" '
      + 'xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><FolderShape><t:BaseShape>Default</t:BaseShape>'
      + '</FolderShape><FolderIds><t:DistinguishedFolderId Id="inbox"/></FolderIds></GetFolder>');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/xml/);
    const info = first(r.doc, 'ServerVersionInfo', NS.T)!;
    expect(info.attrs).toMatchObject({ MajorVersion: '15', MinorVersion: '1' });
    const msg = first(r.doc, 'GetFolderResponseMessage', NS.M)!;
    expect(msg.attrs.ResponseClass).toBe('Success');
    expect(text(msg, 'ResponseCode')).toBe('NoError');
    const folder = first(msg, 'Folder', NS.T)!;
    expect(first(folder, 'FolderId')!.attrs.Id).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(first(folder, 'FolderId')!.attrs.ChangeKey).toBeTruthy();
    expect(text(folder, 'DisplayName')).toBe('Inbox');
    expect(text(folder, 'TotalCount')).toBe('0');
    expect(text(folder, 'ChildFolderCount')).toBe('0');
    expect(text(folder, 'UnreadCount')).toBe('0');
  });

  it('reports a malformed FolderId as ErrorInvalidIdMalformed with an empty Folders element', async () => {
    const r = await post(sim, '<m:GetFolder><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape>'
      + '<m:FolderIds><t:FolderId Id="not base64!"/></m:FolderIds></m:GetFolder>');
    const msg = first(r.doc, 'GetFolderResponseMessage')!;
    expect(msg.attrs.ResponseClass).toBe('Error');
    expect(text(msg, 'ResponseCode')).toBe('ErrorInvalidIdMalformed');
    expect(text(msg, 'MessageText')).toBe('Id is malformed.');
    expect(text(msg, 'DescriptiveLinkKey')).toBe('0');
    expect(first(msg, 'Folders')).toBeDefined();
  });

  it('refuses an unknown RequestServerVersion with an ErrorInvalidServerVersion SOAP fault', async () => {
    const r = await post(sim, '<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape>'
      + '<m:FolderIds><t:DistinguishedFolderId Id="calendar"/></m:FolderIds></m:GetFolder>', ALICE, '<t:RequestServerVersion Version="Exchange2031"/>');
    expect(r.status).toBe(500);
    expect(text(r.doc, 'faultcode')).toBe('a:ErrorInvalidServerVersion');
    expect(text(r.doc, 'ResponseCode')).toBe('ErrorInvalidServerVersion');
  });

  it('answers an element that is no EWS operation with an ErrorSchemaValidation fault carrying the position', async () => {
    const r = await post(sim, '<m:FrobnicateItem/>');
    expect(r.status).toBe(500);
    expect(text(r.doc, 'faultcode')).toBe('a:ErrorSchemaValidation');
    expect(Number(text(r.doc, 'LineNumber'))).toBeGreaterThan(0);
  });

  it('answers a documented operation it does not implement with ErrorInvalidOperation, and keeps serving', async () => {
    const r = await post(sim, '<m:GetUserAvailabilityRequest/>');
    expect(text(r.doc, 'ResponseCode')).toBe('ErrorSchemaValidation');
    const s = await post(sim, '<m:MoveItem><m:ToFolderId><t:DistinguishedFolderId Id="inbox"/></m:ToFolderId><m:ItemIds/></m:MoveItem>');
    expect(s.status).toBe(500);
    expect(text(s.doc, 'ResponseCode')).toBe('ErrorInvalidOperation');
    expect(text(s.doc, 'Message')).toMatch(/MoveItem .*does not implement/);
    expect((await post(sim, '<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="root"/></m:FolderIds></m:GetFolder>')).status).toBe(200);
  });

  it('refuses a DTD and an entity-expansion bomb without expanding anything', async () => {
    const bomb = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
      + '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
      + '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><x>&lol3;</x></soap:Body></soap:Envelope>';
    const r = await post(sim, bomb);
    expect(r.status).toBe(500);
    expect(text(r.doc, 'ResponseCode')).toBe('ErrorSchemaValidation');
    expect(text(r.doc, 'Message')).toMatch(/DTD/);
    expect(r.text).not.toContain('lollol');
    const external = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY ext SYSTEM "file:///etc/passwd">]>'
      + '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>&ext;</soap:Body></soap:Envelope>';
    const e = await post(sim, external);
    expect(text(e.doc, 'ResponseCode')).toBe('ErrorSchemaValidation');
    expect(e.text).not.toContain('root:');
  });

  it('refuses malformed and absurdly nested XML as schema errors', async () => {
    expect(text((await post(sim, '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><m:GetFolder>')).doc, 'ResponseCode')).toBe('ErrorSchemaValidation');
    const deep = '<a>'.repeat(500) + '</a>'.repeat(500);
    const r = await post(sim, envelopeRaw(deep));
    expect(text(r.doc, 'ResponseCode')).toBe('ErrorSchemaValidation');
    expect(text(r.doc, 'Message')).toMatch(/deeper than/);
  });
});

function envelopeRaw(body: string): string {
  return `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>${body}</soap:Body></soap:Envelope>`;
}

describe('items', () => {
  it('creates the reference "Tennis lesson" appointment and reads it back in UTC with the documented defaults', async () => {
    const r = await post(sim, '<m:CreateItem SendMeetingInvitations="SendToNone"><m:Items><t:CalendarItem>'
      + '<t:Subject>Tennis lesson</t:Subject><t:Body BodyType="HTML">Focus on backhand this week.</t:Body>'
      + '<t:ReminderDueBy>2013-09-19T14:37:10.732-07:00</t:ReminderDueBy><t:Start>2013-09-21T19:00:00.000Z</t:Start>'
      + '<t:End>2013-09-21T20:00:00.000Z</t:End><t:Location>Tennis club</t:Location>'
      + '<t:MeetingTimeZone TimeZoneName="Pacific Standard Time" /></t:CalendarItem></m:Items></m:CreateItem>');
    expect(codes(r)).toEqual(['NoError']);
    const id = first(r.doc, 'ItemId')!;
    const g = await post(sim, '<m:GetItem><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape><t:BodyType>Text</t:BodyType></m:ItemShape>'
      + `<m:ItemIds><t:ItemId Id="${id.attrs.Id}"/></m:ItemIds></m:GetItem>`);
    const item = first(g.doc, 'CalendarItem')!;
    expect(text(item, 'Subject')).toBe('Tennis lesson');
    expect(text(item, 'Start')).toBe('2013-09-21T19:00:00Z');
    expect(text(item, 'ReminderDueBy')).toBe('2013-09-19T21:37:10Z');
    expect(first(item, 'Body')!.attrs.BodyType).toBe('Text');
    expect(first(item, 'Body')!.text).toBe('Focus on backhand this week.');
    expect(text(item, 'CalendarItemType')).toBe('Single');
    expect(text(item, 'LegacyFreeBusyStatus')).toBe('Busy');
    expect(text(item, 'UID')).toMatch(/^040000008200E00074C5B7101A82E008/);
    expect(text(first(item, 'Organizer'), 'EmailAddress')).toBe(ALICE.email);
    expect(text(item, 'MyResponseType')).toBe('Organizer');
    expect(text(item, 'IsMeeting')).toBe('false');
    expect(text(item, 'ItemClass')).toBe('IPM.Appointment');
    // Schema order: Subject before Start before Location before MeetingTimeZone.
    const names = item.children.map((c) => c.local);
    expect(names.indexOf('Subject')).toBeLessThan(names.indexOf('Start'));
    expect(names.indexOf('Start')).toBeLessThan(names.indexOf('Location'));
    expect(names.indexOf('UID')).toBeLessThan(names.indexOf('Start'));
  });

  it('converts bodies: an HTML body read as Text loses its markup, a Text body read as HTML is wrapped', async () => {
    const [id] = await createCalendarItem(sim, '<t:Subject>b</t:Subject><t:Body BodyType="HTML">&lt;p&gt;One &amp;amp; two&lt;/p&gt;</t:Body>'
      + '<t:Start>2026-01-05T09:00:00Z</t:Start><t:End>2026-01-05T10:00:00Z</t:End>');
    const asText = await post(sim, `<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:BodyType>Text</t:BodyType><t:AdditionalProperties><t:FieldURI FieldURI="item:Body"/></t:AdditionalProperties></m:ItemShape><m:ItemIds><t:ItemId Id="${id}"/></m:ItemIds></m:GetItem>`);
    expect(first(asText.doc, 'Body', NS.T)!.text).toBe('One & two');
    const [id2] = await createCalendarItem(sim, '<t:Subject>c</t:Subject><t:Body BodyType="Text">a &lt; b</t:Body>'
      + '<t:Start>2026-01-05T09:00:00Z</t:Start><t:End>2026-01-05T10:00:00Z</t:End>');
    const asHtml = await post(sim, `<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:BodyType>HTML</t:BodyType><t:AdditionalProperties><t:FieldURI FieldURI="item:Body"/></t:AdditionalProperties></m:ItemShape><m:ItemIds><t:ItemId Id="${id2}"/></m:ItemIds></m:GetItem>`);
    expect(first(asHtml.doc, 'Body', NS.T)!.attrs.BodyType).toBe('HTML');
    expect(first(asHtml.doc, 'Body', NS.T)!.text).toMatch(/<html>[\s\S]*a &lt; b[\s\S]*<\/html>/);
  });

  it('returns IdOnly + AdditionalProperties with FieldURI, IndexedFieldURI and ExtendedFieldURI for a contact', async () => {
    const r = await post(sim, '<m:CreateItem><m:SavedItemFolderId><t:DistinguishedFolderId Id="contacts"/></m:SavedItemFolderId><m:Items><t:Contact>'
      + '<t:ExtendedProperty><t:ExtendedFieldURI DistinguishedPropertySetId="PublicStrings" PropertyName="CrmId" PropertyType="String"/><t:Value>crm-42</t:Value></t:ExtendedProperty>'
      + '<t:GivenName>Grace</t:GivenName><t:CompanyName>Navy</t:CompanyName>'
      + '<t:EmailAddresses><t:Entry Key="EmailAddress1">grace@example.org</t:Entry></t:EmailAddresses>'
      + '<t:PhysicalAddresses><t:Entry Key="Business"><t:Street>1 Main St</t:Street><t:City>Arlington</t:City><t:CountryOrRegion>USA</t:CountryOrRegion></t:Entry></t:PhysicalAddresses>'
      + '<t:PhoneNumbers><t:Entry Key="BusinessPhone">+1 555 0100</t:Entry><t:Entry Key="MobilePhone">+1 555 0199</t:Entry></t:PhoneNumbers>'
      + '<t:Birthday>1906-12-09T00:00:00Z</t:Birthday><t:Surname>Hopper</t:Surname></t:Contact></m:Items></m:CreateItem>');
    expect(codes(r)).toEqual(['NoError']);
    const id = first(r.doc, 'ItemId')!.attrs.Id;
    const g = await post(sim, '<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>'
      + '<t:FieldURI FieldURI="contacts:DisplayName"/><t:FieldURI FieldURI="contacts:FileAs"/>'
      + '<t:IndexedFieldURI FieldURI="contacts:PhoneNumber" FieldIndex="MobilePhone"/>'
      + '<t:IndexedFieldURI FieldURI="contacts:PhysicalAddress:City" FieldIndex="Business"/>'
      + '<t:ExtendedFieldURI DistinguishedPropertySetId="PublicStrings" PropertyName="CrmId" PropertyType="String"/>'
      + `</t:AdditionalProperties></m:ItemShape><m:ItemIds><t:ItemId Id="${id}"/></m:ItemIds></m:GetItem>`);
    const c = first(g.doc, 'Contact')!;
    expect(c.children.map((x) => x.local)).toEqual(['ItemId', 'ExtendedProperty', 'FileAs', 'DisplayName', 'PhysicalAddresses', 'PhoneNumbers']);
    expect(text(c, 'DisplayName')).toBe('Grace Hopper');
    expect(text(c, 'FileAs')).toBe('Hopper, Grace');
    expect(all(c, 'Entry').map((e) => e.attrs.Key)).toEqual(['Business', 'MobilePhone']);
    expect(text(first(c, 'PhysicalAddresses'), 'City')).toBe('Arlington');
    expect(first(first(c, 'PhysicalAddresses'), 'Street')).toBeUndefined();
    expect(text(c, 'Value')).toBe('crm-42');
  });

  it('refuses properties out of schema order, as the xs:sequence requires', async () => {
    const r = await post(sim, '<m:CreateItem><m:SavedItemFolderId><t:DistinguishedFolderId Id="contacts"/></m:SavedItemFolderId><m:Items><t:Contact>'
      + '<t:Surname>Late</t:Surname><t:GivenName>Early</t:GivenName></t:Contact></m:Items></m:CreateItem>');
    expect(r.status).toBe(500);
    expect(text(r.doc, 'faultcode')).toBe('a:ErrorSchemaValidation');
    expect(text(r.doc, 'Violation')).toMatch(/invalid child element 'GivenName'/);
  });

  it('refuses a calendar CreateItem without SendMeetingInvitations, and a read-only property', async () => {
    const r = await post(sim, '<m:CreateItem><m:Items><t:CalendarItem><t:Subject>x</t:Subject><t:Start>2026-01-01T10:00:00Z</t:Start>'
      + '<t:End>2026-01-01T11:00:00Z</t:End></t:CalendarItem></m:Items></m:CreateItem>');
    expect(codes(r)).toEqual(['ErrorSendMeetingInvitationsRequired']);
    const ro = await post(sim, '<m:CreateItem SendMeetingInvitations="SendToNone"><m:Items><t:CalendarItem><t:Start>2026-01-01T10:00:00Z</t:Start>'
      + '<t:End>2026-01-01T11:00:00Z</t:End><t:CalendarItemType>Occurrence</t:CalendarItemType></t:CalendarItem></m:Items></m:CreateItem>');
    expect(codes(ro)).toEqual(['ErrorInvalidPropertySet']);
    const order = await post(sim, '<m:CreateItem SendMeetingInvitations="SendToNone"><m:Items><t:CalendarItem><t:Start>2026-01-01T12:00:00Z</t:Start>'
      + '<t:End>2026-01-01T11:00:00Z</t:End></t:CalendarItem></m:Items></m:CreateItem>');
    expect(codes(order)).toEqual(['ErrorCalendarEndDateIsEarlierThanStartDate']);
  });

  it('answers each id of a batch on its own: one found, one missing', async () => {
    const [id] = await createCalendarItem(sim, '<t:Subject>batch</t:Subject><t:Start>2026-01-01T10:00:00Z</t:Start><t:End>2026-01-01T11:00:00Z</t:End>');
    const missing = Buffer.from('AAMkA-missing-item-id-000000000000').toString('base64');
    const g = await post(sim, '<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>'
      + `<m:ItemIds><t:ItemId Id="${id}"/><t:ItemId Id="${missing}"/></m:ItemIds></m:GetItem>`);
    expect(codes(g)).toEqual(['NoError', 'ErrorItemNotFound']);
  });

  it('UpdateItem Set/Append/Delete on plain, indexed and extended properties; ChangeKey changes each time', async () => {
    const r = await post(sim, '<m:CreateItem><m:SavedItemFolderId><t:DistinguishedFolderId Id="contacts"/></m:SavedItemFolderId><m:Items><t:Contact>'
      + '<t:ExtendedProperty><t:ExtendedFieldURI PropertyTag="0x3A45" PropertyType="String"/><t:Value>Dr.</t:Value></t:ExtendedProperty>'
      + '<t:GivenName>Alan</t:GivenName>'
      + '<t:PhoneNumbers><t:Entry Key="HomePhone">1</t:Entry></t:PhoneNumbers><t:Surname>Turing</t:Surname></t:Contact></m:Items></m:CreateItem>');
    const created = first(r.doc, 'ItemId')!;
    const u = await post(sim, '<m:UpdateItem ConflictResolution="AlwaysOverwrite"><m:ItemChanges><t:ItemChange>'
      + `<t:ItemId Id="${created.attrs.Id}" ChangeKey="${created.attrs.ChangeKey}"/><t:Updates>`
      + '<t:SetItemField><t:FieldURI FieldURI="contacts:JobTitle"/><t:Contact><t:JobTitle>Mathematician</t:JobTitle></t:Contact></t:SetItemField>'
      + '<t:SetItemField><t:IndexedFieldURI FieldURI="contacts:PhoneNumber" FieldIndex="BusinessFax"/><t:Contact><t:PhoneNumbers><t:Entry Key="BusinessFax">2</t:Entry></t:PhoneNumbers></t:Contact></t:SetItemField>'
      + '<t:DeleteItemField><t:IndexedFieldURI FieldURI="contacts:PhoneNumber" FieldIndex="HomePhone"/></t:DeleteItemField>'
      + '<t:SetItemField><t:IndexedFieldURI FieldURI="contacts:PhysicalAddress:City" FieldIndex="Home"/><t:Contact><t:PhysicalAddresses><t:Entry Key="Home"><t:City>Wilmslow</t:City></t:Entry></t:PhysicalAddresses></t:Contact></t:SetItemField>'
      + '<t:DeleteItemField><t:ExtendedFieldURI PropertyTag="14917" PropertyType="String"/></t:DeleteItemField>'
      + '<t:AppendToItemField><t:FieldURI FieldURI="item:Body"/><t:Contact><t:Body BodyType="Text">more</t:Body></t:Contact></t:AppendToItemField>'
      + '</t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>');
    expect(codes(u)).toEqual(['NoError']);
    const updated = first(u.doc, 'ItemId')!;
    expect(updated.attrs.ChangeKey).not.toBe(created.attrs.ChangeKey);
    expect(text(u.doc, 'Count')).toBe('0');
    const [stored] = sim.api.items({ mailbox: ALICE.email, folder: 'contacts' }).filter((i) => i.id === created.attrs.Id);
    expect(stored!.props.JobTitle!.t).toBe('Mathematician');
    expect(stored!.props.PhoneNumbers!.c!.map((e) => e.a!.Key)).toEqual(['BusinessFax']);
    expect(stored!.props.PhysicalAddresses!.c![0]!.c![0]).toMatchObject({ n: 'City', t: 'Wilmslow' });
    expect(stored!.extended).toEqual([]);
    expect(stored!.props.Body!.t).toBe('more');
    const two = await post(sim, '<m:UpdateItem ConflictResolution="AlwaysOverwrite"><m:ItemChanges><t:ItemChange>'
      + `<t:ItemId Id="${created.attrs.Id}"/><t:Updates><t:SetItemField><t:FieldURI FieldURI="contacts:JobTitle"/><t:Contact><t:JobTitle>a</t:JobTitle><t:Surname>b</t:Surname></t:Contact></t:SetItemField>`
      + '</t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>');
    expect(codes(two)).toEqual(['ErrorIncorrectUpdatePropertyCount']);
  });

  it('FindItem pages with IndexedPageItemView and reports the documented RootFolder attributes', async () => {
    const folder = await post(sim, '<m:CreateFolder><m:ParentFolderId><t:DistinguishedFolderId Id="tasks"/></m:ParentFolderId>'
      + '<m:Folders><t:TasksFolder><t:DisplayName>Paged</t:DisplayName></t:TasksFolder></m:Folders></m:CreateFolder>');
    const fid = first(folder.doc, 'FolderId')!.attrs.Id;
    for (let i = 0; i < 5; i++) {
      await post(sim, `<m:CreateItem><m:SavedItemFolderId><t:FolderId Id="${fid}"/></m:SavedItemFolderId><m:Items><t:Task><t:Subject>T${i}</t:Subject></t:Task></m:Items></m:CreateItem>`);
    }
    const page = async (offset: number) => post(sim, '<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>Default</t:BaseShape></m:ItemShape>'
      + `<m:IndexedPageItemView MaxEntriesReturned="2" Offset="${offset}" BasePoint="Beginning"/>`
      + '<m:SortOrder><t:FieldOrder Order="Ascending"><t:FieldURI FieldURI="item:Subject"/></t:FieldOrder></m:SortOrder>'
      + `<m:ParentFolderIds><t:FolderId Id="${fid}"/></m:ParentFolderIds></m:FindItem>`);
    const p1 = await page(0);
    expect(first(p1.doc, 'RootFolder')!.attrs).toEqual({ IndexedPagingOffset: '2', TotalItemsInView: '5', IncludesLastItemInRange: 'false' });
    expect(all(p1.doc, 'Subject').map((s) => s.text)).toEqual(['T0', 'T1']);
    const p3 = await page(4);
    expect(first(p3.doc, 'RootFolder')!.attrs.IncludesLastItemInRange).toBe('true');
    expect(all(p3.doc, 'Subject').map((s) => s.text)).toEqual(['T4']);
    expect(text(first(p3.doc, 'Task'), 'Status')).toBe('NotStarted');
    const restricted = await post(sim, '<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="item:Subject"/></t:AdditionalProperties></m:ItemShape>'
      + '<m:Restriction><t:IsEqualTo><t:FieldURI FieldURI="item:Subject"/><t:FieldURIOrConstant><t:Constant Value="T3"/></t:FieldURIOrConstant></t:IsEqualTo></m:Restriction>'
      + `<m:ParentFolderIds><t:FolderId Id="${fid}"/></m:ParentFolderIds></m:FindItem>`);
    expect(all(restricted.doc, 'Subject').map((s) => s.text)).toEqual(['T3']);
  });

  it('DeleteItem needs SendMeetingCancellations for calendar items and AffectedTaskOccurrences for tasks, and ignores ChangeKeys', async () => {
    const [id, ck] = await createCalendarItem(sim, '<t:Subject>del</t:Subject><t:Start>2026-01-01T10:00:00Z</t:Start><t:End>2026-01-01T11:00:00Z</t:End>');
    const no = await post(sim, `<m:DeleteItem DeleteType="HardDelete"><m:ItemIds><t:ItemId Id="${id}"/></m:ItemIds></m:DeleteItem>`);
    expect(codes(no)).toEqual(['ErrorSendMeetingCancellationsRequired']);
    await post(sim, '<m:UpdateItem SendMeetingInvitationsOrCancellations="SendToNone"><m:ItemChanges><t:ItemChange>'
      + `<t:ItemId Id="${id}" ChangeKey="${ck}"/><t:Updates><t:SetItemField><t:FieldURI FieldURI="item:Subject"/><t:CalendarItem><t:Subject>changed</t:Subject></t:CalendarItem></t:SetItemField>`
      + '</t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>');
    const stale = await post(sim, `<m:DeleteItem DeleteType="MoveToDeletedItems" SendMeetingCancellations="SendToNone"><m:ItemIds><t:ItemId Id="${id}" ChangeKey="${ck}"/></m:ItemIds></m:DeleteItem>`);
    expect(codes(stale)).toEqual(['NoError']);
    expect(sim.api.items({ mailbox: ALICE.email, folder: 'deleteditems' }).map((i) => i.props.Subject?.t)).toContain('changed');
    const task = await post(sim, '<m:CreateItem><m:Items><t:Task><t:Subject>t</t:Subject></t:Task></m:Items></m:CreateItem>');
    const tid = first(task.doc, 'ItemId')!.attrs.Id;
    expect(codes(await post(sim, `<m:DeleteItem DeleteType="HardDelete"><m:ItemIds><t:ItemId Id="${tid}"/></m:ItemIds></m:DeleteItem>`))).toEqual(['ErrorAffectedTaskOccurrencesRequired']);
    expect(codes(await post(sim, `<m:DeleteItem DeleteType="HardDelete" AffectedTaskOccurrences="AllOccurrences"><m:ItemIds><t:ItemId Id="${tid}"/></m:ItemIds></m:DeleteItem>`))).toEqual(['NoError']);
  });

  it('keeps a task\'s Status, PercentComplete and CompleteDate consistent', async () => {
    const t = await post(sim, '<m:CreateItem><m:Items><t:Task><t:Subject>pct</t:Subject><t:PercentComplete>100</t:PercentComplete></t:Task></m:Items></m:CreateItem>');
    const id = first(t.doc, 'ItemId')!.attrs.Id;
    const g = await post(sim, `<m:GetItem><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape></m:ItemShape><m:ItemIds><t:ItemId Id="${id}"/></m:ItemIds></m:GetItem>`);
    expect(text(g.doc, 'Status')).toBe('NotStarted');
    expect(text(g.doc, 'PercentComplete')).toBe('0');
    const bad = await post(sim, '<m:CreateItem><m:Items><t:Task><t:PercentComplete>140</t:PercentComplete></t:Task></m:Items></m:CreateItem>');
    expect(codes(bad)).toEqual(['ErrorInvalidPercentCompleteValue']);
    const regenerating = '<t:Recurrence><t:WeeklyRegeneration><t:Interval>2</t:Interval></t:WeeklyRegeneration>'
      + '<t:NoEndRecurrence><t:StartDate>2026-01-05</t:StartDate></t:NoEndRecurrence></t:Recurrence>';
    const rt = await post(sim, `<m:CreateItem><m:Items><t:Task><t:Subject>water plants</t:Subject>${regenerating}</t:Task></m:Items></m:CreateItem>`);
    expect(codes(rt)).toEqual(['NoError']);
    const rg = await post(sim, `<m:GetItem><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape></m:ItemShape><m:ItemIds><t:ItemId Id="${first(rt.doc, 'ItemId')!.attrs.Id}"/></m:ItemIds></m:GetItem>`);
    expect(text(first(rg.doc, 'WeeklyRegeneration'), 'Interval')).toBe('2');
    expect(text(rg.doc, 'IsRecurring')).toBe('true');
    const onEvent = await post(sim, '<m:CreateItem SendMeetingInvitations="SendToNone"><m:Items><t:CalendarItem><t:Start>2026-01-05T10:00:00Z</t:Start>'
      + `<t:End>2026-01-05T11:00:00Z</t:End>${regenerating}</t:CalendarItem></m:Items></m:CreateItem>`);
    expect(codes(onEvent)).toEqual(['ErrorInvalidRecurrence']);
  });

  it('ResolveNames finds a mailbox by prefix and reports no results as documented', async () => {
    const r = await post(sim, '<m:ResolveNames ReturnFullContactData="true" SearchScope="ActiveDirectory"><m:UnresolvedEntry>bob</m:UnresolvedEntry></m:ResolveNames>');
    expect(codes(r)).toEqual(['NoError']);
    expect(text(first(r.doc, 'Mailbox'), 'EmailAddress')).toBe(BOB.email);
    expect(first(r.doc, 'ResolutionSet')!.attrs.TotalItemsInView).toBe('1');
    const none = await post(sim, '<m:ResolveNames ReturnFullContactData="false"><m:UnresolvedEntry>zed</m:UnresolvedEntry></m:ResolveNames>');
    expect(codes(none)).toEqual(['ErrorNameResolutionNoResults']);
  });
});

describe('folders', () => {
  it('creates, finds (Shallow and Deep), counts and deletes folders with the documented errors', async () => {
    const c = await post(sim, '<m:CreateFolder><m:ParentFolderId><t:DistinguishedFolderId Id="calendar"/></m:ParentFolderId>'
      + '<m:Folders><t:CalendarFolder><t:DisplayName>Team</t:DisplayName></t:CalendarFolder><t:Folder><t:DisplayName>Team</t:DisplayName><t:FolderClass>IPF.Appointment</t:FolderClass></t:Folder></m:Folders></m:CreateFolder>');
    expect(codes(c)).toEqual(['NoError', 'ErrorFolderExists']);
    const team = first(c.doc, 'FolderId')!.attrs.Id!;
    await post(sim, `<m:CreateFolder><m:ParentFolderId><t:FolderId Id="${team}"/></m:ParentFolderId><m:Folders><t:Folder><t:DisplayName>Sub</t:DisplayName><t:FolderClass>IPF.Appointment</t:FolderClass></t:Folder></m:Folders></m:CreateFolder>`);
    const find = async (traversal: string) => post(sim, `<m:FindFolder Traversal="${traversal}"><m:FolderShape><t:BaseShape>AllProperties</t:BaseShape></m:FolderShape>`
      + '<m:ParentFolderIds><t:DistinguishedFolderId Id="calendar"/></m:ParentFolderIds></m:FindFolder>');
    const shallow = await find('Shallow');
    expect(all(shallow.doc, 'DisplayName').map((d) => d.text)).toEqual(['Team']);
    expect(first(shallow.doc, 'CalendarFolder')).toBeDefined();
    expect(text(shallow.doc, 'FolderClass')).toBe('IPF.Appointment');
    expect(text(shallow.doc, 'ChildFolderCount')).toBe('1');
    const deep = await find('Deep');
    expect(all(deep.doc, 'DisplayName').map((d) => d.text)).toEqual(['Team', 'Sub']);
    expect(first(deep.doc, 'RootFolder')!.attrs.TotalItemsInView).toBe('2');
    const distinguished = await post(sim, '<m:DeleteFolder DeleteType="HardDelete"><m:FolderIds><t:DistinguishedFolderId Id="calendar"/></m:FolderIds></m:DeleteFolder>');
    expect(codes(distinguished)).toEqual(['ErrorDeleteDistinguishedFolder']);
    const del = await post(sim, `<m:DeleteFolder DeleteType="HardDelete"><m:FolderIds><t:FolderId Id="${team}"/></m:FolderIds></m:DeleteFolder>`);
    expect(codes(del)).toEqual(['NoError']);
    expect(all((await find('Deep')).doc, 'DisplayName')).toEqual([]);
  });

  it('SyncFolderHierarchy reports created, updated and deleted folders after a SyncState', async () => {
    const sync = async (state?: string) => post(sim, '<m:SyncFolderHierarchy><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="folder:DisplayName"/></t:AdditionalProperties></m:FolderShape>'
      + `${state ? `<m:SyncState>${state}</m:SyncState>` : ''}</m:SyncFolderHierarchy>`, BOB);
    const initial = await sync();
    expect(all(initial.doc, 'Create').length).toBeGreaterThanOrEqual(12);
    const state = text(initial.doc, 'SyncState')!;
    const c = await post(sim, '<m:CreateFolder><m:ParentFolderId><t:DistinguishedFolderId Id="contacts"/></m:ParentFolderId><m:Folders><t:ContactsFolder><t:DisplayName>Clients</t:DisplayName></t:ContactsFolder></m:Folders></m:CreateFolder>', BOB);
    const created = first(c.doc, 'FolderId')!.attrs.Id;
    const next = await sync(state);
    expect(all(next.doc, 'Create').map((x) => text(x, 'DisplayName'))).toEqual(['Clients']);
    expect(all(next.doc, 'Update').map((x) => text(x, 'DisplayName'))).toEqual(['Contacts']);
    await post(sim, `<m:DeleteFolder DeleteType="HardDelete"><m:FolderIds><t:FolderId Id="${created}"/></m:FolderIds></m:DeleteFolder>`, BOB);
    const after = await sync(text(next.doc, 'SyncState'));
    expect(all(after.doc, 'Delete').map((d) => first(d, 'FolderId')!.attrs.Id)).toEqual([created]);
  });
});

describe('attachments', () => {
  it('adds a contact photo (HasPicture) and a file attachment, reads and deletes them; the parent ChangeKey moves', async () => {
    const c = await post(sim, '<m:CreateItem><m:SavedItemFolderId><t:DistinguishedFolderId Id="contacts"/></m:SavedItemFolderId><m:Items><t:Contact>'
      + '<t:GivenName>Photo</t:GivenName></t:Contact></m:Items></m:CreateItem>');
    const parent = first(c.doc, 'ItemId')!;
    const png = Buffer.from('89504e470d0a1a0a', 'hex').toString('base64');
    const add = await post(sim, `<m:CreateAttachment><m:ParentItemId Id="${parent.attrs.Id}" ChangeKey="${parent.attrs.ChangeKey}"/><m:Attachments>`
      + `<t:FileAttachment><t:Name>ContactPicture.jpg</t:Name><t:ContentType>image/png</t:ContentType><t:IsContactPhoto>true</t:IsContactPhoto><t:Content>${png}</t:Content></t:FileAttachment>`
      + '<t:FileAttachment><t:Name>cv.txt</t:Name><t:Content>aGVsbG8=</t:Content></t:FileAttachment>'
      + '</m:Attachments></m:CreateAttachment>');
    expect(codes(add)).toEqual(['NoError', 'NoError']);
    const ids = all(add.doc, 'AttachmentId');
    expect(ids[1]!.attrs.RootItemId).toBe(parent.attrs.Id);
    expect(ids[1]!.attrs.RootItemChangeKey).not.toBe(parent.attrs.ChangeKey);
    const g = await post(sim, '<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="contacts:HasPicture"/>'
      + `<t:FieldURI FieldURI="item:HasAttachments"/><t:FieldURI FieldURI="item:Attachments"/></t:AdditionalProperties></m:ItemShape><m:ItemIds><t:ItemId Id="${parent.attrs.Id}"/></m:ItemIds></m:GetItem>`);
    expect(text(g.doc, 'HasPicture')).toBe('true');
    expect(text(g.doc, 'HasAttachments')).toBe('true');
    expect(all(g.doc, 'IsContactPhoto').map((x) => x.text)).toEqual(['true', 'false']);
    const get = await post(sim, `<m:GetAttachment><m:AttachmentIds><t:AttachmentId Id="${ids[0]!.attrs.Id}"/></m:AttachmentIds></m:GetAttachment>`);
    expect(text(get.doc, 'Content')).toBe(png);
    expect(text(get.doc, 'Name')).toBe('ContactPicture.jpg');
    const del = await post(sim, `<m:DeleteAttachment><m:AttachmentIds><t:AttachmentId Id="${ids[0]!.attrs.Id}"/></m:AttachmentIds></m:DeleteAttachment>`);
    expect(codes(del)).toEqual(['NoError']);
    expect(first(del.doc, 'RootItemId')!.attrs.RootItemId).toBe(parent.attrs.Id);
    const again = await post(sim, `<m:GetAttachment><m:AttachmentIds><t:AttachmentId Id="${ids[0]!.attrs.Id}"/></m:AttachmentIds></m:GetAttachment>`);
    expect(codes(again)).toEqual(['ErrorItemNotFound']);
    const [cal] = await createCalendarItem(sim, '<t:Subject>p</t:Subject><t:Start>2026-01-01T10:00:00Z</t:Start><t:End>2026-01-01T11:00:00Z</t:End>');
    const photoOnEvent = await post(sim, `<m:CreateAttachment><m:ParentItemId Id="${cal}"/><m:Attachments><t:FileAttachment><t:Name>x</t:Name><t:IsContactPhoto>true</t:IsContactPhoto><t:Content>${png}</t:Content></t:FileAttachment></m:Attachments></m:CreateAttachment>`);
    expect(codes(photoOnEvent)).toEqual(['ErrorInvalidOperation']);
  });
});
