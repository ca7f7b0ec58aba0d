/**
 * Semantic comparison of two vCards (2.1, 3.0, 4.0) for round-trip tests, with its own small reader so it
 * does not share mistakes with the codec under test.
 *
 * What is compared, per card:
 * - the multiset of property names (groups dropped, names upper-cased);
 * - the values of FN, N, ORG, TITLE, EMAIL, TEL, ADR, URL, BDAY, NOTE, PHOTO, KIND, MEMBER (each as a multiset, order
 *   free), with the TYPE set (lower-case) and preference (TYPE=pref or PREF) of EMAIL/TEL/ADR/URL; N, ORG and ADR
 *   component by component (a comma inside a component is not split into a list); PHOTO as decoded bytes or URI;
 *   CATEGORIES as a set;
 * - the X-ABLabel of every group, keyed by what the group holds (group names may be renumbered);
 * - UID, when the source has one.
 *
 * What is ignored, always:
 * - VERSION, PRODID, REV (volatile); UID when the source had none (the copy gets one);
 * - order of properties, folding, line endings, case of property and parameter names, group names, transfer
 *   encodings (quoted-printable, CHARSET, base64 folding), quoting of parameter values;
 * - properties whose value is empty (`NOTE:`, `N:;;;;`): writers drop them;
 * - surrounding whitespace of text values and CRLF vs LF inside them; a backslash before any character other
 *   than `n` read as that character (`\:`, `\"`: escapes some writers use where 3.0 defines none);
 * - a value the source cannot decode in its declared CHARSET (broken bytes): only its presence is compared;
 * - what `serverRewrite` says a server does to stored values (the caller names it, per server).
 *
 * What is ignored only when the copy is in another vCard version than the source (the card was converted):
 * - X-ADDRESSBOOKSERVER-KIND/-MEMBER (3.0) and KIND/MEMBER (4.0) count as the same properties;
 * - an FN the copy gained when the source had none (3.0 and 4.0 require FN);
 * - `mailto:`/`tel:` prefixes, the EMAIL type `internet` (the default), BDAY spelled with or without dashes,
 *   the spelling of PHOTO (data: URI, ENCODING=b, ENCODING=BASE64; VALUE=URL/uri, MEDIATYPE): bytes or URI compared.
 */
import { createHash } from 'node:crypto';

/** One content line as read: name upper-case, parameter names upper-case, value transfer-decoded but still escaped. */
export interface CardProperty {
  group?: string;
  name: string;
  params: Map<string, string[]>;
  value: string;
  /** True when the value's bytes are not valid in its declared CHARSET. */
  undecodable?: boolean;
}

export interface ReadCard {
  version: string;
  properties: CardProperty[];
}

export interface CompareOptions {
  /** The source card had no UID: the copy's UID (whatever it is) is not a difference. */
  sourceHadNoUid?: boolean;
  /**
   * A rewrite the server is known to apply to what it stores (its behaviour, not ours): maps a source property's
   * value as written (escaped) to what the server keeps. Applied to the source before comparing, unless the card
   * was converted (the server then never saw the source's spelling).
   */
  serverRewrite?: (name: string, value: string) => string;
}

const PROPERTY_START = /^(?:[A-Za-z0-9-]+\.)?[A-Za-z0-9-]+[;:]/;
const BARE_ENCODINGS = new Set(['QUOTED-PRINTABLE', 'BASE64', 'B', '8BIT', '7BIT']);
const BARE_VALUES = new Set(['INLINE', 'URL', 'URI', 'CID', 'CONTENT-ID']);

// ---------------------------------------------------------------------------------------------
// Splitting and reading

/**
 * The cards of a text, each as its physical lines exactly as written (BEGIN and END included). A card
 * missing its END:VCARD runs to the end of the text. Text outside cards is dropped.
 */
