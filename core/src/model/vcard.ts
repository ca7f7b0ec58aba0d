/**
 * vCard codec. Parses 2.1, 3.0 and 4.0 with our own content-line parser (one code path for all versions;
 * ical.js is not used for vCard because it rejects 2.1 and drops unknown spellings). Serializing to the raw's own
 * version patches the raw card: only lines of changed fields are rewritten, groups, labels and unknown lines stay
 * byte for byte. Another version (or no raw) writes a fresh card in that version, carrying the raw's X- properties.
 *
 * Decisions:
 * - A card without UID gets a derived deterministic uid `dovetail-derived-<hex>` (sha256 of FN, N, ORG and BDAY as
 *   read; a repeat in one text gets `-2`, `-3`, …); serializing writes it as UID.
 * - A card without VERSION is read as 2.1 when it uses 2.1 syntax (bare parameters, quoted-printable), else 3.0.
 */
import { createHash } from 'node:crypto';
import type { Address, ContactEntity, TypedValue } from '../sdk/entities.js';
import { canonicalJson } from './canonical-json.js';
import {
  addressLine, birthdayValue, escapeFor, makeLine, memberValue, photoLine, structuredLine, textLine, timestampValue,
  typedLine, type VCardVersion,
} from './vcard-encode.js';
import { encodingOf, paramValues, splitCards, renderLine, type ContentLine } from './vcard-lines.js';
import { decodedValue, MODELLED_VCARD_X, readAddress, readContact, unescapeFor } from './vcard-read.js';
import { TextMemo } from './text-memo.js';
import type { ItemError, Parsed } from './types.js';

/** PRODID written into fresh 3.0/4.0 cards. */
export const VCARD_PRODID = '-//Dovetail//Dovetail//EN';

/** VERSION values read as the version they name (`4` is 4.0: clients write it so). */
const VERSION_SPELLINGS: Readonly<Record<string, string>> = { '2.1': '2.1', '3.0': '3.0', '3': '3.0', '4.0': '4.0', '4': '4.0' };

function versionOf(lines: ContentLine[]): string {
  const v = lines.find((l) => l.name === 'VERSION')?.value.trim();
  if (v && VERSION_SPELLINGS[v]) return VERSION_SPELLINGS[v];
  if (v) throw new Error(`unsupported vCard VERSION "${v}" (2.1, 3.0 and 4.0 are read)`);
  if (lines.some((l) => l.params.some((p) => p.bare) || /QUOTED-PRINTABLE/i.test(l.params.map((p) => p.values.join()).join()))) return '2.1';
  return '3.0';
}

function derivedUid(lines: ContentLine[], taken: Set<string>): string {
  const pick = (name: string) => lines.find((l) => l.name === name)?.value ?? '';
  const base = `dovetail-derived-${createHash('sha256').update(['FN', 'N', 'ORG', 'BDAY'].map(pick).join('\n')).digest('hex').slice(0, 32)}`;
  let uid = base;
  for (let n = 2; taken.has(uid); n++) uid = `${base}-${n}`;
  taken.add(uid);
  return uid;
}

function cardText(lines: ContentLine[], version: string): string {
  return ['BEGIN:VCARD', ...lines.map((l) => renderLine(l, version)), 'END:VCARD'].join('\r\n') + '\r\n';
}

/**
 * A line whose CHARSET names another charset but whose value is not quoted-printable was read from bytes in that
 * charset, so its text is Unicode now: written as UTF-8, it must say so (2.1) or say nothing (3.0/4.0 have no
 * CHARSET; the transport's charset is UTF-8). Quoted-printable values still are bytes in their CHARSET: kept.
 */
function relabelDecoded(line: ContentLine, version: string): void {
  const charset = paramValues(line, 'CHARSET', true)[0];
  if (!charset || charset === 'UTF-8' || encodingOf(line) === 'qp') return;
  line.params = line.params.filter((p) => p.name !== 'CHARSET');
  if (version === '2.1') line.params.push({ name: 'CHARSET', values: ['UTF-8'] });
  delete line.source;
}

