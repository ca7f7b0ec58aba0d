/**
 * Canonical model codecs: iCalendar (ical.js) and vCard 2.1/3.0/4.0. Lossless: serializing an entity that
 * carries `raw` patches only the fields that differ from what `raw` holds.
 */
export type { ItemError, Parsed } from './types.js';
export { parseICalendar, parseICalendarShared, parseRawShared, serializeICalendar } from './icalendar.js';
export { parseVCard, parseVCardShared, serializeVCard } from './vcard.js';
export { contentHash } from './hash.js';
export { ianaToWindows, windowsToIana } from './windows-zones.js';
export { toEpochMs } from './time-value.js';
export { overlaps, ruleInstants } from './recurrence.js';
