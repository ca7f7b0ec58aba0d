/**
 * The canonical field catalogue (the names mapping tables and filters speak) and immutable get/set by path.
 *
 * Path syntax
 * -----------
 * - A top-level field: `summary`, `start`, `categories`, `emails`, …
 * - A part of an object field: `name.given`, `name.family`, `org.name`, `org.units`, `organizer.email`.
 * - A vendor property: `x.X-FOO` (name case-insensitive, stored upper-case; value is text).
 * - A contact list element (`emails`, `phones`, `urls`, `addresses`) chosen by a selector in brackets:
 *     `emails[0]`, `emails[1]`          0-based position in the list as stored;
 *     `phones[work]`, `phones[cell]`    the first element whose types include every listed type;
 *     `phones[work+fax]`                several types joined with `+` (all must be present);
 *     `phones[voice:1]`                 `:N` picks the N-th (0-based) element among those matching the types;
 *     `emails[pref]`                    `pref` matches an element marked preferred (`pref: true` or type `pref`).
 *   Phones have one *kind* (voice, cell, fax, pager, video, textphone, modem, car, isdn, bbs, pcs); a phone that
 *   names no kind is a voice phone. A phone selector that names no kind selects voice phones only, so
 *   `phones[work]` is the work voice number — never the work fax (`phones[work+fax]` or `phones[fax]`) nor a
 *   work mobile (`phones[work+cell]`).
 *   `emails[…]`, `phones[…]`, `urls[…]` read and write the element's `value` (text); `addresses[…]` is the whole
 *   address object and `addresses[…].street` one part of it (parts: poBox, extended, street, locality, region,
 *   postalCode, country, label; aliases `city` = locality, `postcode`/`zip` = postalCode, `state` = region).
 *
 * Writing through a selector (`setField`): an existing matching element is updated in place (its types, label
 * and other parts are kept); when none matches a new element is appended carrying the selector's types (plus
 * `voice` for a phone selector without kind, `pref: true` for `pref`); an empty value (undefined, null, blank
 * text) removes the matching element — or, for an address part, that part, and the address once it holds no
 * part at all. Setting any field to an empty value removes it; objects (`name`, `org`, `x`) left empty vanish.
 */
import type { Address, Entity, EntityType, TypedValue } from '../sdk/entities.js';

/** What a field holds: `text` plain text, `html` markup, `number`, `time` a TimeValue, `timestamp` a UTC ISO text,
 * `list` an array, `object` a structured value. */
export type FieldKind = 'text' | 'html' | 'number' | 'time' | 'timestamp' | 'list' | 'object';

/** One entry of the catalogue. */
export interface FieldInfo {
  path: string;
  kind: FieldKind;
  description: string;
}

type Catalogue = Record<string, { kind: FieldKind; description: string }>;

const common: Catalogue = {
  uid: { kind: 'text', description: 'Stable cross-system identity (UID); always carried, never mapped.' },
  categories: { kind: 'list', description: 'Categories / tags.' },
  lastModified: { kind: 'timestamp', description: 'Last modification (UTC).' },
  x: { kind: 'object', description: 'All vendor properties (X-…) by upper-case name.' },
  extra: {
    kind: 'object',
    description: 'What the model does not know, carried in the source text (COMMENT, ATTACH, CONTACT, vCard groups, …); only its direction can be set: "none" writes the target from mapped fields alone.',
  },
};

const icalCommon: Catalogue = {
  summary: { kind: 'text', description: 'Title / subject.' },
  description: { kind: 'text', description: 'Plain-text body.' },
  descriptionHtml: { kind: 'html', description: 'HTML body.' },
  start: { kind: 'time', description: 'Start (DTSTART).' },
  priority: { kind: 'number', description: 'iCalendar priority: 0 none, 1 highest … 9 lowest.' },
  reminders: { kind: 'list', description: 'Alarms.' },
  recurrence: { kind: 'object', description: 'RRULE / RDATE / EXDATE.' },
  created: { kind: 'timestamp', description: 'Creation time (UTC).' },
};