/** Parses vCard 2.1, 3.0 and 4.0 text (one or many cards). */
export function parseVCard(text: string): Parsed<ContactEntity> {
  const items: ContactEntity[] = [];
  const errors: ItemError[] = [];
  const taken = new Set<string>();
  let cards: ReturnType<typeof splitCards>;
  try {
    cards = splitCards(String(text ?? ''));
  } catch (err) {
    return { items, errors: [{ index: 0, message: `unreadable vCard text: ${(err as Error).message}` }] };
  }
  for (const card of cards) {
    try {
      if (card.problem) throw new Error(card.problem);
      const props = card.lines.filter((l) => l.name !== '' && l.name !== 'VERSION');
      if (!props.length) throw new Error('card without properties');
      const version = versionOf(card.lines);
      // A VERSION spelled otherwise (`4`) is written back as the version it was read as (`4.0`).
      const at = card.lines.findIndex((l) => l.name === 'VERSION');
      if (at >= 0 && card.lines[at].value !== version) card.lines[at] = { name: 'VERSION', params: [], value: version };
      for (const line of card.lines) relabelDecoded(line, version);
      const contact = readContact(card.lines, version, derivedUid(card.lines, taken));
      contact.raw = { format: 'vcard', text: cardText(card.lines, version), version };
      items.push(contact);
    } catch (err) {
      const uid = card.lines.find((l) => l.name === 'UID')?.value.trim();
      errors.push({ index: card.index, ...(uid ? { uid } : {}), message: `unreadable vCard: ${(err as Error).message}` });
    }
  }
  return { items, errors };
}

type ListField = 'emails' | 'phones' | 'urls' | 'addresses';

/** How one scalar field is written: the properties it owns and the lines that express it. */
interface ScalarSpec {
  owns: string[];
  build: (c: ContactEntity, v: string, template?: ContentLine) => ContentLine[];
}

const one = (line: ContentLine | undefined) => (line ? [line] : []);
const textSpec = (name: string, field: keyof ContactEntity): ScalarSpec => ({
  owns: [name],
  build: (c, v, t) => (typeof c[field] === 'string' && c[field] ? [textLine(v, name, c[field] as string, t)] : []),
});

const SCALARS: Record<string, ScalarSpec> = {
  uid: { owns: ['UID'], build: (c, v, t) => [makeLine(v, 'UID', c.uid, t)] },
  kind: {
    owns: ['KIND', 'X-ADDRESSBOOKSERVER-KIND'],
    build: (c, v, t) => (c.kind ? [makeLine(v, v === '4.0' ? 'KIND' : 'X-ADDRESSBOOKSERVER-KIND', c.kind, t)] : []),
  },
  name: {
    owns: ['N'],
    build: (c, v, t) => (c.name || v !== '4.0'
      ? [structuredLine(v, 'N', [c.name?.family, c.name?.given, c.name?.additional, c.name?.prefix, c.name?.suffix], t)] : []),
  },
  formattedName: {
    owns: ['FN'],
    build: (c, v, t) => {
      const fn = c.formattedName ?? (v === '2.1' ? undefined : fallbackName(c));
      return fn !== undefined ? [textLine(v, 'FN', fn, t)] : [];
    },
  },
  nickname: textSpec('NICKNAME', 'nickname'),
  org: {
    owns: ['ORG'],
    build: (c, v, t) => (c.org ? [structuredLine(v, 'ORG', [c.org.name, ...(c.org.units ?? [])], t)] : []),
  },
  title: textSpec('TITLE', 'title'),
  role: textSpec('ROLE', 'role'),
  birthday: { owns: ['BDAY'], build: (c, v, t) => (c.birthday ? [makeLine(v, 'BDAY', birthdayValue(v, c.birthday), t, ['VALUE'])] : []) },
  note: textSpec('NOTE', 'note'),
  photo: { owns: ['PHOTO'], build: (c, v, t) => (c.photo ? one(photoLine(v, c.photo, t)) : []) },
  categories: {
    owns: ['CATEGORIES'],
    build: (c, v, t) => (c.categories?.length ? [makeLine(v, 'CATEGORIES', c.categories.map((s) => escapeFor(v, s)).join(','), t)] : []),
  },
  members: {
    owns: ['MEMBER', 'X-ADDRESSBOOKSERVER-MEMBER'],
    build: (c, v) => (c.members ?? []).map((m) => makeLine(v, v === '4.0' ? 'MEMBER' : 'X-ADDRESSBOOKSERVER-MEMBER', memberValue(m))),
  },
  lastModified: { owns: ['REV'], build: (c, v, t) => (c.lastModified ? [makeLine(v, 'REV', timestampValue(v, c.lastModified), t, ['VALUE'])] : []) },
};

