/**
 * A holiday feed mirrored into a real Radicale calendar through the CLI: the feed (a real corpus feed with
 * recurrences and overrides, served by node:http) lands as one resource per item, a re-sync sends one
 * conditional request and writes nothing on the server, and a change in the feed arrives.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFeedServer } from '../support/feed-server.mjs';
import { rawGet, rawList, startDavServer, type DavServer } from '../support/dav-servers.js';
import { startDavProxy, type DavProxy } from '../support/dav-proxy.js';
import { corpusDir, Workspace, writes } from '../support/workspace.js';

type FeedServer = Awaited<ReturnType<typeof startFeedServer>>;
let dav: DavServer;
let proxy: DavProxy;
let feeds: FeedServer;
beforeAll(async () => {
  dav = await startDavServer('radicale');
  proxy = await startDavProxy(dav.url);
  feeds = await startFeedServer();
});
afterAll(async () => {
  await feeds?.close();
  await proxy?.close();
  await dav?.dispose();
});

/** UID → number of VEVENT components of every resource in the calendar; throws on a UID in two resources. */
async function serverItems(calendar: string): Promise<Map<string, { summary: string; components: number }>> {
  const out = new Map<string, { summary: string; components: number }>();
  for (const { href } of await rawList(dav, calendar)) {
    const text = (await rawGet(dav, href)).body.replace(/\r?\n[ \t]/g, '');
    const uid = /^UID:(.*?)\r?$/m.exec(text)![1].trim();
    if (out.has(uid)) throw new Error(`UID ${uid} in two resources`);
    out.set(uid, { summary: /^SUMMARY:(.*?)\r?$/m.exec(text)?.[1] ?? '', components: text.match(/^BEGIN:VEVENT/gm)!.length });
  }
  return out;
}

describe('a holiday feed into a Radicale calendar', () => {
  it('mirrors every item (master with its overrides in one resource); re-syncs cost one 304 and no server writes; a change arrives', async () => {
    const source = readFileSync(join(corpusDir, 'ical', 'ical4j__google_holidays_feed.ics'), 'utf8');
    feeds.set('/holidays.ics', { body: source });
    const ws = new Workspace('dovetail-feed-radicale-');
    try {
      const calendar = `/user/holidays-${Date.now()}/`;
      writeFileSync(ws.path('dovetail.json'), JSON.stringify({
        endpoints: {
          holidays: { connector: 'ical-feed', settings: { url: feeds.url('/holidays.ics'), name: 'Australian holidays' } },
          dav: { connector: 'caldav', settings: { url: proxy.url, username: dav.username, password: dav.password } },
        },
        pairings: { h: { entity: 'event', a: { endpoint: 'holidays' }, b: { endpoint: 'dav', collection: calendar, create: true }, mode: 'mirror-a-to-b' } },
      }, null, 2));

      const first = await ws.sync();
      expect(first.code).toBe(0);
      const uids = new Set([...source.matchAll(/^UID:(.*?)\r?$/gm)].map((m) => m[1].trim()));
      expect(first.report.b.created).toBe(uids.size);
      const onServer = await serverItems(calendar);
      expect(new Set(onServer.keys())).toEqual(uids);
      const componentsInFeed = source.match(/^BEGIN:VEVENT/gm)!.length;
      expect([...onServer.values()].reduce((n, i) => n + i.components, 0)).toBe(componentsInFeed);

      feeds.reset();
      proxy.reset();
      const second = await ws.sync();
      expect(writes(second.report)).toBe(0);
      expect(feeds.log.map((r) => r.status)).toEqual([304]);
      expect(proxy.log.filter((r) => r.method === 'PUT' || r.method === 'DELETE')).toEqual([]);

      const [victim] = [...uids];
      const changed = source.replace(new RegExp(`(UID:${victim.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[\\s\\S]*?)SUMMARY:[^\\r\\n]*`), '$1SUMMARY:Renamed holiday');
      expect(changed).not.toBe(source);
      feeds.set('/holidays.ics', { body: changed });
      const third = await ws.sync();
      expect(third.report.b).toEqual({ created: 0, updated: 1, deleted: 0 });
      expect((await serverItems(calendar)).get(victim)!.summary).toBe('Renamed holiday');
      expect(writes((await ws.sync()).report)).toBe(0);
    } finally {
      ws.cleanup();
    }
  });
});
