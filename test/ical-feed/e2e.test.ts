/**
 * iCal feeds end to end through the real CLI: a feed served by a real node:http server mirrored into a local
 * folder (re-syncs send one conditional request and write nothing; edits, additions and removals arrive), a
 * local folder published as a feed (an unchanged calendar leaves the file untouched), the "busy only" feed,
 * `dovetail validate` refusing a pairing that would write to a subscribed feed, and tokens kept out of output.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFeedServer } from '../support/feed-server.mjs';
import { corpusDir, ics, Workspace, writes } from '../support/workspace.js';

type Server = Awaited<ReturnType<typeof startFeedServer>>;
let srv: Server;
let ws: Workspace;
beforeEach(async () => { srv = await startFeedServer(); ws = new Workspace('dovetail-feed-e2e-'); });
afterEach(async () => { await srv.close(); ws.cleanup(); });

/** A VCALENDAR holding the VEVENTs of `events` (each written by `ics` from the workspace helpers). */
function feed(events: Parameters<typeof ics>[0][]): string {
  const bodies = events.map((e) => /BEGIN:VEVENT[\s\S]*END:VEVENT/.exec(ics(e))![0]);
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Dovetail//e2e//EN', ...bodies, 'END:VCALENDAR', ''].join('\r\n');
}

function config(endpoints: Record<string, unknown>, pairings: Record<string, unknown>): void {
  writeFileSync(ws.path('dovetail.json'), JSON.stringify({ endpoints, pairings }, null, 2));
}

const folder = (path: string) => ({ connector: 'filesystem', settings: { path, createRoot: true } });

/** UID → SUMMARY (unescaped) of the .ics files in a folder collection. */
function folderItems(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.ics'))) {
    const text = readFileSync(join(dir, f), 'utf8').replace(/\r?\n[ \t]/g, '');
    out.set(/^UID:(.*?)\r?$/m.exec(text)![1], (/^SUMMARY:(.*?)\r?$/m.exec(text)?.[1] ?? '').replace(/\\([\\;,])/g, '$1'));
  }
  return out;
}