const catalogues: Record<EntityType, Catalogue> = {
  event: {
    ...common,
    ...icalCommon,
    location: { kind: 'text', description: 'Location.' },
    end: { kind: 'time', description: 'End (DTEND).' },
    duration: { kind: 'text', description: 'ISO-8601 duration when no end is given.' },
    overrides: { kind: 'list', description: 'Changed occurrences of a recurring event.' },
    status: { kind: 'text', description: 'tentative | confirmed | cancelled.' },
    showAs: { kind: 'text', description: 'free | tentative | busy | oof.' },
    sensitivity: { kind: 'text', description: 'public | private | confidential.' },
    color: { kind: 'text', description: 'Colour (CSS name or #rrggbb).' },
    organizer: { kind: 'object', description: 'Organizer { email, name }.' },
    'organizer.email': { kind: 'text', description: 'Organizer e-mail address.' },
    'organizer.name': { kind: 'text', description: 'Organizer display name.' },
    attendees: { kind: 'list', description: 'Attendees with participation status.' },
    url: { kind: 'text', description: 'URL.' },
    sequence: { kind: 'number', description: 'SEQUENCE.' },
  },
  task: {
    ...common,
    ...icalCommon,
    due: { kind: 'time', description: 'Due (DUE).' },
    completed: { kind: 'timestamp', description: 'Completion time (UTC).' },
    status: { kind: 'text', description: 'needs-action | in-process | completed | cancelled.' },
    percent: { kind: 'number', description: 'Percent complete, 0–100.' },
    parent: { kind: 'text', description: 'UID of the parent task.' },
  },
  contact: {
    ...common,
    kind: { kind: 'text', description: 'individual | group | org | location.' },
    name: { kind: 'object', description: 'Structured name.' },
    'name.family': { kind: 'text', description: 'Family name (last name).' },
    'name.given': { kind: 'text', description: 'Given name (first name).' },
    'name.additional': { kind: 'text', description: 'Additional / middle names.' },
    'name.prefix': { kind: 'text', description: 'Honorific prefix.' },
    'name.suffix': { kind: 'text', description: 'Honorific suffix.' },
    formattedName: { kind: 'text', description: 'Formatted name (FN).' },
    nickname: { kind: 'text', description: 'Nickname.' },
    org: { kind: 'object', description: 'Organization { name, units }.' },
    'org.name': { kind: 'text', description: 'Company / organization name.' },
    'org.units': { kind: 'list', description: 'Organizational units.' },
    title: { kind: 'text', description: 'Job title / function.' },
    role: { kind: 'text', description: 'Role.' },
    emails: { kind: 'list', description: 'E-mail addresses; select one with emails[…].' },
    phones: { kind: 'list', description: 'Phone numbers; select one with phones[…].' },
    addresses: { kind: 'list', description: 'Postal addresses; select one with addresses[…], a part with addresses[…].street.' },
    urls: { kind: 'list', description: 'Web sites; select one with urls[…].' },
    birthday: { kind: 'text', description: 'Birthday, YYYY-MM-DD or --MM-DD.' },
    note: { kind: 'text', description: 'Note.' },
    photo: { kind: 'object', description: 'Photo { uri | data, mediaType }.' },
    members: { kind: 'list', description: 'Member UIDs of a group.' },
  },
};

/** Canonical fields of an entity type (static names; `x.X-…` and contact selectors come on top, see module doc). */
export function knownFields(entityType: EntityType): FieldInfo[] {
  return Object.entries(catalogues[entityType]).map(([path, f]) => ({ path, kind: f.kind, description: f.description }));
}

/** Top-level field names of an entity type (what an identity mapping carries), without `uid`. */
export function topLevelFields(entityType: EntityType): string[] {
  return Object.keys(catalogues[entityType]).filter((p) => !p.includes('.') && p !== 'uid');
}

const LIST_SELECTABLE = new Set(['emails', 'phones', 'urls', 'addresses']);
const PHONE_KINDS = new Set(['voice', 'cell', 'fax', 'pager', 'video', 'textphone', 'modem', 'car', 'isdn', 'bbs', 'pcs']);
const ADDRESS_PARTS = new Set(['poBox', 'extended', 'street', 'locality', 'region', 'postalCode', 'country', 'label']);
const ADDRESS_ALIASES: Record<string, string> = {
  city: 'locality', town: 'locality', postcode: 'postalCode', zip: 'postalCode', postalcode: 'postalCode',
  state: 'region', province: 'region', pobox: 'poBox',
};

