/**
 * HTML ↔ plain text for description fields. Hand-written single-pass scanner (no regular expressions over
 * markup, no backtracking): linear in the input size, safe on megabyte bodies and on broken markup.
 *
 * htmlToText: block elements and <br> become line breaks (paragraph-like blocks a blank line), list items get
 * "- " or "N. ", table cells are separated by a tab, <script>/<style>/<head>/<title>/<noscript>/<template> and
 * comments (including Outlook's conditional comments) are dropped, character references are decoded (named,
 * decimal, hex; `&nbsp;` becomes a plain space), whitespace is collapsed as a browser would (kept inside <pre>).
 * The result has no trailing spaces on lines, at most one blank line in a row and no leading/trailing blank
 * lines. Input that contains neither a tag nor a character reference is treated as plain text and only
 * normalized that way.
 *
 * textToHtml: escapes `& < > "`, one <p> per paragraph (blank-line separated), <br> between lines, runs of
 * spaces and leading spaces as `&nbsp;`, tabs as `&#9;` — so htmlToText(textToHtml(t)) === normalizeText(t).
 */

const SKIPPED = new Set(['script', 'style', 'head', 'title', 'noscript', 'template']);
const PARAGRAPH = new Set(['p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'pre', 'table', 'ul', 'ol', 'dl', 'hr']);
const BLOCK = new Set([
  'address', 'article', 'aside', 'caption', 'center', 'dd', 'div', 'dt', 'fieldset', 'figcaption', 'figure',
  'footer', 'form', 'header', 'li', 'main', 'nav', 'section', 'tbody', 'tfoot', 'thead', 'tr', 'body', 'html',
]);

const NAMED: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', copy: '©', reg: '®', trade: '™', hellip: '…',
  mdash: '—', ndash: '–', lsquo: '‘', rsquo: '’', sbquo: '‚', ldquo: '“', rdquo: '”', bdquo: '„', bull: '•',
  middot: '·', euro: '€', pound: '£', yen: '¥', cent: '¢', sect: '§', para: '¶', deg: '°', plusmn: '±',
  times: '×', divide: '÷', laquo: '«', raquo: '»', lsaquo: '‹', rsaquo: '›', shy: '', zwnj: '', zwj: '',
  ensp: ' ', emsp: ' ', thinsp: ' ', iexcl: '¡', iquest: '¿', frac12: '½', frac14: '¼', frac34: '¾',
  sup1: '¹', sup2: '²', sup3: '³', micro: 'µ', acute: '´', uml: '¨', ordf: 'ª', ordm: 'º', not: '¬',
  larr: '←', rarr: '→', uarr: '↑', darr: '↓', harr: '↔', dagger: '†', Dagger: '‡', permil: '‰', prime: '′',
  auml: 'ä', ouml: 'ö', uuml: 'ü', Auml: 'Ä', Ouml: 'Ö', Uuml: 'Ü', szlig: 'ß', euml: 'ë', iuml: 'ï', Euml: 'Ë',
  aacute: 'á', eacute: 'é', iacute: 'í', oacute: 'ó', uacute: 'ú', yacute: 'ý', Aacute: 'Á', Eacute: 'É',
  Iacute: 'Í', Oacute: 'Ó', Uacute: 'Ú', agrave: 'à', egrave: 'è', igrave: 'ì', ograve: 'ò', ugrave: 'ù',
  Agrave: 'À', Egrave: 'È', acirc: 'â', ecirc: 'ê', icirc: 'î', ocirc: 'ô', ucirc: 'û', Acirc: 'Â', Ecirc: 'Ê',
  atilde: 'ã', ntilde: 'ñ', otilde: 'õ', Atilde: 'Ã', Ntilde: 'Ñ', Otilde: 'Õ', ccedil: 'ç', Ccedil: 'Ç',
  aring: 'å', Aring: 'Å', aelig: 'æ', AElig: 'Æ', oslash: 'ø', Oslash: 'Ø', eth: 'ð', thorn: 'þ', yuml: 'ÿ',
};
/** Names HTML accepts without the trailing semicolon. */
const LEGACY = new Set(['amp', 'lt', 'gt', 'quot', 'nbsp', 'copy', 'reg']);
/** HTML maps C1 control references to Windows-1252 characters. */
const CP1252: Record<number, string> = {
  0x80: '€', 0x82: '‚', 0x83: 'ƒ', 0x84: '„', 0x85: '…', 0x86: '†', 0x87: '‡', 0x88: 'ˆ', 0x89: '‰', 0x8a: 'Š',
  0x8b: '‹', 0x8c: 'Œ', 0x8e: 'Ž', 0x91: '‘', 0x92: '’', 0x93: '“', 0x94: '”', 0x95: '•', 0x96: '–', 0x97: '—',
  0x98: '˜', 0x99: '™', 0x9a: 'š', 0x9b: '›', 0x9c: 'œ', 0x9e: 'ž', 0x9f: 'Ÿ',
};

const REF = /&(#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,7}|[a-zA-Z][a-zA-Z0-9]{1,31})(;?)/g;

/** Decodes character references in a text run. */
export function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(REF, (all, body: string, semi: string) => {
    if (body[0] === '#') {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      if (CP1252[code]) return CP1252[code];
      if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return '\uFFFD';
      return String.fromCodePoint(code);
    }
    const ch = NAMED[body];
    if (ch === undefined || (!semi && !LEGACY.has(body))) return all;
    return ch;
  });
}

const HTML_WS = /[ \t\n\r\f]+/;
const LOOKS_LIKE_HTML = /<[a-zA-Z!/?]|&(#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);/;

/** Builds the text output: collapsible whitespace, "at least n line breaks", literal runs. */
class TextOut {
  private parts: string[] = [];
  private trailingNewlines = 0;
  private empty = true;
  private pendingSpace = false;

  /** Markup text: whitespace collapses to one space; no space at the start of a line. */
  flow(raw: string): void {
    const words = raw.split(HTML_WS);
    for (let i = 0; i < words.length; i++) {
      if (i > 0) this.pendingSpace = true;
      if (words[i] !== '') this.literal(decodeEntities(words[i]));
    }
  }

  /** Text kept exactly (decoded references, <pre> content, bullets). */
  literal(s: string): void {
    if (s === '') return;
    if (this.pendingSpace && !this.empty && this.trailingNewlines === 0) this.parts.push(' ');
    this.pendingSpace = false;
    this.parts.push(s);
    this.empty = false;
    let n = 0;
    while (n < s.length && s[s.length - 1 - n] === '\n') n++;
    this.trailingNewlines = n === s.length ? this.trailingNewlines + n : n;
  }

  /** Ensures the output ends with at least `n` line breaks (nothing at the very start). */
  breakLines(n: number): void {
    this.pendingSpace = false;
    if (this.empty) return;
    while (this.trailingNewlines < n) { this.parts.push('\n'); this.trailingNewlines++; }
  }

  /** A hard line break (<br>): always adds one. */
  lineBreak(): void {
    this.pendingSpace = false;
    this.parts.push('\n');
    this.trailingNewlines++;
    this.empty = false;
  }

  toString(): string { return this.parts.join(''); }
}

function isNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 45 || c === 58 || c === 95;
}

/** Index just past the tag starting at `lt` (a `<` followed by a letter or `/`), honouring quoted attribute values. */
function tagEnd(html: string, lt: number, from: number): number {
  let j = from;
  while (j < html.length) {
    const ch = html[j];
    if (ch === '>') return j + 1;
    if (ch === '"' || ch === "'") {
      const close = html.indexOf(ch, j + 1);
      if (close < 0) {
        // Unbalanced quote: fall back to the first '>' after the tag name.
        const gt = html.indexOf('>', lt);
        return gt < 0 ? html.length : gt + 1;
      }
      j = close + 1;
      continue;
    }
    j++;
  }
  return html.length;
}

/** Position of the `</name` that closes a skipped element (ASCII case-insensitive), or the input's end. */
function closingTag(html: string, name: string, from: number): number {
  let i = from;
  for (;;) {
    const at = html.indexOf('</', i);
    if (at < 0) return html.length;
    if (html.slice(at + 2, at + 2 + name.length).toLowerCase() === name && !isNameChar(html.charCodeAt(at + 2 + name.length))) {
      return at;
    }
    i = at + 2;
  }
}

/** Converts HTML to plain text (see module doc). */
export function htmlToText(html: string): string {
  if (!LOOKS_LIKE_HTML.test(html)) return normalizeText(html);
  const out = new TextOut();
  const lists: { ordered: boolean; n: number }[] = [];
  let pre = 0;
  let cellInRow = 0;
  let i = 0;
  const len = html.length;
  while (i < len) {
    const lt = html.indexOf('<', i);
    const textEnd = lt < 0 ? len : lt;
    if (textEnd > i) {
      const run = html.slice(i, textEnd);
      if (pre > 0) out.literal(decodeEntities(run.replace(/\r\n?/g, '\n'))); else out.flow(run);
    }
    if (lt < 0) break;
    const next = html.charCodeAt(lt + 1);
    if (next === 33 /* ! */) {
      if (html.startsWith('<!--', lt)) {
        const close = html.indexOf('-->', lt + 4);
        i = close < 0 ? len : close + 3;
      } else {
        const gt = html.indexOf('>', lt);
        i = gt < 0 ? len : gt + 1;
      }
      continue;
    }
    if (next === 63 /* ? */) {
      const gt = html.indexOf('>', lt);
      i = gt < 0 ? len : gt + 1;
      continue;
    }
    const closing = next === 47; /* / */
    const nameStart = closing ? lt + 2 : lt + 1;
    let nameEnd = nameStart;
    while (nameEnd < len && isNameChar(html.charCodeAt(nameEnd))) nameEnd++;
    const first = html.charCodeAt(nameStart);
    const isLetter = (first >= 97 && first <= 122) || (first >= 65 && first <= 90);
    if (!isLetter) {
      // Not a tag ("a < b", "<3"): the '<' is text.
      out.flow('<');
      i = lt + 1;
      continue;
    }
    const name = html.slice(nameStart, nameEnd).toLowerCase();
    i = tagEnd(html, lt, nameEnd);
    if (!closing && SKIPPED.has(name)) {
      const close = closingTag(html, name, i);
      const gt = html.indexOf('>', close);
      i = close >= len || gt < 0 ? len : gt + 1;
      continue;
    }
    handleTag(name, closing);
  }
  return normalizeText(out.toString());

  function handleTag(name: string, closing: boolean): void {
    if (name === 'br') { out.lineBreak(); return; }
    if (name === 'pre') { pre = Math.max(0, pre + (closing ? -1 : 1)); out.breakLines(2); return; }
    if (name === 'ul' || name === 'ol') {
      if (closing) lists.pop(); else lists.push({ ordered: name === 'ol', n: 0 });
      out.breakLines(lists.length > (closing ? 0 : 1) ? 1 : 2);
      return;
    }
    if (name === 'li') {
      out.breakLines(1);
      if (!closing) {
        const list = lists[lists.length - 1];
        const indent = '  '.repeat(Math.max(0, lists.length - 1));
        out.literal(list?.ordered ? `${indent}${++list.n}. ` : `${indent}- `);
      }
      return;
    }
    if (name === 'tr') { cellInRow = 0; out.breakLines(1); return; }
    if (name === 'td' || name === 'th') {
      if (!closing && cellInRow++ > 0) out.literal('\t');
      return;
    }
    if (PARAGRAPH.has(name)) { out.breakLines(2); return; }
    if (BLOCK.has(name)) out.breakLines(1);
  }
}

function trimLineEnd(line: string): string {
  let end = line.length;
  while (end > 0 && (line[end - 1] === ' ' || line[end - 1] === '\t')) end--;
  return line.slice(0, end);
}

/** Plain-text normal form: LF line ends, no trailing spaces/tabs, at most one blank line in a row, no blank
 * lines at either end. */
export function normalizeText(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n').map(trimLineEnd);
  const kept: string[] = [];
  for (const line of lines) {
    if (line === '' && (kept.length === 0 || kept[kept.length - 1] === '')) continue;
    kept.push(line);
  }
  while (kept.length && kept[kept.length - 1] === '') kept.pop();
  return kept.join('\n');
}

function escapeLine(line: string): string {
  let s = line.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  s = s.replace(/\t/g, '&#9;').replace(/\f/g, '&#12;');
  // Spaces the browser would collapse: a leading space, and every space of a run of two or more.
  s = s.replace(/ {2,}/g, (run) => '&nbsp;'.repeat(run.length));
  if (s.startsWith(' ')) s = '&nbsp;' + s.slice(1);
  return s;
}

/** Converts plain text to simple HTML (see module doc). */
export function textToHtml(text: string): string {
  const norm = normalizeText(text);
  if (norm === '') return '';
  return norm
    .split(/\n\n/)
    .map((para) => `<p>${para.split('\n').map(escapeLine).join('<br>\n')}</p>`)
    .join('\n');
}
