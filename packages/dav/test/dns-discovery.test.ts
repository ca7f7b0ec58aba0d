import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { Resolver } from 'node:dns/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { domainFor, lookupDavService } from '../src/dns-discovery.js';

/* A tiny authoritative DNS server over UDP on 127.0.0.1 that answers from a table. */

const TYPE_TXT = 16;
const TYPE_SRV = 33;

interface Srv { priority: number; weight: number; port: number; target: string }
/** Per lower-case name: records by type, or a forced response code. */
interface ZoneEntry { srv?: Srv[]; txt?: string[][]; rcode?: 'SERVFAIL' | 'REFUSED'; drop?: boolean }
type Zone = Record<string, ZoneEntry>;

function encodeName(name: string): Buffer {
  const labels = name.replace(/\.$/, '').split('.').filter(Boolean);
  return Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'ascii')])), Buffer.from([0])]);
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

function resourceRecord(type: number, rdata: Buffer): Buffer {
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(type, 0);
  fixed.writeUInt16BE(1, 2); // class IN
  fixed.writeUInt32BE(60, 4); // TTL
  fixed.writeUInt16BE(rdata.length, 8);
  return Buffer.concat([Buffer.from([0xc0, 0x0c]), fixed, rdata]); // name = pointer to the question
}

function srvData(record: Srv): Buffer {
  return Buffer.concat([u16(record.priority), u16(record.weight), u16(record.port), encodeName(record.target)]);
}

function txtData(chunks: string[]): Buffer {
  return Buffer.concat(chunks.map((c) => Buffer.concat([Buffer.from([Buffer.byteLength(c)]), Buffer.from(c)])));
}

/** Builds the answer to one query: header, the question echoed, answers. */
function answer(query: Buffer, zone: Zone): Buffer | undefined {
  let offset = 12;
  const labels: string[] = [];
  while (query[offset] !== 0) {
    const length = query[offset];
    labels.push(query.subarray(offset + 1, offset + 1 + length).toString('ascii'));
    offset += length + 1;
  }
  const questionEnd = offset + 1 + 4;
  const qtype = query.readUInt16BE(offset + 1);
  const entry = zone[labels.join('.').toLowerCase()];
  if (entry?.drop) return undefined;

  const records =
    qtype === TYPE_SRV ? (entry?.srv ?? []).map((r) => resourceRecord(TYPE_SRV, srvData(r)))
    : qtype === TYPE_TXT ? (entry?.txt ?? []).map((t) => resourceRecord(TYPE_TXT, txtData(t)))
    : [];
  const rcode = entry === undefined ? 3 : entry.rcode === 'SERVFAIL' ? 2 : entry.rcode === 'REFUSED' ? 5 : 0;

  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2); // id
  const recursionDesired = query[2] & 0x01;
  header[2] = 0x80 | 0x04 | recursionDesired; // QR, AA, RD copied
  header[3] = 0x80 | rcode; // RA, RCODE
  header.writeUInt16BE(1, 4); // QDCOUNT
  header.writeUInt16BE(rcode === 0 ? records.length : 0, 6); // ANCOUNT
  return Buffer.concat([header, query.subarray(12, questionEnd), ...(rcode === 0 ? records : [])]);
}

const ZONE: Zone = {
  // TLS service with a path, two hosts of different priority listed worst-first.
  '_caldavs._tcp.secure.test': {
    srv: [
      { priority: 20, weight: 0, port: 8443, target: 'backup.secure.test' },
      { priority: 10, weight: 5, port: 443, target: 'dav.secure.test' },
    ],
    txt: [['path=/dav/cal/']],
  },
  '_carddavs._tcp.secure.test': {
    srv: [{ priority: 0, weight: 0, port: 8843, target: 'contacts.secure.test' }],
    txt: [['v=1'], ['path=/card', 'dav/']],
  },
  // Only the plain service is published.
  '_caldavs._tcp.plain.test': {},
  '_caldav._tcp.plain.test': { srv: [{ priority: 0, weight: 0, port: 8080, target: 'cal.plain.test' }] },
  // TLS service explicitly not offered, no plain service either.
  '_caldavs._tcp.none.test': { srv: [{ priority: 0, weight: 0, port: 0, target: '.' }] },
  '_caldav._tcp.none.test': { srv: [{ priority: 0, weight: 0, port: 0, target: '.' }] },
  // TLS not offered, plain service is.
  '_carddavs._tcp.mixed.test': { srv: [{ priority: 0, weight: 0, port: 0, target: '.' }] },
  '_carddav._tcp.mixed.test': { srv: [{ priority: 1, weight: 0, port: 80, target: 'book.mixed.test' }], txt: [['PATH=/addressbooks/']] },
  // Ordering by priority then weight.
  '_caldavs._tcp.weights.test': {
    srv: [
      { priority: 5, weight: 1, port: 443, target: 'light.weights.test' },
      { priority: 5, weight: 60, port: 443, target: 'heavy.weights.test' },
      { priority: 1, weight: 0, port: 443, target: 'first.weights.test' },
      { priority: 9, weight: 100, port: 443, target: 'last.weights.test' },
    ],
    txt: [['path=relative/ignored']],
  },
  // Names exist but carry no SRV records (NODATA).
  '_caldavs._tcp.nodata.test': { txt: [['path=/x/']] },
  '_caldav._tcp.nodata.test': {},
  '_caldavs._tcp.broken.test': { rcode: 'SERVFAIL' },
  '_carddavs._tcp.refused.test': { rcode: 'REFUSED' },
  '_caldavs._tcp.silent.test': { drop: true },
};

let server: Socket;
let resolver: Resolver;
let queries: string[] = [];

