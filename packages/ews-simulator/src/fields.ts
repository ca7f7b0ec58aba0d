/**
 * The item properties the simulator knows: their FieldURI, their element name and their place in the EWS schema's
 * sequence (responses list them in schema order, as Exchange does), what kind of value they hold and which ones the
 * Default response shape includes (Microsoft's "Property sets and response shapes in EWS", table 3).
 */

/** The item classes the simulator stores (their element names in requests and responses). */
export type ItemElement = 'CalendarItem' | 'Task' | 'Contact' | 'Message' | 'Item';

/** How a property's value is checked and written back. */
export type FieldKind = 'string' | 'bool' | 'int' | 'decimal' | 'datetime' | 'date' | 'complex';

export interface FieldDef {
  /** Element name, e.g. `Subject`. */
  element: string;
  /** FieldURI, e.g. `item:Subject`. */
  uri: string;
  kind: FieldKind;
  /** Computed by the server; a SetItemField on it fails with ErrorInvalidPropertySet. */
  readOnly?: boolean;
}

const ITEM_HEAD =
  'MimeContent:complex:ro ItemId:complex:ro ParentFolderId:complex:ro ItemClass:string:ro Subject:string Sensitivity:string ' +
  'Body:complex Attachments:complex:ro DateTimeReceived:datetime:ro Size:int:ro Categories:complex Importance:string ' +
  'InReplyTo:string IsSubmitted:bool:ro IsDraft:bool:ro IsFromMe:bool:ro IsResend:bool:ro IsUnmodified:bool:ro ' +
  'InternetMessageHeaders:complex:ro DateTimeSent:datetime:ro DateTimeCreated:datetime:ro ResponseObjects:complex:ro ' +
  'ReminderDueBy:datetime ReminderIsSet:bool ReminderMinutesBeforeStart:int DisplayCc:string:ro DisplayTo:string:ro ' +
  'HasAttachments:bool:ro ExtendedProperty:complex Culture:string EffectiveRights:complex:ro LastModifiedName:string:ro ' +
  'LastModifiedTime:datetime:ro IsAssociated:bool:ro WebClientReadFormQueryString:string:ro ' +
  'WebClientEditFormQueryString:string:ro ConversationId:complex:ro UniqueBody:complex:ro TextBody:string:ro';

const CALENDAR =
  'UID:string RecurrenceId:datetime:ro DateTimeStamp:datetime:ro Start:datetime End:datetime OriginalStart:datetime:ro ' +
  'IsAllDayEvent:bool LegacyFreeBusyStatus:string Location:string When:string IsMeeting:bool:ro IsCancelled:bool:ro ' +
  'IsRecurring:bool:ro MeetingRequestWasSent:bool:ro IsResponseRequested:bool CalendarItemType:string:ro ' +
  'MyResponseType:string:ro Organizer:complex:ro RequiredAttendees:complex OptionalAttendees:complex Resources:complex ' +
  'ConflictingMeetingCount:int:ro AdjacentMeetingCount:int:ro ConflictingMeetings:complex:ro AdjacentMeetings:complex:ro ' +
  'Duration:string:ro TimeZone:string:ro AppointmentReplyTime:datetime:ro AppointmentSequenceNumber:int:ro ' +
  'AppointmentState:int:ro Recurrence:complex FirstOccurrence:complex:ro LastOccurrence:complex:ro ' +
  'ModifiedOccurrences:complex:ro DeletedOccurrences:complex:ro MeetingTimeZone:complex StartTimeZone:complex ' +
  'EndTimeZone:complex ConferenceType:int AllowNewTimeProposal:bool IsOnlineMeeting:bool:ro MeetingWorkspaceUrl:string ' +
  'NetShowUrl:string';

const TASK =
  'ActualWork:int AssignedTime:datetime:ro BillingInformation:string ChangeCount:int:ro Companies:complex ' +
  'CompleteDate:datetime Contacts:complex DelegationState:string:ro Delegator:string:ro DueDate:datetime ' +
  'IsAssignmentEditable:int:ro IsComplete:bool:ro IsRecurring:bool:ro IsTeamTask:bool:ro Mileage:string Owner:string:ro ' +
  'PercentComplete:decimal Recurrence:complex StartDate:datetime Status:string StatusDescription:string:ro TotalWork:int';

const CONTACT =
  'FileAs:string FileAsMapping:string DisplayName:string GivenName:string Initials:string MiddleName:string ' +
  'Nickname:string CompleteName:complex:ro CompanyName:string EmailAddresses:complex PhysicalAddresses:complex ' +
  'PhoneNumbers:complex AssistantName:string Birthday:datetime BusinessHomePage:string Children:complex ' +
  'Companies:complex ContactSource:string:ro Department:string Generation:string ImAddresses:complex JobTitle:string ' +
  'Manager:string Mileage:string OfficeLocation:string PostalAddressIndex:string Profession:string SpouseName:string ' +
  'Surname:string WeddingAnniversary:datetime HasPicture:bool:ro PhoneticFullName:string:ro ' +
  'PhoneticFirstName:string:ro PhoneticLastName:string:ro Alias:string:ro Notes:string:ro Photo:string:ro ' +
  'UserSMIMECertificate:complex:ro MSExchangeCertificate:complex:ro DirectoryId:string:ro ManagerMailbox:complex:ro ' +
  'DirectReports:complex:ro';