export function splitVCardText(text: string): string[][] {
  const cards: string[][] = [];
  let current: string[] | undefined;
  let depth = 0;
  for (const line of text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/)) {
    const t = line.trim().toUpperCase();
    if (!current) {
      if (t === 'BEGIN:VCARD') current = [line];
      continue;
    }
    current.push(line);
    if (t === 'BEGIN:VCARD') depth++;
    else if (t === 'END:VCARD' && depth-- === 0) {
      cards.push(current);
      current = undefined;
      depth = 0;
    }
  }
  if (current) cards.push(current);
  return cards;
}

function indexOutsideQuotes(s: string, ch: string): number {
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '"') quoted = !quoted;
    else if (s[i] === ch && !quoted) return i;
  }
  return -1;
}

function splitOutsideQuotes(s: string, ch: string): string[] {
  const out: string[] = [];
  let quoted = false;
  let part = '';
  for (const c of s) {
    if (c === '"') quoted = !quoted;
    if (c === ch && !quoted) {
      out.push(part);
      part = '';
    } else part += c;
  }
  out.push(part);
  return out;
}

const headOf = (logical: string) => logical.slice(0, Math.max(0, indexOutsideQuotes(logical, ':')));
const isQuotedPrintable = (logical: string) => /(^|;)(ENCODING=)?QUOTED-PRINTABLE(;|$)/i.test(headOf(logical));
const isBase64 = (logical: string) => /(^|;)(ENCODING=)?(BASE64|B)(;|$)/i.test(headOf(logical));

/** Logical lines of one card: folds joined, quoted-printable soft breaks joined, 2.1 base64 runs joined. */
function logicalLines(physical: string[]): string[] {
  const out: string[] = [];
  const last = () => out[out.length - 1];
  const setLast = (v: string) => { out[out.length - 1] = v; };
  for (const line of physical) {
    const prev = last();
    if (prev !== undefined && isQuotedPrintable(prev) && prev.endsWith('=')) {
      // A soft line break: the value goes on in the next line; a blank line ends it.
      if (line.trim() === '') { setLast(prev.slice(0, -1)); out.push(''); continue; }
      setLast(prev.slice(0, -1) + line);
      continue;
    }
    if (line.trim() === '') { out.push(''); continue; }
    if (/^[ \t]/.test(line) && prev) { setLast(prev + line.slice(1)); continue; }
    if (prev && !PROPERTY_START.test(line) && (isBase64(prev) || isQuotedPrintable(prev))) {
      // 2.1 writers that continue base64 or quoted-printable values on unindented lines.
      setLast(prev + line.trim());
      continue;
    }
    out.push(line);
  }
  return out.filter((l) => l !== '');
}

function parseParams(parts: string[]): Map<string, string[]> {
  const params = new Map<string, string[]>();
  for (const raw of parts) {
    if (raw.trim() === '') continue;
    const eq = indexOutsideQuotes(raw, '=');
    let name: string;
    let values: string[];
    if (eq < 0) {
      const v = raw.trim();
      name = BARE_ENCODINGS.has(v.toUpperCase()) ? 'ENCODING' : BARE_VALUES.has(v.toUpperCase()) ? 'VALUE' : 'TYPE';
      values = [v];
    } else {
      name = raw.slice(0, eq).trim().toUpperCase();
      values = splitOutsideQuotes(raw.slice(eq + 1), ',').map((v) => v.trim().replace(/^"(.*)"$/s, '$1'));
    }
    params.set(name, [...(params.get(name) ?? []), ...values]);
  }
  return params;
}

function quotedPrintableBytes(value: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const hex = value.slice(i + 1, i + 3);
    if (value[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(value[i]!, 'utf8'));
    }
  }
  return Buffer.from(bytes);
}

/** Decodes bytes in the declared charset; without a declaration UTF-8, else Windows-1252. */
function decodeText(bytes: Buffer, charset: string | undefined): { text: string; undecodable?: boolean } {
  try {
    return { text: new TextDecoder(charset ?? 'utf-8', { fatal: true }).decode(bytes) };
  } catch {
    if (charset) return { text: new TextDecoder('utf-8').decode(bytes), undecodable: true };
    return { text: new TextDecoder('windows-1252').decode(bytes) };
  }
}