describe('a subscribed feed into a local folder', () => {
  it('mirrors the feed; re-syncs send one conditional request and write nothing; edits, additions and removals arrive', async () => {
    srv.set('/team.ics', { body: feed([{ uid: 'standup', summary: 'Standup' }, { uid: 'review', summary: 'Review' }, { uid: 'retro', summary: 'Retro' }]) });
    config(
      { team: { connector: 'ical-feed', settings: { url: srv.url('/team.ics') } }, local: folder('./local') },
      { p: { entity: 'event', a: { endpoint: 'team' }, b: { endpoint: 'local', collection: 'team', create: true }, mode: 'mirror-a-to-b' } },
    );
    expect((await ws.run(['validate'])).code).toBe(0);
    const first = await ws.sync();
    expect(first.code).toBe(0);
    expect(first.report.b.created).toBe(3);
    expect(folderItems(ws.path('local', 'team'))).toEqual(new Map([['standup', 'Standup'], ['review', 'Review'], ['retro', 'Retro']]));

    srv.reset();
    const second = await ws.sync();
    expect(writes(second.report)).toBe(0);
    expect(srv.log).toEqual([expect.objectContaining({ method: 'GET', status: 304, ifNoneMatch: expect.any(String), ifModifiedSince: expect.any(String) })]);

    srv.set('/team.ics', { body: feed([{ uid: 'standup', summary: 'Standup' }, { uid: 'review', summary: 'Review, moved' }, { uid: 'planning', summary: 'Planning' }]) });
    srv.reset();
    const third = await ws.sync();
    expect(third.report.b).toEqual({ created: 1, updated: 1, deleted: 1 });
    expect(srv.log.map((r) => r.status)).toEqual([200]);
    expect(folderItems(ws.path('local', 'team'))).toEqual(new Map([['standup', 'Standup'], ['review', 'Review, moved'], ['planning', 'Planning']]));

    srv.reset();
    expect(writes((await ws.sync()).report)).toBe(0);
    expect(srv.log.map((r) => r.status)).toEqual([304]);
  });

  it('real multi-item feeds (Google holidays, a festival feed with recurrences): every item one file; a server that ignores conditional requests costs a download and no writes', async () => {
    srv.set('/holidays.ics', { body: readFileSync(join(corpusDir, 'ical', 'ical4j__google_holidays_feed.ics')), validators: false });
    srv.set('/festival.ics', { body: readFileSync(join(corpusDir, 'ical', 'nodeical__festival_feed_date_with_time.ics')) });
    config(
      {
        holidays: { connector: 'ical-feed', settings: { url: srv.url('/holidays.ics'), name: 'Holidays' } },
        festival: { connector: 'ical-feed', settings: { url: srv.url('/festival.ics') } },
        local: folder('./local'),
      },
      {
        h: { entity: 'event', a: { endpoint: 'holidays' }, b: { endpoint: 'local', collection: 'holidays', create: true }, mode: 'mirror-a-to-b' },
        f: { entity: 'event', a: { endpoint: 'festival' }, b: { endpoint: 'local', collection: 'festival', create: true }, mode: 'push-a-to-b' },
      },
    );
    const first = await ws.run(['sync', '--json']);
    expect(first.code).toBe(0);
    const [h, f] = first.json!.runs;
    // Items: one per UID, plus each VEVENT written without a UID (the festival feed has no UIDs at all).
    const items = (file: string) => {
      const events = readFileSync(join(corpusDir, 'ical', file), 'utf8').split('BEGIN:VEVENT').slice(1);
      const uids = new Set(events.map((e) => /^UID:(.*?)\r?$/m.exec(e)?.[1]?.trim()).filter(Boolean));
      return uids.size + events.filter((e) => !/^UID:/m.test(e)).length;
    };
    expect(h.b.created).toBe(items('ical4j__google_holidays_feed.ics'));
    expect(f.b.created).toBe(items('nodeical__festival_feed_date_with_time.ics'));
    expect(readdirSync(ws.path('local', 'holidays')).filter((n) => n.endsWith('.ics'))).toHaveLength(h.b.created);

    srv.reset();
    const again = await ws.run(['sync', '--json']);
    expect(again.json!.runs.map(writes)).toEqual([0, 0]);
    expect(srv.log.map((r) => `${r.path} ${r.status}`).sort()).toEqual(['/festival.ics 304', '/holidays.ics 200']);
  });

  it('a feed server asking to wait: a short Retry-After pauses the run, one longer than runBudget.maxPause ends it at once (exit 3)', async () => {
    srv.set('/busy.ics', { body: 'busy', status: 503, headers: { 'retry-after': '30' } });
    config(
      { busy: { connector: 'ical-feed', settings: { url: srv.url('/busy.ics') } }, local: folder('./local') },
      { p: { entity: 'event', a: { endpoint: 'busy' }, b: { endpoint: 'local', collection: 'busy', create: true }, mode: 'mirror-a-to-b', runBudget: { maxPause: '1s' } } },
    );
    const started = Date.now();
    const refused = await ws.sync();
    expect(refused.code).toBe(3);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(srv.log).toHaveLength(1);
    expect(refused.report.aborted).toMatch(/stopped sending to 127\.0\.0\.1:\d+ for the rest of this run: it asked to wait 30 s \(Retry-After\), more than the 1 s a run waits/);

    // With the default bound (1 m) the run waits the 2 s out, then reads the feed.
    writeFileSync(ws.path('dovetail.json'), readFileSync(ws.path('dovetail.json'), 'utf8').replace(/,\s*"runBudget": \{[^}]*\}/, ''));
    srv.set('/busy.ics', { body: 'busy', status: 503, headers: { 'retry-after': '2' } });
    srv.reset();
    // The feed recovers as soon as it has sent its 503: the retry after the pause gets it.
    const healed = setInterval(() => { if (srv.log.length) { srv.set('/busy.ics', { body: feed([{ uid: 'later', summary: 'Later' }]) }); clearInterval(healed); } }, 20);
    const waited = await ws.sync();
    clearInterval(healed);
    expect(waited.code).toBe(0);
    expect(srv.log.map((r) => r.status)).toEqual([503, 200]);
    expect(folderItems(ws.path('local', 'busy'))).toEqual(new Map([['later', 'Later']]));
  });

  it('keeps the feed\'s token out of every line of output, even at debug level and in errors', async () => {
    const token = 'feedtoken-5f4e3d2c1b0a99887766';
    srv.set('/private/export.ics', { body: feed([{ uid: 'a', summary: 'A' }]) });
    config(
      {
        crm: { connector: 'ical-feed', settings: { url: srv.url(`/private/export.ics?token=${token}`) } },
        gone: { connector: 'ical-feed', settings: { url: { env: 'GONE_FEED_URL' } } },
        local: folder('./local'),
      },
      {
        ok: { entity: 'event', a: { endpoint: 'crm' }, b: { endpoint: 'local', collection: 'crm', create: true }, mode: 'mirror-a-to-b' },
        missing: { entity: 'event', a: { endpoint: 'gone' }, b: { endpoint: 'local', collection: 'gone', create: true }, mode: 'mirror-a-to-b' },
      },
    );
    const env = { DOVETAIL_LOG_LEVEL: 'debug', GONE_FEED_URL: srv.url(`/calendars/${token}/basic.ics`) };
    const r = await ws.run(['sync'], env);
    const check = await ws.run(['check'], env);
    expect(r.code).toBe(3);
    expect(r.stdout + r.stderr).toContain('/private/export.ics?[redacted]');
    expect(r.stderr).toContain(`there is no feed at http://127.0.0.1:${srv.port}/calendars/[redacted]/basic.ics`);
    expect(check.stdout).toContain('1 events, 0 tasks');
    for (const out of [r.stdout, r.stderr, check.stdout, check.stderr]) expect(out).not.toContain(token);
  });
});