const MESSAGE =
  'Sender:complex ToRecipients:complex CcRecipients:complex BccRecipients:complex IsReadReceiptRequested:bool ' +
  'IsDeliveryReceiptRequested:bool ConversationIndex:string:ro ConversationTopic:string:ro From:complex ' +
  'InternetMessageId:string:ro IsRead:bool IsResponseRequested:bool References:string ReplyTo:complex ' +
  'ReceivedBy:complex:ro ReceivedRepresenting:complex:ro ReminderMessageData:complex:ro';

const URI_PREFIX: Record<ItemElement, string> = {
  CalendarItem: 'calendar', Task: 'task', Contact: 'contacts', Message: 'message', Item: 'item',
};

function parse(spec: string, prefix: string): FieldDef[] {
  return spec.split(/\s+/).map((s) => {
    const [element, kind, ro] = s.split(':');
    return { element: element!, uri: `${prefix}:${element}`, kind: kind as FieldKind, ...(ro ? { readOnly: true } : {}) };
  });
}

const HEAD = parse(ITEM_HEAD, 'item');
const SPECIFIC: Record<ItemElement, FieldDef[]> = {
  CalendarItem: parse(CALENDAR, URI_PREFIX.CalendarItem),
  Task: parse(TASK, URI_PREFIX.Task),
  Contact: parse(CONTACT, URI_PREFIX.Contact),
  Message: parse(MESSAGE, URI_PREFIX.Message),
  Item: [],
};

/** Every property of an item class, in schema order. */
export function fieldsOf(element: ItemElement): FieldDef[] {
  return [...HEAD, ...SPECIFIC[element]];
}

const BY_URI = new Map<string, FieldDef>();
for (const f of [...HEAD, ...SPECIFIC.CalendarItem, ...SPECIFIC.Task, ...SPECIFIC.Contact, ...SPECIFIC.Message]) BY_URI.set(f.uri, f);

/** The property a FieldURI names, or undefined. */
export function fieldByUri(uri: string): FieldDef | undefined {
  return BY_URI.get(uri);
}

/** The property an element of a given item class stands for (request parsing), or undefined. */
export function fieldByElement(cls: ItemElement, element: string): FieldDef | undefined {
  return SPECIFIC[cls].find((f) => f.element === element) ?? HEAD.find((f) => f.element === element);
}

/** The properties of the Default shape per class (ItemId is always returned). */
export const DEFAULT_SHAPE: Record<ItemElement, string[]> = {
  CalendarItem: ['Subject', 'HasAttachments', 'IsAssociated', 'Start', 'End', 'LegacyFreeBusyStatus', 'Location',
    'CalendarItemType', 'Organizer'],
  Contact: ['HasAttachments', 'FileAs', 'DisplayName', 'CompleteName', 'CompanyName', 'EmailAddresses',
    'PhysicalAddresses', 'PhoneNumbers', 'ImAddresses', 'JobTitle'],
  Task: ['Subject', 'HasAttachments', 'DueDate', 'PercentComplete', 'StartDate', 'Status'],
  Message: ['Subject', 'Sensitivity', 'Body', 'HasAttachments', 'IsAssociated', 'Size', 'DateTimeCreated', 'DateTimeSent'],
  Item: ['Subject', 'HasAttachments'],
};

/** Properties AllProperties leaves out (Exchange needs them asked for by name). */
export const NOT_IN_ALL_PROPERTIES = new Set(['MimeContent', 'UniqueBody', 'TextBody', 'ConflictingMeetings', 'AdjacentMeetings']);

/**
 * Indexed properties: the FieldURI of one entry, its container element and the entry element. PhysicalAddress
 * entries have their own sub-fields (`contacts:PhysicalAddress:Street`).
 */
export const INDEXED: Record<string, { container: string; entry: string }> = {
  'contacts:EmailAddress': { container: 'EmailAddresses', entry: 'Entry' },
  'contacts:PhoneNumber': { container: 'PhoneNumbers', entry: 'Entry' },
  'contacts:ImAddress': { container: 'ImAddresses', entry: 'Entry' },
  'contacts:PhysicalAddress': { container: 'PhysicalAddresses', entry: 'Entry' },
};

/** The documented keys of each indexed property (EmailAddressKeyType, PhoneNumberKeyType, …). */
export const INDEX_KEYS: Record<string, string[]> = {
  EmailAddresses: ['EmailAddress1', 'EmailAddress2', 'EmailAddress3'],
  ImAddresses: ['ImAddress1', 'ImAddress2', 'ImAddress3'],
  PhysicalAddresses: ['Home', 'Business', 'Other'],
  PhoneNumbers: ['AssistantPhone', 'BusinessFax', 'BusinessPhone', 'BusinessPhone2', 'Callback', 'CarPhone',
    'CompanyMainPhone', 'HomeFax', 'HomePhone', 'HomePhone2', 'Isdn', 'MobilePhone', 'OtherFax', 'OtherTelephone',
    'Pager', 'PrimaryPhone', 'RadioPhone', 'Telex', 'TtyTddPhone'],
};

/** PhysicalAddress sub-fields in schema order. */
export const ADDRESS_PARTS = ['Street', 'City', 'State', 'CountryOrRegion', 'PostalCode'];
