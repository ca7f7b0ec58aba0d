/**
 * Canonical model codecs: iCalendar (ical.js) and vCard 2.1/3.0/4.0. Lossless: serializing an entity that
 * carries `raw` patches only the fields that differ from what `raw` holds.
 * (Contract stub: implemented in model/*.ts.)
 */
import type { ContactEntity, Entity, EventEntity, TaskEntity, TimeValue } from '../sdk/entities.js';

/** One item that could not be parsed; the others in the same text still are. */
export interface ItemError {
  /** 0-based position of the component/card in the text. */
  index: number;
  uid?: string;
  message: string;
}

export interface Parsed<T> {
  items: T[];
  errors: ItemError[];
}

/**
 * Parses an iCalendar text into items: one per UID (master + RECURRENCE-ID overrides together), each with
 * `raw.text` = a VCALENDAR holding that UID's components and the VTIMEZONEs they use. VEVENT → event, VTODO → task;
 * other components (VJOURNAL, VFREEBUSY) are ignored. A bare component without VCALENDAR is accepted.
 */
export function parseICalendar(text: string): Parsed<EventEntity | TaskEntity> {
  void text;
  throw new Error('not implemented');
}

/** Serializes an event/task; patches `raw` when present, builds a fresh VCALENDAR otherwise. */
export function serializeICalendar(entity: EventEntity | TaskEntity): string {
  void entity;
  throw new Error('not implemented');
}

/** Parses vCard 2.1, 3.0 and 4.0 text (one or many cards). */
export function parseVCard(text: string): Parsed<ContactEntity> {
  void text;
  throw new Error('not implemented');
}

/** Serializes a contact in `version` (default: the raw's version, else 4.0); patches `raw` when the version matches. */
export function serializeVCard(entity: ContactEntity, version?: '2.1' | '3.0' | '4.0'): string {
  void entity; void version;
  throw new Error('not implemented');
}

/** Stable hash of an entity's content: canonical fields plus non-volatile raw properties; reformatting does not change it. */
export function contentHash(entity: Entity): string {
  void entity;
  throw new Error('not implemented');
}

/** Maps a Windows time zone name ("W. Europe Standard Time") to IANA; undefined if unknown. */
export function windowsToIana(name: string): string | undefined {
  void name;
  throw new Error('not implemented');
}

/** Epoch ms of a time value (`date` and `floating` read as UTC wall-clock). */
export function toEpochMs(t: TimeValue): number {
  void t;
  throw new Error('not implemented');
}

/** True when the event/task (any recurrence instance) overlaps [start, end). Items without dates are in range. */
export function overlaps(entity: EventEntity | TaskEntity, start: Date, end: Date): boolean {
  void entity; void start; void end;
  throw new Error('not implemented');
}
