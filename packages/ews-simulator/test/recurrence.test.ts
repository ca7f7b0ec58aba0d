/** CalendarView expansion of recurring series, with exceptions, deleted occurrences, all-day events and DST. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EwsSimulator } from '../src/index.js';
import { all, calendarView, codes, createCalendarItem, first, post, startSimulator, text } from './support.js';

let sim: EwsSimulator;
beforeAll(async () => { sim = await startSimulator(); });
afterAll(async () => { await sim.stop(); });

const tz = (id: string) => `<t:StartTimeZone Id="${id}"/><t:EndTimeZone Id="${id}"/>`;
const starts = (items: ReturnType<typeof all>) => items.map((i) => text(i, 'Start'));
const bySubject = (items: ReturnType<typeof all>, subject: string) => items.filter((i) => text(i, 'Subject')?.startsWith(subject));

describe('CalendarView expansion', () => {
  it('weekly series in W. Europe keeps 09:00 local across the March DST change, with one exception and one deleted occurrence', async () => {
    const [master, ck0] = await createCalendarItem(sim, '<t:Subject>Standup</t:Subject><t:Start>2026-03-16T09:00:00</t:Start><t:End>2026-03-16T09:15:00</t:End>'
      + '<t:Recurrence><t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Monday</t:DaysOfWeek></t:WeeklyRecurrence>'
      + '<t:NumberedRecurrence><t:StartDate>2026-03-16</t:StartDate><t:NumberOfOccurrences>5</t:NumberOfOccurrences></t:NumberedRecurrence></t:Recurrence>'
      + tz('W. Europe Standard Time'));
    let view = bySubject(await calendarView(sim, '2026-03-01T00:00:00Z', '2026-05-01T00:00:00Z'), 'Standup');
    expect(starts(view)).toEqual(['2026-03-16T08:00:00Z', '2026-03-23T08:00:00Z', '2026-03-30T07:00:00Z', '2026-04-06T07:00:00Z', '2026-04-13T07:00:00Z']);
    expect(view.map((v) => text(v, 'CalendarItemType'))).toEqual(Array(5).fill('Occurrence'));

    // Move the 2nd occurrence (OccurrenceItemId, InstanceIndex 2) by an hour and rename it.
    const upd = await post(sim, '<m:UpdateItem ConflictResolution="AlwaysOverwrite" SendMeetingInvitationsOrCancellations="SendToNone"><m:ItemChanges><t:ItemChange>'
      + `<t:OccurrenceItemId RecurringMasterId="${master}" InstanceIndex="2"/><t:Updates>`
      + '<t:SetItemField><t:FieldURI FieldURI="item:Subject"/><t:CalendarItem><t:Subject>Standup (moved)</t:Subject></t:CalendarItem></t:SetItemField>'
      + '<t:SetItemField><t:FieldURI FieldURI="calendar:Start"/><t:CalendarItem><t:Start>2026-03-23T09:00:00Z</t:Start></t:CalendarItem></t:SetItemField>'
      + '<t:SetItemField><t:FieldURI FieldURI="calendar:End"/><t:CalendarItem><t:End>2026-03-23T09:15:00Z</t:End></t:CalendarItem></t:SetItemField>'
      + '</t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>');
    expect(codes(upd)).toEqual(['NoError']);
    // Delete the 4th.
    const del = await post(sim, `<m:DeleteItem DeleteType="MoveToDeletedItems" SendMeetingCancellations="SendToNone"><m:ItemIds><t:OccurrenceItemId RecurringMasterId="${master}" InstanceIndex="4"/></m:ItemIds></m:DeleteItem>`);
    expect(codes(del)).toEqual(['NoError']);

    view = bySubject(await calendarView(sim, '2026-03-01T00:00:00Z', '2026-05-01T00:00:00Z'), 'Standup');
    expect(starts(view)).toEqual(['2026-03-16T08:00:00Z', '2026-03-23T09:00:00Z', '2026-03-30T07:00:00Z', '2026-04-13T07:00:00Z']);
    expect(view.map((v) => text(v, 'CalendarItemType'))).toEqual(['Occurrence', 'Exception', 'Occurrence', 'Occurrence']);
    expect(text(view[1], 'Subject')).toBe('Standup (moved)');
    expect(text(view[1], 'OriginalStart')).toBe('2026-03-23T08:00:00Z');

    const g = await post(sim, '<m:GetItem><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape></m:ItemShape>'
      + `<m:ItemIds><t:ItemId Id="${master}"/></m:ItemIds></m:GetItem>`);
    const m = first(g.doc, 'CalendarItem')!;
    expect(text(m, 'CalendarItemType')).toBe('RecurringMaster');
    expect(first(m, 'ItemId')!.attrs.ChangeKey).not.toBe(ck0);
    expect(all(first(m, 'ModifiedOccurrences'), 'Occurrence').map((o) => text(o, 'OriginalStart'))).toEqual(['2026-03-23T08:00:00Z']);
    expect(all(first(m, 'DeletedOccurrences'), 'DeletedOccurrence').map((o) => text(o, 'Start'))).toEqual(['2026-04-06T07:00:00Z']);
    expect(text(first(m, 'FirstOccurrence'), 'Start')).toBe('2026-03-16T08:00:00Z');
    expect(text(first(m, 'LastOccurrence'), 'Start')).toBe('2026-04-13T07:00:00Z');

    const deleted = await post(sim, `<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:ItemIds><t:OccurrenceItemId RecurringMasterId="${master}" InstanceIndex="4"/><t:OccurrenceItemId RecurringMasterId="${master}" InstanceIndex="6"/></m:ItemIds></m:GetItem>`);
    expect(codes(deleted)).toEqual(['ErrorCalendarOccurrenceIsDeletedFromRecurrence', 'ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange']);
    // An occurrence's RecurringMasterItemId leads back to the master.
    const occId = first(view[0], 'ItemId')!.attrs.Id;
    const back = await post(sim, `<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:ItemIds><t:RecurringMasterItemId OccurrenceId="${occId}"/></m:ItemIds></m:GetItem>`);
    expect(first(back.doc, 'ItemId')!.attrs.Id).toBe(master);
  });

  it('expands a RelativeMonthly series (second Tuesday) and an AbsoluteMonthly one on the 31st (clamped to short months)', async () => {
    await createCalendarItem(sim, '<t:Subject>Patch Tuesday</t:Subject><t:Start>2026-01-13T18:00:00Z</t:Start><t:End>2026-01-13T19:00:00Z</t:End>'
      + '<t:Recurrence><t:RelativeMonthlyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Tuesday</t:DaysOfWeek><t:DayOfWeekIndex>Second</t:DayOfWeekIndex></t:RelativeMonthlyRecurrence>'
      + '<t:NoEndRecurrence><t:StartDate>2026-01-01</t:StartDate></t:NoEndRecurrence></t:Recurrence>' + tz('UTC'));
    await createCalendarItem(sim, '<t:Subject>Month end</t:Subject><t:Start>2026-01-31T12:00:00Z</t:Start><t:End>2026-01-31T13:00:00Z</t:End>'
      + '<t:Recurrence><t:AbsoluteMonthlyRecurrence><t:Interval>1</t:Interval><t:DayOfMonth>31</t:DayOfMonth></t:AbsoluteMonthlyRecurrence>'
      + '<t:EndDateRecurrence><t:StartDate>2026-01-31</t:StartDate><t:EndDate>2026-04-30</t:EndDate></t:EndDateRecurrence></t:Recurrence>' + tz('UTC'));
    const view = await calendarView(sim, '2026-01-01T00:00:00Z', '2026-06-01T00:00:00Z');
    expect(starts(bySubject(view, 'Patch Tuesday'))).toEqual(['2026-01-13T18:00:00Z', '2026-02-10T18:00:00Z', '2026-03-10T18:00:00Z', '2026-04-14T18:00:00Z', '2026-05-12T18:00:00Z']);
    expect(starts(bySubject(view, 'Month end'))).toEqual(['2026-01-31T12:00:00Z', '2026-02-28T12:00:00Z', '2026-03-31T12:00:00Z', '2026-04-30T12:00:00Z']);
  });

  it('expands yearly series: AbsoluteYearly on 9 December and RelativeYearly on the last Thursday of November', async () => {
    await createCalendarItem(sim, '<t:Subject>Birthday</t:Subject><t:Start>2026-12-09T10:00:00Z</t:Start><t:End>2026-12-09T11:00:00Z</t:End>'
      + '<t:Recurrence><t:AbsoluteYearlyRecurrence><t:DayOfMonth>9</t:DayOfMonth><t:Month>December</t:Month></t:AbsoluteYearlyRecurrence>'
      + '<t:NumberedRecurrence><t:StartDate>2026-12-09</t:StartDate><t:NumberOfOccurrences>3</t:NumberOfOccurrences></t:NumberedRecurrence></t:Recurrence>' + tz('UTC'));
    await createCalendarItem(sim, '<t:Subject>Thanksgiving</t:Subject><t:Start>2026-11-26T17:00:00Z</t:Start><t:End>2026-11-26T20:00:00Z</t:End>'
      + '<t:Recurrence><t:RelativeYearlyRecurrence><t:DaysOfWeek>Thursday</t:DaysOfWeek><t:DayOfWeekIndex>Last</t:DayOfWeekIndex><t:Month>November</t:Month></t:RelativeYearlyRecurrence>'
      + '<t:NoEndRecurrence><t:StartDate>2026-01-01</t:StartDate></t:NoEndRecurrence></t:Recurrence>' + tz('UTC'));
    const view = await calendarView(sim, '2026-06-01T00:00:00Z', '2028-05-31T00:00:00Z');
    expect(starts(bySubject(view, 'Birthday'))).toEqual(['2026-12-09T10:00:00Z', '2027-12-09T10:00:00Z']);
    expect(starts(bySubject(view, 'Thanksgiving'))).toEqual(['2026-11-26T17:00:00Z', '2027-11-25T17:00:00Z']);
  });

  it('expands an all-day daily series at local midnight in its zone', async () => {
    await createCalendarItem(sim, '<t:Subject>Offsite</t:Subject><t:Start>2026-07-01T00:00:00</t:Start><t:End>2026-07-02T00:00:00</t:End>'
      + '<t:IsAllDayEvent>true</t:IsAllDayEvent>'
      + '<t:Recurrence><t:DailyRecurrence><t:Interval>1</t:Interval></t:DailyRecurrence>'
      + '<t:NumberedRecurrence><t:StartDate>2026-07-01</t:StartDate><t:NumberOfOccurrences>3</t:NumberOfOccurrences></t:NumberedRecurrence></t:Recurrence>'
      + tz('W. Europe Standard Time'));
    const view = bySubject(await calendarView(sim, '2026-06-30T00:00:00Z', '2026-07-10T00:00:00Z'), 'Offsite');
    expect(starts(view)).toEqual(['2026-06-30T22:00:00Z', '2026-07-01T22:00:00Z', '2026-07-02T22:00:00Z']);
    expect(view.map((v) => text(v, 'End'))).toEqual(['2026-07-01T22:00:00Z', '2026-07-02T22:00:00Z', '2026-07-03T22:00:00Z']);
    expect(view.every((v) => text(v, 'IsAllDayEvent') === 'true')).toBe(true);
  });

  it('reads a dateTime without offset in the TimeZoneContext zone and crosses the US DST change in Pacific time', async () => {
    const header = '<t:RequestServerVersion Version="Exchange2016"/><t:TimeZoneContext><t:TimeZoneDefinition Id="Pacific Standard Time"/></t:TimeZoneContext>';
    const r = await post(sim, '<m:CreateItem SendMeetingInvitations="SendToNone"><m:Items><t:CalendarItem><t:Subject>Pacific daily</t:Subject>'
      + '<t:Start>2026-03-06T08:30:00</t:Start><t:End>2026-03-06T09:00:00</t:End>'
      + '<t:Recurrence><t:DailyRecurrence><t:Interval>2</t:Interval></t:DailyRecurrence><t:NumberedRecurrence><t:StartDate>2026-03-06</t:StartDate><t:NumberOfOccurrences>3</t:NumberOfOccurrences></t:NumberedRecurrence></t:Recurrence>'
      + '</t:CalendarItem></m:Items></m:CreateItem>', undefined, header);
    expect(codes(r)).toEqual(['NoError']);
    const view = bySubject(await calendarView(sim, '2026-03-01T00:00:00Z', '2026-03-20T00:00:00Z'), 'Pacific daily');
    expect(starts(view)).toEqual(['2026-03-06T16:30:00Z', '2026-03-08T15:30:00Z', '2026-03-10T15:30:00Z']);
    expect(first(view[0], 'StartTimeZone')!.attrs.Id).toBe('Pacific Standard Time');
  });

  it('honours MaxEntriesReturned and refuses ranges over two years', async () => {
    const f = await post(sim, '<m:CreateFolder><m:ParentFolderId><t:DistinguishedFolderId Id="calendar"/></m:ParentFolderId>'
      + '<m:Folders><t:CalendarFolder><t:DisplayName>Many</t:DisplayName></t:CalendarFolder></m:Folders></m:CreateFolder>');
    const folder = `<t:FolderId Id="${first(f.doc, 'FolderId')!.attrs.Id}"/>`;
    await createCalendarItem(sim, '<t:Subject>Daily many</t:Subject><t:Start>2027-01-01T10:00:00Z</t:Start><t:End>2027-01-01T10:30:00Z</t:End>'
      + '<t:Recurrence><t:DailyRecurrence><t:Interval>1</t:Interval></t:DailyRecurrence><t:NoEndRecurrence><t:StartDate>2027-01-01</t:StartDate></t:NoEndRecurrence></t:Recurrence>' + tz('UTC'), undefined, folder);
    const r = await post(sim, '<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>Default</t:BaseShape></m:ItemShape>'
      + '<m:CalendarView MaxEntriesReturned="3" StartDate="2027-01-01T00:00:00Z" EndDate="2027-01-31T00:00:00Z"/>'
      + `<m:ParentFolderIds>${folder}</m:ParentFolderIds></m:FindItem>`);
    expect(all(r.doc, 'CalendarItem')).toHaveLength(3);
    expect(first(r.doc, 'RootFolder')!.attrs).toMatchObject({ TotalItemsInView: '30', IncludesLastItemInRange: 'false' });
    const big = await post(sim, '<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>'
      + '<m:CalendarView StartDate="2027-01-01T00:00:00Z" EndDate="2030-01-31T00:00:00Z"/>'
      + '<m:ParentFolderIds><t:DistinguishedFolderId Id="calendar"/></m:ParentFolderIds></m:FindItem>');
    expect(codes(big)).toEqual(['ErrorCalendarViewRangeTooBig']);
  });

  it('refuses a recurrence it cannot expand with ErrorInvalidRecurrence', async () => {
    const r = await post(sim, '<m:CreateItem SendMeetingInvitations="SendToNone"><m:Items><t:CalendarItem><t:Start>2026-01-01T10:00:00Z</t:Start><t:End>2026-01-01T11:00:00Z</t:End>'
      + '<t:Recurrence><t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Funday</t:DaysOfWeek></t:WeeklyRecurrence><t:NoEndRecurrence><t:StartDate>2026-01-01</t:StartDate></t:NoEndRecurrence></t:Recurrence>'
      + '</t:CalendarItem></m:Items></m:CreateItem>');
    expect(codes(r)).toEqual(['ErrorInvalidRecurrence']);
  });
});

describe('long series', () => {
  it('answers a CalendarView, a GetItem and an occurrence edit on a ten-year-old daily series quickly', async () => {
    const [master] = await createCalendarItem(sim, '<t:Subject>Old daily</t:Subject><t:Start>2016-01-04T08:00:00</t:Start><t:End>2016-01-04T08:10:00</t:End>'
      + '<t:Recurrence><t:DailyRecurrence><t:Interval>1</t:Interval></t:DailyRecurrence><t:NoEndRecurrence><t:StartDate>2016-01-04</t:StartDate></t:NoEndRecurrence></t:Recurrence>'
      + tz('W. Europe Standard Time'));
    const t0 = Date.now();
    const view = bySubject(await calendarView(sim, '2026-10-01T00:00:00Z', '2026-10-08T00:00:00Z'), 'Old daily');
    expect(starts(view)).toEqual(['2026-10-01T06:00:00Z', '2026-10-02T06:00:00Z', '2026-10-03T06:00:00Z', '2026-10-04T06:00:00Z',
      '2026-10-05T06:00:00Z', '2026-10-06T06:00:00Z', '2026-10-07T06:00:00Z']);
    const occId = first(view[2], 'ItemId')!.attrs.Id;
    const upd = await post(sim, '<m:UpdateItem ConflictResolution="AlwaysOverwrite" SendMeetingInvitationsOrCancellations="SendToNone"><m:ItemChanges><t:ItemChange>'
      + `<t:ItemId Id="${occId}"/><t:Updates><t:SetItemField><t:FieldURI FieldURI="calendar:Location"/><t:CalendarItem><t:Location>Roof</t:Location></t:CalendarItem></t:SetItemField></t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>`);
    expect(codes(upd)).toEqual(['NoError']);
    const g = await post(sim, `<m:GetItem><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape></m:ItemShape><m:ItemIds><t:ItemId Id="${master}"/></m:ItemIds></m:GetItem>`);
    expect(text(first(g.doc, 'ModifiedOccurrences'), 'OriginalStart')).toBe('2026-10-03T06:00:00Z');
    expect(first(g.doc, 'LastOccurrence')).toBeUndefined();
    const index = await post(sim, `<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:ItemIds><t:OccurrenceItemId RecurringMasterId="${master}" InstanceIndex="x"/></m:ItemIds></m:GetItem>`);
    expect(codes(index)).toEqual(['ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange']);
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});