describe('a local folder published as a feed', () => {
  function setup(pairing: Record<string, unknown> = {}, settings: Record<string, unknown> = {}): void {
    ws.put('left', { uid: 'standup', summary: 'Standup', start: '20260302T090000Z' });
    ws.put('left', { uid: 'review', summary: 'Review', start: '20260303T140000Z', extra: ['DESCRIPTION:Quarterly numbers', 'LOCATION:Room Ada'] });
    config(
      { local: folder('./left'), public: { connector: 'ical-feed', settings: { path: './public/team.ics', name: 'Team', serveToken: { env: 'TEAM_FEED_TOKEN' }, ...settings } } },
      { publish: { entity: 'event', a: { endpoint: 'local', collection: 'cal' }, b: { endpoint: 'public' }, mode: 'mirror-a-to-b', ...pairing } },
    );
  }

  it('writes one .ics file; an unchanged calendar leaves it byte-identical and untouched; edits and deletions are published', async () => {
    setup();
    const first = await ws.sync();
    expect(first.code).toBe(0);
    expect(first.report.b.created).toBe(2);
    const file = ws.path('public', 'team.ics');
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/^BEGIN:VCALENDAR\r\nVERSION:2\.0\r\nPRODID:-\/\/Dovetail\/\/iCal feed\/\/EN\r\nCALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\nX-WR-CALNAME:Team\r\n/);
    expect(text.indexOf('UID:review')).toBeLessThan(text.indexOf('UID:standup'));
    const stat = statSync(file, { bigint: true });

    const second = await ws.sync();
    expect(writes(second.report)).toBe(0);
    const after = statSync(file, { bigint: true });
    expect([after.mtimeNs, after.ino]).toEqual([stat.mtimeNs, stat.ino]);
    expect(readFileSync(file, 'utf8')).toBe(text);

    ws.edit('left', 'review', 'Review, postponed');
    ws.remove('left', 'standup');
    const third = await ws.sync('--force');
    expect(third.report.b).toEqual({ created: 0, updated: 1, deleted: 1 });
    const published = readFileSync(file, 'utf8');
    // The edit is published as the editor wrote it (a property nobody changed on the way travels byte for byte).
    expect(published).toContain('SUMMARY:Review, postponed');
    expect(published).not.toContain('UID:standup');
    expect(readdirSync(ws.path('public'))).toEqual(['team.ics']);
  });

  it('the "busy only" feed: private items left out, every summary "Busy", no description, location or unmodelled detail', async () => {
    setup({
      filters: { exclude: [{ predicate: 'private' }] },
      mapping: [
        { a: 'summary', b: 'summary', direction: 'a-to-b', transform: { name: 'constant', value: 'Busy' } },
        ...['description', 'descriptionHtml', 'location', 'attendees', 'organizer', 'categories', 'url', 'x', 'extra']
          .map((f) => ({ a: f, b: f, direction: 'none' })),
      ],
    });
    ws.put('left', { uid: 'doctor', summary: 'Doctor', start: '20260304T080000Z', extra: ['CLASS:PRIVATE', 'LOCATION:Clinic'] });
    ws.put('left', {
      uid: 'weekly', summary: 'Weekly with Bob', start: '20260305T100000Z',
      extra: ['RRULE:FREQ=WEEKLY;COUNT=4', 'COMMENT:salary talk', 'ATTENDEE;CN=Bob:mailto:bob@example.com', 'CATEGORIES:HR', 'X-NOTE:confidential'],
    });
    // A moved instance of the weekly meeting, with its own summary and location.
    const weekly = ws.fileOf('left', 'weekly')!;
    const text = readFileSync(ws.path('left', 'cal', weekly), 'utf8').replace('END:VCALENDAR', [
      'BEGIN:VEVENT', 'UID:weekly', 'DTSTAMP:20260101T000000Z', 'RECURRENCE-ID:20260312T100000Z', 'DTSTART:20260312T150000Z',
      'DTEND:20260312T160000Z', 'SUMMARY:Weekly with Bob (moved for the salary talk)', 'LOCATION:Bob\'s office', 'END:VEVENT', 'END:VCALENDAR'].join('\r\n'));
    writeFileSync(ws.path('left', 'cal', weekly), text);
    expect((await ws.run(['validate'])).code).toBe(0);
    const r = await ws.sync();
    expect(r.code).toBe(0);
    expect(r.report.b.created).toBe(3);
    const published = readFileSync(ws.path('public', 'team.ics'), 'utf8').replace(/\r\n /g, '');
    expect([...published.matchAll(/^SUMMARY:(.*)\r$/gm)].map((m) => m[1])).toEqual(['Busy', 'Busy', 'Busy', 'Busy']);
    for (const leak of ['doctor', 'Doctor', 'Clinic', 'Quarterly', 'Room Ada', 'Bob', 'salary', 'HR', 'X-NOTE', 'confidential']) {
      expect(published, leak).not.toContain(leak);
    }
    // Busy times survive: the recurrence, and the moved instance at its new time.
    expect(published).toContain('RRULE:FREQ=WEEKLY;COUNT=4');
    expect(published).toMatch(/^RECURRENCE-ID:20260312T100000Z\r\n(?:(?!END:VEVENT)[^\r\n]*\r\n)*DTSTART:20260312T150000Z\r$/m);
    expect(writes((await ws.sync()).report)).toBe(0);
  });
});

