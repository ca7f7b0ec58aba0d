/**
 * Items real servers refuse as they are, written through the connector: retried once repaired (the rule named in
 * the result), the stored copy returned so it never echoes back as an edit; an item no rule saves fails alone with
 * the server's reason. Radicale and Xandikos as themselves; DAViCal's 500s by a proxy on 127.0.0.1 in front of
 * Radicale that answers 500 where DAViCal does (DAViCal is no Debian package here).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseICalendar, type Connector, type EventEntity, type WriteResult } from '@dovetail/core/sdk';
import { rawGet, startDavServer, type DavServer } from '../../../test/support/dav-servers.js';
import { startDavProxy, type DavProxy } from '../../../test/support/dav-proxy.js';
import { connectorFor, freshName } from './helpers.js';

const calendar = (...body: string[]) => ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Fidelity//Tests//EN', ...body, 'END:VCALENDAR', ''].join('\r\n');
const event = (uid: string, ...props: string[]) => calendar('BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20260101T000000Z', ...props, 'SUMMARY:s', 'END:VEVENT');

/** The entity a source would hand over: read from text, its raw kept (so the text goes out as it came). */
function item(text: string): EventEntity {
  const { items, errors } = parseICalendar(text);
  expect(errors).toEqual([]);
  return items[0] as EventEntity;
}

function ok(r: WriteResult): Extract<WriteResult, { ok: true }> {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r;
}

async function create(connector: Connector, collection: string, text: string): Promise<WriteResult> {
  const [r] = await connector.write(collection, [{ op: 'create', item: item(text) }]);
  return r!;
}

describe.each(['radicale', 'xandikos'] as const)('refused items on %s', (kind) => {
  let server: DavServer;
  let connector: Connector;
  let collection: string;
  beforeAll(async () => {
    server = await startDavServer(kind);
    connector = await connectorFor(server);
    collection = (await connector.createCollection!({ id: freshName(), entities: ['event'] })).id;
  });
  afterAll(async () => {
    await connector?.close?.();
    await server?.dispose();
  });

  const cases: Record<typeof kind, [string, string, string[], RegExp][]> = {
    radicale: [
      ['a negative duration written PT-2H', event('neg', 'DTSTART:20260301T100000Z', 'DURATION:PT-2H'), ['negative-duration-sign'], /DURATION:-PT2H/],
      ['RDATE with PERIOD values', event('period', 'DTSTART:20260301T100000Z', 'RDATE;VALUE=PERIOD:20260305T100000Z/PT1H'), ['period-to-date-time'], /RDATE:20260305T100000Z/],
      ['overrides without their master', calendar('BEGIN:VEVENT', 'UID:inv', 'DTSTAMP:20260101T000000Z', 'RECURRENCE-ID:20260310T100000Z',
        'DTSTART:20260310T120000Z', 'SUMMARY:Moved', 'END:VEVENT'), ['synthesised-master'], /RDATE|DTSTART:20260310T100000Z/],
    ],
    xandikos: [
      ['a negative alarm offset written PT-2H', event('negx', 'DTSTART:20260301T100000Z', 'BEGIN:VALARM', 'ACTION:DISPLAY', 'DESCRIPTION:r', 'TRIGGER:PT-2H', 'END:VALARM'),
        ['negative-duration-sign'], /TRIGGER:-PT2H/],
      ['a UTC offset of +5328', calendar('BEGIN:VTIMEZONE', 'TZID:Old/Zone', 'BEGIN:STANDARD', 'DTSTART:18800101T000000', 'TZOFFSETFROM:+5328',
        'TZOFFSETTO:+0530', 'END:STANDARD', 'END:VTIMEZONE', 'BEGIN:VEVENT', 'UID:offset', 'DTSTAMP:20260101T000000Z',
        'DTSTART;TZID=Old/Zone:20260301T100000', 'SUMMARY:s', 'END:VEVENT'), ['utc-offset-out-of-range'], /TZOFFSETFROM:\+0530/],
    ],
  };

  it.each(cases[kind])('%s: refused as it is, stored repaired, the rule named', async (_what, text, rules, stored) => {
    const r = ok(await create(connector, collection, text));
    expect(r.repaired).toEqual(rules);
    expect(r.version).toBeTruthy();
    const { body } = await rawGet(server, r.id);
    expect(body.replace(/\r\n[ \t]/g, '')).toMatch(stored);
    // What the server holds comes back as the item stored: the engine records its hash, so no echo next run.
    expect(r.stored?.uid).toBe(item(text).uid);
  });
});

