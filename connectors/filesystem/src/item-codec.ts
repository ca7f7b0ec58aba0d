/**
 * One vdir file ⇄ one canonical entity, via the SDK's iCalendar/vCard codecs. A file must hold exactly one
 * item (one UID) of the wanted type; anything else is `Invalid` with the file named. A file without any UID
 * gets one derived from its file name (see `uidForFileName`), so it is stable across runs.
 */
import {
  Invalid, parseICalendar, parseVCard, serializeICalendar, serializeVCard,
  type ContactEntity, type Entity, type EntityType, type ItemError, type Parsed,
} from '@dovetail/core/sdk';
import { componentFor } from './components.js';
import { DEFAULT_NEW_VCARD_VERSION } from './settings.js';
import { uidForFileName } from './names.js';

const HAS_UID_LINE = /^UID[;:]/im;
const ITEM_END_LINE = /^END:(VEVENT|VTODO|VCARD)[ \t]*\r?$/gim;

/** `text` with a `UID:` line added to each item component when the text has no UID at all. */
export function withDerivedUid(text: string, fileName: string): string {
  if (HAS_UID_LINE.test(text)) return text;
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const uid = uidForFileName(fileName);
  return text.replace(ITEM_END_LINE, (line) => `UID:${uid}${eol}${line}`);
}

const BEGIN_END_LINE = /^(BEGIN|END):([^\s;:]*)[ \t]*$/i;

/**
 * Why `text`'s BEGIN/END lines do not nest and balance (a file cut off mid-write, a stray END), or undefined
 * when they do. Checked before parsing, so a truncated file is never synced as if it were complete.
 */
export function structureProblem(text: string): string | undefined {
  const open: string[] = [];
  for (const rawLine of text.split(/\r?\n/)) {
    const m = BEGIN_END_LINE.exec(rawLine.replace(/\r$/, ''));
    if (!m) continue;
    const name = m[2].toUpperCase();
    if (m[1].toUpperCase() === 'BEGIN') { open.push(name); continue; }
    const expected = open.pop();
    if (expected === undefined) return `END:${name} without BEGIN:${name}`;
    if (expected !== name) return `END:${name} where END:${expected} was expected`;
  }
  return open.length > 0 ? `BEGIN:${open[open.length - 1]} is never closed (truncated file?)` : undefined;
}

function describeErrors(errors: ItemError[]): string {
  return errors.map((e) => (e.uid ? `${e.uid}: ${e.message}` : `item ${e.index + 1}: ${e.message}`)).join('; ');
}

function runParser(entity: EntityType, text: string): Parsed<Entity> {
  return entity === 'contact' ? parseVCard(text) : parseICalendar(text);
}

/** Parses the content of vdir file `fileName` into the one `entity` item it holds; throws `Invalid` otherwise. */
export function parseItemFile(text: string, fileName: string, entity: EntityType): Entity {
  const problem = structureProblem(text);
  if (problem !== undefined) throw new Invalid(`${fileName}: ${problem}`);
  let parsed: Parsed<Entity>;
  try {
    parsed = runParser(entity, withDerivedUid(text, fileName));
  } catch (e) {
    throw new Invalid(`${fileName}: cannot parse: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  if (parsed.errors.length > 0) throw new Invalid(`${fileName}: ${describeErrors(parsed.errors)}`);
  if (parsed.items.length > 1) {
    const uids = [...new Set(parsed.items.map((i) => i.uid))].join(', ');
    throw new Invalid(`${fileName} holds ${parsed.items.length} items; a vdir file must hold exactly one (UIDs: ${uids})`);
  }
  const item = parsed.items[0];
  if (item === undefined) throw new Invalid(`${fileName} holds no ${componentFor(entity)}`);
  if (item.type !== entity) throw new Invalid(`${fileName} holds a ${item.type}, not a ${entity}`);
  if (!item.uid) item.uid = uidForFileName(fileName);
  return item;
}

/** The vCard version to write a contact in: the setting, else the card's own 3.0/4.0, else 3.0. */
export function vcardVersionFor(contact: ContactEntity, configured?: '3.0' | '4.0'): '3.0' | '4.0' {
  if (configured) return configured;
  const own = contact.raw?.format === 'vcard' ? contact.raw.version : undefined;
  return own === '3.0' || own === '4.0' ? own : DEFAULT_NEW_VCARD_VERSION;
}

/** The file content for `item`; throws `Invalid` when the codec refuses it. */
export function serializeItem(item: Entity, vcardVersion?: '3.0' | '4.0'): string {
  try {
    return item.type === 'contact' ? serializeVCard(item, vcardVersionFor(item, vcardVersion)) : serializeICalendar(item);
  } catch (e) {
    throw new Invalid(`cannot serialize ${item.type} ${item.uid}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}