/** Reads one card (physical lines or text). */
export function readVCard(card: string[] | string): ReadCard {
  const physical = typeof card === 'string' ? card.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/) : card;
  const properties: CardProperty[] = [];
  let depth = 0;
  for (const logical of logicalLines(physical)) {
    const colon = indexOutsideQuotes(logical, ':');
    if (colon < 0 || !PROPERTY_START.test(logical)) continue;
    const head = splitOutsideQuotes(logical.slice(0, colon), ';');
    const fullName = head[0]!.trim();
    const dot = fullName.lastIndexOf('.');
    const name = (dot >= 0 ? fullName.slice(dot + 1) : fullName).toUpperCase();
    const rawValue = logical.slice(colon + 1);
    if (name === 'BEGIN' || name === 'END') {
      if (rawValue.trim().toUpperCase() === 'VCARD') depth += name === 'BEGIN' ? 1 : -1;
      continue;
    }
    if (depth > 1) continue; // a nested (2.1 AGENT) card
    const params = parseParams(head.slice(1));
    const prop: CardProperty = { name, params, value: rawValue };
    if (dot >= 0) prop.group = fullName.slice(0, dot).toLowerCase();
    if ((params.get('ENCODING') ?? []).some((e) => /^quoted-printable$/i.test(e))) {
      const decoded = decodeText(quotedPrintableBytes(rawValue), params.get('CHARSET')?.[0]);
      prop.value = decoded.text;
      if (decoded.undecodable) prop.undecodable = true;
    }
    properties.push(prop);
  }
  const version = properties.find((p) => p.name === 'VERSION')?.value.trim() ?? '3.0';
  return { version, properties };
}

// ---------------------------------------------------------------------------------------------
// Normalising values

/** TEXT unescaping: `\n \, \; \\` in 3.0/4.0, any other `\x` read as `x`; 2.1 only escapes `;` and `\`. */
function unescape(value: string, version: string): string {
  if (version === '2.1') return value.replace(/\\([;\\])/g, '$1');
  return value.replace(/\\(.)/gs, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
}

function tidy(text: string): string {
  return text.replace(/\r\n?/g, '\n').trim();
}

/** Splits on `sep` not preceded by a backslash (escapes kept for unescaping afterwards). */
function splitUnescaped(value: string, sep: string): string[] {
  const out: string[] = [];
  let part = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '\\' && i + 1 < value.length) {
      part += c + value[i + 1];
      i++;
    } else if (c === sep) {
      out.push(part);
      part = '';
    } else part += c;
  }
  out.push(part);
  return out;
}

/** A structured value (N, ORG, ADR) as `a;b;c`, components unescaped and trimmed, trailing empty ones dropped. */
function structured(p: CardProperty, version: string): string {
  const parts = splitUnescaped(p.value, ';').map((c) => tidy(unescape(c, version)));
  while (parts.length && parts[parts.length - 1] === '') parts.pop();
  return parts.join(';');
}

function typeSet(p: CardProperty, converted: boolean): { types: string; pref: boolean } {
  const all = (p.params.get('TYPE') ?? []).flatMap((t) => t.split(',')).map((t) => t.trim().toLowerCase()).filter(Boolean);
  const pref = all.includes('pref') || p.params.has('PREF');
  const types = [...new Set(all.filter((t) => t !== 'pref' && !(converted && t === 'internet')))].sort();
  return { types: types.join(','), pref };
}

function isEmpty(p: CardProperty, version: string): boolean {
  if (['N', 'ADR', 'ORG'].includes(p.name)) return structured(p, version).replace(/;/g, '') === '';
  return tidy(p.value) === '';
}

