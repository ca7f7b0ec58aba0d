/**
 * Listings from hostile servers (real HTTP servers on 127.0.0.1): floods of hrefs outside the collection, more
 * members than allowed, bodies larger than allowed, answers that never end. Listings are parsed as they arrive,
 * so a cap stops a listing the moment it is passed, and hrefs outside the collection are dropped.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Transport } from '@dovetail/http';
import { DavClient } from '../src/client.js';
import { listMembers, syncCollection } from '../src/listing.js';
import { multiget } from '../src/multiget.js';

const HEAD = '<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">';
const member = (href: string) => `<d:response><d:href>${href}</d:href><d:propstat><d:prop><d:getetag>"e1"</d:getetag></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`;

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => { await Promise.all(closers.splice(0).map((c) => c())); });

/** A DAV server on loopback and a client for it; `warnings` collects what the client logs. */
async function hostile(handler: Handler, options: { maxListItems?: number; maxResponseBytes?: number } = {}) {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => handler(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  const warnings: { obj: unknown; msg?: string }[] = [];
  const logger = {
    warn: (obj: unknown, msg?: string) => warnings.push({ obj, msg }),
    trace() {}, debug() {}, info() {}, error() {}, child() { return logger; },
  };
  const transport = new Transport({ auth: { type: 'none' }, maxRetries: 0, timeoutMs: 30_000, maxResponseBytes: options.maxResponseBytes });
  closers.push(() => transport.close());
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return { client: new DavClient(transport, base, { maxListItems: options.maxListItems, logger }), warnings, transport };
}

const rejection = async (p: Promise<unknown>) => p.then(() => { throw new Error('expected a rejection'); }, (e: Error & { code?: string }) => e);

describe('hostile listings', () => {
  it('200,000 hrefs outside the collection (30 MB) are dropped and counted, read as they arrive; the 3 members are listed', async () => {
    const flood = 200_000;
    const { client, warnings, transport } = await hostile((_req, res) => {
      res.writeHead(207, { 'content-type': 'application/xml' });
      res.write(HEAD + member('/cal/a.ics') + member('/cal/b.ics'));
      // Written in pieces, as a real flood arrives: never one string of the whole answer on either side.
      for (let i = 0; i < flood; i += 10_000) res.write(Array.from({ length: 10_000 }, (_, j) => member(`/other/f${i + j}.ics`)).join(''));
      res.end(`${member('https://elsewhere.example/cal/x.ics')}${member('/cal/../other/y.ics')}${member('/cal/c.ics')}</d:multistatus>`);
    });
    const members = await listMembers(client, '/cal/');
    expect(members.map((m) => m.href)).toEqual(['/cal/a.ics', '/cal/b.ics', '/cal/c.ics']);
    expect(transport.stats.bytesReceived).toBeGreaterThan(30 * 1000 * 1000);
    expect(warnings).toEqual([{ obj: { collection: '/cal/', ignored: flood + 2 }, msg: 'the server listed hrefs outside the collection; they were ignored' }]);
  }, 60_000);

  it('more members than maxListItems: a clear error naming the setting, as soon as the cap is passed (the answer never ends)', async () => {
    const { client } = await hostile((_req, res) => {
      res.writeHead(207, { 'content-type': 'application/xml' });
      res.write(HEAD + Array.from({ length: 150 }, (_, i) => member(`/cal/m${i}.ics`)).join(''));
      // … and the rest never comes: only a parser that reads as the answer arrives gets to the cap.
    }, { maxListItems: 100 });
    const started = Date.now();
    const err = await rejection(listMembers(client, '/cal/'));
    expect(err.code).toBe('Invalid');
    expect(err.message).toBe('listing /cal/ holds more than 100 members; raise "maxListItems" in the endpoint\'s settings if the collection really is that large');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('sync-collection: outside hrefs ignored, and the cap counts changes and deletions', async () => {
    const token = '<d:sync-token>http://x/t/2</d:sync-token></d:multistatus>';
    const { client, warnings } = await hostile((_req, res) => {
      res.writeHead(207, { 'content-type': 'application/xml' }).end(HEAD + member('/cal/a.ics') + member('/evil/z.ics')
        + '<d:response><d:href>/cal/gone.ics</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>' + token);
    });
    const delta = await syncCollection(client, '/cal/', 'http://x/t/1');
    expect(delta).toEqual({ changed: [{ href: '/cal/a.ics', etag: '"e1"', contentType: undefined }], deleted: ['/cal/gone.ics'], token: 'http://x/t/2' });
    expect(warnings).toHaveLength(1);

    const capped = await hostile((_req, res) => {
      res.writeHead(207, { 'content-type': 'application/xml' }).end(HEAD + member('/cal/a.ics')
        + '<d:response><d:href>/cal/gone.ics</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>' + token);
    }, { maxListItems: 1 });
    expect((await rejection(syncCollection(capped.client, '/cal/', 'http://x/t/1'))).message).toMatch(/holds more than 1 members; raise "maxListItems"/);
  });

  it('a listing larger than maxResponseBytes fails naming that setting', async () => {
    const { client } = await hostile((_req, res) => {
      res.writeHead(207, { 'content-type': 'application/xml' });
      res.end(HEAD + Array.from({ length: 2_000 }, (_, i) => member(`/cal/m${i}.ics`)).join('') + '</d:multistatus>');
    }, { maxResponseBytes: 65_536 });
    const err = await rejection(listMembers(client, '/cal/'));
    expect(err.code).toBe('Invalid');
    expect(err.message).toMatch(/^the response from 127\.0\.0\.1:\d+ is larger than 64 KiB; raise "maxResponseBytes" in the endpoint's settings/);
  });

  it('a truncated listing is an unreadable answer, not a short list', async () => {
    const { client } = await hostile((req, res) => {
      res.writeHead(207, { 'content-type': 'application/xml' });
      res.end(HEAD + member('/cal/a.ics') + '<d:response><d:href>/cal/b');
    });
    const err = await rejection(listMembers(client, '/cal/'));
    expect(err.code).toBe('Unavailable');
    expect(err.message).toMatch(/^listing \/cal\/: unreadable answer \(malformed XML: /);
  });

  it('multiget keeps only the hrefs it asked for', async () => {
    const { client } = await hostile((_req, res) => {
      const data = (uid: string) => `<c:calendar-data>BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:${uid}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n</c:calendar-data>`;
      const full = (href: string) => `<d:response><d:href>${href}</d:href><d:propstat><d:prop><d:getetag>"e"</d:getetag>${data(href)}</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`;
      res.writeHead(207, { 'content-type': 'application/xml' }).end(HEAD + full('/cal/a.ics') + Array.from({ length: 500 }, (_, i) => full(`/cal/extra${i}.ics`)).join('') + '</d:multistatus>');
    });
    const out = await multiget(client, '/cal/', ['/cal/a.ics'], 'calendar', 10);
    expect([...out.keys()]).toEqual(['/cal/a.ics']);
  });
});