const LISTS: Record<ListField, string> = { emails: 'EMAIL', phones: 'TEL', addresses: 'ADR', urls: 'URL' };

/** FN for a card that has none (required in 3.0/4.0): name, org, e-mail or phone. */
function fallbackName(c: ContactEntity): string {
  const n = c.name;
  const fromName = n ? [n.prefix, n.given, n.additional, n.family, n.suffix].filter(Boolean).join(' ') : '';
  return fromName || c.org?.name || c.emails?.[0]?.value || c.phones?.[0]?.value || '';
}

/** Reads the list item a line expresses (for comparison with the wanted item). */
function readItem(field: ListField, line: ContentLine, lines: ContentLine[], version: string): TypedValue | Address | undefined {
  const probe = readContact([...lines.filter((l) => l.name === 'X-ABLABEL'), line], version, 'probe');
  if (field === 'addresses') return probe.addresses?.[0] ?? readAddress(line, lines, version);
  return probe[field]?.[0];
}

function buildItem(field: ListField, version: string, item: TypedValue | Address, template?: ContentLine): ContentLine {
  if (field === 'addresses') return addressLine(version, item as Address, template);
  return typedLine(version, LISTS[field], item as TypedValue, template);
}

/** A group name `itemN` not used by any line. */
function freeGroup(lines: ContentLine[]): string {
  const used = new Set(lines.map((l) => l.group?.toLowerCase()).filter(Boolean));
  let n = 1;
  while (used.has(`item${n}`)) n++;
  return `item${n}`;
}

/** Makes the X-ABLabel of `line`'s group say `label` (creating a group when needed). */
function setLabel(lines: ContentLine[], line: ContentLine, label: string | undefined, version: string): void {
  const group = line.group?.toLowerCase();
  const existing = group ? lines.findIndex((l) => l.name === 'X-ABLABEL' && l.group?.toLowerCase() === group) : -1;
  if (!label) {
    if (existing >= 0) lines.splice(existing, 1);
    return;
  }
  if (!line.group) line.group = freeGroup(lines);
  const labelLine = textLine(version, 'X-ABLABEL', label, existing >= 0 ? lines[existing] : undefined);
  labelLine.group = line.group;
  if (existing >= 0) lines[existing] = labelLine;
  else lines.splice(lines.indexOf(line) + 1, 0, labelLine);
}

/** Rewrites the lines of one list field index by index: equal items keep their line untouched. */
function writeList(lines: ContentLine[], field: ListField, wanted: (TypedValue | Address)[], version: string): void {
  const name = LISTS[field];
  const owned = lines.filter((l) => l.name === name);
  // New items go after the last line of this kind (and its label), or at the end.
  const insertAt = () => {
    let i = lines.map((l) => l.name).lastIndexOf(name);
    if (i < 0) return lines.length;
    const next = lines[i + 1];
    if (next?.name === 'X-ABLABEL' && next.group && next.group.toLowerCase() === lines[i].group?.toLowerCase()) i++;
    return i + 1;
  };
  wanted.forEach((item, i) => {
    const template = owned[i];
    if (template && canonicalJson(readItem(field, template, lines, version)) === canonicalJson(item)) return;
    const line = buildItem(field, version, item, template);
    if (template) lines[lines.indexOf(template)] = line;
    else lines.splice(insertAt(), 0, line);
    setLabel(lines, line, item.label, version);
  });
  for (const extra of owned.slice(wanted.length)) {
    if (extra.group) setLabel(lines, extra, undefined, version);
    lines.splice(lines.indexOf(extra), 1);
  }
}