/** A selector inside brackets: by position, or by types with an ordinal among the matches. */
export type Selector = { index: number } | { types: string[]; ordinal: number; pref: boolean };

/** A parsed, normalized field path. */
export type FieldPath =
  | { form: 'plain'; path: string; steps: string[]; kind: FieldKind }
  | { form: 'x'; path: string; name: string; kind: 'text' }
  | { form: 'element'; path: string; list: string; selector: Selector; part?: string; kind: FieldKind };

/** Parses and normalizes a path for an entity type; an error message says what is wrong. */
export function parseFieldPath(entityType: EntityType, raw: string): FieldPath | { error: string } {
  if (typeof raw !== 'string' || raw.trim() === '') return { error: 'field name must be a non-empty string' };
  const text = raw.trim();
  const cat = catalogues[entityType];
  if (/^x\./i.test(text)) {
    const name = text.slice(2).toUpperCase();
    if (!/^X-[A-Z0-9-]+$/.test(name)) return { error: `vendor property "${text}" must look like x.X-NAME (letters, digits, '-')` };
    return { form: 'x', path: `x.${name}`, name, kind: 'text' };
  }
  const bracket = text.indexOf('[');
  if (bracket >= 0) return parseElementPath(entityType, text, bracket);
  const entry = cat[text];
  if (!entry) return { error: unknownFieldMessage(entityType, text) };
  return { form: 'plain', path: text, steps: text.split('.'), kind: entry.kind };
}

function parseElementPath(entityType: EntityType, text: string, bracket: number): FieldPath | { error: string } {
  const list = text.slice(0, bracket);
  if (entityType !== 'contact' || !LIST_SELECTABLE.has(list)) {
    return { error: `"${text}": selectors […] apply to contact fields emails, phones, urls and addresses only` };
  }
  const close = text.indexOf(']', bracket);
  if (close < 0) return { error: `"${text}": missing "]"` };
  const sel = parseSelector(list, text.slice(bracket + 1, close));
  if ('error' in sel) return { error: `"${text}": ${sel.error}` };
  const rest = text.slice(close + 1);
  const selText = formatSelector(sel);
  if (rest === '') {
    return { form: 'element', path: `${list}[${selText}]`, list, selector: sel, kind: list === 'addresses' ? 'object' : 'text' };
  }
  if (list !== 'addresses' || !rest.startsWith('.')) {
    return { error: `"${text}": only an address element has parts (addresses[…].street); got "${rest}"` };
  }
  const partRaw = rest.slice(1);
  const part = ADDRESS_PARTS.has(partRaw) ? partRaw : ADDRESS_ALIASES[partRaw.toLowerCase()];
  if (!part) return { error: `"${text}": unknown address part "${partRaw}" (use ${[...ADDRESS_PARTS].join(', ')})` };
  return { form: 'element', path: `${list}[${selText}].${part}`, list, selector: sel, part, kind: 'text' };
}

function parseSelector(list: string, body: string): Selector | { error: string } {
  const s = body.trim().toLowerCase();
  if (/^\d+$/.test(s)) return { index: Number(s) };
  const m = /^([a-z0-9-]+(?:\+[a-z0-9-]+)*)(?::(\d+))?$/.exec(s);
  if (!m) return { error: `selector "[${body}]" must be a position ([0]), types ([work], [work+fax]) or types with an ordinal ([voice:1])` };
  const names = m[1].split('+');
  const pref = names.includes('pref');
  const types = [...new Set(names.filter((t) => t !== 'pref'))].sort();
  if (list === 'phones' && types.filter((t) => PHONE_KINDS.has(t)).length > 1) {
    return { error: `selector "[${body}]" names more than one phone kind (${types.filter((t) => PHONE_KINDS.has(t)).join(', ')})` };
  }
  return { types, ordinal: m[2] ? Number(m[2]) : 0, pref };
}

function formatSelector(sel: Selector): string {
  if ('index' in sel) return String(sel.index);
  const names = [...sel.types, ...(sel.pref ? ['pref'] : [])].join('+');
  return sel.ordinal ? `${names}:${sel.ordinal}` : names;
}