function birthday(value: string): string {
  const v = value.trim();
  const full = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(v);
  if (full) return `${full[1]}-${full[2]}-${full[3]}`;
  const partial = /^--(\d{2})-?(\d{2})$/.exec(v);
  return partial ? `--${partial[1]}-${partial[2]}` : v;
}

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex').slice(0, 16);

function photo(p: CardProperty): string {
  const v = p.value.trim();
  const data = /^data:[^,]*?(;base64)?,(.*)$/is.exec(v);
  if (data) return `bytes ${sha(data[1] ? Buffer.from(data[2]!, 'base64') : Buffer.from(decodeURIComponent(data[2]!), 'latin1'))}`;
  if ((p.params.get('ENCODING') ?? []).some((e) => /^(b|base64)$/i.test(e))) return `bytes ${sha(Buffer.from(v.replace(/\s+/g, ''), 'base64'))}`;
  return `uri ${v.replace(/\\:/g, ':')}`;
}

/** The canonical name of a property: Apple's group spellings fold into RFC 6350's when converting. */
function canonicalName(name: string, converted: boolean): string {
  if (!converted) return name;
  if (name === 'X-ADDRESSBOOKSERVER-KIND') return 'KIND';
  if (name === 'X-ADDRESSBOOKSERVER-MEMBER') return 'MEMBER';
  return name;
}