describe('a server that answers 500 for items it cannot parse (as DAViCal does)', () => {
  let server: DavServer;
  let proxy: DavProxy;
  let connector: Connector;
  let collection: string;
  beforeAll(async () => {
    server = await startDavServer('radicale');
    proxy = await startDavProxy(server.url);
    // DAViCal chokes with a 500 on an absolute TRIGGER without VALUE=DATE-TIME; and refuses "SUMMARY:refuse me" (400).
    proxy.before = (req) => {
      if (req.method !== 'PUT') return;
      if (/\r\nTRIGGER:\d{8}T/.test(req.body)) return { status: 500, body: 'Internal Server Error' };
      if (req.body.includes('SUMMARY:refuse me')) {
        return { status: 400, headers: { 'content-type': 'application/xml' }, body: '<?xml version="1.0"?><error xmlns="DAV:"><valid-calendar-data xmlns="urn:ietf:params:xml:ns:caldav"/>Refused by policy</error>' };
      }
    };
    connector = await connectorFor({ ...server, url: proxy.url });
    collection = (await connector.createCollection!({ id: freshName(), entities: ['event'] })).id;
  });
  afterAll(async () => {
    await connector?.close?.();
    await proxy?.close();
    await server?.dispose();
  });

  it('the item goes through repaired, once', async () => {
    const text = event('trig', 'DTSTART:20260301T100000Z', 'BEGIN:VALARM', 'ACTION:DISPLAY', 'DESCRIPTION:r', 'TRIGGER:20260301T090000Z', 'END:VALARM');
    proxy.reset();
    const r = ok(await create(connector, collection, text));
    expect(r.repaired).toEqual(['trigger-value-date-time']);
    expect(proxy.count('PUT')).toBe(2);
    expect((await rawGet(server, r.id)).body).toContain('TRIGGER;VALUE=DATE-TIME:20260301T090000Z');
  });

  it('an item no rule saves fails alone with the server\'s reason, after one attempt', async () => {
    proxy.reset();
    const [bad, good] = await connector.write(collection, [
      { op: 'create', item: item(event('refused', 'DTSTART:20260301T100000Z').replace('SUMMARY:s', 'SUMMARY:refuse me')) },
      { op: 'create', item: item(event('fine', 'DTSTART:20260301T100000Z')) },
    ]);
    expect(bad!.ok).toBe(false);
    if (!bad!.ok) {
      expect(bad!.error.code).toBe('Invalid');
      expect(bad!.error.message).toMatch(/the server refused the item \(400: .*Refused by policy/);
    }
    expect(ok(good!).repaired).toBeUndefined();
    expect(proxy.count('PUT')).toBe(2);
  });

  it('an item that fails for a reason no rule addresses is not retried', async () => {
    proxy.reset();
    const r = await create(connector, collection, event('trig2', 'DTSTART:20260301T100000Z', 'BEGIN:VALARM', 'ACTION:DISPLAY', 'DESCRIPTION:r',
      'TRIGGER:20260301T090000Z', 'END:VALARM').replace('SUMMARY:s', 'SUMMARY:refuse me'));
    // The repaired copy (TRIGGER fixed) is still refused for its summary: one retry, then the server's reason.
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/a repaired copy \(trigger-value-date-time\) was refused too: .*Refused by policy/);
    expect(proxy.count('PUT')).toBe(2);
  });
});
