import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { child, children, childText, escapeXml, NS, parseXml, XmlError, XmlStreamParser } from '../src/xml.js';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const corpusDir = process.env.CORPUS_DIR ?? path.resolve(repoRoot, '../shared/corpus');
/** A real calendar file, line ends as XML hands them back (CRLF → LF). */
const corpusIcs = (name: string) => readFileSync(path.join(corpusDir, 'ical', name), 'utf8').replace(/\r\n?/g, '\n');

function parseError(xml: string): XmlError {
  try {
    parseXml(xml);
  } catch (e) {
    expect(e).toBeInstanceOf(XmlError);
    return e as XmlError;
  }
  throw new Error('expected parseXml to throw');
}

describe('parseXml: namespaces', () => {
  it('resolves prefixes, and keeps namespaced attributes apart from plain ones', () => {
    const root = parseXml(`<?xml version="1.0" encoding="utf-8"?>
      <d:multistatus xmlns:d="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:cs="http://calendarserver.org/ns/">
        <d:response><d:propstat><d:prop>
          <C:calendar-data content-type="text/calendar" d:version="2.0">BEGIN:VCALENDAR</C:calendar-data>
          <cs:getctag>ctag-1</cs:getctag>
        </d:prop></d:propstat></d:response>
      </d:multistatus>`);
    expect(root).toMatchObject({ ns: NS.DAV, local: 'multistatus' });
    const prop = child(child(child(root, NS.DAV, 'response'), NS.DAV, 'propstat'), NS.DAV, 'prop');
    const data = child(prop, NS.CALDAV, 'calendar-data')!;
    expect(data.attrs).toEqual({ 'content-type': 'text/calendar', '{DAV:}version': '2.0' });
    expect(data.text).toBe('BEGIN:VCALENDAR');
    expect(childText(prop, NS.CALSERVER, 'getctag')).toBe('ctag-1');
    // xmlns declarations are not attributes
    expect(root.attrs).toEqual({});
  });

  it('applies a default namespace to unprefixed elements but not to attributes', () => {
    const root = parseXml('<multistatus xmlns="DAV:"><response a="1"><href>/x</href></response></multistatus>');
    const response = child(root, NS.DAV, 'response')!;
    expect(response.attrs).toEqual({ a: '1' });
    expect(childText(response, NS.DAV, 'href')).toBe('/x');
  });

  it('scopes a redeclared prefix or default namespace to its element', () => {
    const root = parseXml(`<a:root xmlns:a="DAV:" xmlns="urn:one">
      <a:x xmlns:a="urn:other"><a:y/><plain/></a:x>
      <a:z/><plain xmlns="urn:two"><inner/></plain><plain/>
    </a:root>`);
    expect(root.children.map((c) => `{${c.ns}}${c.local}`)).toEqual(['{urn:other}x', '{DAV:}z', '{urn:two}plain', '{urn:one}plain']);
    expect(root.children[0].children.map((c) => `{${c.ns}}${c.local}`)).toEqual(['{urn:other}y', '{urn:one}plain']);
    expect(root.children[2].children[0].ns).toBe('urn:two');
    // the same local name in another namespace is not the element asked for
    expect(child(root, NS.DAV, 'x')).toBeUndefined();
    expect(children(root, 'urn:one', 'plain')).toHaveLength(1);
  });

  it('elements without a namespace have ns ""', () => {
    expect(parseXml('<r><c/></r>').children[0]).toEqual({ ns: '', local: 'c', attrs: {}, children: [], text: '' });
  });

  it('an unbound prefix is malformed', () => {
    expect(parseError('<x:r/>').message).toMatch(/unbound namespace prefix/);
  });
});

describe('parseXml: text', () => {
  it('joins text and CDATA of an element, not of its children; entities and character references decode', () => {
    const root = parseXml('<r>a&amp;b<![CDATA[<tag> & ]]]]><![CDATA[>]]><c>child</c>&#233;&#x1F600;&lt;</r>');
    expect(root.text).toBe('a&b<tag> & ]]>é😀<');
    expect(root.children[0].text).toBe('child');
  });

  it('normalises line ends the way XML does (calendar data comes back with LF)', () => {
    expect(parseXml('<r>A\r\nB\rC&#13;</r>').text).toBe('A\nB\nC\r');
  });

  it('skips comments and processing instructions', () => {
    expect(parseXml('<!-- hi --><?pi x?><r>t<!-- x -->u<?p?></r>').text).toBe('tu');
  });

  it('escapeXml makes text and attribute values safe, and round-trips', () => {
    const s = `a<b>&"c"'d'`;
    expect(escapeXml(s)).toBe('a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;');
    expect(parseXml(`<r v="${escapeXml(s)}">${escapeXml(s)}</r>`)).toMatchObject({ attrs: { v: s }, text: s });
  });
});

