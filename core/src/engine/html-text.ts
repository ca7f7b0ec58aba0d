/**
 * HTML ↔ plain text for description fields (the `html-to-text` and `text-to-html` mapping transforms).
 *
 * htmlToText is html-to-text (a maintained HTML parser and formatter, also used by the Exchange connector), set up
 * for descriptions: no word wrapping, no link targets or images, headings as written (not upper-cased), list items
 * "- " / " N. " (html-to-text's numbering), table cells separated by a tab. Its result is then normalized: no trailing spaces on lines, at
 * most one blank line in a row, no leading/trailing blank lines. Text that holds neither a tag nor a character
 * reference is plain text and only normalized.
 *
 * textToHtml escapes `& < > "`, makes one <p> per paragraph (blank-line separated) and <br> between lines, and
 * writes runs of spaces, a leading space and tabs so a browser shows them — so htmlToText(textToHtml(t)) ===
 * normalizeText(t).
 */
import { createRequire } from 'node:module';
import type { compile as Compile, FormatCallback, HtmlToTextOptions } from 'html-to-text';

/** Table rows as lines, cells separated by a tab (html-to-text's own tables pad cells with spaces). */
const tabTable: FormatCallback = (elem, walk, builder) => {
  builder.openBlock({ leadingLineBreaks: 2 });
  const rows = (elem.children ?? []).flatMap((c: { name?: string; children?: unknown[] }) =>
    (c.name === 'tr' ? [c] : (c.children ?? []).filter((r) => (r as { name?: string }).name === 'tr'))) as { children?: { name?: string; children?: unknown[] }[] }[];
  rows.forEach((row, r) => {
    const cells = (row.children ?? []).filter((c) => c.name === 'td' || c.name === 'th');
    cells.forEach((cell, i) => {
      if (i > 0) builder.addLiteral('\t');
      builder.pushWordTransform((w: string) => w);
      walk(cell.children as never, builder);
      builder.popWordTransform();
    });
    if (r < rows.length - 1) builder.addLineBreak();
  });
  builder.closeBlock({ trailingLineBreaks: 2 });
};

const OPTIONS: HtmlToTextOptions = {
  wordwrap: false,
  decodeEntities: true,
  formatters: { tabTable },
  selectors: [
    { selector: 'a', options: { ignoreHref: true } },
    { selector: 'img', format: 'skip' },
    { selector: 'ul', options: { itemPrefix: '- ' } },
    { selector: 'table', format: 'tabTable' },
    ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((h) => ({ selector: h, options: { uppercase: false } })),
    { selector: 'hr', format: 'paragraph' },
    { selector: 'p', options: { leadingLineBreaks: 2, trailingLineBreaks: 2 } },
  ],
};
/** The converter, built on the first HTML description (loading html-to-text costs every run otherwise). */
let converter: ((html: string) => string) | undefined;
function convert(html: string): string {
  converter ??= (createRequire(import.meta.url)('html-to-text') as { compile: typeof Compile }).compile(OPTIONS);
  return converter(html);
}

/** Markup or a character reference: anything else is plain text. */
const LOOKS_LIKE_HTML = /<[a-zA-Z!/?]|&(?:#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,7}|[a-zA-Z][a-zA-Z0-9]{1,31})/;
/** Stands in for a literal U+00A0 while converting (a noncharacter: never in real text). */
const KEPT_NBSP = '\uFDD0';
const KEPT_TAB = '\uFDD1';
const KEPT_FF = '\uFDD2';

/**
 * The readable text of an HTML description (see the module doc). `&nbsp;` is a plain space in a description; a
 * literal U+00A0 character stays what it is.
 */
export function htmlToText(html: string): string {
  if (!LOOKS_LIKE_HTML.test(html)) return normalizeText(html);
  // A tab or form feed written as a character reference is meant literally (textToHtml writes them so); the parser
  // would decode it first and then collapse it as whitespace.
  const marked = html.replace(/\u00a0/g, KEPT_NBSP).replace(/&#0*9;|&#[xX]0*9;|&Tab;/g, KEPT_TAB).replace(/&#0*12;|&#[xX]0*[cC];/g, KEPT_FF);
  const text = convert(marked);
  return normalizeText(text.replace(/\u00a0/g, ' ').replace(/\uFDD0/g, '\u00a0').replace(/\uFDD1/g, '\t').replace(/\uFDD2/g, '\f'));
}

function trimLineEnd(line: string): string {
  let end = line.length;
  while (end > 0 && (line[end - 1] === ' ' || line[end - 1] === '\t')) end--;
  return line.slice(0, end);
}

/** Line ends trimmed, at most one blank line in a row, no blank lines at either end; CRLF/CR become LF. */
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

/** Plain text as HTML (see the module doc). */
export function textToHtml(text: string): string {
  const norm = normalizeText(text);
  if (norm === '') return '';
  return norm
    .split(/\n\n/)
    .map((para) => `<p>${para.split('\n').map(escapeLine).join('<br>\n')}</p>`)
    .join('\n');
}
