import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { HttpResponse } from '@dovetail/http';
import { Transport } from '@dovetail/http';
import { writeError } from '../src/writes.js';

const url = 'http://127.0.0.1:5232/user/calendars/calendar/x.ics';

function response(status: number, text = '', contentType = 'application/xml; charset=utf-8'): HttpResponse {
  return { status, text, bytes: Buffer.from(text), url, headers: new Headers({ 'content-type': contentType }) };
}

const XANDIKOS_207_412 = '<multistatus xmlns="DAV:"><response><href>http%3A//127.0.0.1%3A5232/user/calendars/calendar/x.ics</href>'
  + '<status>HTTP/1.1 412 Precondition Failed</status><error><no-uid-conflict xmlns="urn:ietf:params:xml:ns:caldav"/></error>'
  + '<responsedescription>UID already in use.</responsedescription></response></multistatus>';

const NO_UID_CONFLICT_403 = '<?xml version="1.0" encoding="utf-8"?>\n<d:error xmlns:d="DAV:" xmlns:cal="urn:ietf:params:xml:ns:caldav">'
  + '<cal:no-uid-conflict><d:href>/user/calendars/calendar/other.ics</d:href></cal:no-uid-conflict></d:error>';

describe('writeError', () => {
  it('412 on a create: the name or the UID is taken', () => {
    const e = writeError(response(412), 'PUT /cal/x.ics', true);
    expect(e.code).toBe('PreconditionFailed');
    expect(e.message).toBe('PUT /cal/x.ics: 412 (the name or the UID is already taken on the server)');
  });

  it('412 on an update or delete: the item changed since it was read', () => {
    const e = writeError(response(412), 'DELETE /cal/x.ics', false);
    expect(e.code).toBe('PreconditionFailed');
    expect(e.message).toBe('DELETE /cal/x.ics: 412 (the item changed on the server since it was read)');
  });

  it('409 is a UID clash', () => {
    const e = writeError(response(409, 'Conflict', 'text/plain'), 'PUT /cal/x.ics', true);
    expect(e.code).toBe('PreconditionFailed');
    expect(e.message).toBe('PUT /cal/x.ics: 409 (an item with this UID already exists on the server)');
  });

  it('403 with a CalDAV no-uid-conflict body is a UID clash, not an authorisation failure', () => {
    const e = writeError(response(403, NO_UID_CONFLICT_403), 'PUT /cal/x.ics', true);
    expect(e.code).toBe('PreconditionFailed');
    expect(e.message).toMatch(/403 \(an item with this UID already exists/);
  });

  it('403 with another precondition (valid-calendar-data) is an invalid item; a bare 403 is AuthFailed', () => {
    const invalid = writeError(response(403, '<d:error xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><c:valid-calendar-data/></d:error>'), 'PUT /cal/x.ics', true);
    expect(invalid.code).toBe('Invalid');
    expect(invalid.message).toBe('PUT /cal/x.ics: the server refused the item (403)');
    const denied = writeError(response(403, 'Forbidden', 'text/plain'), 'PUT /cal/x.ics', false);
    expect(denied.code).toBe('AuthFailed');
    expect(denied.message).toMatch(/403 Forbidden from 127\.0\.0\.1:5232/);
  });

  it('a 207 wrapping 412 (Xandikos) is PreconditionFailed with the create wording', () => {
    const e = writeError(response(207, XANDIKOS_207_412), 'PUT /user/calendars/calendar/x.ics', true);
    expect(e.code).toBe('PreconditionFailed');
    expect(e.message).toBe('PUT /user/calendars/calendar/x.ics: 412 (the name or the UID is already taken on the server)');
  });

  it('a 207 wrapping 403 no-uid-conflict is a UID clash', () => {
    const body = '<d:multistatus xmlns:d="DAV:"><d:response><d:href>/user/calendars/calendar/x.ics</d:href>'
      + '<d:status>HTTP/1.1 403 Forbidden</d:status><d:error><C:no-uid-conflict xmlns:C="urn:ietf:params:xml:ns:caldav"/></d:error>'
      + '</d:response></d:multistatus>';
    const e = writeError(response(207, body), 'PUT x', true);
    expect(e.code).toBe('PreconditionFailed');
    expect(e.message).toBe('PUT x: 403 (an item with this UID already exists on the server)');
  });

  it('a 207 that is unreadable or has no failed member stays an unexpected 207', () => {
    for (const body of ['not xml at all', '<multistatus xmlns="DAV:"><response><href>/x</href><status>HTTP/1.1 200 OK</status></response></multistatus>']) {
      const e = writeError(response(207, body), 'PUT x', true);
      expect(e.code).toBe('Invalid');
      expect(e.message).toMatch(/^PUT x: unexpected 207/);
    }
  });

  it.each([400, 413, 415, 422, 507])('%i → Invalid with the server\'s reason', (status) => {
    const e = writeError(response(status, '<html><body><h1>Unsupported Media Type</h1>\n<p>text/calendar expected</p></body></html>', 'text/html'), 'PUT /cal/x.ics', true);
    expect(e.code).toBe('Invalid');
    expect(e.message).toBe(`PUT /cal/x.ics: the server refused the item (${status}: Unsupported Media Type text/calendar expected)`);
  });

  it('500 and 502 → Unavailable', () => {
    for (const status of [500, 502]) {
      const e = writeError(response(status, 'Internal Server Error', 'text/plain'), 'PUT /cal/x.ics', false);
      expect(e.code).toBe('Unavailable');
      expect(e.message).toBe(`PUT /cal/x.ics: ${status} from 127.0.0.1:5232 (Internal Server Error)`);
    }
  });

  it('404 and 410 → NotFound', () => {
    expect(writeError(response(404), 'DELETE /cal/x.ics', false)).toMatchObject({ code: 'NotFound', message: 'DELETE /cal/x.ics: 404' });
    expect(writeError(response(410), 'PUT /cal/x.ics', false)).toMatchObject({ code: 'NotFound', message: 'PUT /cal/x.ics: 410' });
  });

  it('reads a 207 received over the wire the same way', async () => {
    const server = createServer((_req, res) => res.writeHead(207, { 'content-type': 'application/xml' }).end(XANDIKOS_207_412));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const t = new Transport({ auth: { type: 'none' }, maxRetries: 0 });
    try {
      const port = (server.address() as AddressInfo).port;
      const res = await t.request(`http://127.0.0.1:${port}/user/calendars/calendar/x.ics`, { method: 'PUT', body: 'BEGIN:VCALENDAR', headers: { 'If-None-Match': '*' } });
      const e = writeError(res, 'PUT x.ics', true);
      expect(e.code).toBe('PreconditionFailed');
      expect(e.message).toMatch(/412 \(the name or the UID is already taken/);
    } finally {
      await t.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('writeError: an item the server refuses inside a 207/412', () => {
  it('Xandikos valid-calendar-data wrapped in 412 is Invalid with the server reason, not a clash', () => {
    const body = '<multistatus xmlns="DAV:"><response><href>/user/calendars/calendar/x.ics</href><status>HTTP/1.1 412 Precondition Failed</status>'
      + '<error><valid-calendar-data xmlns="urn:ietf:params:xml:ns:caldav"/></error>'
      + '<responsedescription>Not a valid calendar file: Invalid iCalendar duration: -P1W6DT15H</responsedescription></response></multistatus>';
    const e = writeError({ status: 207, headers: new Headers(), text: body, bytes: Buffer.from(body), url: 'http://127.0.0.1:1/user/calendars/calendar/x.ics' }, 'PUT x.ics', true);
    expect(e.code).toBe('Invalid');
    expect(e.message).toContain('Invalid iCalendar duration: -P1W6DT15H');
    expect(e.message).toContain('valid-calendar-data');
  });
});