function unknownFieldMessage(entityType: EntityType, name: string): string {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of Object.keys(catalogues[entityType])) {
    const d = editDistance(k.toLowerCase(), lower);
    if (d < bestDistance) { best = k; bestDistance = d; }
  }
  const hint = best ? ` — did you mean "${best}"?` : '';
  return `unknown ${entityType} field "${name}"${hint}`;
}

/** Levenshtein distance (short names only). */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return 99;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/** True when `path` or one of its ancestors (`addresses` for `addresses[work].street`, `name` for `name.given`,
 * `x` for `x.X-FOO`) is in `declared` — how a connector's declared field list covers a path. */
export function pathCoveredBy(path: FieldPath, declared: readonly string[]): boolean {
  const set = new Set(declared);
  if (set.has(path.path)) return true;
  if (path.form === 'x') return set.has('x');
  if (path.form === 'element') {
    if (set.has(path.list)) return true;
    return path.part !== undefined && set.has(path.path.slice(0, path.path.lastIndexOf('.')));
  }
  for (let i = path.steps.length - 1; i > 0; i--) if (set.has(path.steps.slice(0, i).join('.'))) return true;
  return false;
}

/** True for undefined, null, blank text, an empty list and an object without own values. */
export function isEmptyValue(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (typeof v === 'string') return v.trim() === '';
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.values(v as object).every((x) => x === undefined);
  return false;
}

function parseOrThrow(entity: Entity, path: string | FieldPath): FieldPath {
  if (typeof path !== 'string') return path;
  const p = parseFieldPath(entity.type, path);
  if ('error' in p) throw new Error(p.error);
  return p;
}

/** Reads a field; undefined when absent. Throws on a path that is not valid for the entity's type. */
export function getField(entity: Entity, path: string | FieldPath): unknown {
  const p = parseOrThrow(entity, path);
  const rec = entity as unknown as Record<string, unknown>;
  if (p.form === 'x') return entity.x?.[p.name];
  if (p.form === 'plain') {
    let cur: unknown = rec;
    for (const step of p.steps) {
      if (cur === null || typeof cur !== 'object') return undefined;
      cur = (cur as Record<string, unknown>)[step];
    }
    return cur;
  }
  const list = rec[p.list] as (TypedValue | Address)[] | undefined;
  const i = findElement(p.list, list ?? [], p.selector);
  if (i < 0) return undefined;
  const el = list![i];
  if (p.list === 'addresses') return p.part ? (el as Address as Record<string, unknown>)[p.part] : el;
  return (el as TypedValue).value;
}

/** Returns a copy of the entity with the field set (or removed, for an empty value); the input is not changed. */
export function setField<E extends Entity>(entity: E, path: string | FieldPath, value: unknown): E {
  const p = parseOrThrow(entity, path);
  const out = { ...entity } as unknown as Record<string, unknown>;
  const empty = isEmptyValue(value);
  if (p.form === 'x') {
    const x = { ...(entity.x ?? {}) };
    if (empty) delete x[p.name];
    else x[p.name] = typeof value === 'string' ? value : stringify(value);
    if (Object.keys(x).length) out.x = x; else delete out.x;
    return out as unknown as E;
  }
  if (p.form === 'plain') {
    setPlain(out, p.steps, empty ? undefined : coerce(p.kind, value));
    return out as unknown as E;
  }
  out[p.list] = setElement(p, (out[p.list] as (TypedValue | Address)[] | undefined) ?? [], empty ? undefined : value);
  if ((out[p.list] as unknown[]).length === 0) delete out[p.list];
  return out as unknown as E;
}

function stringify(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v && typeof v === 'object' && typeof (v as { value?: unknown }).value === 'string') return (v as { value: string }).value;
  return JSON.stringify(v);
}

/** Light coercion between text and number so `x.X-PRIO` (text) and `priority` (number) can be mapped. */
function coerce(kind: FieldKind, v: unknown): unknown {
  if ((kind === 'text' || kind === 'html') && typeof v === 'number') return String(v);
  if (kind === 'number' && typeof v === 'string') {
    const n = Number(v.trim());
    return Number.isFinite(n) ? n : undefined;
  }
  return v;
}

