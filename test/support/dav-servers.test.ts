/**
 * The real-server harness itself: both servers start, accept writes from the raw "second client",
 * keep data across a restart, and clean up. Also pins the server quirks connectors rely on (DESIGN §9).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authHeaders, rawDelete, rawGet, rawList, rawPut, startDavServer, type DavServer, type DavServerKind } from './dav-servers.js';

function eventText(uid: string, summary: string): string {
  return [
    'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Dovetail//Harness test//EN', 'BEGIN:VEVENT',
    `UID:${uid}`, 'DTSTAMP:20260101T000000Z', 'DTSTART:20260301T100000Z', 'DTEND:20260301T110000Z',
    `SUMMARY:${summary}`, 'END:VEVENT', 'END:VCALENDAR', '',
  ].join('\r\n');
}

function vcardText(uid: string, name: string): string {
  return ['BEGIN:VCARD', 'VERSION:3.0', `UID:${uid}`, `FN:${name}`, 'N:Tester;Ada;;;', 'END:VCARD', ''].join('\r\n');
}

/** Path part of an href as the server may write it (absolute or not, percent-encoded or not). */
const pathOf = (href: string, base: string) => decodeURIComponent(new URL(href, base).pathname);

/** What each pinned server version does; asserted below so a package upgrade is noticed. */
const QUIRKS: Record<DavServerKind, {
  componentInContentType: boolean; invalidSyncTokenStatus: number; duplicateUidStatus: number;
}> = {
  radicale: { componentInContentType: true, invalidSyncTokenStatus: 403, duplicateUidStatus: 409 },
  xandikos: { componentInContentType: false, invalidSyncTokenStatus: 500, duplicateUidStatus: 207 },
};

