import { describe, expect, it } from 'vitest';
import { okProp, okPropText, parseMultistatus, propKey, statusCode } from '../src/multistatus.js';
import { NS, XmlError } from '../src/xml.js';

const base = 'https://dav.example.com/dav/calendars/ann/';

describe('statusCode', () => {
  it.each([
    ['HTTP/1.1 200 OK', 200],
    ['HTTP/1.1 404 Not Found', 404],
    ['  HTTP/1.0 507 Insufficient Storage ', 507],
    ['HTTP/2 201', 201],
    ['http/1.1 412 Precondition Failed', 412],
  ])('%s → %i', (line, code) => {
    expect(statusCode(line)).toBe(code);
  });

  it.each([undefined, '', 'OK', '200 OK', 'HTTP/1.1 OK', 'HTTP/1.1 20 short'])('%s → undefined', (line) => {
    expect(statusCode(line)).toBeUndefined();
  });
});

describe('parseMultistatus', () => {
  it('reads a PROPFIND answer with found (200) and missing (404) properties', () => {
    const ms = parseMultistatus(`<?xml version="1.0" encoding="utf-8"?>
<d:multistatus xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/" xmlns:c="urn:ietf:params:xml:ns:caldav">
  <d:response>
    <d:href>/dav/calendars/ann/work/</d:href>
    <d:propstat>
      <d:prop>
        <d:displayname>Work</d:displayname>
        <d:resourcetype><d:collection/><c:calendar/></d:resourcetype>
        <cs:getctag>"ctag-7"</cs:getctag>
      </d:prop>
      <d:status>HTTP/1.1 200 OK</d:status>
    </d:propstat>
    <d:propstat>
      <d:prop><d:sync-token/><c:calendar-color/></d:prop>
      <d:status>HTTP/1.1 404 Not Found</d:status>
    </d:propstat>
  </d:response>
</d:multistatus>`, base);
    expect(ms.syncToken).toBeUndefined();
    expect(ms.responses).toHaveLength(1);
    const r = ms.responses[0];
    expect(r.href).toBe('/dav/calendars/ann/work/');
    expect(r.status).toBeUndefined();
    expect(r.errors).toEqual([]);
    expect(r.propstats.map((ps) => [ps.status, [...ps.props.keys()]])).toEqual([
      [200, [propKey(NS.DAV, 'displayname'), propKey(NS.DAV, 'resourcetype'), propKey(NS.CALSERVER, 'getctag')]],
      [404, [propKey(NS.DAV, 'sync-token'), propKey(NS.CALDAV, 'calendar-color')]],
    ]);
    expect(okPropText(r, NS.DAV, 'displayname')).toBe('Work');
    expect(okPropText(r, NS.CALSERVER, 'getctag')).toBe('"ctag-7"');
    expect(okProp(r, NS.DAV, 'resourcetype')!.children.map((c) => c.local)).toEqual(['collection', 'calendar']);
    // present only in the 404 propstat, or nowhere: not a usable value
    expect(okProp(r, NS.DAV, 'sync-token')).toBeUndefined();
    expect(okPropText(r, NS.CALDAV, 'calendar-color')).toBeUndefined();
    expect(okPropText(r, NS.DAV, 'getetag')).toBeUndefined();
    // the same local name in another namespace is another property
    expect(okProp(r, NS.CALDAV, 'displayname')).toBeUndefined();
  });

  it('reads a sync-collection answer: changed members, deleted ones (response-level 404) and the new token', () => {
    const ms = parseMultistatus(`<multistatus xmlns="DAV:">
  <response>
    <href>https://dav.example.com/dav/calendars/ann/work/a%40b.ics</href>
    <propstat><prop><getetag>"e1"</getetag></prop><status>HTTP/1.1 200 OK</status></propstat>
  </response>
  <response>
    <href>/dav/calendars/ann/work/gone.ics</href>
    <status>HTTP/1.1 404 Not Found</status>
  </response>
  <sync-token>
    http://example.com/ns/sync/1234
  </sync-token>
</multistatus>`, base);
    expect(ms.syncToken).toBe('http://example.com/ns/sync/1234');
    expect(ms.responses.map((r) => [r.href, r.status, okPropText(r, NS.DAV, 'getetag')])).toEqual([
      ['/dav/calendars/ann/work/a@b.ics', undefined, '"e1"'],
      ['/dav/calendars/ann/work/gone.ics', 404, undefined],
    ]);
  });

  it('gives every href of a response that lists several its own entry with the shared status', () => {
    const ms = parseMultistatus(`<D:multistatus xmlns:D="DAV:"><D:response>
      <D:href>/dav/a.ics</D:href><D:href>b.ics</D:href><D:href>http://other.example/c.ics</D:href>
      <D:status>HTTP/1.1 423 Locked</D:status>
    </D:response></D:multistatus>`, base);
    expect(ms.responses.map((r) => [r.href, r.status])).toEqual([
      ['/dav/a.ics', 423], ['/dav/calendars/ann/b.ics', 423], ['http://other.example/c.ics', 423],
    ]);
  });

  it('collects precondition names from <error>, with the Xandikos-style encoded href', () => {
    const ms = parseMultistatus('<multistatus xmlns="DAV:"><response>'
      + '<href>http%3A//127.0.0.1%3A5232/user/calendars/calendar/x.ics</href>'
      + '<status>HTTP/1.1 412 Precondition Failed</status>'
      + '<error><no-uid-conflict xmlns="urn:ietf:params:xml:ns:caldav"><href>/user/calendars/calendar/y.ics</href></no-uid-conflict><C:valid-calendar-data xmlns:C="urn:ietf:params:xml:ns:caldav"/></error>'
      + '<responsedescription>UID already in use.</responsedescription>'
      + '</response></multistatus>', 'http://127.0.0.1:5232/user/calendars/calendar/');
    expect(ms.responses).toEqual([{
      href: '/user/calendars/calendar/x.ics',
      status: 412,
      propstats: [],
      errors: [propKey(NS.CALDAV, 'no-uid-conflict'), propKey(NS.CALDAV, 'valid-calendar-data')],
      description: 'UID already in use.',
    }]);
  });

  it('a propstat without a readable status counts as 200', () => {
    const ms = parseMultistatus('<multistatus xmlns="DAV:"><response><href>/x</href>'
      + '<propstat><prop><getetag>"1"</getetag></prop></propstat></response></multistatus>', base);
    expect(ms.responses[0].propstats[0].status).toBe(200);
    expect(okPropText(ms.responses[0], NS.DAV, 'getetag')).toBe('"1"');
  });

  it('an empty multistatus has no responses', () => {
    expect(parseMultistatus('<multistatus xmlns="DAV:"/>', base)).toEqual({ responses: [], syncToken: undefined });
  });

  it('ignores elements outside DAV: that look like responses', () => {
    const ms = parseMultistatus('<d:multistatus xmlns:d="DAV:" xmlns:x="urn:x"><x:response><d:href>/x</d:href></x:response></d:multistatus>', base);
    expect(ms.responses).toEqual([]);
  });

  it('a root other than DAV:multistatus is an Error (not an XmlError)', () => {
    expect(() => parseMultistatus('<d:error xmlns:d="DAV:"><d:valid-sync-token/></d:error>', base))
      .toThrow('expected a DAV:multistatus response, got <error>');
    let thrown: unknown;
    try { parseMultistatus('<multistatus><response/></multistatus>', base); } catch (e) { thrown = e; }
    expect(thrown).toBeInstanceOf(Error);
    expect(thrown).not.toBeInstanceOf(XmlError);
    expect((thrown as Error).message).toMatch(/expected a DAV:multistatus/);
  });

  it('a body that is not XML is an XmlError', () => {
    expect(() => parseMultistatus('<html><body>502 Bad Gateway<br></body></html>', base)).toThrow(XmlError);
    expect(() => parseMultistatus('', base)).toThrow(XmlError);
  });
});