beforeAll(async () => {
  server = createSocket('udp4');
  server.on('message', (message, remote) => {
    const reply = answer(message, ZONE);
    const nameEnd = message.indexOf(0, 12);
    const labels: string[] = [];
    for (let o = 12; o < nameEnd; o += message[o] + 1) labels.push(message.subarray(o + 1, o + 1 + message[o]).toString());
    queries.push(`${message.readUInt16BE(nameEnd + 1) === TYPE_SRV ? 'SRV' : 'TXT'} ${labels.join('.')}`);
    if (reply) server.send(reply, remote.port, remote.address);
  });
  await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  resolver = new Resolver({ timeout: 500, tries: 1 });
  resolver.setServers([`127.0.0.1:${port}`]);
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('lookupDavService against a local DNS server', () => {
  it('uses _caldavs SRV with the TXT path, best priority first', async () => {
    queries = [];
    const targets = await lookupDavService('caldav', 'secure.test', { resolver });
    expect(targets).toEqual([
      { url: 'https://dav.secure.test/dav/cal/', source: 'srv+txt' },
      { url: 'https://backup.secure.test:8443/dav/cal/', source: 'srv+txt' },
    ]);
    expect(queries).toEqual(['SRV _caldavs._tcp.secure.test', 'TXT _caldavs._tcp.secure.test']);
  });

  it('looks up the carddav names and joins multi-string TXT records', async () => {
    queries = [];
    const targets = await lookupDavService('carddav', 'ann@secure.test', { resolver });
    expect(targets).toEqual([{ url: 'https://contacts.secure.test:8843/carddav/', source: 'srv+txt' }]);
    expect(queries[0]).toBe('SRV _carddavs._tcp.secure.test');
  });

  it('falls back to _caldav over http and uses the well-known path without TXT', async () => {
    queries = [];
    const targets = await lookupDavService('caldav', 'plain.test', { resolver });
    expect(targets).toEqual([{ url: 'http://cal.plain.test:8080/.well-known/caldav', source: 'srv' }]);
    expect(queries).toEqual(['SRV _caldavs._tcp.plain.test', 'SRV _caldav._tcp.plain.test', 'TXT _caldav._tcp.plain.test']);
  });

  it('returns [] when the target is "." (service not offered)', async () => {
    expect(await lookupDavService('caldav', 'none.test', { resolver })).toEqual([]);
  });

  it('treats "." on the TLS service as "no TLS" and still uses the plain service', async () => {
    expect(await lookupDavService('carddav', 'mixed.test', { resolver })).toEqual([
      { url: 'http://book.mixed.test/addressbooks/', source: 'srv+txt' },
    ]);
  });

  it('returns [] for NXDOMAIN and for a name without SRV records (NODATA)', async () => {
    expect(await lookupDavService('caldav', 'unknown.test', { resolver })).toEqual([]);
    queries = [];
    expect(await lookupDavService('caldav', 'nodata.test', { resolver })).toEqual([]);
    expect(queries).toEqual(['SRV _caldavs._tcp.nodata.test', 'SRV _caldav._tcp.nodata.test']);
  });

  it('orders by priority, then heavier weight first; ignores a relative TXT path', async () => {
    const targets = await lookupDavService('caldav', 'https://weights.test/somewhere', { resolver });
    expect(targets.map((t) => t.url)).toEqual([
      'https://first.weights.test/.well-known/caldav',
      'https://heavy.weights.test/.well-known/caldav',
      'https://light.weights.test/.well-known/caldav',
      'https://last.weights.test/.well-known/caldav',
    ]);
    expect(targets.every((t) => t.source === 'srv')).toBe(true);
  });

  it('rejects with a clear error on SERVFAIL and REFUSED', async () => {
    await expect(lookupDavService('caldav', 'broken.test', { resolver })).rejects.toThrow(
      /DNS SRV lookup of _caldavs\._tcp\.broken\.test failed: ESERVFAIL/,
    );
    await expect(lookupDavService('carddav', 'refused.test', { resolver })).rejects.toThrow(
      /DNS SRV lookup of _carddavs\._tcp\.refused\.test failed: EREFUSED/,
    );
  });

  it('rejects with a timeout error when the server does not answer', async () => {
    const started = Date.now();
    await expect(lookupDavService('caldav', 'silent.test', { resolver, timeoutMs: 300 })).rejects.toThrow(
      /_caldavs\._tcp\.silent\.test (timed out after 300 ms|failed: ETIMEOUT)/,
    );
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('rejects input that is not a domain', async () => {
    await expect(lookupDavService('caldav', '127.0.0.1', { resolver })).rejects.toThrow(/is not a domain name/);
    await expect(lookupDavService('caldav', '', { resolver })).rejects.toThrow(/is not a domain name/);
  });
});

describe('domainFor', () => {
  it.each([
    ['ann@example.com', 'example.com'],
    ['example.com', 'example.com'],
    ['https://example.com/x', 'example.com'],
    ['  Ann.Smith@Mail.Example.COM ', 'mail.example.com'],
    ['mailto:ann@example.org', 'example.org'],
    ['https://ann@dav.example.net:8443/cal/?x#y', 'dav.example.net'],
    ['example.com:8443', 'example.com'],
    ['example.com/remote.php/dav', 'example.com'],
    ['example.com.', 'example.com'],
    ['bücher.example', 'xn--bcher-kva.example'],
  ])('%s → %s', (input, expected) => {
    expect(domainFor(input)).toBe(expected);
  });

  it.each(['', '   ', 'ann@', 'not a domain', 'https://192.168.1.10/', '10.0.0.1', 'https://[::1]/', 'a..b', '-bad.example'])(
    'returns undefined for %j',
    (input) => {
      expect(domainFor(input)).toBeUndefined();
    },
  );
});
