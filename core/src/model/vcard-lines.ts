/**
 * vCard content lines (2.1, 3.0, 4.0): splitting a text into cards, unfolding (whitespace folding and 2.1
 * quoted-printable soft line breaks), parsing `group.NAME;PARAMS:value`, and formatting lines back with folding.
 * Each parsed line keeps its original text, so untouched lines are written back byte for byte.
 */

export interface VCardParam {
  /** Upper-case parameter name; a 2.1 bare parameter (`TEL;WORK:`) becomes TYPE (or ENCODING / CHARSET / VALUE). */
  name: string;
  values: string[];
  /** Written without `NAME=` (vCard 2.1 style). */
  bare?: boolean;
}

export interface ContentLine {
  group?: string;
  /** Upper-case property name; '' for a line that is not a property (kept verbatim). */
  name: string;
  params: VCardParam[];
  /** The value as written (escaped; quoted-printable/base64 still encoded), soft line breaks and folds removed. */
  value: string;
  /** The original physical lines (CRLF-joined); absent for lines we built. */
  source?: string;
}

export interface CardText {
  /** 0-based position of the card in the text. */
  index: number;
  lines: ContentLine[];
  /** Why the card is unusable, when it is. */
  problem?: string;
}

const PROPERTY_START = /^(?:[A-Za-z0-9-]+\.)?[A-Za-z0-9-]+[;:]/;
const BARE_ENCODINGS = new Set(['QUOTED-PRINTABLE', 'BASE64', '8BIT', '7BIT', 'B']);
const BARE_VALUES = new Set(['INLINE', 'URL', 'URI', 'CONTENT-ID', 'CID']);

/** Index of the first `ch` outside double quotes, or -1. */
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
  let current = '';
  for (const c of s) {
    if (c === '"') quoted = !quoted;
    if (c === ch && !quoted) {
      out.push(current);
      current = '';
    } else current += c;
  }
  out.push(current);
  return out;
}

function parseParam(text: string): VCardParam {
  const eq = indexOutsideQuotes(text, '=');
  if (eq < 0) {
    const v = text.trim();
    const upper = v.toUpperCase();
    if (BARE_ENCODINGS.has(upper)) return { name: 'ENCODING', values: [v], bare: true };
    if (BARE_VALUES.has(upper)) return { name: 'VALUE', values: [v], bare: true };
    return { name: 'TYPE', values: [v], bare: true };
  }
  const name = text.slice(0, eq).trim().toUpperCase();
  const values = splitOutsideQuotes(text.slice(eq + 1), ',').map((v) => v.trim().replace(/^"(.*)"$/s, '$1'));
  return { name, values };
}

/** Parses one unfolded logical line. */
export function parseContentLine(logical: string, source?: string): ContentLine {
  const colon = indexOutsideQuotes(logical, ':');
  if (colon < 0 || !PROPERTY_START.test(logical)) return { name: '', params: [], value: logical, source: source ?? logical };
  const head = splitOutsideQuotes(logical.slice(0, colon), ';');
  const fullName = head[0].trim();
  const dot = fullName.lastIndexOf('.');
  const line: ContentLine = {
    name: (dot >= 0 ? fullName.slice(dot + 1) : fullName).toUpperCase(),
    params: head.slice(1).filter((p) => p.trim() !== '').map(parseParam),
    value: logical.slice(colon + 1),
    source: source ?? logical,
  };
  if (dot >= 0) line.group = fullName.slice(0, dot);
  return line;
}

/** Values of parameter `name` (all occurrences merged), upper-cased when `upper`. */
export function paramValues(line: ContentLine, name: string, upper = false): string[] {
  const values = line.params.filter((p) => p.name === name).flatMap((p) => p.values);
  return upper ? values.map((v) => v.toUpperCase()) : values;
}

export function encodingOf(line: ContentLine): 'qp' | 'base64' | undefined {
  const enc = paramValues(line, 'ENCODING', true)[0];
  if (enc === 'QUOTED-PRINTABLE') return 'qp';
  if (enc === 'BASE64' || enc === 'B') return 'base64';
  return undefined;
}

function headOf(text: string): string {
  const colon = indexOutsideQuotes(text, ':');
  return colon < 0 ? text : text.slice(0, colon + 1);
}
const isQp = (text: string) => /ENCODING=QUOTED-PRINTABLE|;QUOTED-PRINTABLE[;:]/i.test(headOf(text));
const isBase64 = (text: string) => /ENCODING=(?:B|BASE64)[;:]|;BASE64[;:]/i.test(headOf(text));

interface Joined {
  text: string;
  source: string[];
}

/** Pass 1: joins whitespace-folded lines (a fold may split a property name); blank lines stay as ''. */
function unfoldWhitespace(physical: string[]): Joined[] {
  const out: Joined[] = [];
  for (const line of physical) {
    const last = out[out.length - 1];
    if (/^[ \t]/.test(line) && line.trim() !== '' && last && last.text !== '') {
      // In a quoted-printable value a soft break followed by an indented line: drop the '=' and the indent.
      if (isQp(last.text) && last.text.endsWith('=')) last.text = last.text.slice(0, -1) + line.replace(/^[ \t]+/, '');
      else last.text += line.slice(1);
      last.source.push(line);
    } else {
      out.push({ text: line.trim() === '' ? '' : line, source: [line] });
    }
  }
  return out;
}

