/** The connector SDK: `import { defineConnector, ... } from '@dovetail/core/sdk'`. */
export * from './entities.js';
export * from './errors.js';
export * from './connector.js';
export * from './run-budget.js';
export { mapLimit, nextTurn } from './concurrency.js';
export { StringTable } from './string-table.js';
export { memoryCacheScope } from './cache-scope.js';
export type * from './manifest.js';
export * from './time.js';
export { decodeText, charsetOfContentType, isKnownCharset, type DecodeOptions, type DecodedText } from './charset.js';
export * from './settings-migration.js';
export { runStdio, DEFAULT_MAX_MESSAGE_BYTES, type RunStdioOptions } from './stdio.js';
export { canonicalJson } from '../model/canonical-json.js';
/** A copy of a string that keeps no larger text alive (for strings a connector keeps past the answer they came in). */
export { ownString } from './own-string.js';
export { createExclusive, createExclusiveFile, removeStaleTempFiles, replaceAtomic, syncDirectory, type WrittenFile } from './atomic-write.js';
export {
  parseICalendar, serializeICalendar, parseVCard, serializeVCard, contentHash, windowsToIana, ianaToWindows, toEpochMs, overlaps, ruleInstants,
} from '../model/index.js';
export type { Parsed, ItemError } from '../model/index.js';
/** Folds a content line at 75 octets (CRLF + space), never inside a UTF-8 sequence (iCalendar and vCard alike). */
export { foldLine } from '../model/vcard-lines.js';
export { alteredProperties } from '../model/stored-diff.js';
export { vtimezoneForTzid } from '../model/timezones.js';
export { escapeText } from '../model/text-escape.js';
export {
  parseSingleItem, serializeSingleItem, structureProblem, withFallbackUid, vcardVersionFor, type SingleItemSource,
} from '../model/single-item.js';