describe('parseXml: control characters (leaked from calendar data) are dropped, not fatal', () => {
  it('drops raw C0 controls and references to them, keeps tab, LF and CR', () => {
    const root = parseXml('<r a="x\u0002y&#x3;">A\u0001B&#x1;C&#1;D&#x1F;E&#x9;F&#10;G&#31;H&#0000011;I&#x0b;J&#x0C;K&#13;L</r>');
    expect(root.attrs.a).toBe('xy');
    expect(root.text).toBe('ABCDE\tF\nGHIJK\rL');
  });

  it('drops the non-characters U+FFFE and U+FFFF, raw or referenced', () => {
    expect(parseXml('<r>a\uFFFEb&#xFFFF;c&#xfffe;d&#65535;e</r>').text).toBe('abcde');
  });

  it('real calendar data around the control characters survives intact', () => {
    const ics = corpusIcs('nodeical__tripit_escaping.ics'); // has & and < in its text
    expect(ics).toMatch(/&/);
    const lines = ics.split('\n');
    // a raw U+0001 and a &#x1; reference inside two SUMMARY lines, as some servers leak them
    const dirty = lines.map((l, i) => (i === 10 ? `${escapeXml(l)}\u0001` : i === 20 ? `&#x1;${escapeXml(l)}` : escapeXml(l))).join('\n');
    const body = `<d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:response><d:href>/cal/trip.ics</d:href>
      <d:propstat><d:prop><c:calendar-data>${dirty}</c:calendar-data></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>
      </d:response></d:multistatus>`;
    const data = parseXml(body).children[0].children[1].children[0].children[0];
    expect(data.local).toBe('calendar-data');
    expect(data.text).toBe(ics);
  });

  it('also inside CDATA', () => {
    const ics = corpusIcs('ical4j__apple_ical_allday_non_ascii.ics');
    expect(ics).toMatch(/Chö-kor Düchen/);
    const withControl = ics.replace('SUMMARY:', 'SUMMARY:\u0007');
    expect(parseXml(`<r><![CDATA[${withControl}]]></r>`).text).toBe(ics);
  });
});

describe('parseXml: refused and malformed input', () => {
  const billionLaughs = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 ${Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`).join('\n ')}
]>
<d:multistatus xmlns:d="DAV:"><d:href>&lol9;</d:href></d:multistatus>`;

  it('refuses a DOCTYPE with internal entities (billion laughs), quickly', () => {
    const started = performance.now();
    const e = parseError(billionLaughs);
    expect(performance.now() - started).toBeLessThan(250);
    expect(e.message).toMatch(/DOCTYPE is not allowed/);
    expect(e.name).toBe('XmlError');
  });

  it('refuses an external entity (nothing is read from disk)', () => {
    const e = parseError('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><r>&xxe;</r>');
    expect(e.message).toMatch(/DOCTYPE is not allowed/);
    expect(e.message).not.toMatch(/root:/);
  });

  it('refuses even a harmless DOCTYPE', () => {
    expect(parseError('<!DOCTYPE r><r/>').message).toMatch(/DOCTYPE/);
  });

  it('an undeclared entity is malformed', () => {
    expect(parseError('<r>&nbsp;</r>').message).toMatch(/undefined entity/);
  });

  it.each([
    ['mismatched tags', '<r><a></r>'],
    ['unclosed root', '<r><a/>'],
    ['two roots', '<r/><s/>'],
    ['text after the root', '<r/>junk'],
    ['plain text', 'Internal Server Error'],
    ['an HTML error page', '<html><body><p>Bad<br></p></body></html>'],
  ])('%s → XmlError', (_name, xml) => {
    expect(parseError(xml).message).toMatch(/^malformed XML: /);
  });

  it.each([
    ['empty body', ''],
    ['whitespace only', ' \n '],
    ['only a declaration', '<?xml version="1.0" encoding="utf-8"?>'],
    ['only a comment', '<!-- nothing -->'],
  ])('no root element (%s) → XmlError', (_name, xml) => {
    expect(parseError(xml).message).toMatch(/root element/);
  });
});

describe('parseXml: byte order mark and leading whitespace', () => {
  it('accepts a BOM before the declaration', () => {
    expect(parseXml('\uFEFF<?xml version="1.0" encoding="utf-8"?><r>x</r>').text).toBe('x');
  });

  it('accepts blank lines before the declaration (a stray newline from PHP servers)', () => {
    expect(parseXml('\n\r\n  <?xml version="1.0"?>\n<d:r xmlns:d="DAV:"/>').local).toBe('r');
    expect(parseXml('\uFEFF\n<?xml version="1.0"?><r/>').local).toBe('r');
  });

  it('a BOM in the middle of text is kept as a character', () => {
    expect(parseXml('<r>a\uFEFFb</r>').text).toBe('a\uFEFFb');
  });
});

describe('XmlStreamParser: a streamed root', () => {
  it('hands each child over as it completes, in any split, and keeps neither the children nor the text between them', () => {
    const doc = '<?xml version="1.0"?>\n<d:multistatus xmlns:d="DAV:">\n  <d:response><d:href>/a</d:href></d:response>\n  ' +
      '<d:response><d:href>/b</d:href></d:response>\n  root text\n</d:multistatus>\n';
    const hrefs: string[] = [];
    const parser = new XmlStreamParser({ onRootChild: (el) => hrefs.push(childText(el, NS.DAV, 'href')!) });
    for (let i = 0; i < doc.length; i += 7) parser.write(doc.slice(i, i + 7));
    const root = parser.close();
    expect(hrefs).toEqual(['/a', '/b']);
    expect(root.local).toBe('multistatus');
    expect(root.children).toEqual([]);
    expect(root.text).toBe('');
  });

  it('without onRootChild the whole tree and the root text are kept', () => {
    const root = parseXml('<d:multistatus xmlns:d="DAV:"> <d:response/> x </d:multistatus>');
    expect(children(root, NS.DAV, 'response')).toHaveLength(1);
    expect(root.text).toBe('  x ');
  });
});
