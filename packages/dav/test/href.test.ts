import { describe, expect, it } from 'vitest';
import { asCollectionHref, hrefToUrl, isMemberOf, normalizeHref, safeResourceName } from '../src/href.js';

const base = 'http://127.0.0.1:5232/user/calendars/';
const norm = (href: string) => normalizeHref(href, base);

describe('normalizeHref', () => {
  it('spells the same resource one way: %40 and @, %7E and ~, sub-delims decoded', () => {
    expect(norm('/user/a%40b.ics')).toBe('/user/a@b.ics');
    expect(norm('/user/a@b.ics')).toBe('/user/a@b.ics');
    expect(norm('/%7Ejoe/cal/')).toBe('/~joe/cal/');
    expect(norm('/%7ejoe/cal/')).toBe('/~joe/cal/');
    expect(norm('/~joe/cal/')).toBe('/~joe/cal/');
    expect(norm('/a%3Ab%2Bc%2Cd%3De%21.ics')).toBe('/a:b+c,d=e!.ics');
    expect(norm('/a:b+c,d=e!.ics')).toBe('/a:b+c,d=e!.ics');
  });

  it('encodes spaces and non-ASCII as UTF-8 escapes, whichever way the server wrote them', () => {
    expect(norm('/user/my cal/a b.ics')).toBe('/user/my%20cal/a%20b.ics');
    expect(norm('/user/my%20cal/a%20b.ics')).toBe('/user/my%20cal/a%20b.ics');
    expect(norm('/user/Küche/ü.ics')).toBe('/user/K%C3%BCche/%C3%BC.ics');
    expect(norm('/user/K%c3%bcche/%C3%BC.ics')).toBe('/user/K%C3%BCche/%C3%BC.ics');
    expect(norm('/user/日本.ics')).toBe(norm('/user/%E6%97%A5%E6%9C%AC.ics'));
  });

  it('keeps escapes that change meaning: %2F, %25, %3F, %23', () => {
    expect(norm('/a%2Fb.ics')).toBe('/a%2Fb.ics');
    expect(norm('/a%2fb.ics')).toBe('/a%2Fb.ics');
    expect(norm('/100%25.ics')).toBe('/100%25.ics');
    expect(norm('/what%3F.ics')).toBe('/what%3F.ics');
    expect(norm('/no%23.ics')).toBe('/no%23.ics');
  });

  it('keeps a stray % as written (upper-casing other escapes in that segment)', () => {
    expect(norm('/a%zz.ics')).toBe('/a%zz.ics');
    expect(norm('/50%.ics')).toBe('/50%.ics');
    expect(norm('/%ff%zz.ics')).toBe('/%FF%zz.ics'); // not UTF-8, not decodable
  });

  it('turns an absolute URL on the same origin into its path (scheme and host case, default port)', () => {
    expect(norm('http://127.0.0.1:5232/user/x.ics')).toBe('/user/x.ics');
    expect(norm('HTTP://127.0.0.1:5232/user/a%40b.ics')).toBe('/user/a@b.ics');
    expect(normalizeHref('https://DAV.Example.com:443/cal/x.ics', 'https://dav.example.com/')).toBe('/cal/x.ics');
    expect(norm('http://127.0.0.1:5232')).toBe('/');
  });

  it('keeps other origins absolute (and normalises their path)', () => {
    expect(norm('https://other.example/user/x.ics')).toBe('https://other.example/user/x.ics');
    expect(norm('http://127.0.0.1:5233/user/%7Ex.ics')).toBe('http://127.0.0.1:5233/user/~x.ics');
    expect(norm('https://127.0.0.1:5232/user/x.ics')).toBe('https://127.0.0.1:5232/user/x.ics');
  });

  it("reads Xandikos' percent-encoded absolute URLs as the URL they encode", () => {
    expect(norm('http%3A//127.0.0.1%3A5232/user/x.ics')).toBe('/user/x.ics');
    expect(norm('http%3A//127.0.0.1%3A5232/user/calendars/calendar/x.ics')).toBe('/user/calendars/calendar/x.ics');
    expect(norm('http%3A%2F%2F127.0.0.1%3A5232%2Fuser%2Fx.ics')).toBe('/user/x.ics');
    expect(norm('https%3A//other.example/x.ics')).toBe('https://other.example/x.ics');
    // an escape inside the encoded URL was itself encoded once more
    expect(norm('http%3A//127.0.0.1%3A5232/user/a%2540b%2520c.ics')).toBe('/user/a@b%20c.ics');
  });

  it('does not take a name that merely contains %3A for an URL', () => {
    expect(norm('/user/http%3A//x.ics')).toBe('/user/http://x.ics');
    expect(norm('urn%3Afoo.ics')).toBe('/user/calendars/urn:foo.ics');
  });

  it('resolves relative hrefs and dot segments against the base', () => {
    expect(norm('x.ics')).toBe('/user/calendars/x.ics');
    expect(norm('../x.ics')).toBe('/user/x.ics');
    expect(norm('/user/./cal/../x.ics')).toBe('/user/x.ics');
    expect(norm('/user/%2E%2E/x.ics')).toBe('/x.ics');
    expect(norm('/a%2e%2e/x')).toBe('/a../x'); // not a dot segment
  });

  it('keeps doubled slashes, and does not read a leading // as a host', () => {
    expect(norm('/user//cal/x.ics')).toBe('/user//cal/x.ics');
    expect(norm('//user//x.ics')).toBe('//user//x.ics');
    expect(hrefToUrl('//user//x.ics', base)).toBe('http://127.0.0.1:5232//user//x.ics');
  });

  it('keeps the trailing slash of a collection (and its absence)', () => {
    expect(norm('/user/cal/')).toBe('/user/cal/');
    expect(norm('/user/cal')).toBe('/user/cal');
    expect(norm('http://127.0.0.1:5232/user/cal/')).toBe('/user/cal/');
  });

  it('trims whitespace around the href, keeps the query, drops the fragment', () => {
    expect(norm('\n   /user/x.ics  \n')).toBe('/user/x.ics');
    expect(norm('/user/x.ics?export&a=1#frag')).toBe('/user/x.ics?export&a=1');
  });

  it('is idempotent', () => {
    for (const h of ['/user/a%40b.ics', '/a b/ü.ics', '/a%2Fb/', 'http%3A//127.0.0.1%3A5232/x.ics', '//a//b', '/50%.ics', 'https://o.example/%7E/']) {
      const once = norm(h);
      expect(norm(once)).toBe(once);
    }
  });

  it('returns an href it cannot read as an http(s) URL as written', () => {
    expect(norm('mailto:ann@example.com')).toBe('mailto:ann@example.com');
    expect(norm('http://[bad')).toBe('http://[bad');
  });
});

