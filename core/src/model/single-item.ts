/**
 * One stored resource (a vdir file, a CalDAV/CardDAV member) ⇄ one canonical entity. A resource must hold
 * exactly one item (one UID) of the wanted type; anything else is `Invalid` with the resource named. A
 * resource without any UID gets the caller's stable fallback UID (derived from its name), so it is the same
 * on every run and never duplicated.
 */
import { Invalid } from '../sdk/errors.js';
import type { ContactEntity, Entity, EntityType } from '../sdk/entities.js';
import { parseICalendar, serializeICalendar } from './icalendar.js';
import { parseVCard, serializeVCard } from './vcard.js';
import type { ItemError, Parsed } from './types.js';

const HAS_UID_LINE = /^UID[;:]/im;
const ITEM_LINE = /^(BEGIN|END):(VEVENT|VTODO|VCARD)[ \t]*\r?$/i;
const RECURRENCE_ID_LINE = /^RECURRENCE-ID[;:]/i;
const BEGIN_END_LINE = /^(BEGIN|END):([^\s;:]*)[ \t]*$/i;
const COMPONENT: Readonly<Record<EntityType, string>> = { event: 'VEVENT', task: 'VTODO', contact: 'VCARD' };

/**
 * `text` with a `UID:` line added to each item component when the text has no UID at all. The first item gets
 * `uid`, each further one `uid-2`, `uid-3`, … (by position, so stable while the text is): items that share no UID
 * stay distinct items. A RECURRENCE-ID component joins the item before it (an override of that series).
 */
export function withFallbackUid(text: string, uid: string): string {
  if (HAS_UID_LINE.test(text)) return text;
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r?\n/);
  let items = 0;
  let depth = 0;
  let isOverride = false;
  const out: string[] = [];
  for (const line of lines) {
    const m = ITEM_LINE.exec(line);
    if (m && m[1].toUpperCase() === 'BEGIN') {
      if (depth === 0) isOverride = false;
      depth++;
    } else if (m && depth > 0) {
      depth--;
      if (depth === 0) {
        if (!isOverride || items === 0) items++;
        out.push(`UID:${items === 1 ? uid : `${uid}-${items}`}`);
      }
    } else if (depth === 1 && RECURRENCE_ID_LINE.test(line)) isOverride = true;
    out.push(line);
  }
  return out.join(eol);
}

/**
 * Why `text`'s BEGIN/END lines do not nest and balance (a resource cut off mid-write, a stray END), or
 * undefined when they do. Checked before parsing, so a truncated item is never synced as if it were complete.
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

/** Where a resource came from and what it must hold. */
export interface SingleItemSource {
  /** Named in errors (file name, href). */
  name: string;
  entity: EntityType;
  /** UID for a resource that has none; must be stable for the resource. */
  fallbackUid: string;
}

/** Parses a resource into the one `entity` item it holds; throws `Invalid` otherwise. */
export function parseSingleItem(text: string, source: SingleItemSource): Entity {
  const { name, entity } = source;
  const problem = structureProblem(text);
  if (problem !== undefined) throw new Invalid(`${name}: ${problem}`);
  let parsed: Parsed<Entity>;
  try {
    const withUid = withFallbackUid(text, source.fallbackUid);
    parsed = entity === 'contact' ? parseVCard(withUid) : parseICalendar(withUid);
  } catch (e) {
    throw new Invalid(`${name}: cannot parse: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  if (parsed.errors.length > 0) throw new Invalid(`${name}: ${describeErrors(parsed.errors)}`);
  if (parsed.items.length > 1) {
    const uids = [...new Set(parsed.items.map((i) => i.uid))].join(', ');
    throw new Invalid(`${name} holds ${parsed.items.length} items; a resource must hold exactly one (UIDs: ${uids})`);
  }
  const item = parsed.items[0];
  if (item === undefined) throw new Invalid(`${name} holds no ${COMPONENT[entity]}`);
  if (item.type !== entity) throw new Invalid(`${name} holds a ${item.type}, not a ${entity}`);
  if (!item.uid) item.uid = source.fallbackUid;
  return item;
}

/** The vCard version to write a contact in: the configured one, else the card's own 3.0/4.0, else 3.0. */
export function vcardVersionFor(contact: ContactEntity, configured?: '3.0' | '4.0'): '3.0' | '4.0' {
  if (configured) return configured;
  const own = contact.raw?.format === 'vcard' ? contact.raw.version : undefined;
  return own === '3.0' || own === '4.0' ? own : '3.0';
}

/** The text of one resource for `item`; throws `Invalid` when the codec refuses it. */
export function serializeSingleItem(item: Entity, vcardVersion?: '3.0' | '4.0'): string {
  try {
    return item.type === 'contact' ? serializeVCard(item, vcardVersionFor(item, vcardVersion)) : serializeICalendar(item);
  } catch (e) {
    throw new Invalid(`cannot serialize ${item.type} ${item.uid}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}
