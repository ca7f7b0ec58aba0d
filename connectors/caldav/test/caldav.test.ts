/**
 * CalDAV behaviour against real Radicale and Xandikos (through a counting proxy where requests matter):
 * the sync-collection path and its fallbacks, calendars holding events and tasks, windows with
 * recurrences, UID clashes, ETag-less PUT answers, Retry-After, and discovery.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connector, EventEntity, ListResult, LoadResult } from '@dovetail/core/sdk';
import { rawDelete, rawPut, startDavServer, type DavServer, type DavServerKind } from '../../../test/support/dav-servers.js';
import { startDavProxy, type DavProxy } from '../../../test/support/dav-proxy.js';
import { connectorFor, freshName, makeCalDav, recordingLogger } from './helpers.js';

const vevent = (uid: string, summary: string, extra: string[] = [], start = '20260301T100000Z') => [
  'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Dovetail//Tests//EN', 'BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20260101T000000Z',
  `DTSTART:${start}`, `SUMMARY:${summary}`, ...extra, 'END:VEVENT', 'END:VCALENDAR', '',
].join('\r\n');
const vtodo = (uid: string, summary: string) => [
  'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Dovetail//Tests//EN', 'BEGIN:VTODO', `UID:${uid}`, 'DTSTAMP:20260101T000000Z',
  `SUMMARY:${summary}`, 'DUE:20260305T170000Z', 'END:VTODO', 'END:VCALENDAR', '',
].join('\r\n');

const ids = (r: ListResult) => (r.kind === 'full' ? r.items.map((i) => i.id) : r.changed.map((i) => i.id)).sort();
const summaries = (rs: LoadResult[]) => rs.map((r) => (r.ok ? (r.item as EventEntity).summary : `error ${r.error.code}`)).sort();

for (const kind of ['radicale', 'xandikos'] as DavServerKind[]) {
  describe(`caldav on ${kind}`, () => {
    let server: DavServer;
    let proxy: DavProxy;
    let connector: Connector;

    beforeAll(async () => {
      server = await startDavServer(kind);
      proxy = await startDavProxy(server.url);
      connector = await connectorFor({ ...server, url: proxy.url });
    });
    afterAll(async () => {
      await connector?.close?.();
      await proxy?.close();
      await server?.dispose();
    });

    /** A new calendar holding both events and tasks; its href. */
    async function newCalendar(): Promise<string> {
      return (await connector.createCollection!({ id: freshName(), name: 'Mixed', entities: ['event', 'task'], color: '#3A87AD' })).id;
    }

    it('discovers calendars with name, colour and components; check says how many', async () => {
      const href = await newCalendar();
      const found = (await connector.discover()).find((c) => c.id === href);
      expect(found).toMatchObject({ name: 'Mixed', color: '#3A87AD', readOnly: false });
      expect(found!.entities.sort()).toEqual(['event', 'task']);
      const check = await connector.check();
      expect(check.ok).toBe(true);
      expect(check.message).toMatch(/\d+ calendar\(s\)/);
    });

    it('sync-collection: a first listing gives a cursor, a quiet delta costs one request, changes and deletions come through', async () => {
      const cal = await newCalendar();
      for (const n of [1, 2, 3]) await rawPut(server, `${cal}e${n}.ics`, vevent(`sync-${n}-${cal}`, `E${n}`));
      const first = await connector.list(cal, { entity: 'event' });
      expect(first.kind).toBe('full');
      expect(first.cursor).toMatch(/^sync:/);
      expect(ids(first)).toHaveLength(3);

      proxy.reset();
      const quiet = await connector.list(cal, { entity: 'event', cursor: first.cursor });
      expect(quiet).toMatchObject({ kind: 'changes', changed: [], deleted: [] });
      expect(proxy.count()).toBe(1);

      await rawPut(server, `${cal}e2.ics`, vevent(`sync-2-${cal}`, 'E2 changed'));
      await rawDelete(server, `${cal}e3.ics`);
      await rawPut(server, `${cal}e4.ics`, vevent(`sync-4-${cal}`, 'E4'));
      proxy.reset();
      const delta = await connector.list(cal, { entity: 'event', cursor: quiet.cursor });
      if (delta.kind !== 'changes') throw new Error('expected a delta');
      expect(delta.changed.map((c) => c.id.split('/').pop()).sort()).toEqual(['e2.ics', 'e4.ics']);
      expect(delta.deleted.map((d) => d.split('/').pop())).toEqual(['e3.ics']);
      const loaded = await connector.load(cal, delta.changed.map((c) => c.id), { entity: 'event' });
      expect(summaries(loaded)).toEqual(['E2 changed', 'E4']);
      // K changed items load exactly K (on Xandikos they are fetched while classifying, then served from memory).
      expect(proxy.multigetHrefs()).toBe(2);
    });

    it('a refused sync token is CursorInvalid; a full listing then works', async () => {
      const cal = await newCalendar();
      await rawPut(server, `${cal}a.ics`, vevent(`tok-${cal}`, 'A'));
      const bogus = kind === 'radicale' ? 'sync:http://radicale.org/ns/sync/deadbeef' : `sync:${'0'.repeat(40)}`;
      await expect(connector.list(cal, { entity: 'event', cursor: bogus })).rejects.toMatchObject({ code: 'CursorInvalid' });
      const full = await connector.list(cal, { entity: 'event' });
      expect(ids(full)).toHaveLength(1);
    });

    it('without sync-collection (quirk off): full etag listings by calendar-query, no cursor', async () => {
      const cal = await newCalendar();
      await rawPut(server, `${cal}a.ics`, vevent(`nosync-${cal}`, 'A'));
      await rawPut(server, `${cal}t.ics`, vtodo(`nosync-t-${cal}`, 'T'));
      const plain = await connectorFor({ ...server, url: proxy.url }, { quirks: { syncCollection: false } });
      proxy.reset();
      const res = await plain.list(cal, { entity: 'event' });
      expect(res).toMatchObject({ kind: 'full', cursor: undefined });
      expect(ids(res)).toEqual([expect.stringMatching(/a\.ics$/)]);
      expect(proxy.count('REPORT')).toBe(1);
      expect(proxy.log.some((r) => /sync-collection/.test(r.body))).toBe(false);
      await plain.close?.();
    });

    it('a calendar holding events and tasks lists each entity apart, in full listings and in deltas', async () => {
      const cal = await newCalendar();
      await rawPut(server, `${cal}ev.ics`, vevent(`mix-e-${cal}`, 'Event'));
      await rawPut(server, `${cal}td.ics`, vtodo(`mix-t-${cal}`, 'Task'));
      const ev = await connector.list(cal, { entity: 'event' });
      const td = await connector.list(cal, { entity: 'task' });
      expect(ids(ev).map((i) => i.split('/').pop())).toEqual(['ev.ics']);
      expect(ids(td).map((i) => i.split('/').pop())).toEqual(['td.ics']);
      await rawPut(server, `${cal}ev2.ics`, vevent(`mix-e2-${cal}`, 'Event 2'));
      await rawPut(server, `${cal}td2.ics`, vtodo(`mix-t2-${cal}`, 'Task 2'));
      const evDelta = await connector.list(cal, { entity: 'event', cursor: ev.cursor });
      expect(ids(evDelta).map((i) => i.split('/').pop())).toEqual(['ev2.ics']);
      const tdDelta = await connector.list(cal, { entity: 'task', cursor: td.cursor });
      expect(ids(tdDelta).map((i) => i.split('/').pop())).toEqual(['td2.ics']);
      const loaded = await connector.load(cal, ids(tdDelta), { entity: 'task' });
      expect(loaded[0]).toMatchObject({ ok: true, item: { type: 'task', summary: 'Task 2' } });
    });

    it('a window lists by time-range, recurring events included when an instance falls inside', async () => {
      const cal = await newCalendar();
      await rawPut(server, `${cal}in.ics`, vevent(`w-in-${cal}`, 'Inside', [], '20260610T100000Z'));
      await rawPut(server, `${cal}out.ics`, vevent(`w-out-${cal}`, 'Outside', [], '20250110T100000Z'));
      await rawPut(server, `${cal}weekly.ics`, vevent(`w-rec-${cal}`, 'Weekly since 2025', ['RRULE:FREQ=WEEKLY'], '20250106T090000Z'));
      const res = await connector.list(cal, { entity: 'event', window: { start: new Date('2026-06-01T00:00:00Z'), end: new Date('2026-07-01T00:00:00Z') } });
      expect(ids(res).map((i) => i.split('/').pop())).toEqual(['in.ics', 'weekly.ics']);
      expect(res.cursor).toMatch(/^sync:/);
    });

    it('creating an item whose UID already exists elsewhere in the calendar is PreconditionFailed', async () => {
      const cal = await newCalendar();
      const uid = `clash-${cal}`;
      await rawPut(server, `${cal}someone-else.ics`, vevent(uid, 'Theirs'));
      const [r] = await connector.write(cal, [{ op: 'create', item: { type: 'event', uid, summary: 'Ours', start: { kind: 'utc', value: '2026-03-01T10:00:00Z' } } }]);
      expect(r).toMatchObject({ ok: false, error: { code: 'PreconditionFailed' } });
    });

    it('a PUT answered without an ETag is read back: the returned version is the server\'s', async () => {
      const cal = await newCalendar();
      proxy.stripPutEtag = true;
      try {
        const [r] = await connector.write(cal, [{ op: 'create', item: { type: 'event', uid: `noetag-${cal}`, summary: 'X', start: { kind: 'utc', value: '2026-03-01T10:00:00Z' } } }]);
        if (!r?.ok) throw new Error('write failed');
        const listed = await connector.list(cal, { entity: 'event' });
        expect(r.version).toBeDefined();
        expect(listed.kind === 'full' && listed.items[0]?.version).toBe(r.version);
      } finally {
        proxy.stripPutEtag = false;
      }
    });

    it('writes several at once (writeConcurrency): every item stored once, results in op order, stale updates refused', async () => {
      const cal = await newCalendar();
      const fast = await connectorFor({ ...server, url: proxy.url }, { writeConcurrency: 6, verifyWrites: false });
      let inFlight = 0;
      let peak = 0;
      proxy.before = async (req) => {
        if (req.method !== 'PUT') return;
        peak = Math.max(peak, ++inFlight);
        await new Promise((r) => setTimeout(r, 15));
        inFlight--;
      };
      try {
        const tag = cal.split('/').filter(Boolean).pop()!;
        const event = (uid: string, summary: string) => ({ type: 'event' as const, uid, summary, start: { kind: 'utc' as const, value: '2026-03-01T10:00:00Z' } });
        const created = await fast.write(cal, Array.from({ length: 40 }, (_, i) => ({ op: 'create' as const, item: event(`bulk-${i}-${tag}`, `E${i}`) })));
        expect(created.every((r) => r.ok)).toBe(true);
        expect(created.map((r) => r.ok && decodeURIComponent(r.id.split('/').pop()!))).toEqual(Array.from({ length: 40 }, (_, i) => `bulk-${i}-${tag}.ics`));
        expect(peak).toBeGreaterThan(1);
        expect(peak).toBeLessThanOrEqual(6);
        const listed = await fast.list(cal, { entity: 'event' });
        expect(listed.kind === 'full' && listed.items.length).toBe(40);
        const versions = new Map(listed.kind === 'full' ? listed.items.map((i) => [i.id, i.version]) : []);
        const updated = await fast.write(cal, created.slice(0, 10).map((r, i) => {
          const id = (r as { id: string }).id;
          return { op: 'update' as const, id, ifVersion: i % 2 ? '"not-the-etag"' : versions.get(id), item: event(`bulk-${i}-${tag}`, `E${i} v2`) };
        }));
        expect(updated.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual(Array.from({ length: 10 }, (_, i) => (i % 2 ? 'PreconditionFailed' : 'ok')));
        const loaded = await fast.load(cal, created.slice(0, 4).map((r) => (r as { id: string }).id), { entity: 'event' });
        expect(loaded.map((r) => (r.ok ? (r.item as EventEntity).summary : r.error.code))).toEqual(['E0 v2', 'E1', 'E2 v2', 'E3']);
      } finally {
        proxy.before = undefined;
        await fast.close?.();
      }
    });

    it('429/503 with Retry-After are waited out; a long wait surfaces as RateLimited', async () => {
      const cal = await newCalendar();
      let refusals = 1;
      proxy.before = () => (refusals-- > 0 ? { status: 503, headers: { 'retry-after': '1' } } : undefined);
      const t = Date.now();
      await connector.list(cal, { entity: 'event' });
      expect(Date.now() - t).toBeGreaterThanOrEqual(900);
      proxy.before = () => ({ status: 429, headers: { 'retry-after': '3600' } });
      try {
        await expect(connector.list(cal, { entity: 'event' })).rejects.toMatchObject({ code: 'RateLimited', retryAfterMs: 3_600_000 });
      } finally {
        proxy.before = undefined;
      }
    });
  });
}

describe('caldav settings', () => {
  it('an unknown preset or a missing URL is a clear error', async () => {
    await expect(makeCalDav({ preset: 'nope' })).rejects.toThrow(/unknown preset "nope"/);
    await expect(makeCalDav({ preset: 'nextcloud' })).rejects.toThrow(/server/);
  });

  it('the insecure flag is warned about', async () => {
    const lines: [string, unknown][] = [];
    const c = await makeCalDav({ url: 'https://127.0.0.1:1/', insecure: true }, { logger: recordingLogger(lines) });
    expect(lines.some(([level, msg]) => level === 'warn' && /verification is OFF/.test(String(msg)))).toBe(true);
    await c.close?.();
  });
});