/** Splits a text into cards of content lines. Text outside BEGIN/END:VCARD is ignored. */
export function splitCards(input: string): CardText[] {
  const entries = unfoldWhitespace(input.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/));
  const cards: CardText[] = [];
  let current: CardText | undefined;
  let logical: Joined | undefined;
  let depth = 0;

  const flush = () => {
    if (logical && current) current.lines.push(parseContentLine(logical.text, logical.source.join('\r\n')));
    logical = undefined;
  };

  for (const entry of entries) {
    const trimmed = entry.text.trim();
    if (!current) {
      if (/^BEGIN:VCARD$/i.test(trimmed)) current = { index: cards.length, lines: [] };
      continue;
    }
    if (/^BEGIN:VCARD$/i.test(trimmed)) depth++; // a nested (2.1 AGENT) card: kept as plain lines of the outer card
    if (/^END:VCARD$/i.test(trimmed)) {
      if (depth > 0) depth--;
      else {
        flush();
        cards.push(current);
        current = undefined;
        continue;
      }
    }
    if (trimmed === '') {
      if (logical && isQp(logical.text) && logical.text.endsWith('=')) {
        // A quoted-printable soft line break onto a blank line: the value ends there (the blank line is kept in
        // the source so an untouched line renders, and re-reads, the same).
        logical.text = logical.text.slice(0, -1);
        logical.source.push(...entry.source);
        flush();
      } else if (logical && isBase64(logical.text)) flush(); // 2.1: a blank line ends a base64 value
      continue;
    }
    if (logical && isQp(logical.text) && (logical.text.endsWith('=') || !PROPERTY_START.test(entry.text))) {
      // Quoted-printable soft line break (or a broken writer that wrapped without one).
      logical.text = (logical.text.endsWith('=') ? logical.text.slice(0, -1) : logical.text) + entry.text;
      logical.source.push(...entry.source);
      continue;
    }
    if (logical && isBase64(logical.text) && !PROPERTY_START.test(entry.text)) {
      logical.text += trimmed;
      logical.source.push(...entry.source);
      continue;
    }
    flush();
    logical = { text: entry.text, source: [...entry.source] };
  }
  if (current) {
    flush();
    current.problem = current.lines.length ? undefined : 'card without END:VCARD';
    cards.push(current);
  }
  return cards;
}

function needsQuotes(v: string): boolean {
  return /[:;,]/.test(v);
}

/** Formats the head and value of a line (no folding). */
export function formatLogical(line: ContentLine, version: string): string {
  const name = line.name === 'X-ABLABEL' ? 'X-ABLabel' : line.name; // Apple's spelling
  let head = line.group ? `${line.group}.${name}` : name;
  for (const p of line.params) {
    if (version === '2.1' && p.bare) head += p.values.map((v) => `;${v}`).join('');
    else if (version === '2.1') head += p.values.map((v) => `;${p.name}=${v}`).join('');
    else head += `;${p.name}=${p.values.map((v) => (needsQuotes(v) ? `"${v.replace(/"/g, "'")}"` : v)).join(',')}`;
  }
  return `${head}:${line.value}`;
}

/** Folds at 75 octets with CRLF + space, never inside a UTF-8 sequence. */
export function foldLine(logical: string): string {
  const out: string[] = [];
  let current = '';
  let bytes = 0;
  for (const ch of logical) {
    const size = Buffer.byteLength(ch, 'utf8');
    if (bytes + size > (out.length ? 74 : 75)) {
      out.push(current);
      current = '';
      bytes = 0;
    }
    current += ch;
    bytes += size;
  }
  out.push(current);
  return out.join('\r\n ');
}

/** Folds a quoted-printable line with soft line breaks (`=` CRLF), never splitting an `=XX` escape. */
export function foldQuotedPrintable(logical: string): string {
  const out: string[] = [];
  let rest = logical;
  while (rest.length > 75) {
    let cut = 74;
    const lastEq = rest.lastIndexOf('=', cut - 1);
    if (lastEq > cut - 3) cut = lastEq;
    out.push(`${rest.slice(0, cut)}=`);
    rest = rest.slice(cut);
  }
  out.push(rest);
  return out.join('\r\n');
}

/** The text of a line for output: its source when untouched, else formatted and folded for `version`. */
export function renderLine(line: ContentLine, version: string): string {
  if (line.source !== undefined) return line.source;
  const logical = formatLogical(line, version);
  const enc = encodingOf(line);
  if (version === '2.1' && enc === 'qp') return foldQuotedPrintable(logical);
  if (version === '2.1' && enc === 'base64') return `${foldLine(logical)}\r\n`;
  return foldLine(logical);
}
