/**
 * What Dovetail asks EWS for and stores in it: the property sets per item kind and Dovetail's extended
 * properties (a property set of our own, so nothing collides with Outlook's or another tool's).
 */
import * as ews from 'ews-javascript-api';
import type { EntityType } from '@dovetail/core/sdk';
import { CARRY_PROPERTY_NAME, DOVETAIL_PROPERTY_SET, UID_PROPERTY_NAME } from '../stamp.js';

export { DOVETAIL_PROPERTY_SET };

export const UID_PROPERTY = new ews.ExtendedPropertyDefinition(new ews.Guid(DOVETAIL_PROPERTY_SET), UID_PROPERTY_NAME, ews.MapiPropertyType.String);
export const CARRY_PROPERTY = new ews.ExtendedPropertyDefinition(new ews.Guid(DOVETAIL_PROPERTY_SET), CARRY_PROPERTY_NAME, ews.MapiPropertyType.String);
/** PidTagDisplayNamePrefix ("Dr."): EWS has no writable first-class property for it. */
export const NAME_PREFIX_PROPERTY = new ews.ExtendedPropertyDefinition(0x3a45, ews.MapiPropertyType.String);

const A = ews.AppointmentSchema;
const I = ews.ItemSchema;
const T = ews.TaskSchema;
const C = ews.ContactSchema;

const COMMON = [I.Subject, I.Body, I.Categories, I.Importance, I.Sensitivity, I.LastModifiedTime, I.DateTimeCreated, I.ItemClass, UID_PROPERTY, CARRY_PROPERTY];

const EVENT = [
  ...COMMON, A.Start, A.End, A.IsAllDayEvent, A.StartTimeZone, A.EndTimeZone, A.Location, A.LegacyFreeBusyStatus, I.IsReminderSet,
  I.ReminderMinutesBeforeStart, A.ICalUid, A.Organizer, A.RequiredAttendees, A.OptionalAttendees, A.Resources, A.AppointmentType,
  A.Recurrence, A.ModifiedOccurrences, A.DeletedOccurrences, A.IsCancelled,
];
const EXCEPTION = [I.Subject, I.Body, A.Start, A.End, A.IsAllDayEvent, A.Location, A.LegacyFreeBusyStatus, A.IsCancelled, A.OriginalStart];
const TASK = [...COMMON, T.Status, T.StartDate, T.DueDate, T.PercentComplete, T.CompleteDate, I.IsReminderSet, I.ReminderDueBy, T.Recurrence];
const CONTACT = [
  ...COMMON, C.DisplayName, C.FileAs, C.GivenName, C.MiddleName, C.Surname, C.NickName, C.Generation, C.CompanyName, C.Department,
  C.JobTitle, C.EmailAddresses, C.PhoneNumbers, C.PhysicalAddresses, C.ImAddresses, C.BusinessHomePage, C.Birthday, C.HasPicture,
  I.Attachments, NAME_PREFIX_PROPERTY,
];

/** Bodies come as stored ("best": HTML when the item has HTML), so nothing is converted on the way. */
function propertySet(props: ews.PropertyDefinitionBase[]): ews.PropertySet {
  return new ews.PropertySet(ews.BasePropertySet.IdOnly, props);
}

/** Everything Dovetail reads of an item of `entity`. */
export function itemProperties(entity: EntityType): ews.PropertySet {
  return propertySet(entity === 'event' ? EVENT : entity === 'task' ? TASK : CONTACT);
}

/** What Dovetail reads of a modified occurrence. */
export function exceptionProperties(): ews.PropertySet {
  return propertySet(EXCEPTION);
}

/** What a listing needs: class (to skip distribution lists and the like) and, for calendars, when. */
export function listingProperties(entity: EntityType): ews.PropertySet {
  const props: ews.PropertyDefinitionBase[] = [I.ItemClass];
  if (entity === 'event') props.push(A.Start, A.End, A.AppointmentType);
  return new ews.PropertySet(ews.BasePropertySet.IdOnly, props);
}

/** Item classes an entity's folder holds (prefix match, as Outlook derives custom forms from them). */
export const ITEM_CLASS: Record<EntityType, string> = { event: 'IPM.Appointment', task: 'IPM.Task', contact: 'IPM.Contact' };
/** Folder classes per entity. */
export const FOLDER_CLASS: Record<EntityType, string> = { event: 'IPF.Appointment', task: 'IPF.Task', contact: 'IPF.Contact' };