describe('hrefToUrl and asCollectionHref', () => {
  it('builds the absolute URL of a normalised href', () => {
    expect(hrefToUrl('/user/a@b.ics', base)).toBe('http://127.0.0.1:5232/user/a@b.ics');
    expect(hrefToUrl('x.ics', base)).toBe('http://127.0.0.1:5232/user/calendars/x.ics');
    expect(hrefToUrl('https://other.example/x.ics', base)).toBe('https://other.example/x.ics');
  });

  it('adds exactly one trailing slash', () => {
    expect(asCollectionHref('/cal')).toBe('/cal/');
    expect(asCollectionHref('/cal/')).toBe('/cal/');
  });
});

describe('isMemberOf', () => {
  it('is true for direct members, items and sub-collections', () => {
    expect(isMemberOf('/cal/x.ics', '/cal/')).toBe(true);
    expect(isMemberOf('/cal/x.ics', '/cal')).toBe(true);
    expect(isMemberOf('/cal/sub/', '/cal/')).toBe(true);
  });

  it('is false for the collection itself, deeper members, siblings and prefixes', () => {
    expect(isMemberOf('/cal/', '/cal/')).toBe(false);
    expect(isMemberOf('/cal', '/cal/')).toBe(false);
    expect(isMemberOf('/cal/sub/x.ics', '/cal/')).toBe(false);
    expect(isMemberOf('/calendar/x.ics', '/cal/')).toBe(false);
    expect(isMemberOf('/other/x.ics', '/cal/')).toBe(false);
    expect(isMemberOf('/cal//x.ics', '/cal/')).toBe(false);
  });

  it('works on hrefs normalised from differently spelled server answers', () => {
    const collection = norm('http://127.0.0.1:5232/%7Eann/cal%20one/');
    expect(isMemberOf(norm('/~ann/cal one/a%40b.ics'), collection)).toBe(true);
    expect(isMemberOf(norm('http%3A//127.0.0.1%3A5232/%7Eann/cal%20one/x.ics'), collection)).toBe(true);
  });
});

describe('safeResourceName', () => {
  it('keeps a plain UID', () => {
    expect(safeResourceName('20240101T120000Z-4711@example', '.ics')).toMatch(/^[0-9a-f]{32}\.ics$/); // '@' is not plain
    expect(safeResourceName('6DB7B360-28B8-11D7-B700-00306568757E-RID', '.ics')).toBe('6DB7B360-28B8-11D7-B700-00306568757E-RID.ics');
    expect(safeResourceName('abc_def.1', '.vcf')).toBe('abc_def.1.vcf');
  });

  it('hashes anything else to 32 hex digits, stably, and distinctly', () => {
    const weird = ['a/b', '../../etc/passwd', '..', 'a..b', '.hidden', 'with space', 'ünï', '', 'x'.repeat(101), 'a?b#c', 'C:\\x'];
    const names = weird.map((uid) => safeResourceName(uid, '.ics'));
    for (const n of names) expect(n).toMatch(/^[0-9a-f]{32}\.ics$/);
    expect(new Set(names).size).toBe(weird.length);
    expect(weird.map((uid) => safeResourceName(uid, '.ics'))).toEqual(names);
    expect(safeResourceName('a/b', '.vcf')).toBe(names[0].replace('.ics', '.vcf'));
  });

  it('a UID of 100 plain characters is kept, 101 is hashed', () => {
    expect(safeResourceName('a'.repeat(100), '.ics')).toBe(`${'a'.repeat(100)}.ics`);
    expect(safeResourceName('a'.repeat(101), '.ics')).not.toContain('aaaa');
  });
});