/** The comparable value of a property, or undefined for properties whose value is not compared. */
function comparable(p: CardProperty, version: string, converted: boolean): string | undefined {
  // Bytes that are not text in their declared charset have no meaning to compare (the property is still counted).
  if (p.undecodable) return undefined;
  const name = canonicalName(p.name, converted);
  const text = () => tidy(unescape(p.value, version));
  switch (name) {
    case 'FN': case 'TITLE': case 'NOTE': case 'MEMBER':
      return text();
    case 'KIND':
      return text().toLowerCase();
    case 'N': case 'ORG':
      return structured(p, version);
    case 'ADR': {
      const t = typeSet(p, converted);
      return `${structured(p, version)} [${t.types}]${t.pref ? ' pref' : ''}`;
    }
    case 'EMAIL': case 'TEL': case 'URL': {
      let v = text();
      if (converted) v = v.replace(name === 'EMAIL' ? /^mailto:/i : name === 'TEL' ? /^tel:/i : /^$/, '');
      const t = typeSet(p, converted);
      return `${v} [${t.types}]${t.pref ? ' pref' : ''}`;
    }
    case 'BDAY':
      return converted ? birthday(text()) : text();
    case 'PHOTO':
      return photo(p);
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Comparing

const VOLATILE = new Set(['VERSION', 'PRODID', 'REV']);
const VALUED = ['FN', 'N', 'ORG', 'TITLE', 'EMAIL', 'TEL', 'ADR', 'URL', 'BDAY', 'NOTE', 'PHOTO', 'KIND', 'MEMBER'];

function multiset(values: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
}

/** Differences between two multisets as `WHAT: lost "v" ×n` / `WHAT: gained "v"` lines. */
function multisetDiff(what: string, source: string[], copy: string[]): string[] {
  const a = multiset(source);
  const b = multiset(copy);
  const out: string[] = [];
  for (const [v, n] of a) if ((b.get(v) ?? 0) < n) out.push(`${what}: lost ${JSON.stringify(v)}${n - (b.get(v) ?? 0) > 1 ? ` ×${n - (b.get(v) ?? 0)}` : ''}`);
  for (const [v, n] of b) if ((a.get(v) ?? 0) < n) out.push(`${what}: gained ${JSON.stringify(v)}${n - (a.get(v) ?? 0) > 1 ? ` ×${n - (a.get(v) ?? 0)}` : ''}`);
  return out;
}

function categories(card: ReadCard): string[] {
  return [...new Set(card.properties.filter((p) => p.name === 'CATEGORIES')
    .flatMap((p) => splitUnescaped(p.value, ',').map((c) => tidy(unescape(c, card.version))))
    .filter(Boolean))].sort();
}

/** `what the group holds → label` for every group with an X-ABLabel. */
function labels(card: ReadCard, converted: boolean): string[] {
  const groups = new Map<string, CardProperty[]>();
  for (const p of card.properties) if (p.group) groups.set(p.group, [...(groups.get(p.group) ?? []), p]);
  const out: string[] = [];
  for (const members of groups.values()) {
    const label = members.find((p) => p.name === 'X-ABLABEL');
    if (!label) continue;
    const held = members.filter((p) => p.name !== 'X-ABLABEL')
      .map((p) => `${canonicalName(p.name, converted)}=${comparable(p, card.version, converted) ?? tidy(unescape(p.value, card.version))}`).sort();
    out.push(`${held.join(' + ')} → ${tidy(unescape(label.value, card.version))}`);
  }
  return out;
}

/** Properties that count: volatile ones, empty ones and (when the source had none) UID left out. */
function counted(card: ReadCard, options: CompareOptions): CardProperty[] {
  return card.properties.filter((p) => !VOLATILE.has(p.name) && !isEmpty(p, card.version) && !(options.sourceHadNoUid && p.name === 'UID'));
}

/**
 * Differences between a source card and its copy, one line each; [] when they are semantically equal
 * (see the file comment for what is ignored).
 */
export function compareVCards(sourceText: string | string[], copyText: string | string[], options: CompareOptions = {}): string[] {
  const source = readVCard(sourceText);
  const copy = readVCard(copyText);
  const rewrite = options.serverRewrite;
  if (rewrite && source.version === copy.version) for (const p of source.properties) if (!p.undecodable) p.value = rewrite(p.name, p.value);
  const converted = source.version !== copy.version;
  const src = counted(source, options);
  const dst = counted(copy, options);
  const diffs: string[] = [];

  const names = (props: CardProperty[]) => props.map((p) => canonicalName(p.name, converted));
  let copyNames = names(dst);
  if (converted && !src.some((p) => p.name === 'FN')) copyNames = copyNames.filter((n) => n !== 'FN');
  diffs.push(...multisetDiff('properties', names(src), copyNames));

  for (const name of VALUED) {
    if (name === 'FN' && converted && !src.some((p) => p.name === 'FN')) continue;
    const values = (card: ReadCard, props: CardProperty[]) => props.filter((p) => canonicalName(p.name, converted) === name)
      .map((p) => comparable(p, card.version, converted));
    const srcValues = values(source, src);
    const known = srcValues.filter((v): v is string => v !== undefined);
    // Each undecodable source value stands for one copy value that is not otherwise accounted for.
    // (Counted as a multiset: a copy value equal to a known one stands for the undecodable value once the known
    // values are used up, as when a value cut inside a character is read as its complete characters.)
    let wildcards = srcValues.length - known.length;
    const unmatched = [...known];
    const copyValues = values(copy, dst).filter((v): v is string => v !== undefined).filter((v) => {
      const at = unmatched.indexOf(v);
      if (at >= 0) { unmatched.splice(at, 1); return true; }
      if (wildcards > 0) { wildcards--; return false; }
      return true;
    });
    diffs.push(...multisetDiff(name, known, copyValues));
  }
  diffs.push(...multisetDiff('CATEGORIES', categories(source), categories(copy)));
  diffs.push(...multisetDiff('X-ABLabel', labels(source, converted), labels(copy, converted)));
  if (!options.sourceHadNoUid) {
    const uid = (card: ReadCard) => card.properties.find((p) => p.name === 'UID')?.value.trim();
    if (uid(source) !== uid(copy)) diffs.push(`UID: ${JSON.stringify(uid(source))} became ${JSON.stringify(uid(copy))}`);
  }
  return diffs;
}

/** The UID a card states, or undefined. */
export function uidOf(card: string | string[]): string | undefined {
  return readVCard(card).properties.find((p) => p.name === 'UID')?.value.trim() || undefined;
}
