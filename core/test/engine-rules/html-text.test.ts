import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { htmlToText, normalizeText, textToHtml } from '../../src/engine/html-text.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const corpusDir = process.env.CORPUS_DIR ?? path.resolve(repoRoot, '../shared/corpus');

/** The HTML body of the first event carrying X-ALT-DESC (RFC 5545 unfolding + TEXT unescaping, test-side). */
function altDesc(file: string): string {
  const text = readFileSync(path.join(corpusDir, 'ical', file), 'utf8').replace(/\r?\n[ \t]/g, '');
  const line = text.split(/\r?\n/).find((l) => l.startsWith('X-ALT-DESC'))!;
  const value = line.slice(line.indexOf(':') + 1);
  return value.replace(/\\([nN;,\\])/g, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
}

describe('htmlToText', () => {
  it('turns blocks and <br> into line breaks and collapses whitespace', () => {
    expect(htmlToText('<p>Hello   <b>World</b></p><p>Second\n  para</p>')).toBe('Hello World\n\nSecond para');
    expect(htmlToText('line 1<br>line 2<BR/>line 3')).toBe('line 1\nline 2\nline 3');
    expect(htmlToText('<div>a</div><div>b</div>')).toBe('a\nb');
    expect(htmlToText('<h1>Title</h1>text')).toBe('Title\n\ntext');
    expect(htmlToText('a<br><br><br><br>b')).toBe('a\n\nb');
  });

  it('decodes entities, named and numeric', () => {
    expect(htmlToText('<p>Tom &amp; Jerry &lt;3 &quot;x&quot; &euro;5 &#228;&#xF6;&uuml; &nbsp;!</p>')).toBe('Tom & Jerry <3 "x" €5 äöü  !');
  });

  it('drops scripts, styles, head and comments (Outlook conditional comments too)', () => {
    const html = '<html><head><title>T</title><style>p{color:red}</style></head><body>'
      + '<!--[if gte mso 9]><xml><o:x/></xml><![endif]--><script>alert("<p>no</p>")</script>'
      + '<p class=MsoNormal>Visible<o:p></o:p></p><![if !supportLists]>x<![endif]></body></html>';
    expect(htmlToText(html)).toBe('Visible\n\nx');
  });

  it('renders lists and tables readably', () => {
    expect(htmlToText('<ul><li>one</li><li>two</li></ul><ol><li>a</li><li>b</li></ol>')).toBe('- one\n- two\n\n 1. a\n 2. b'); // html-to-text's numbering
    expect(htmlToText('<table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>')).toBe('a\tb\nc\td');
  });

  it('keeps whitespace in <pre>', () => {
    expect(htmlToText('<pre>a  b\n  c</pre>')).toBe('a  b\n  c');
  });

  it('survives broken markup', () => {
    expect(htmlToText('a < b and c > d <p')).toBe('a < b and c > d');
    expect(htmlToText('<a title="x>y">link</a> after')).toBe('link after');
    // An attribute value never closed runs to the end: browsers show nothing of it either.
    expect(htmlToText('<a title="unterminated>text</a> more')).toBe('');
    expect(htmlToText('<!-- never closed <p>x</p>')).toBe('');
    expect(htmlToText('<script>never closed')).toBe('');
    expect(htmlToText('x<style>p{}</STYLE >y')).toBe('xy');
  });

  it('leaves plain text as text (only normalized)', () => {
    expect(htmlToText('Plain\n\n\n\ntext  with  spaces  \r\nAT&T')).toBe('Plain\n\ntext  with  spaces\nAT&T');
  });

  it('is linear on large and adversarial input', () => {
    const big = '<div>' + 'word &amp; <b>bold</b> '.repeat(50_000) + '</div>';
    const nasty = '<a '.repeat(50_000) + '"'.repeat(10_000) + '&'.repeat(50_000) + '<!'.repeat(20_000);
    const t0 = performance.now();
    expect(htmlToText(big).length).toBeGreaterThan(500_000);
    htmlToText(nasty);
    htmlToText('<p>' + 'x'.repeat(1_000_000));
    expect(performance.now() - t0).toBeLessThan(3000);
  });

  it('reads a real Outlook 2016 HTML body (corpus): markup, styles and XML islands vanish', () => {
    const html = altDesc('biweekly__outlook_2016_large.ics');
    expect(html.length).toBeGreaterThan(30_000);
    expect(html).toContain('<style>');
    // The body holds only a &nbsp; paragraph, as the plain DESCRIPTION (" \n") says.
    expect(htmlToText(html)).toBe('');
    const withText = html.replace('<o:p>&nbsp;</o:p>', 'Agenda: <b>Q3</b> &amp; budget<o:p></o:p>');
    expect(htmlToText(withText)).toBe('Agenda: Q3 & budget');
  });
});

describe('textToHtml', () => {
  it('escapes, makes paragraphs and line breaks', () => {
    expect(textToHtml('a < b & "c"\nnext\n\npara 2')).toBe('<p>a &lt; b &amp; &quot;c&quot;<br>\nnext</p>\n<p>para 2</p>');
    expect(textToHtml('')).toBe('');
    expect(textToHtml('  \n ')).toBe('');
    expect(textToHtml('  indented  twice')).toBe('<p>&nbsp;&nbsp;indented&nbsp;&nbsp;twice</p>');
  });

  it('round-trips through htmlToText to the normalized text (property)', () => {
    const unit = fc.constantFrom('a', 'Z', 'ä', '😀', ' ', ' ', '\t', '\n', '\r\n', '<', '>', '&', '"', "'", ';', '#', 'amp;', '\u00a0');
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 40 }), (text) => {
        expect(htmlToText(textToHtml(text))).toBe(normalizeText(text));
      }),
      { numRuns: 2000 },
    );
  });
});
