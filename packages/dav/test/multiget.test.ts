import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DavClient } from '../src/client.js';
import { multiget, multigetChunkSize } from '../src/multiget.js';
import { Transport } from '@dovetail/http';

/**
 * An address book server on loopback: answers addressbook-multiget after `delayMs`, or with a status. A multiget of
 * more than `maxHrefs` hrefs is refused with `refuseStatus` (default 507). `maxResponseBytes` caps the client's answers.
 */
async function bookServer(options: { delayMs: number; failOnRequest?: number; maxHrefs?: number; refuseStatus?: number; maxResponseBytes?: number }) {
  let inFlight = 0;
  let maxInFlight = 0;
  let requests = 0;
  /** Hrefs per request, in the order the requests arrived. */
  const sizes: number[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      requests += 1;
      const n = requests;
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      setTimeout(() => {
        inFlight -= 1;
        if (n === options.failOnRequest) {
          res.writeHead(500, { 'content-type': 'text/plain' }).end('boom');
          return;
        }
        const hrefs = [...body.matchAll(/<d:href>([^<]*)<\/d:href>/g)].map((m) => m[1]!);
        sizes.push(hrefs.length);
        if (options.maxHrefs !== undefined && hrefs.length > options.maxHrefs) {
          res.writeHead(options.refuseStatus ?? 507, { 'content-type': 'text/plain' }).end('too many hrefs');
          return;
        }
        const responses = hrefs.map((h) => (h.includes('missing')
          ? `<d:response><d:href>${h}</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>`
          : `<d:response><d:href>${h}</d:href><d:propstat><d:prop><d:getetag>"e-${h.length}"</d:getetag>`
            + `<card:address-data>BEGIN:VCARD\r\nVERSION:3.0\r\nUID:${h}\r\nFN:x\r\nNOTE:${'n'.repeat(900)}\r\nEND:VCARD\r\n</card:address-data></d:prop>`
            + '<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>'));
        res.writeHead(207, { 'content-type': 'application/xml; charset=utf-8' })
          .end(`<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav">${responses.join('')}</d:multistatus>`);
      }, options.delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const client = new DavClient(new Transport({ auth: { type: 'none' }, maxRetries: 0, timeoutMs: 5_000, maxResponseBytes: options.maxResponseBytes }), base);
  return {
    client,
    stats: () => ({ requests, maxInFlight }),
    sizes: () => [...sizes],
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

let close: (() => Promise<void>) | undefined;
afterEach(async () => { await close?.(); close = undefined; });

const hrefsOf = (n: number) => Array.from({ length: n }, (_, i) => `/book/c${i}.vcf`);

describe('multiget', () => {
  it('fetches in chunks with two requests in flight, and answers every href (a missing one with 404)', async () => {
    const s = await bookServer({ delayMs: 40 });
    close = s.close;
    const hrefs = [...hrefsOf(9), '/book/missing.vcf'];
    const out = await multiget(s.client, '/book/', hrefs, 'addressbook', 2);
    expect(s.stats()).toEqual({ requests: 5, maxInFlight: 2 });
    expect([...out.keys()].sort()).toEqual([...hrefs].sort());
    expect(out.get('/book/c3.vcf')).toMatchObject({ ok: true, etag: '"e-12"' });
    expect(out.get('/book/c3.vcf')).toHaveProperty('data', expect.stringContaining('UID:/book/c3.vcf'));
    expect(out.get('/book/missing.vcf')).toEqual({ href: '/book/missing.vcf', ok: false, status: 404 });
  });

  it('sends one request at a time when there is only one chunk', async () => {
    const s = await bookServer({ delayMs: 5 });
    close = s.close;
    const out = await multiget(s.client, '/book/', hrefsOf(3), 'addressbook', 10);
    expect(s.stats()).toEqual({ requests: 1, maxInFlight: 1 });
    expect(out.size).toBe(3);
  });

  it('a failed request fails the call and stops sending the chunks after it', async () => {
    const s = await bookServer({ delayMs: 20, failOnRequest: 2 });
    close = s.close;
    await expect(multiget(s.client, '/book/', hrefsOf(20), 'addressbook', 2)).rejects.toMatchObject({ code: 'Unavailable' });
    // Of 10 chunks, at most the one in flight beside the failed request is sent after it.
    expect(s.stats().requests).toBeLessThanOrEqual(3);
  });

  it('splits a chunk the server refuses for its size (507) and keeps the smaller size for later calls', async () => {
    const s = await bookServer({ delayMs: 1, maxHrefs: 3 });
    close = s.close;
    const hrefs = [...hrefsOf(11), '/book/missing.vcf'];
    const out = await multiget(s.client, '/book/', hrefs, 'addressbook', 12);
    expect([...out.keys()].sort()).toEqual([...hrefs].sort());
    expect([...out.values()].filter((f) => f.ok)).toHaveLength(11);
    expect(out.get('/book/missing.vcf')).toMatchObject({ ok: false, status: 404 });
    // 12 refused, 6 refused, 3 + 3 answered, then the other 6 sent as 3 + 3 at once.
    expect(s.sizes()).toEqual([12, 6, 3, 3, 3, 3]);
    expect(multigetChunkSize(s.client, 100)).toBe(3);
    const again = await multiget(s.client, '/book/', hrefsOf(7), 'addressbook', 100);
    expect(again.size).toBe(7);
    expect(s.sizes().slice(6)).toEqual([3, 3, 1]);
  });

  it('splits a chunk refused with 413 too', async () => {
    const s = await bookServer({ delayMs: 1, maxHrefs: 2, refuseStatus: 413 });
    close = s.close;
    const out = await multiget(s.client, '/book/', hrefsOf(5), 'addressbook', 5);
    expect([...out.values()].every((f) => f.ok)).toBe(true);
    expect(out.size).toBe(5);
    // 5 refused; 3 refused; 2 + 1 answered; the other 2.
    expect(s.sizes()).toEqual([5, 3, 2, 1, 2]);
  });

  it('fails with the server\'s status when even one href is refused for its size', async () => {
    const s = await bookServer({ delayMs: 1, maxHrefs: 0 });
    close = s.close;
    await expect(multiget(s.client, '/book/', hrefsOf(2), 'addressbook', 2)).rejects.toMatchObject({ code: 'Unavailable', message: expect.stringContaining('507') });
    expect(s.sizes()).toEqual([2, 1]);
  });

  it('splits a chunk whose answer is over the transport\'s size cap', async () => {
    // About 1.1 KB per card: 80 cards do not fit in 64 KiB, 40 do.
    const s = await bookServer({ delayMs: 1, maxResponseBytes: 65_536 });
    close = s.close;
    const out = await multiget(s.client, '/book/', hrefsOf(80), 'addressbook', 80);
    expect(out.size).toBe(80);
    expect([...out.values()].every((f) => f.ok)).toBe(true);
    expect(s.sizes()[0]).toBe(80);
    expect(Math.max(...s.sizes().slice(1))).toBeLessThanOrEqual(40);
  });

  it('a single href over the transport\'s size cap fails the call with the cap\'s message', async () => {
    const s = await bookServer({ delayMs: 1, maxResponseBytes: 500 });
    close = s.close;
    await expect(multiget(s.client, '/book/', hrefsOf(2), 'addressbook', 2)).rejects.toThrow(/maxResponseBytes/);
    expect(s.sizes()).toEqual([2, 1]);
  });
});