/** Replaces all lines a scalar field owns with its new lines, at the position of the first owned line. */
function writeScalar(lines: ContentLine[], spec: ScalarSpec, c: ContactEntity, version: string): void {
  const ownedIdx = lines.map((l, i) => (spec.owns.includes(l.name) ? i : -1)).filter((i) => i >= 0);
  const template = ownedIdx.length ? lines[ownedIdx[0]] : undefined;
  const fresh = spec.build(c, version, template);
  const at = ownedIdx.length ? ownedIdx[0] : lines.length;
  for (const i of [...ownedIdx].reverse()) lines.splice(i, 1);
  lines.splice(Math.min(at, lines.length), 0, ...fresh);
}

function writeX(lines: ContentLine[], x: Record<string, string> | undefined, old: Record<string, string> | undefined, version: string): void {
  for (const name of Object.keys(old ?? {})) {
    if (x && name in x) continue;
    for (let i = lines.length - 1; i >= 0; i--) if (lines[i].name === name && !lines[i].group) lines.splice(i, 1);
  }
  for (const [name, value] of Object.entries(x ?? {})) {
    const upper = name.toUpperCase();
    if (MODELLED_VCARD_X.has(upper) || old?.[upper] === value) continue;
    const idx = lines.findIndex((l) => l.name === upper && !l.group);
    const line = textLine(version, upper, value, idx >= 0 ? lines[idx] : undefined);
    if (idx >= 0) lines[idx] = line;
    else lines.push(line);
  }
}

/** Applies every field of `c` that differs from `old` to `lines` (a card in `version`). */
function patchLines(lines: ContentLine[], c: ContactEntity, old: ContactEntity, version: string): void {
  for (const [field, spec] of Object.entries(SCALARS)) {
    const key = field as keyof ContactEntity;
    if (canonicalJson(c[key]) !== canonicalJson(old[key])) writeScalar(lines, spec, c, version);
  }
  for (const field of Object.keys(LISTS) as ListField[]) {
    if (canonicalJson(c[field]) !== canonicalJson(old[field])) writeList(lines, field, c[field] ?? [], version);
  }
  if (canonicalJson(c.x) !== canonicalJson(old.x)) writeX(lines, c.x, old.x, version);
}

/** The raw card's X- lines (not modelled), re-encoded for `version`, groups kept. */
/** Standard properties the model does not hold, carried as they are when a card changes version. */
const CARRIED_PLAIN = new Set(['LABEL', 'GEO', 'TZ', 'KEY', 'SOUND', 'MAILER', 'SORT-STRING', 'CLASS']);
/** Single-valued properties the model holds once; further occurrences are carried as they are. */
const SINGLE_MODELLED = new Set(['ORG', 'NOTE', 'TITLE', 'ROLE']);

const LIST_NAMES = new Set(Object.values(LISTS));

/** True when a list line's value holds nothing but separators and blanks. */
function isEmptyValue(line: ContentLine, version: string): boolean {
  return unescapeFor(version, decodedValue(line)).replace(/[;\s]/g, '') === '';
}

function carriedXLines(raw: ContentLine[], rawVersion: string, version: string, x: Record<string, string> | undefined): ContentLine[] {
  const out: ContentLine[] = [];
  const seen = new Map<string, number>();
  for (const line of raw) {
    const n = (seen.get(line.name) ?? 0) + 1;
    seen.set(line.name, n);
    const plain = CARRIED_PLAIN.has(line.name) && !(version === '4.0' && line.name === 'LABEL');
    const surplus = n > 1 && SINGLE_MODELLED.has(line.name); // a 2nd ORG/NOTE/…: the model holds only the first
    // An empty ADR (`ADR;HOME:;;;;;;`), TEL, EMAIL or URL holds no list item, but the card had it: carried.
    const empty = LIST_NAMES.has(line.name) && isEmptyValue(line, rawVersion);
    if (!plain && !surplus && !empty) {
      if (!line.name.startsWith('X-') || MODELLED_VCARD_X.has(line.name)) continue;
      if (!line.group && !(x && line.name in x)) continue; // removed from x by the caller
    }
    const structured = line.name === 'ORG' || line.name === 'ADR';
    const value = unescapeFor(rawVersion, decodedValue(line));
    const fresh = makeLine(version, line.name, structured ? value : escapeFor(version, value), line);
    if (version === '2.1') fresh.params = fresh.params.map((p) => ({ ...p }));
    else fresh.params = fresh.params.filter((p) => p.name !== 'ENCODING' && p.name !== 'CHARSET').map((p) => ({ name: p.name, values: p.values }));
    out.push(fresh);
  }
  return out;
}