describe.each(['radicale', 'xandikos'] as const)('%s harness', (kind) => {
  let server: DavServer;
  let eventHref: string;

  beforeAll(async () => {
    server = await startDavServer(kind);
  });

  afterAll(async () => {
    await server?.dispose();
  });

  it('starts on loopback with a principal, a calendar and an address book under the base URL', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    for (const url of [server.principalUrl, server.calendarUrl, server.addressBookUrl]) {
      expect(url.startsWith(server.url)).toBe(true);
    }
    expect(existsSync(join(server.dataDir, 'server.log'))).toBe(true);
  });

  it('rawPut stores an event with an etag and rawList finds it', async () => {
    eventHref = new URL('harness-event-1.ics', server.calendarUrl).href;
    const put = await rawPut(server, eventHref, eventText('harness-event-1@dovetail.test', 'First'));
    expect([201, 204]).toContain(put.status);
    expect(put.etag).toMatch(/^(W\/)?".+"$/);

    const listed = await rawList(server, server.calendarUrl);
    expect(listed.map((e) => pathOf(e.href, server.url))).toEqual([pathOf(eventHref, server.url)]);
    expect(listed[0].etag).toBe(put.etag);

    const got = await rawGet(server, eventHref);
    expect(got.status).toBe(200);
    expect(got.body).toContain('UID:harness-event-1@dovetail.test');
    expect(got.etag).toBe(put.etag);
  });

  it('keeps the data across restart() on the same port', async () => {
    const port = server.port;
    await server.restart();
    expect(server.port).toBe(port);
    const listed = await rawList(server, server.calendarUrl);
    expect(listed.map((e) => pathOf(e.href, server.url))).toEqual([pathOf(eventHref, server.url)]);
  });

  it('stop() makes the server unreachable until restart()', async () => {
    await server.stop();
    await expect(fetch(server.url, { method: 'OPTIONS' })).rejects.toThrow();
    await server.restart();
    expect((await rawGet(server, eventHref)).status).toBe(200);
  });

  it('rawDelete removes the event', async () => {
    const status = await rawDelete(server, eventHref);
    expect(status).toBeGreaterThanOrEqual(200);
    expect(status).toBeLessThan(300);
    expect(await rawList(server, server.calendarUrl)).toEqual([]);
    expect((await rawGet(server, eventHref)).status).toBe(404);
  });

  it('rawPut stores a vCard in the address book', async () => {
    const href = new URL('harness-card-1.vcf', server.addressBookUrl).href;
    const put = await rawPut(server, href, vcardText('harness-card-1@dovetail.test', 'Ada Tester'));
    expect([201, 204]).toContain(put.status);
    const listed = await rawList(server, server.addressBookUrl);
    expect(listed.map((e) => pathOf(e.href, server.url))).toEqual([pathOf(href, server.url)]);
    expect((await rawGet(server, href)).body).toContain('FN:Ada Tester');
  });

  it('behaves as the connector expects on the known quirks', async () => {
    const quirks = QUIRKS[kind];
    const href = new URL('quirk-1.ics', server.calendarUrl).href;
    const first = await rawPut(server, href, eventText('quirk-1@dovetail.test', 'Quirk'));
    expect(first.status).toBe(201);
    expect(first.etag).not.toBeNull();

    const common = { ...authHeaders(server) };
    const overwrite = await fetch(href, {
      method: 'PUT',
      headers: { ...common, 'Content-Type': 'text/calendar; charset=utf-8', 'If-None-Match': '*' },
      body: eventText('quirk-1@dovetail.test', 'Overwrite'),
    });
    await overwrite.arrayBuffer();
    expect(overwrite.status).toBe(412);

    const clash = await rawPut(server, new URL('quirk-2.ics', server.calendarUrl).href,
      eventText('quirk-1@dovetail.test', 'Same UID'));
    expect(clash.status).toBe(quirks.duplicateUidStatus);

    const propfind = await fetch(server.calendarUrl, {
      method: 'PROPFIND',
      headers: { ...common, Depth: '1', 'Content-Type': 'application/xml; charset=utf-8' },
      body: '<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:getcontenttype/></d:prop></d:propfind>',
    });
    expect(propfind.status).toBe(207);
    expect((await propfind.text()).includes('component=VEVENT')).toBe(quirks.componentInContentType);

    const sync = await fetch(server.calendarUrl, {
      method: 'REPORT',
      headers: { ...common, Depth: '1', 'Content-Type': 'application/xml; charset=utf-8' },
      body: '<?xml version="1.0"?><d:sync-collection xmlns:d="DAV:"><d:sync-token>http://example.invalid/sync/bogus</d:sync-token>'
        + '<d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>',
    });
    await sync.arrayBuffer();
    expect(sync.status).toBe(quirks.invalidSyncTokenStatus);
  });

  it('dispose() stops the server and removes its folder', async () => {
    const dir = server.dataDir;
    await server.dispose();
    expect(existsSync(dir)).toBe(false);
    await expect(fetch(server.url, { method: 'OPTIONS' })).rejects.toThrow();
  });
});

describe('startDavServer without the binaries', () => {
  it('fails with the apt-get command instead of skipping', async () => {
    const emptyBin = mkdtempSync(join(tmpdir(), 'dovetail-nobin-'));
    const savedPath = process.env.PATH;
    process.env.PATH = emptyBin;
    try {
      await expect(startDavServer('xandikos')).rejects.toThrow(/'xandikos' is not installed.*apt-get install -y radicale xandikos/);
    } finally {
      process.env.PATH = savedPath;
      rmSync(emptyBin, { recursive: true, force: true });
    }
  });
});

describe('startDavServer on a requested port', () => {
  it('refuses a port that is already taken and uses a given free port', async () => {
    const first = await startDavServer('radicale');
    try {
      await expect(startDavServer('xandikos', { port: first.port })).rejects.toThrow(`cannot start xandikos: port ${first.port} on 127.0.0.1 is not free (EADDRINUSE)`);
    } finally {
      await first.dispose();
    }
    const second = await startDavServer('xandikos', { port: first.port });
    try {
      expect(second.port).toBe(first.port);
      expect(second.url).toBe(first.url);
      expect((await rawList(second, second.calendarUrl))).toEqual([]);
    } finally {
      await second.dispose();
    }
  });
});
