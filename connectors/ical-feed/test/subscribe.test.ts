/**
 * The read side against a real node:http server on 127.0.0.1 serving the corpus's .ics files by path (and feeds
 * written here): grouping by UID, conditional requests, unchanged bodies, auth, limits, errors, redaction.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventEntity, ListResult, LoadResult } from '@dovetail/core/sdk';
import { startFeedServer } from '../../../test/support/feed-server.mjs';
import { feedLocation } from '../src/settings.js';
import type { SubscriptionStats } from '../src/subscription.js';
import { calendar, corpus, corpusDir, eventLines, makeFeed, summaryOf, tempDir } from './helpers.js';

type Server = Awaited<ReturnType<typeof startFeedServer>>;
let srv: Server;
beforeEach(async () => { srv = await startFeedServer(); });
afterEach(async () => { await srv.close(); });

const full = (r: ListResult) => {
  if (r.kind !== 'full') throw new Error(`expected a full listing, got ${r.kind}`);
  return new Map(r.items.map((i) => [i.id, i.version]));
};
const ok = (r: LoadResult) => {
  if (!r.ok) throw new Error(`load of ${r.id} failed: ${r.error.code}: ${r.error.message}`);
  return r.item as EventEntity;
};
const stats = (c: { stats: unknown }) => c.stats as SubscriptionStats;
async function failure(p: Promise<unknown>): Promise<Error & { code: string }> {
  try { await p; } catch (e) { return e as Error & { code: string }; }
  throw new Error('expected a rejection');
}

describe('a feed holds many items', () => {
  it('groups components by UID: a master with its RECURRENCE-ID overrides is one item, listed before its master or after', async () => {
    // khal: the override is written before its master, and a second UID follows.
    srv.set('/khal.ics', { body: corpus('khal__mult_uids_recuid_no_order.ics') });
    const { connector } = await makeFeed({ url: srv.url('/khal.ics') });
    const listed = full(await connector.list('feed', { entity: 'event' }));
    const raw = corpus('khal__mult_uids_recuid_no_order.ics');
    const uids = [...new Set([...raw.matchAll(/^UID:(.*?)\r?$/gm)].map((m) => m[1]))];
    expect([...listed.keys()].sort()).toEqual(uids.sort());
    const items = (await connector.load('feed', [...listed.keys()], { entity: 'event' })).map(ok);
    const recurring = items.find((e) => e.overrides?.length);
    expect(recurring?.recurrence?.rrule?.length).toBeGreaterThan(0);
    expect(recurring!.raw!.text.match(/^BEGIN:VEVENT/gm)).toHaveLength(1 + recurring!.overrides!.length);
  });

  it('gives each item the VTIMEZONEs it uses, and only those (Google holiday feed, 42 KB)', async () => {
    srv.set('/holidays.ics', { body: corpus('ical4j__google_holidays_feed.ics') });
    const { connector } = await makeFeed({ url: srv.url('/holidays.ics') });
    const listed = full(await connector.list('feed', { entity: 'event' }));
    expect(listed.size).toBe(new Set([...corpus('ical4j__google_holidays_feed.ics').matchAll(/^UID:(.*?)\r?$/gm)].map((m) => m[1])).size);
    for (const item of (await connector.load('feed', [...listed.keys()], { entity: 'event' })).map(ok)) {
      const used = new Set([...item.raw!.text.matchAll(/;TZID=([^;:]+)/g)].map((m) => m[1]));
      const defined = [...item.raw!.text.matchAll(/^TZID:(.*?)\r?$/gm)].map((m) => m[1]);
      expect(new Set(defined)).toEqual(used);
    }
  });

  it('reads every corpus file as items or per-item errors; tasks and events are listed apart', async () => {
    const files = readdirSync(path.join(corpusDir, 'ical')).filter((f) => f.endsWith('.ics'));
    expect(files.length).toBeGreaterThan(20);
    let events = 0, tasks = 0;
    for (const f of files) {
      srv.set(`/${f}`, { body: readFileSync(path.join(corpusDir, 'ical', f)) });
      const { connector } = await makeFeed({ url: srv.url(`/${f}`) });
      for (const entity of ['event', 'task'] as const) {
        const listed = full(await connector.list('feed', { entity }));
        const loaded = await connector.load('feed', [...listed.keys()], { entity });
        for (const r of loaded) {
          if (r.ok) { expect(r.item.type).toBe(entity); expect(r.version).toBe(listed.get(r.id)); }
          else expect(r.error.code, `${f} ${r.id}`).toBe('Invalid');
        }
        if (entity === 'event') events += loaded.filter((r) => r.ok).length; else tasks += loaded.filter((r) => r.ok).length;
      }
    }
    expect(events).toBeGreaterThan(100);
    expect(tasks).toBeGreaterThan(0);
  });

  it('gives several UID-less events distinct UIDs that stay the same on every read', async () => {
    const noUid = (summary: string, start: string) => eventLines('x', summary, start).filter((l) => !l.startsWith('UID:'));
    const body = calendar([noUid('Standup', '20260302T090000Z'), noUid('Standup', '20260303T090000Z'), noUid('Review', '20260302T090000Z'), noUid('Review', '20260302T090000Z')]);
    srv.set('/no-uid.ics', { body });
    const first = full(await (await makeFeed({ url: srv.url('/no-uid.ics') })).connector.list('feed', { entity: 'event' }));
    const again = full(await (await makeFeed({ url: srv.url('/no-uid.ics') })).connector.list('feed', { entity: 'event' }));
    expect(first.size).toBe(4);
    expect([...again.entries()]).toEqual([...first.entries()]);
    for (const id of first.keys()) expect(id).toMatch(/^dovetail-derived-[0-9a-f]{32}(-2)?$/);
  });

  it('a malformed item fails alone with Invalid; the others load', async () => {
    srv.set('/mixed.ics', { body: calendar([eventLines('good-1', 'Good'), ['UID:bad-1', 'DTSTART:2026-99-99', 'SUMMARY:Broken'], eventLines('good-2', 'Also good')]) });
    const { connector } = await makeFeed({ url: srv.url('/mixed.ics') });
    const listed = full(await connector.list('feed', { entity: 'event' }));
    expect([...listed.keys()].sort()).toEqual(['bad-1', 'good-1', 'good-2']);
    const [bad, good] = await connector.load('feed', ['bad-1', 'good-2'], { entity: 'event' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error).toMatchObject({ code: 'Invalid', message: expect.stringContaining('bad-1') });
    expect(summaryOf(ok(good))).toBe('Also good');
  });

  it('thousands of events with recurrences and overrides: every item listed once, loads equal the feed', async () => {
    const events: string[][] = [];
    for (let i = 0; i < 3000; i++) {
      const day = String(1 + (i % 28)).padStart(2, '0');
      const base = eventLines(`e${i}@load.test`, `Event ${i}`, `202603${day}T0${i % 10}0000Z`);
      if (i % 10 === 0) {
        events.push([...base, 'RRULE:FREQ=WEEKLY;COUNT=10']);
        events.push([`UID:e${i}@load.test`, 'DTSTAMP:20260101T000000Z', `RECURRENCE-ID:202603${day}T0${i % 10}0000Z`, `DTSTART:202603${day}T1${i % 10}0000Z`, `SUMMARY:Event ${i} moved`]);
      } else {
        events.push(base);
      }
    }
    srv.set('/big.ics', { body: calendar(events) });
    const { connector } = await makeFeed({ url: srv.url('/big.ics') });
    const listed = full(await connector.list('feed', { entity: 'event' }));
    expect(listed.size).toBe(3000);
    const loaded = (await connector.load('feed', [...listed.keys()], { entity: 'event' })).map(ok);
    expect(loaded.filter((e) => e.overrides?.length === 1 && e.overrides[0].summary?.endsWith('moved'))).toHaveLength(300);
    expect(stats(connector)).toMatchObject({ fetches: 1, parses: 1 });
  });
});

describe('re-syncs cost as little as the feed allows', () => {
  it('sends If-None-Match and If-Modified-Since with the last validators; a 304 is an empty change list, nothing parsed', async () => {
    srv.set('/team.ics', { body: corpus('ical4j__google_holidays_feed.ics') });
    const { connector } = await makeFeed({ url: srv.url('/team.ics') });
    const first = await connector.list('feed', { entity: 'event' });
    const second = await connector.list('feed', { entity: 'event', cursor: first.cursor });
    expect(second).toEqual({ kind: 'changes', changed: [], deleted: [], cursor: first.cursor });
    expect(srv.log.map((r) => r.status)).toEqual([200, 304]);
    expect(srv.log[0]).not.toHaveProperty('ifNoneMatch');
    expect(srv.log[1]).toMatchObject({ ifNoneMatch: expect.stringMatching(/^"[0-9a-f]{40}"$/), ifModifiedSince: expect.stringMatching(/GMT$/) });
    expect(stats(connector)).toEqual({ fetches: 2, notModified: 1, unchangedBodies: 0, parses: 1 });
  });

  it('a server that ignores conditional requests: the same body again is not parsed and lists no change', async () => {
    srv.set('/plain.ics', { body: corpus('nodeical__tripit_escaping.ics'), validators: false });
    const a = await makeFeed({ url: srv.url('/plain.ics') });
    const first = await a.connector.list('feed', { entity: 'event' });
    // A new process (the next CLI run) with the stored cursor.
    const b = await makeFeed({ url: srv.url('/plain.ics') });
    const second = await b.connector.list('feed', { entity: 'event', cursor: first.cursor });
    expect(second).toMatchObject({ kind: 'changes', changed: [], deleted: [] });
    expect(srv.log.map((r) => r.status)).toEqual([200, 200]);
    expect(stats(b.connector)).toEqual({ fetches: 1, notModified: 0, unchangedBodies: 1, parses: 0 });
  });

  it('a feed that regenerates DTSTAMP on every request lists the same versions', async () => {
    let n = 0;
    const body = () => calendar([eventLines('a@x', 'A'), eventLines('b@x', 'B')].map((e) => e.map((l) => (l.startsWith('DTSTAMP') ? `DTSTAMP:2026010${1 + (n++ % 9)}T000000Z` : l))));
    srv.set('/stamped.ics', { body, validators: false });
    const { connector } = await makeFeed({ url: srv.url('/stamped.ics') });
    const first = full(await connector.list('feed', { entity: 'event' }));
    const second = full(await connector.list('feed', { entity: 'event', cursor: (await connector.list('feed', { entity: 'event' })).cursor }));
    expect([...second.entries()]).toEqual([...first.entries()]);
  });

  it('an edited, an added and a removed item show in the next listing; the others keep their versions', async () => {
    srv.set('/f.ics', { body: calendar([eventLines('keep', 'Keep'), eventLines('edit', 'Before'), eventLines('gone', 'Gone')]) });
    const { connector } = await makeFeed({ url: srv.url('/f.ics') });
    const r1 = await connector.list('feed', { entity: 'event' });
    srv.set('/f.ics', { body: calendar([eventLines('keep', 'Keep'), eventLines('edit', 'After'), eventLines('new', 'New')]) });
    const r2 = await connector.list('feed', { entity: 'event', cursor: r1.cursor });
    const [v1, v2] = [full(r1), full(r2)];
    expect([...v2.keys()].sort()).toEqual(['edit', 'keep', 'new']);
    expect(v2.get('keep')).toBe(v1.get('keep'));
    expect(v2.get('edit')).not.toBe(v1.get('edit'));
    expect(summaryOf(ok((await connector.load('feed', ['edit'], { entity: 'event' }))[0]))).toBe('After');
    expect(srv.log.map((r) => r.status)).toEqual([200, 200]);
  });

  it('load after a 304 reads the feed again when this process has not parsed it', async () => {
    srv.set('/f.ics', { body: calendar([eventLines('a', 'A')]) });
    const first = await (await makeFeed({ url: srv.url('/f.ics') })).connector.list('feed', { entity: 'event' });
    const { connector } = await makeFeed({ url: srv.url('/f.ics') });
    expect((await connector.list('feed', { entity: 'event', cursor: first.cursor })).kind).toBe('changes');
    expect(summaryOf(ok((await connector.load('feed', ['a'], { entity: 'event' }))[0]))).toBe('A');
    expect(srv.log.map((r) => r.status)).toEqual([200, 304, 200]);
  });

  it('a feed file: an unchanged stat is not even read; an edit is listed', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const file = path.join(dir, 'feed.ics');
      writeFileSync(file, calendar([eventLines('a', 'A')]));
      for (const url of ['./feed.ics', pathToFileURL(file).href]) {
        const { connector } = await makeFeed({ url }, { baseDir: dir });
        const first = await connector.list('feed', { entity: 'event' });
        expect([...full(first).keys()]).toEqual(['a']);
        const second = await connector.list('feed', { entity: 'event', cursor: first.cursor });
        expect(second.kind).toBe('changes');
        expect(stats(connector)).toEqual({ fetches: 2, notModified: 1, unchangedBodies: 0, parses: 1 });
      }
      const { connector } = await makeFeed({ url: file });
      const before = await connector.list('feed', { entity: 'event' });
      writeFileSync(file, calendar([eventLines('a', 'A'), eventLines('b', 'B')]));
      expect([...full(await connector.list('feed', { entity: 'event', cursor: before.cursor })).keys()].sort()).toEqual(['a', 'b']);
    } finally {
      cleanup();
    }
  });
});

describe('authentication', () => {
  it('sends Basic credentials (settings, or the user information of the URL, taken out of it)', async () => {
    srv.set('/private.ics', { body: calendar([eventLines('a', 'A')]), auth: { basic: ['ann', 'pä55'] } });
    const viaSettings = await makeFeed({ url: srv.url('/private.ics'), username: 'ann', password: 'pä55' });
    expect(full(await viaSettings.connector.list('feed', { entity: 'event' })).size).toBe(1);
    const viaUrl = await makeFeed({ url: srv.url('/private.ics').replace('http://', 'http://ann:p%C3%A455@') });
    expect(full(await viaUrl.connector.list('feed', { entity: 'event' })).size).toBe(1);
    expect(srv.log.every((r) => r.status === 200 && r.path === '/private.ics')).toBe(true);
  });

  it('sends a Bearer token', async () => {
    srv.set('/crm.ics', { body: calendar([eventLines('a', 'A')]), auth: { bearer: 'crm-token-123' } });
    const { connector } = await makeFeed({ url: srv.url('/crm.ics'), token: 'crm-token-123' });
    expect(full(await connector.list('feed', { entity: 'event' })).size).toBe(1);
    expect(srv.log[0].authorization).toBe('Bearer crm-token-123');
  });

  it('401 and 403 are AuthFailed saying what to set', async () => {
    srv.set('/private.ics', { body: calendar([eventLines('a', 'A')]), auth: { basic: ['ann', 'right'] } });
    const none = await failure((await makeFeed({ url: srv.url('/private.ics') })).connector.list('feed', { entity: 'event' }));
    expect(none).toMatchObject({ code: 'AuthFailed', message: expect.stringMatching(/401 .*set username and password, or a token/) });
    const wrong = await failure((await makeFeed({ url: srv.url('/private.ics'), username: 'ann', password: 'wrong' })).connector.list('feed', { entity: 'event' }));
    expect(wrong).toMatchObject({ code: 'AuthFailed', message: expect.stringContaining('check username and password') });
    srv.set('/forbidden.ics', { body: 'no', status: 403 });
    const forbidden = await failure((await makeFeed({ url: srv.url('/forbidden.ics?token=expired-token-0123456789') })).connector.list('feed', { entity: 'event' }));
    expect(forbidden).toMatchObject({ code: 'AuthFailed', message: expect.stringMatching(/^403 Forbidden from .*forbidden\.ics\?\[redacted\]: .*"token"/) });
  });
});

describe('errors say what is wrong and never show the feed\'s token', () => {
  const token = 'tok-9f8e7d6c5b4a39281706';

  it('an HTML login page instead of iCalendar is Invalid naming what came', async () => {
    srv.set('/export.ics', { body: '<!DOCTYPE html><html><body><form>Sign in</form></body></html>', contentType: 'text/html; charset=utf-8' });
    const e = await failure((await makeFeed({ url: srv.url(`/export.ics?token=${token}`) })).connector.list('feed', { entity: 'event' }));
    expect(e.code).toBe('Invalid');
    expect(e.message).toBe(`http://127.0.0.1:${srv.port}/export.ics?[redacted] is not an iCalendar feed (got text/html: a login page?)`);
  });

  it('404 is NotFound with the redacted URL; other statuses are Unavailable', async () => {
    const e = await failure((await makeFeed({ url: srv.url(`/calendar/${token}1234567/basic.ics`) })).connector.list('feed', { entity: 'event' }));
    expect(e).toMatchObject({ code: 'NotFound', message: `404 Not Found: there is no feed at http://127.0.0.1:${srv.port}/calendar/[redacted]/basic.ics; check "url"` });
    srv.set('/down.ics', { body: 'oops', status: 500 });
    expect(await failure((await makeFeed({ url: srv.url('/down.ics') })).connector.list('feed', { entity: 'event' })))
      .toMatchObject({ code: 'Unavailable', message: expect.stringContaining('answered HTTP 500') });
  });

  it('a body over maxBytes is refused naming the setting', async () => {
    srv.set('/big.ics', { body: corpus('ical4j__google_holidays_feed.ics') });
    const e = await failure((await makeFeed({ url: srv.url('/big.ics'), maxBytes: 10_000 })).connector.list('feed', { entity: 'event' }));
    expect(e).toMatchObject({ code: 'Invalid', message: expect.stringContaining('raise "maxBytes"') });
  });

  it('a server that stalls times out naming timeoutMs', async () => {
    srv.set('/slow.ics', { body: calendar([eventLines('a', 'A')]), delayMs: 3_000 });
    const started = Date.now();
    const e = await failure((await makeFeed({ url: srv.url('/slow.ics'), timeoutMs: 1000 })).connector.list('feed', { entity: 'event' }));
    expect(e).toMatchObject({ code: 'Unavailable', message: expect.stringContaining('"timeoutMs"') });
    expect(Date.now() - started).toBeLessThan(2_900);
  });

  it('a missing feed file is NotFound; a file that is not iCalendar is Invalid', async () => {
    const { dir, cleanup } = tempDir();
    try {
      expect(await failure((await makeFeed({ url: './nope.ics' }, { baseDir: dir })).connector.list('feed', { entity: 'event' })))
        .toMatchObject({ code: 'NotFound', message: `feed file ${path.join(dir, 'nope.ics')} does not exist; check "url"` });
      writeFileSync(path.join(dir, 'notes.txt'), 'just notes');
      expect(await failure((await makeFeed({ url: './notes.txt' }, { baseDir: dir })).connector.list('feed', { entity: 'event' })))
        .toMatchObject({ code: 'Invalid', message: expect.stringContaining('is not an iCalendar feed (got text that does not start with BEGIN:VCALENDAR)') });
    } finally {
      cleanup();
    }
  });

  it('check() says what the feed holds, or why it cannot be read; logs never hold the token', async () => {
    srv.set('/team.ics', { body: calendar([eventLines('a', 'A'), eventLines('b', 'B')]) });
    const good = await makeFeed({ url: srv.url(`/team.ics?token=${token}`) });
    expect(await good.connector.check()).toEqual({ ok: true, message: `http://127.0.0.1:${srv.port}/team.ics?[redacted]: 2 events, 0 tasks (0 KiB)` });
    await good.connector.list('feed', { entity: 'event' });
    const bad = await makeFeed({ url: srv.url(`/missing.ics?token=${token}`) });
    expect(await bad.connector.check()).toMatchObject({ ok: false, message: expect.stringContaining('404') });
    const text = [...good.logs, ...bad.logs].join('\n') + JSON.stringify(await bad.connector.check());
    expect(good.logs.length).toBeGreaterThan(0);
    expect(text).not.toContain(token);
  });
});

describe('addresses', () => {
  it('webcal:// means https; http(s), file URLs and paths are read as written; other schemes are refused', () => {
    expect(feedLocation('webcal://cal.example.com/team.ics?key=1', '/base')).toMatchObject({ kind: 'http', url: 'https://cal.example.com/team.ics?key=1', shown: 'https://cal.example.com/team.ics?[redacted]' });
    expect(feedLocation('WEBCALS://cal.example.com/x.ics', '/base')).toMatchObject({ url: 'https://cal.example.com/x.ics' });
    expect(feedLocation('http://ann:pw@cal.example.com/x.ics', '/base')).toEqual({ kind: 'http', url: 'http://cal.example.com/x.ics', shown: 'http://cal.example.com/x.ics', userinfo: { username: 'ann', password: 'pw' } });
    expect(feedLocation('./feeds/a.ics', '/base')).toEqual({ kind: 'file', file: '/base/feeds/a.ics', shown: '/base/feeds/a.ics' });
    expect(feedLocation('file:///srv/a.ics', '/base')).toEqual({ kind: 'file', file: '/srv/a.ics', shown: '/srv/a.ics' });
    expect(() => feedLocation('ftp://example.com/a.ics', '/base')).toThrow('use https://, http://, webcal:// or a file path');
  });

  it('a webcal:// feed is fetched over https (with the CA given in caFile)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'feed-tls-'));
    try {
      const ossl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
      ossl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem',
        '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1');
      const body = calendar([eventLines('tls', 'Over TLS')]);
      const server = createHttpsServer({ key: readFileSync(path.join(dir, 'key.pem')), cert: readFileSync(path.join(dir, 'cert.pem')) }, (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/calendar' }).end(body);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const url = `webcal://127.0.0.1:${(server.address() as AddressInfo).port}/team.ics`;
        const refused = await failure((await makeFeed({ url })).connector.list('feed', { entity: 'event' }));
        expect(refused.message).toMatch(/^TLS: /);
        const { connector } = await makeFeed({ url, caFile: './cert.pem' }, { baseDir: dir });
        expect([...full(await connector.list('feed', { entity: 'event' })).keys()]).toEqual(['tls']);
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the feed is one collection, read-only; another collection id is NotFound; writing is refused', async () => {
    srv.set('/f.ics', { body: calendar([eventLines('a', 'A')]) });
    const { connector } = await makeFeed({ url: srv.url('/f.ics'), name: 'Holidays' });
    expect(await connector.discover()).toEqual([{ id: 'feed', name: 'Holidays', entities: ['event', 'task'], readOnly: true }]);
    expect(await failure(connector.list('other', { entity: 'event' }))).toMatchObject({ code: 'NotFound', message: expect.stringContaining('leave "collection" out') });
    await expect(connector.write('feed', [{ op: 'delete', id: 'a' }])).rejects.toThrow('read-only');
    expect(srv.log).toHaveLength(0); // discover and refusals need no request
  });
});
