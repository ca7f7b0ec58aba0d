/**
 * The canonical model (DESIGN §4): flat, typed fields that mapping tables and filters speak,
 * plus the raw source kept for lossless round trips.
 */

/** The three kinds of item Dovetail syncs. */
export type EntityType = 'event' | 'task' | 'contact';

/** Where an entity came from, kept so a write back to the same format patches instead of rebuilding. */
export interface RawSource {
  /** `icalendar` = a VCALENDAR text, `vcard` = a BEGIN:VCARD text, `native` = connector-specific JSON text. */
  format: 'icalendar' | 'vcard' | 'native';
  /** The full source text exactly as read. */
  text: string;
  /** vCard version of `text` ("2.1" | "3.0" | "4.0"), when format is `vcard`. */
  version?: string;
}

/**
 * A point in time as the source expressed it.
 * - `date`: all-day, value `YYYY-MM-DD`;
 * - `floating`: wall-clock time with no zone (or a zone nobody can resolve, see `tzid`), value `YYYY-MM-DDTHH:MM:SS`;
 * - `utc`: value `YYYY-MM-DDTHH:MM:SSZ`;
 * - `zoned`: wall-clock value `YYYY-MM-DDTHH:MM:SS` in IANA zone `tz` (Windows names already mapped).
 */
export interface TimeValue {
  kind: 'date' | 'floating' | 'utc' | 'zoned';
  value: string;
  /** IANA zone name, set when kind is `zoned`. */
  tz?: string;
  /**
   * Only for a zone the source defined itself under a TZID that is neither IANA nor a Windows name: the source's
   * VTIMEZONE block, and `tz` is that TZID as written. Its presence marks `tz` as non-IANA.
   */
  tzDefinition?: string;
  /**
   * Only for `floating`: a TZID the source wrote that names no zone Dovetail can resolve (not IANA, not Windows,
   * not defined by a VTIMEZONE, no offset in its name — e.g. `GMT-05.00/-04.00`). Kept so the time is written
   * back exactly as it came, with this TZID; wherever instants are compared (the window) it counts as floating.
   */
  tzid?: string;
}

/** A reminder (VALARM / Exchange reminder). */
export interface Reminder {
  /** `relative`: `offset` is an ISO-8601 duration such as `-PT15M`, relative to start (or end). `absolute`: `at` is UTC. */
  kind: 'relative' | 'absolute';
  offset?: string;
  related?: 'start' | 'end';
  at?: string;
  action?: 'display' | 'audio' | 'email';
  description?: string;
}

export interface Person {
  email?: string;
  name?: string;
}

export interface Attendee extends Person {
  partstat?: 'needs-action' | 'accepted' | 'declined' | 'tentative' | 'delegated';
  role?: 'chair' | 'req-participant' | 'opt-participant' | 'non-participant';
  rsvp?: boolean;
}

export interface Recurrence {
  /** RRULE values without the `RRULE:` prefix, e.g. `FREQ=WEEKLY;BYDAY=MO`. */
  rrule?: string[];
  rdate?: TimeValue[];
  exdate?: TimeValue[];
}

/** Fields shared by every entity. */
export interface EntityBase {
  /** Stable cross-system identity (iCalendar/vCard UID). */
  uid: string;
  categories?: string[];
  /** UTC ISO-8601 of the last modification as the source says (LAST-MODIFIED, REV, Exchange LastModifiedTime). */
  lastModified?: string;
  /** Vendor extension properties by upper-case name (`X-FOO`) → text value. */
  x?: Record<string, string>;
  /** The source the entity was read from; absent for entities built from scratch. */
  raw?: RawSource;
}

export interface EventOverride {
  /** The RECURRENCE-ID the override replaces. */
  recurrenceId: TimeValue;
  /** `thisandfuture` when RANGE=THISANDFUTURE. */
  range?: 'thisandfuture';
  summary?: string;
  description?: string;
  location?: string;
  start?: TimeValue;
  end?: TimeValue;
  status?: EventEntity['status'];
}

export interface EventEntity extends EntityBase {
  type: 'event';
  summary?: string;
  description?: string;
  /** HTML body (X-ALT-DESC;FMTTYPE=text/html or Exchange HTML body). */
  descriptionHtml?: string;
  location?: string;
  start?: TimeValue;
  end?: TimeValue;
  /** ISO-8601 duration when the source gives DURATION instead of an end. */
  duration?: string;
  recurrence?: Recurrence;
  overrides?: EventOverride[];
  status?: 'tentative' | 'confirmed' | 'cancelled';
  showAs?: 'free' | 'tentative' | 'busy' | 'oof';
  /** 0 = undefined, 1 = highest … 9 = lowest (iCalendar PRIORITY). */
  priority?: number;
  sensitivity?: 'public' | 'private' | 'confidential';
  color?: string;
  reminders?: Reminder[];
  organizer?: Person;
  attendees?: Attendee[];
  url?: string;
  sequence?: number;
  created?: string;
}

export interface TaskEntity extends EntityBase {
  type: 'task';
  summary?: string;
  description?: string;
  descriptionHtml?: string;
  start?: TimeValue;
  due?: TimeValue;
  /** UTC ISO-8601 completion time. */
  completed?: string;
  status?: 'needs-action' | 'in-process' | 'completed' | 'cancelled';
  /** 0–100. */
  percent?: number;
  priority?: number;
  reminders?: Reminder[];
  /** UID of the parent task (RELATED-TO;RELTYPE=PARENT). */
  parent?: string;
  recurrence?: Recurrence;
  created?: string;
}

export interface TypedValue {
  value: string;
  /** Lower-case types such as `work`, `home`, `cell`, `voice`, `fax`, `pref`. */
  types?: string[];
  /** A free-text label (Apple `itemN.X-ABLabel`). */
  label?: string;
  pref?: boolean;
}

export interface Address {
  poBox?: string;
  extended?: string;
  street?: string;
  locality?: string;
  region?: string;
  postalCode?: string;
  country?: string;
  types?: string[];
  label?: string;
  pref?: boolean;
}

export interface ContactEntity extends EntityBase {
  type: 'contact';
  kind?: 'individual' | 'group' | 'org' | 'location';
  name?: { family?: string; given?: string; additional?: string; prefix?: string; suffix?: string };
  formattedName?: string;
  nickname?: string;
  org?: { name?: string; units?: string[] };
  title?: string;
  role?: string;
  emails?: TypedValue[];
  phones?: TypedValue[];
  addresses?: Address[];
  urls?: TypedValue[];
  /** `YYYY-MM-DD` or `--MM-DD`. */
  birthday?: string;
  note?: string;
  photo?: { uri?: string; data?: string; mediaType?: string };
  /** Member UIDs (`urn:uuid:` stripped) of a group. */
  members?: string[];
}

/** Any canonical entity. */
export type Entity = EventEntity | TaskEntity | ContactEntity;

/** The entity interface for a given type name. */
export type EntityOf<T extends EntityType> = T extends 'event' ? EventEntity : T extends 'task' ? TaskEntity : ContactEntity;
