/** Reads the canonical ContactEntity fields from parsed vCard content lines (any version). */
import type { Address, ContactEntity, TypedValue } from '../sdk/entities.js';
import { decodeStrict, decodeText, isKnownCharset } from '../sdk/charset.js';
import { Invalid } from '../sdk/errors.js';
import { compactObject } from './compact.js';
import { splitEscaped } from './text-escape.js';
import { encodingOf, paramValues, type ContentLine } from './vcard-lines.js';

/** X- properties the model maps to fields; they are not repeated in `x`. */
export const MODELLED_VCARD_X = new Set(['X-ABLABEL', 'X-ADDRESSBOOKSERVER-KIND', 'X-ADDRESSBOOKSERVER-MEMBER']);

/** Bytes of a quoted-printable text. */
function qpBytes(value: string): Uint8Array {
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    const hex = value.slice(i + 1, i + 3);
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else if (c === '=' && i === value.length - 1) {
      // a dangling soft break
    } else {
      for (const b of Buffer.from(c, 'utf8')) bytes.push(b);
    }
  }
  return Uint8Array.from(bytes);
}

/**
 * QP bytes as text: by the line's CHARSET (UTF-8 when none), else as detected; never with replacement characters.
 * A value cut inside a character (up to three stray bytes at its end, as some phones write at a length limit)
 * loses those bytes, which encode nothing; anything else undecodable fails the card.
 */
function decodeBytes(bytes: Uint8Array, charset: string | undefined, line: ContentLine): string {
  const name = `${line.name} (quoted-printable)`;
  if (!charset || !isKnownCharset(charset)) return decodeText(bytes, { name }).text;
  for (let cut = 0; cut <= 3 && cut < Math.max(bytes.length, 1); cut++) {
    const text = decodeStrict(bytes.subarray(0, bytes.length - cut), charset);
    if (text !== undefined) return text;
  }
  throw new Invalid(`${name}: not ${charset} as its CHARSET says, and not readable without damage`);
}

/** The line's value with transfer encoding undone (quoted-printable decoded; base64 left as text). */
export function decodedValue(line: ContentLine): string {
  if (encodingOf(line) === 'qp') return decodeBytes(qpBytes(line.value), paramValues(line, 'CHARSET')[0], line).replace(/\r\n?/g, '\n');
  return line.value;
}

/** Undoes TEXT escapes: all of `\n \, \; \\` in 3.0/4.0; vCard 2.1 only escapes `;` (and `\`). */
export function unescapeFor(version: string, value: string): string {
  if (version === '2.1') return value.replace(/\\([;\\])/g, '$1');
  return value.replace(/\\([nN,;:\\])/g, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
}

function text(line: ContentLine, version: string): string {
  return unescapeFor(version, decodedValue(line));
}

function components(line: ContentLine, version: string): string[] {
  return splitEscaped(decodedValue(line), ';').map((p) => unescapeFor(version, p));
}

const DROPPED_TYPES = new Set(['pref', 'internet']);

/** Types (lower-case, without `pref`/`internet`) and the pref flag of a line. */
export function typesOf(line: ContentLine): { types?: string[]; pref?: boolean } {
  const all = paramValues(line, 'TYPE').flatMap((v) => v.split(',')).map((v) => v.trim().toLowerCase()).filter(Boolean);
  const types = [...new Set(all.filter((t) => !DROPPED_TYPES.has(t)))];
  const pref = all.includes('pref') || paramValues(line, 'PREF').length > 0;
  return { ...(types.length ? { types } : {}), ...(pref ? { pref: true } : {}) };
}

/** Apple `itemN.X-ABLabel` of the line's group. */
function labelOf(line: ContentLine, lines: ContentLine[], version: string): string | undefined {
  if (!line.group) return undefined;
  const g = line.group.toLowerCase();
  const label = lines.find((l) => l.name === 'X-ABLABEL' && l.group?.toLowerCase() === g);
  const v = label ? text(label, version) : '';
  return v === '' ? undefined : v;
}

function typedValue(line: ContentLine, lines: ContentLine[], version: string, strip?: RegExp): TypedValue | undefined {
  let value = text(line, version).trim();
  if (strip) value = value.replace(strip, '');
  if (value === '') return undefined;
  return compactObject({ value, ...typesOf(line), label: labelOf(line, lines, version) });
}

export function readAddress(line: ContentLine, lines: ContentLine[], version: string): Address | undefined {
  const [poBox, extended, street, locality, region, postalCode, country] = components(line, version).map((s) => s.trim() || undefined);
  const a = compactObject({ poBox, extended, street, locality, region, postalCode, country });
  if (!Object.keys(a).length) return undefined;
  return compactObject({ ...a, ...typesOf(line), label: labelOf(line, lines, version) });
}

/** `YYYY-MM-DD` or `--MM-DD` from the many BDAY spellings; the trimmed text when unrecognised. */
export function normalizeBirthday(value: string): string | undefined {
  const v = value.trim();
  if (v === '') return undefined;
  let m = /^(\d{4})-?(\d{2})-?(\d{2})(?:T.*)?$/.exec(v);
  if (m) return `${m[1]}-${m[2]}-${m[3]}`;
  m = /^--(\d{2})-?(\d{2})$/.exec(v);
  if (m) return `--${m[1]}-${m[2]}`;
  return v;
}

/** UTC ISO-8601 (`YYYY-MM-DDTHH:MM:SSZ`) from REV spellings; undefined when unreadable. */
export function normalizeTimestamp(value: string): string | undefined {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})(?:T(\d{2}):?(\d{2}):?(\d{2})?(?:[.,]\d+)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(value.trim());
  if (!m) return undefined;
  let ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0));
  const zone = m[7];
  if (zone && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
  }
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

