/** Builds vCard content lines for one version: value escaping, 2.1 quoted-printable, type/pref parameters. */
import type { Address, ContactEntity, TypedValue } from '../sdk/entities.js';
import { paramValues, type ContentLine, type VCardParam } from './vcard-lines.js';

export type VCardVersion = '2.1' | '3.0' | '4.0';

/** Escapes a TEXT value (or one component of a structured value) for `version`. */
export function escapeFor(version: string, value: string, structured = false): string {
  if (version === '2.1') return structured ? value.replace(/\\/g, '\\\\').replace(/;/g, '\\;') : value;
  const escaped = value.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/\r\n|\r|\n/g, '\\n');
  // Commas are escaped in components too: the model holds each component as one text, so a comma is literal.
  return escaped.replace(/,/g, '\\,');
}

function qpEncode(text: string): string {
  let out = '';
  for (const b of Buffer.from(text.replace(/\r\n|\r|\n/g, '\r\n'), 'utf8')) {
    out += b >= 0x20 && b <= 0x7e && b !== 0x3d ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const TRANSFER_PARAMS = new Set(['ENCODING', 'CHARSET']);

/**
 * A line `name` with an already-escaped value; in 2.1 a non-ASCII or multi-line value becomes quoted-printable
 * UTF-8. `template` supplies group and parameters to keep (transfer parameters are replaced).
 */
export function makeLine(version: string, name: string, escapedValue: string, template?: ContentLine, drop: string[] = []): ContentLine {
  const params = (template?.params ?? []).filter((p) => !TRANSFER_PARAMS.has(p.name) && !drop.includes(p.name));
  let value = escapedValue;
  if (version === '2.1' && /[^\x20-\x7e]/.test(value)) {
    value = qpEncode(value);
    params.push({ name: 'CHARSET', values: ['UTF-8'] }, { name: 'ENCODING', values: ['QUOTED-PRINTABLE'] });
  }
  const line: ContentLine = { name, params, value };
  if (template?.group) line.group = template.group;
  return line;
}

export function textLine(version: string, name: string, value: string, template?: ContentLine): ContentLine {
  return makeLine(version, name, escapeFor(version, value), template);
}

export function structuredLine(version: string, name: string, parts: (string | undefined)[], template?: ContentLine): ContentLine {
  let last = parts.length;
  while (last > 1 && !parts[last - 1] && name !== 'N' && name !== 'ADR') last--;
  return makeLine(version, name, parts.slice(0, last).map((p) => escapeFor(version, p ?? '', true)).join(';'), template);
}

/** TYPE (and 4.0 PREF) parameters for `types`/`pref`, keeping a template's INTERNET type. */
function typeParams(version: string, types: string[] | undefined, pref: boolean | undefined, template?: ContentLine): VCardParam[] {
  const list = [...(types ?? [])];
  if (template && paramValues(template, 'TYPE', true).includes('INTERNET')) list.unshift('internet');
  if (pref && version !== '4.0') list.push('pref');
  const out: VCardParam[] = [];
  if (version === '2.1') for (const t of list) out.push({ name: 'TYPE', values: [t.toUpperCase()], bare: true });
  else if (list.length) out.push({ name: 'TYPE', values: version === '4.0' ? list.map((t) => t.toLowerCase()) : list.map((t) => t.toUpperCase()) });
  if (pref && version === '4.0') out.push({ name: 'PREF', values: ['1'] });
  return out;
}

/** An EMAIL/TEL/URL line. */
export function typedLine(version: string, name: string, item: TypedValue, template?: ContentLine): ContentLine {
  let value = item.value;
  if (name === 'TEL' && template && paramValues(template, 'VALUE', true).includes('URI') && !/^tel:/i.test(value)) value = `tel:${value}`;
  const line = makeLine(version, name, name === 'URL' ? value : escapeFor(version, value), template, ['TYPE', 'PREF']);
  line.params.push(...typeParams(version, item.types, item.pref, template));
  return line;
}

export function addressLine(version: string, a: Address, template?: ContentLine): ContentLine {
  const line = structuredLine(version, 'ADR', [a.poBox, a.extended, a.street, a.locality, a.region, a.postalCode, a.country], template);
  line.params = line.params.filter((p) => p.name !== 'TYPE' && p.name !== 'PREF');
  const transfer = line.params.filter((p) => TRANSFER_PARAMS.has(p.name));
  line.params = [...line.params.filter((p) => !TRANSFER_PARAMS.has(p.name)), ...typeParams(version, a.types, a.pref, template), ...transfer];
  return line;
}

export function birthdayValue(version: string, birthday: string): string {
  const full = /^(\d{4})-(\d{2})-(\d{2})$/.exec(birthday);
  if (full) return version === '3.0' ? birthday : `${full[1]}${full[2]}${full[3]}`;
  const partial = /^--(\d{2})-(\d{2})$/.exec(birthday);
  if (partial) return version === '4.0' ? `--${partial[1]}${partial[2]}` : birthday;
  return birthday;
}

export function timestampValue(version: string, iso: string): string {
  return version === '3.0' ? iso : iso.replace(/[-:]/g, '');
}

const IMAGE_TYPES: Record<string, string> = { 'image/jpeg': 'JPEG', 'image/png': 'PNG', 'image/gif': 'GIF', 'image/bmp': 'BMP', 'image/tiff': 'TIFF' };

export function photoLine(version: string, photo: NonNullable<ContactEntity['photo']>, template?: ContentLine): ContentLine | undefined {
  const base: ContentLine = { name: 'PHOTO', params: [], value: '' };
  if (template?.group) base.group = template.group;
  const kind = photo.mediaType ? IMAGE_TYPES[photo.mediaType.toLowerCase()] ?? photo.mediaType.replace(/^image\//i, '').toUpperCase() : undefined;
  if (photo.data) {
    if (version === '4.0') base.value = `data:${photo.mediaType ?? ''};base64,${photo.data}`;
    else {
      base.params.push({ name: 'ENCODING', values: [version === '2.1' ? 'BASE64' : 'b'] });
      if (kind) base.params.push({ name: 'TYPE', values: [kind] });
      base.value = photo.data;
    }
    return base;
  }
  if (!photo.uri) return undefined;
  if (version === '4.0') {
    if (photo.mediaType) base.params.push({ name: 'MEDIATYPE', values: [photo.mediaType] });
  } else {
    base.params.push({ name: 'VALUE', values: [version === '2.1' ? 'URL' : 'uri'] });
    if (kind) base.params.push({ name: 'TYPE', values: [kind] });
  }
  base.value = photo.uri;
  return base;
}

/** A group member reference: a bare UID becomes `urn:uuid:UID`. */
export function memberValue(uid: string): string {
  return /^[a-z][a-z0-9+.-]*:/i.test(uid) ? uid : `urn:uuid:${uid}`;
}