function setPlain(obj: Record<string, unknown>, steps: string[], value: unknown): void {
  const [head, ...rest] = steps;
  if (rest.length === 0) {
    if (value === undefined) delete obj[head]; else obj[head] = value;
    return;
  }
  const child = obj[head];
  const copy: Record<string, unknown> = child && typeof child === 'object' ? { ...(child as object) } : {};
  setPlain(copy, rest, value);
  if (Object.values(copy).every((v) => v === undefined)) delete obj[head]; else obj[head] = copy;
}

/** An element's lower-case types; a phone naming no kind is a voice phone. */
function effectiveTypes(list: string, el: TypedValue | Address): Set<string> {
  const types = new Set((el.types ?? []).map((t) => t.toLowerCase()));
  if (list === 'phones' && ![...types].some((t) => PHONE_KINDS.has(t))) types.add('voice');
  return types;
}

function matches(list: string, el: TypedValue | Address, sel: { types: string[]; pref: boolean }): boolean {
  const types = effectiveTypes(list, el);
  if (sel.pref && !(el.pref || types.has('pref'))) return false;
  if (!sel.types.every((t) => types.has(t))) return false;
  // A phone selector without kind selects voice phones.
  return list !== 'phones' || sel.types.some((t) => PHONE_KINDS.has(t)) || types.has('voice');
}

function findElement(list: string, items: readonly (TypedValue | Address)[], sel: Selector): number {
  if ('index' in sel) return sel.index < items.length ? sel.index : -1;
  let seen = 0;
  for (let i = 0; i < items.length; i++) {
    if (matches(list, items[i], sel) && seen++ === sel.ordinal) return i;
  }
  return -1;
}

function newElement(p: Extract<FieldPath, { form: 'element' }>): TypedValue | Address {
  const sel = p.selector;
  if ('index' in sel) return p.list === 'addresses' ? {} : { value: '' };
  const types = [...sel.types];
  if (p.list === 'phones' && !types.some((t) => PHONE_KINDS.has(t))) types.push('voice');
  const el: TypedValue | Address = p.list === 'addresses' ? {} : { value: '' };
  if (types.length) el.types = types;
  if (sel.pref) el.pref = true;
  return el;
}

const ADDRESS_VALUE_PARTS = ['poBox', 'extended', 'street', 'locality', 'region', 'postalCode', 'country'] as const;

function setElement(
  p: Extract<FieldPath, { form: 'element' }>, items: (TypedValue | Address)[], value: unknown,
): (TypedValue | Address)[] {
  const out = [...items];
  const i = findElement(p.list, out, p.selector);
  if (value === undefined) {
    if (i < 0) return out;
    if (p.part) {
      const addr = { ...(out[i] as Address) } as Record<string, unknown>;
      delete addr[p.part];
      if (ADDRESS_VALUE_PARTS.every((k) => isEmptyValue(addr[k]))) out.splice(i, 1); else out[i] = addr as Address;
    } else {
      out.splice(i, 1);
    }
    return out;
  }
  const base = i >= 0 ? out[i] : newElement(p);
  let next: TypedValue | Address;
  if (p.list === 'addresses') {
    if (p.part) next = { ...(base as Address), [p.part]: stringify(value) };
    else {
      // A whole address keeps the types that select it (an existing element's, or the selector's when new).
      const types = i >= 0 || !('index' in p.selector) ? (base as Address).types : (value as Address).types;
      next = { ...(value as Address) };
      if (types) next.types = types; else delete next.types;
    }
  } else {
    next = { ...(base as TypedValue), value: stringify(value) };
  }
  if (i >= 0) out[i] = next; else out.push(next);
  return out;
}

/** Every text in a value, flattened (list elements, typed values' `value`, address parts, time values' `value`,
 * object members) — what filters match against. */
export function textsOf(v: unknown, depth = 0): string[] {
  if (v === undefined || v === null || depth > 4) return [];
  if (typeof v === 'string') return [v];
  if (typeof v === 'number' || typeof v === 'boolean') return [String(v)];
  if (Array.isArray(v)) return v.flatMap((x) => textsOf(x, depth + 1));
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.value === 'string') return [o.value];
    return Object.entries(o)
      .filter(([k]) => k !== 'types' && k !== 'pref')
      .flatMap(([, x]) => textsOf(x, depth + 1));
  }
  return [];
}
