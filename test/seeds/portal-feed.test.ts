/**
 * A portal with an iCal export ("portal-with-feed") end to end through the CLI: the portal's export URL subscribed
 * as a feed and mirrored into a real Radicale calendar (created with the feed's name) and into a local folder; an
 * event the portal drops leaves both. Also measures what carrying collection names and colours costs a run that
 * changes nothing: DAV requests with the default `metadataCheck` (1h) and with `0s`.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFeedServer } from '../support/feed-server.mjs';
import { startDavServer, type DavServer } from '../support/dav-servers.js';
import { startDavProxy, type DavProxy } from '../support/dav-proxy.js';
import { collectionProps } from '../support/dav-collection.js';
import { ics, Workspace, writes } from '../support/workspace.js';

type FeedServer = Awaited<ReturnType<typeof startFeedServer>>;
let dav: DavServer;
let proxy: DavProxy;
let feeds: FeedServer;
let ws: Workspace;
beforeAll(async () => {
  dav = await startDavServer('radicale');
  proxy = await startDavProxy(dav.url);
  feeds = await startFeedServer();
}, 60_000);
afterAll(async () => {
  ws?.cleanup();
  await feeds?.close();
  await proxy?.close();
  await dav?.dispose();
});

/** The portal's export: one VCALENDAR with the given events (UID, summary, day). */
function portalExport(events: [string, string, string][]): string {
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Portal//Export//EN', 'X-WR-CALNAME:Club portal',
    ...events.flatMap(([uid, summary, day]) => ['BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20260101T000000Z', `DTSTART;VALUE=DATE:${day}`, `SUMMARY:${summary}`, 'END:VEVENT']),
    'END:VCALENDAR', ''].join('\r\n');
}

describe('portal with an iCal feed', () => {
  it('mirrors the portal into a CalDAV calendar (named like the feed) and a folder; a dropped event leaves both', async () => {
    feeds.set('/portal/export.ics', { body: portalExport([['p-1', 'Spring tournament', '20270410'], ['p-2', 'Members meeting', '20270415']]) });
    ws = new Workspace('dovetail-portal-');
    writeFileSync(ws.path('dovetail.json'), JSON.stringify({
      endpoints: {
        portal: { connector: 'ical-feed', settings: { url: feeds.url('/portal/export.ics'), name: 'Club portal' } },
        dav: { connector: 'caldav', settings: { url: proxy.url, username: dav.username, password: dav.password } },
        local: { connector: 'filesystem', settings: { path: './calendars', createRoot: true } },
      },
      pairings: {
        'portal-dav': { entity: 'event', a: { endpoint: 'portal' }, b: { endpoint: 'dav', collection: '/user/portal/', create: true }, mode: 'mirror-a-to-b' },
        'portal-local': { entity: 'event', a: { endpoint: 'portal' }, b: { endpoint: 'local', collection: 'portal', create: true }, mode: 'mirror-a-to-b' },
      },
    }, null, 2));
    expect((await ws.run(['validate'])).code).toBe(0);
    const first = await ws.sync();
    expect(first.code, first.stderr).toBe(0);
    expect(first.json!.runs.map((r) => r.b.created)).toEqual([2, 2]);
    expect((await collectionProps(dav, '/user/portal/')).name).toBe('Club portal');
    expect(readFileSync(ws.path('calendars', 'portal', 'displayname'), 'utf8')).toBe('Club portal');

    feeds.set('/portal/export.ics', { body: portalExport([['p-1', 'Spring tournament', '20270410']]) });
    const dropped = await ws.sync();
    expect(dropped.json!.runs.map((r) => r.b.deleted)).toEqual([1, 1]);
    expect(readdirSync(ws.path('calendars', 'portal')).filter((f) => f.endsWith('.ics'))).toHaveLength(1);
  });

  it('costs no DAV request for names and colours in a run that changes nothing, and one PROPFIND with metadataCheck 0s', async () => {
    ws.cleanup();
    ws = new Workspace('dovetail-metadata-cost-');
    writeFileSync(ws.path('dovetail.json'), JSON.stringify({
      endpoints: {
        dav: { connector: 'caldav', settings: { url: proxy.url, username: dav.username, password: dav.password } },
        local: { connector: 'filesystem', settings: { path: './calendars', createRoot: true } },
      },
      pairings: { p: { entity: 'event', a: { endpoint: 'local', collection: 'team' }, b: { endpoint: 'dav', collection: '/user/team/', create: true } } },
    }, null, 2));
    mkdirSync(ws.path('calendars', 'team'), { recursive: true });
    writeFileSync(ws.path('calendars', 'team', 'x.ics'), ics({ uid: 'x', summary: 'Team day' }));
    await ws.run(['sync']);
    await ws.run(['sync']); // settles: cursors and the first name/colour check
    proxy.reset();
    expect(writes((await ws.sync()).report)).toBe(0);
    const idle = proxy.log.map((r) => r.method);
    const config = JSON.parse(readFileSync(ws.path('dovetail.json'), 'utf8'));
    config.pairings.p.metadataCheck = '0s';
    writeFileSync(ws.path('dovetail.json'), JSON.stringify(config));
    await ws.sync(); // the config changed: one full listing
    proxy.reset();
    await ws.sync();
    const everyRun = proxy.log.map((r) => r.method);
    console.log(`no-change run, DAV requests: metadataCheck 1h: ${idle.join(' ')} (${idle.length}); 0s: ${everyRun.join(' ')} (${everyRun.length})`);
    expect(idle).toEqual(['REPORT']);
    expect(everyRun.sort()).toEqual(['PROPFIND', 'REPORT']);
  });
});
