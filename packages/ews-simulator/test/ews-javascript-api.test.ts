/**
 * ews-javascript-api (the library the Exchange connector is built on) as a second independent client: folders,
 * an appointment with an extended property, a weekly series with a modified and a deleted occurrence, CalendarView,
 * SyncFolderItems, a contact and ResolveNames.
 */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EwsSimulator } from '../src/index.js';

// The library calls util.isNullOrUndefined, which Node 23 removed; the Exchange connector gives it back the same way.
const util = createRequire(import.meta.url)('node:util') as { isNullOrUndefined?: (value: unknown) => boolean };
util.isNullOrUndefined ??= (value: unknown) => value === null || value === undefined;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const ews = createRequire(import.meta.url)('ews-javascript-api') as any;
const {
  ExchangeService, ExchangeVersion, WebCredentials, Uri, WellKnownFolderName, Appointment, DateTime, MessageBody, BodyType,
  SendInvitationsMode, CalendarView, PropertySet, BasePropertySet, Folder, FolderView, ConflictResolutionMode,
  SendInvitationsOrCancellationsMode, DeleteMode, SendCancellationsMode, Recurrence, DayOfTheWeek, SyncFolderItemsScope,
  Contact, EmailAddressKey, FolderId, TimeZoneInfo, ExtendedPropertyDefinition, MapiPropertyType, DefaultExtendedPropertySet,
} = ews;

let sim: EwsSimulator;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let svc: any;
beforeAll(async () => {
  sim = await EwsSimulator.start({ users: [{ email: 'js@example.org', password: 'js-pw' }] });
  svc = new ExchangeService(ExchangeVersion.Exchange2013_SP1, TimeZoneInfo.Utc);
  svc.Credentials = new WebCredentials('js@example.org', 'js-pw');
  svc.Url = new Uri(sim.url);
});
afterAll(async () => { await sim.stop(); });

describe('ews-javascript-api 0.15 against the simulator', () => {
  it('lists the folder tree', async () => {
    const root = await Folder.Bind(svc, WellKnownFolderName.MsgFolderRoot);
    const view = new FolderView(100);
    view.Traversal = 1; // Deep
    const found = await root.FindFolders(view);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const byName = new Map(found.Folders.map((f: any) => [f.DisplayName, f.FolderClass]));
    expect(byName.get('Calendar')).toBe('IPF.Appointment');
    expect(byName.get('Tasks')).toBe('IPF.Task');
    expect(byName.get('Contacts')).toBe('IPF.Contact');
  });

  it('creates, binds with an extended property, updates and deletes an appointment; sync sees each step', async () => {
    const calendar = new FolderId(WellKnownFolderName.Calendar);
    let sync = await svc.SyncFolderItems(calendar, PropertySet.IdOnly, null, 100, SyncFolderItemsScope.NormalItems, '');
    const prop = new ExtendedPropertyDefinition(DefaultExtendedPropertySet.PublicStrings, 'DovetailId', MapiPropertyType.String);
    const appt = new Appointment(svc);
    appt.Subject = 'Review';
    appt.Body = new MessageBody(BodyType.HTML, '<p>notes</p>');
    appt.Start = new DateTime('2026-04-01T09:00:00Z');
    appt.End = new DateTime('2026-04-01T10:00:00Z');
    appt.SetExtendedProperty(prop, 'dv-1');
    await appt.Save(WellKnownFolderName.Calendar, SendInvitationsMode.SendToNone);
    sync = await svc.SyncFolderItems(calendar, PropertySet.IdOnly, null, 100, SyncFolderItemsScope.NormalItems, sync.SyncState);
    expect(sync.Count).toBe(1);
    expect(sync.changes[0].ChangeType).toBe(0); // Create

    const got = await Appointment.Bind(svc, appt.Id, new PropertySet(BasePropertySet.FirstClassProperties, [prop]));
    expect(got.Subject).toBe('Review');
    expect(got.Start.ToISOString()).toBe('2026-04-01T09:00:00.000Z');
    expect(got.ExtendedProperties.Items[0].Value).toBe('dv-1');
    expect(got.ICalUid).toMatch(/^040000008200E000/);
    got.Subject = 'Review (2)';
    await got.Update(ConflictResolutionMode.AutoResolve, SendInvitationsOrCancellationsMode.SendToNone);
    sync = await svc.SyncFolderItems(calendar, PropertySet.IdOnly, null, 100, SyncFolderItemsScope.NormalItems, sync.SyncState);
    expect(sync.changes.map((c: { ChangeType: number }) => c.ChangeType)).toEqual([1]); // Update

    await got.Delete(DeleteMode.HardDelete, SendCancellationsMode.SendToNone);
    sync = await svc.SyncFolderItems(calendar, PropertySet.IdOnly, null, 100, SyncFolderItemsScope.NormalItems, sync.SyncState);
    expect(sync.changes.map((c: { ChangeType: number }) => c.ChangeType)).toEqual([2]); // Delete
  });

  it('expands a weekly series and edits and deletes occurrences through BindToOccurrence', async () => {
    const series = new Appointment(svc);
    series.Subject = 'Weekly';
    series.Start = new DateTime('2026-04-06T09:00:00Z');
    series.End = new DateTime('2026-04-06T09:30:00Z');
    series.Recurrence = new Recurrence.WeeklyPattern(series.Start.Date, 1, [DayOfTheWeek.Monday]);
    series.Recurrence.NumberOfOccurrences = 4;
    await series.Save(WellKnownFolderName.Calendar, SendInvitationsMode.SendToNone);
    const second = await Appointment.BindToOccurrence(svc, series.Id, 2);
    second.Subject = 'Weekly (moved)';
    await second.Update(ConflictResolutionMode.AlwaysOverwrite, SendInvitationsOrCancellationsMode.SendToNone);
    const third = await Appointment.BindToOccurrence(svc, series.Id, 3);
    await third.Delete(DeleteMode.MoveToDeletedItems, SendCancellationsMode.SendToNone);
    const view = await svc.FindAppointments(WellKnownFolderName.Calendar, new CalendarView(new DateTime('2026-03-30T00:00:00Z'), new DateTime('2026-05-01T00:00:00Z')));
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    expect(view.Items.map((a: any) => `${a.Subject}@${a.Start.ToISOString().slice(0, 10)}`)).toEqual([
      'Weekly@2026-04-06', 'Weekly (moved)@2026-04-13', 'Weekly@2026-04-27']);
    const master = await Appointment.Bind(svc, series.Id);
    expect([master.ModifiedOccurrences.Count, master.DeletedOccurrences.Count]).toEqual([1, 1]);
    expect(master.LastOccurrence.Start.ToISOString()).toBe('2026-04-27T09:00:00.000Z');
  });

  it('saves and reads a contact, and resolves a name', async () => {
    const c = new Contact(svc);
    c.GivenName = 'Ada';
    c.Surname = 'Lovelace';
    c.EmailAddresses._setItem(EmailAddressKey.EmailAddress1, new ews.EmailAddress('ada@example.org'));
    await c.Save(WellKnownFolderName.Contacts);
    const back = await Contact.Bind(svc, c.Id);
    expect([back.DisplayName, back.FileAs, back.EmailAddresses._getItem(EmailAddressKey.EmailAddress1).Address])
      .toEqual(['Ada Lovelace', 'Lovelace, Ada', 'ada@example.org']);
    const names = await svc.ResolveName('js');
    expect(names.Count).toBe(1);
  });
});