const MEDIA_TYPES: Record<string, string> = { JPEG: 'image/jpeg', JPG: 'image/jpeg', PNG: 'image/png', GIF: 'image/gif', BMP: 'image/bmp', TIFF: 'image/tiff', WEBP: 'image/webp' };

export function readPhoto(line: ContentLine): ContactEntity['photo'] {
  const raw = decodedValue(line).trim();
  const type = paramValues(line, 'TYPE')[0] ?? paramValues(line, 'MEDIATYPE')[0];
  const mediaType = type ? (type.includes('/') ? type.toLowerCase() : MEDIA_TYPES[type.toUpperCase()] ?? `image/${type.toLowerCase()}`) : undefined;
  const dataUri = /^data:([^;,]*)(;base64)?,(.*)$/is.exec(raw);
  if (dataUri) {
    const data = dataUri[2] ? dataUri[3].replace(/\s+/g, '') : Buffer.from(decodeURIComponent(dataUri[3]), 'latin1').toString('base64');
    return compactObject({ data, mediaType: dataUri[1] || mediaType });
  }
  if (encodingOf(line) === 'base64') return compactObject({ data: raw.replace(/\s+/g, ''), mediaType });
  if (raw === '') return undefined;
  return compactObject({ uri: raw, mediaType });
}

const KINDS = new Set(['individual', 'group', 'org', 'location']);

function readX(lines: ContentLine[], version: string): Record<string, string> | undefined {
  const x: Record<string, string> = {};
  for (const line of lines) {
    if (!line.name.startsWith('X-') || line.group || MODELLED_VCARD_X.has(line.name) || line.name in x) continue;
    x[line.name] = text(line, version);
  }
  return Object.keys(x).length ? x : undefined;
}

/** Reads a card's lines (VERSION `version`) into a contact; `uid` is used when the card has none. */
export function readContact(lines: ContentLine[], version: string, fallbackUid: string): ContactEntity {
  const first = (name: string) => lines.find((l) => l.name === name);
  const firstText = (name: string) => {
    const line = first(name);
    const v = line ? text(line, version).trim() : '';
    return v === '' ? undefined : v;
  };
  const all = (name: string) => lines.filter((l) => l.name === name);
  const n = first('N');
  const org = first('ORG');
  const nParts = n ? components(n, version).map((s) => s.trim() || undefined) : [];
  const orgParts = org ? components(org, version).map((s) => s.trim()) : [];
  const kind = (firstText('KIND') ?? firstText('X-ADDRESSBOOKSERVER-KIND'))?.toLowerCase();
  const list = <T>(name: string, read: (l: ContentLine) => T | undefined) => {
    const out = all(name).map(read).filter((v): v is T => v !== undefined);
    return out.length ? out : undefined;
  };
  const photo = first('PHOTO');
  const categories = all('CATEGORIES').flatMap((l) => splitEscaped(decodedValue(l), ',').map((c) => unescapeFor(version, c).trim())).filter(Boolean);
  const members = [...all('MEMBER'), ...all('X-ADDRESSBOOKSERVER-MEMBER')]
    .map((l) => text(l, version).trim().replace(/^urn:uuid:/i, '')).filter(Boolean);
  const rev = firstText('REV');
  const contact: ContactEntity = {
    type: 'contact',
    uid: firstText('UID') ?? fallbackUid,
    kind: kind && KINDS.has(kind) ? (kind as ContactEntity['kind']) : undefined,
    name: n ? compactObject({ family: nParts[0], given: nParts[1], additional: nParts[2], prefix: nParts[3], suffix: nParts[4] }) : undefined,
    formattedName: firstText('FN'),
    nickname: firstText('NICKNAME'),
    org: org && orgParts.some(Boolean) ? compactObject({ name: orgParts[0] || undefined, units: orgParts.slice(1).filter(Boolean).length ? orgParts.slice(1) : undefined }) : undefined,
    title: firstText('TITLE'),
    role: firstText('ROLE'),
    emails: list('EMAIL', (l) => typedValue(l, lines, version, /^mailto:/i)),
    phones: list('TEL', (l) => typedValue(l, lines, version, /^tel:/i)),
    addresses: list('ADR', (l) => readAddress(l, lines, version)),
    urls: list('URL', (l) => typedValue(l, lines, version)),
    birthday: normalizeBirthday(first('BDAY') ? text(first('BDAY') as ContentLine, version) : ''),
    note: firstText('NOTE'),
    photo: photo ? readPhoto(photo) : undefined,
    categories: categories.length ? categories : undefined,
    members: members.length ? members : undefined,
    lastModified: rev ? normalizeTimestamp(rev) : undefined,
    x: readX(lines, version),
  };
  if (contact.name && !Object.keys(contact.name).length) delete contact.name;
  return compactObject(contact);
}
