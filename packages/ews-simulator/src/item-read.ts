/**
 * Request item elements (`t:CalendarItem`, `t:Task`, `t:Contact`) → stored properties. Values are checked the way
 * the schema would (booleans, numbers, dateTimes, enumerations) and dateTimes are stored in UTC: a value without
 * offset is read in StartTimeZone/EndTimeZone for calendar Start/End, else in the request's TimeZoneContext.
 */
import type { RequestContext } from './context.js';
import { readExtendedProperty } from './extended.js';
import { fieldByElement, fieldsOf, type FieldDef, type ItemElement } from './fields.js';
import { RecurrenceError, parseRecurrence } from './recurrence.js';
import { EwsError, schemaError } from './soap.js';
import type { ExtendedProp } from './store.js';
import { formatUtc, knownWindowsZone, parseDateTime, zoneOf } from './time.js';
import { child, NS, toNode, type XmlElement, type XNode } from './xml.js';

const ENUMS: Record<string, string[]> = {
  Sensitivity: ['Normal', 'Personal', 'Private', 'Confidential'],
  Importance: ['Low', 'Normal', 'High'],
  LegacyFreeBusyStatus: ['Free', 'Tentative', 'Busy', 'OOF', 'WorkingElsewhere', 'NoData'],
  Status: ['NotStarted', 'InProgress', 'Completed', 'WaitingOnOthers', 'Deferred'],
  FileAsMapping: ['None', 'LastCommaFirst', 'FirstSpaceLast', 'Company', 'LastCommaFirstCompany', 'CompanyLastFirst',
    'LastFirst', 'LastFirstCompany', 'CompanyLastCommaFirst', 'LastFirstSuffix', 'LastSpaceFirstCompany',
    'CompanyLastSpaceFirst', 'LastSpaceFirst', 'DisplayName', 'FirstName', 'LastFirstMiddleSuffix', 'LastName', 'Empty'],
  PostalAddressIndex: ['Business', 'Home', 'Other', 'None'],
};

/** The item element names a request may carry, and their class. */
export const ITEM_ELEMENTS: Record<string, ItemElement> = {
  CalendarItem: 'CalendarItem', Task: 'Task', Contact: 'Contact', Message: 'Message', Item: 'Item',
};

/** Checks and normalises one property value from a request element. */
export function readValue(def: FieldDef, e: XmlElement, zone: string): XNode {
  const v = e.text.trim();
  const bad = () => schemaError(`The '${def.element}' element is invalid - The value '${v}' is invalid according to its datatype.`, e.line, e.column);
  switch (def.kind) {
    case 'bool':
      if (!['true', 'false', '1', '0'].includes(v)) throw bad();
      return { n: def.element, t: v === 'true' || v === '1' ? 'true' : 'false' };
    case 'int':
      if (!/^-?\d+$/.test(v)) throw bad();
      return { n: def.element, t: String(Number(v)) };
    case 'decimal':
      if (!/^-?\d+(\.\d+)?$/.test(v)) throw bad();
      return { n: def.element, t: String(Number(v)) };
    case 'datetime':
    case 'date': {
      const ms = parseDateTime(v, zone);
      if (Number.isNaN(ms)) throw bad();
      return { n: def.element, t: formatUtc(ms) };
    }
    case 'string':
      if (ENUMS[def.element] && !ENUMS[def.element]!.includes(v)) throw bad();
      return { n: def.element, t: e.text };
    case 'complex':
      return toNode(e);
  }
}

/** What a request item element holds. */
export interface ReadItem {
  props: Record<string, XNode>;
  extended: ExtendedProp[];
}

/**
 * Checks a Recurrence node (ErrorInvalidRecurrence as Exchange answers a bad pattern). The Regeneration patterns
 * belong to tasks only (TaskRecurrenceType).
 */
export function checkRecurrence(node: XNode, cls: ItemElement): void {
  try {
    const { pattern } = parseRecurrence(node);
    if (pattern.kind === 'Regeneration' && cls !== 'Task') throw new RecurrenceError('regeneration patterns are for tasks only');
  } catch (e) {
    if (e instanceof RecurrenceError) throw new EwsError('ErrorInvalidRecurrence', `The recurrence pattern is invalid: ${e.message}`);
    throw e;
  }
}

/** Checks a time zone node's Id (Exchange: ErrorTimeZone for an id it does not know). */
export function checkZone(node: XNode): void {
  const id = node.a?.Id;
  if (id && !knownWindowsZone(id)) throw new EwsError('ErrorTimeZone', `The time zone '${id}' is not valid.`);
}

/** Reads a request item. Read-only properties are refused (ErrorInvalidPropertySet), unknown elements fail schema validation. */
export function readItem(e: XmlElement, cls: ItemElement, ctx: RequestContext): ReadItem {
  const props: Record<string, XNode> = {};
  const extended: ExtendedProp[] = [];
  // Zones first: Start/End without offset are read in their own zone.
  const startTz = child(e, 'StartTimeZone');
  const endTz = child(e, 'EndTimeZone');
  const meetingTz = child(e, 'MeetingTimeZone');
  // The schema is an xs:sequence: properties must come in schema order (Exchange refuses them otherwise).
  const order = fieldsOf(cls).map((f) => f.element);
  let last = -1;
  for (const c of e.children) {
    const at = order.indexOf(c.local);
    if (at >= 0 && c.local !== 'ExtendedProperty') {
      if (at < last) {
        throw schemaError(`The element '${cls}' in namespace '${NS.T}' has invalid child element '${c.local}' in namespace '${c.ns}': `
          + `it must come before '${order[last]}'.`, c.line, c.column);
      }
      last = at;
    }
    if (c.local === 'ExtendedProperty') {
      extended.push(readExtendedProperty(c));
      continue;
    }
    if (c.local === 'Attachments') continue;
    const def = fieldByElement(cls, c.local);
    if (!def) throw schemaError(`The element '${c.local}' in namespace '${c.ns}' is invalid for ${cls}.`, c.line, c.column);
    if (def.readOnly) throw new EwsError('ErrorInvalidPropertySet', `Property ${def.uri} is read-only and can't be set.`);
    let zone = ctx.zone;
    if (c.local === 'Start' || c.local === 'ReminderDueBy') zone = startTz || meetingTz ? zoneOf(toNode(startTz ?? meetingTz!)) : ctx.zone;
    if (c.local === 'End') zone = endTz || meetingTz ? zoneOf(toNode(endTz ?? meetingTz!)) : startTz ? zoneOf(toNode(startTz)) : ctx.zone;
    const node = readValue(def, c, zone);
    if (def.element === 'Recurrence') checkRecurrence(node, cls);
    if (/TimeZone$/.test(def.element)) checkZone(node);
    props[def.element] = node;
  }
  return { props, extended };
}