describe('dovetail validate', () => {
  it('refuses, at the pairing, a mode that would write to a subscribed feed, and accepts it with readOnly or a one-way mode', async () => {
    srv.set('/team.ics', { body: feed([{ uid: 'a', summary: 'A' }]) });
    const endpoints = { team: { connector: 'ical-feed', settings: { url: srv.url('/team.ics') } }, local: folder('./local') };
    config(endpoints, { p: { entity: 'event', a: { endpoint: 'team' }, b: { endpoint: 'local', collection: 'team', create: true }, mode: 'two-way' } });
    const refused = await ws.run(['validate']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('/pairings/p: mode "two-way" would write to side A, but endpoint "team" is read-only: it subscribes to a feed ("url"), and a subscribed feed cannot be written');
    expect(refused.stderr).toContain('hint: copy it one way with "mode": "mirror-a-to-b" or "push-a-to-b", or set "readOnly": true on side A');
    const json = await ws.run(['validate', '--json']);
    expect(json.json).toMatchObject({ valid: false, issues: [{ pointer: '/pairings/p' }] });
    expect((await ws.run(['sync'])).code).toBe(2);

    config(endpoints, { p: { entity: 'event', a: { endpoint: 'team', readOnly: true }, b: { endpoint: 'local', collection: 'team', create: true }, mode: 'two-way' } });
    expect((await ws.run(['validate'])).code).toBe(0);
    ws.put('left', { uid: 'ignored', summary: 'x' }); // unrelated folder; the sync must not write the feed
    const r = await ws.sync();
    expect(r.code).toBe(0);
    expect(r.report.b.created).toBe(1);
    expect(srv.log.every((req) => req.method === 'GET')).toBe(true);

    config(endpoints, { p: { entity: 'event', a: { endpoint: 'local', collection: 'team' }, b: { endpoint: 'team' }, mode: 'push-a-to-b' } });
    const reversed = await ws.run(['validate']);
    expect(reversed.code).toBe(2);
    expect(reversed.stderr).toContain('would write to side B');
  });

  it('names the missing collection of a connector that has several, and reports bad feed settings at their pointer', async () => {
    config(
      { a: { connector: 'ical-feed', settings: { url: 'ftp://example.com/x.ics' } }, b: { connector: 'ical-feed', settings: { url: 'https://x/y', path: './z.ics' } }, local: folder('./local') },
      { p: { entity: 'event', a: { endpoint: 'a' }, b: { endpoint: 'local' }, mode: 'mirror-a-to-b' } },
    );
    const r = await ws.run(['validate', '--json']);
    const issues = (r.json as { issues: { pointer: string; message: string }[] }).issues;
    expect(issues.map((i) => i.pointer).sort()).toEqual(['/endpoints/a/settings/url', '/endpoints/b/settings', '/pairings/p/b']);
    expect(issues.find((i) => i.pointer === '/pairings/p/b')!.message).toBe('required property "collection" is missing');
  });
});
