/**
 * Exchange items in a backend-neutral shape: what an Exchange mailbox stores, named as Microsoft Graph names it.
 * The EWS backend reads and writes these from SOAP objects, a Graph backend from JSON; the mapping to and from
 * Dovetail's canonical entities (event.ts, task.ts, contact.ts) is shared by both.
 */

/** A wall-clock time in a Windows time zone (`W. Europe Standard Time`, `UTC`), as Exchange keeps it. */
export interface ExTime {
  /** `YYYY-MM-DDTHH:MM:SS` */
  dateTime: string;
  /** Windows zone id; `UTC` for UTC. */
  timeZone: string;
}

export type ExDay = 'sunday' | 'monday' | 'tuesday' | 'wednesday' | 'thursday' | 'friday' | 'saturday';
export type ExWeekIndex = 'first' | 'second' | 'third' | 'fourth' | 'last';

/** How often a series repeats (EWS `*Recurrence` patterns, Graph `recurrencePattern`). */
export interface ExRecurrencePattern {
  type: 'daily' | 'weekly' | 'absoluteMonthly' | 'relativeMonthly' | 'absoluteYearly' | 'relativeYearly';
  /** Every `interval` days / weeks / months (yearly patterns: always 1). */
  interval: number;
  /** weekly: the days; relative patterns: the day(s) the index counts (all seven = "day", Mon–Fri = "weekday"). */
  daysOfWeek?: ExDay[];
  /** weekly: the first day of the week. */
  firstDayOfWeek?: ExDay;
  /** absolute patterns: the day of the month. */
  dayOfMonth?: number;
  /** yearly patterns: the month, 1–12. */
  month?: number;
  /** relative patterns: which of the matching days. */
  index?: ExWeekIndex;
}

/** Where a series starts and ends; dates in the series' own zone. */
export interface ExRecurrenceRange {
  type: 'endDate' | 'noEnd' | 'numbered';
  /** `YYYY-MM-DD` */
  startDate: string;
  /** `YYYY-MM-DD`, inclusive (type endDate). */
  endDate?: string;
  numberOfOccurrences?: number;
}

export interface ExRecurrence {
  pattern: ExRecurrencePattern;
  range: ExRecurrenceRange;
}

export interface ExBody {
  contentType: 'text' | 'html';
  content: string;
}

export interface ExPerson {
  name?: string;
  address?: string;
}

/** Graph's response names; EWS `Unknown`/`NoResponseReceived` become `none`/`notResponded`. */
export type ExResponse = 'none' | 'organizer' | 'tentativelyAccepted' | 'accepted' | 'declined' | 'notResponded';

export interface ExAttendee extends ExPerson {
  type: 'required' | 'optional' | 'resource';
  response?: ExResponse;
}

export type ExImportance = 'low' | 'normal' | 'high';
export type ExSensitivity = 'normal' | 'personal' | 'private' | 'confidential';
export type ExShowAs = 'free' | 'tentative' | 'busy' | 'oof' | 'workingElsewhere' | 'unknown';

/** Dovetail's own extended properties on an item. */
export interface ExStamp {
  /** The UID the item has in the other systems it is synced with. */
  uid?: string;
  /** Canonical values Exchange cannot hold, kept with a fingerprint of what Exchange showed (carry.ts). */
  carry?: string;
}

/** A modified occurrence of a series. */
export interface ExException {
  /** The item id of the exception (needed to change it again). */
  id?: string;
  /** UTC instant (`YYYY-MM-DDTHH:MM:SSZ`) the occurrence had in the pattern. */
  originalStart: string;
  subject?: string;
  body?: ExBody;
  location?: string;
  start?: ExTime;
  end?: ExTime;
  isAllDay?: boolean;
  showAs?: ExShowAs;
  isCancelled?: boolean;
}

export interface ExEvent {
  kind: 'event';
  subject?: string;
  body?: ExBody;
  start?: ExTime;
  end?: ExTime;
  isAllDay?: boolean;
  location?: string;
  importance?: ExImportance;
  sensitivity?: ExSensitivity;
  showAs?: ExShowAs;
  isReminderOn?: boolean;
  reminderMinutesBeforeStart?: number;
  categories?: string[];
  organizer?: ExPerson;
  attendees?: ExAttendee[];
  isCancelled?: boolean;
  recurrence?: ExRecurrence;
  /** Modified occurrences (series masters only). */
  exceptions?: ExException[];
  /** UTC instants (`…Z`) of deleted occurrences (series masters only). */
  cancelledOccurrences?: string[];
  /** The iCalendar UID Exchange keeps for the item (EWS `UID`, Graph `iCalUId`). */
  iCalUid?: string;
  /** UTC ISO-8601. */
  lastModified?: string;
  created?: string;
  stamp?: ExStamp;
}

export type ExTaskStatus = 'notStarted' | 'inProgress' | 'completed' | 'waitingOnOthers' | 'deferred';

export interface ExTask {
  kind: 'task';
  subject?: string;
  body?: ExBody;
  status?: ExTaskStatus;
  /** Outlook tasks are dated, not timed: the wall-clock date at midnight in the mailbox's zone. */
  startDate?: ExTime;
  dueDate?: ExTime;
  /** UTC ISO-8601 of completion. */
  completedDateTime?: string;
  percentComplete?: number;
  importance?: ExImportance;
  sensitivity?: ExSensitivity;
  isReminderOn?: boolean;
  /** UTC ISO-8601. */
  reminderDateTime?: string;
  categories?: string[];
  recurrence?: ExRecurrence;
  /** The series regenerates from completion (Outlook "regenerate new task"): not expressible as an RRULE. */
  regenerates?: boolean;
  lastModified?: string;
  created?: string;
  stamp?: ExStamp;
}

/** Phone slots of an Exchange contact (EWS `PhoneNumberKey`). */
export type ExPhoneKey =
  | 'BusinessPhone' | 'BusinessPhone2' | 'HomePhone' | 'HomePhone2' | 'MobilePhone' | 'BusinessFax' | 'HomeFax'
  | 'OtherFax' | 'OtherTelephone' | 'Pager' | 'CarPhone' | 'AssistantPhone' | 'CompanyMainPhone' | 'PrimaryPhone'
  | 'Callback' | 'Isdn' | 'RadioPhone' | 'Telex' | 'TtyTddPhone';

export type ExAddressKey = 'business' | 'home' | 'other';

export interface ExAddress {
  street?: string;
  city?: string;
  state?: string;
  postalCode?: string;
  countryOrRegion?: string;
}

export interface ExContact {
  kind: 'contact';
  displayName?: string;
  fileAs?: string;
  givenName?: string;
  middleName?: string;
  surname?: string;
  nickname?: string;
  /** Name prefix ("Dr."). */
  title?: string;
  /** Name suffix ("Jr."). */
  generation?: string;
  companyName?: string;
  department?: string;
  jobTitle?: string;
  /** Up to three (EmailAddress1–3 in EWS). */
  emailAddresses?: ExPerson[];
  phones?: Partial<Record<ExPhoneKey, string>>;
  addresses?: Partial<Record<ExAddressKey, ExAddress>>;
  imAddresses?: string[];
  businessHomePage?: string;
  /** `YYYY-MM-DD` */
  birthday?: string;
  notes?: string;
  categories?: string[];
  photo?: { data: string; mediaType: string };
  lastModified?: string;
  created?: string;
  stamp?: ExStamp;
}

export type ExItem = ExEvent | ExTask | ExContact;