/** A fresh card in `version`; `raw` (another version) supplies X- properties and group names to carry over. */
function buildCard(c: ContactEntity, version: VCardVersion, raw?: { lines: ContentLine[]; version: string }): ContentLine[] {
  const lines: ContentLine[] = [{ name: 'VERSION', params: [], value: version }];
  if (version !== '2.1') lines.push({ name: 'PRODID', params: [], value: VCARD_PRODID });
  const carried = raw ? carriedXLines(raw.lines, raw.version, version, c.x) : [];
  const empty: ContactEntity = { type: 'contact', uid: '' };
  // Groups carried X- lines use (e.g. item1.X-ABADR) stay reserved so our new label groups do not collide.
  const reserved: ContentLine[] = carried.filter((l) => l.group);
  const body: ContentLine[] = [...reserved];
  patchLines(body, { ...c, x: undefined }, empty, version);
  // FN is required in 3.0 and 4.0, N in 3.0: written even when the contact has neither (patchLines skips absent fields).
  if (version !== '2.1' && !body.some((l) => l.name === 'FN')) writeScalar(body, SCALARS.formattedName, c, version);
  if (version === '3.0' && !body.some((l) => l.name === 'N')) writeScalar(body, SCALARS.name, c, version);
  lines.push(...body.filter((l) => !reserved.includes(l)));
  const xNames = new Set(carried.filter((l) => !l.group).map((l) => l.name));
  for (const line of carried) {
    if (!line.group && c.x?.[line.name] !== undefined) {
      lines.push(textLine(version, line.name, c.x[line.name], line));
    } else if (line.group || !line.name.startsWith('X-')) lines.push(line);
  }
  for (const [name, value] of Object.entries(c.x ?? {})) {
    const upper = name.toUpperCase();
    if (!xNames.has(upper) && !MODELLED_VCARD_X.has(upper)) lines.push(textLine(version, upper, value));
  }
  return lines;
}

/** Serializes a contact in `version` (default: the raw's version, else 4.0); patches `raw` when the version matches. */
export function serializeVCard(entity: ContactEntity, version?: '2.1' | '3.0' | '4.0'): string {
  const own = entity.raw?.format === 'vcard' ? entity.raw.version : undefined;
  const target = version ?? (own === '2.1' || own === '3.0' || own === '4.0' ? own : '4.0');
  const memo = written.get(entity);
  const known = memo?.get(target);
  if (known !== undefined) return known;
  const text = serializeCard(entity, target);
  if (memo) memo.set(target, text);
  else written.set(entity, new Map([[target, text]]));
  return text;
}

/**
 * Texts already written per entity object and vCard version. The engine serialises an item once to hash
 * what it will write and the connector again to write it; entities are not changed once composed, so the
 * second call is a lookup.
 */
const written = new WeakMap<ContactEntity, Map<string, string>>();

/** Recent parses, shared between patching a card's text and hashing what the patch wrote (often that same text). */
const sharedParses = new TextMemo<Parsed<ContactEntity>>(64);

/**
 * `parseVCard` for callers that only read the result: a text parsed a moment ago is not parsed again, and the
 * items handed out may be handed to the next such caller too, so they must not be changed.
 */
export function parseVCardShared(text: string): Readonly<Parsed<ContactEntity>> {
  return sharedParses.get(text, parseVCard);
}

function serializeCard(entity: ContactEntity, target: VCardVersion): string {
  const raw = entity.raw?.format === 'vcard' ? parseVCardShared(entity.raw.text).items[0] : undefined;
  const rawVersion = raw?.raw?.version;
  const rawCard = raw?.raw ? splitCards(raw.raw.text)[0] : undefined;
  if (raw && rawCard && rawVersion === target) {
    const lines = rawCard.lines;
    patchLines(lines, entity, raw, target);
    if (!lines.some((l) => l.name === 'UID')) lines.push(makeLine(target, 'UID', entity.uid));
    return cardText(lines, target);
  }
  return cardText(buildCard(entity, target, rawCard && rawVersion ? { lines: rawCard.lines, version: rawVersion } : undefined), target);
}
