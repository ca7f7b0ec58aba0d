/**
 * writeMembers with several writes in flight, against a real HTTP server on loopback: results in op order,
 * conditional headers kept, the first op alone, ops on one resource in op order, an auth failure on the first op,
 * and a server the run gives up.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RunBudget, withRunBudget, type Entity, type WriteOp } from '@dovetail/core/sdk';
import { Transport, type TransportOptions } from '@dovetail/http';
import { DavClient } from '../src/client.js';
import { writeMembers, type MemberFormat } from '../src/members.js';

interface Arrival { method: string; url: string; ifMatch?: string; ifNoneMatch?: string; at: number; inFlight: number; doneAt?: number }

/** A loopback server that stores PUT bodies (honouring If-None-Match / If-Match) after `delayMs(url)`. */
async function storeServer(options: { delayMs?: (url: string, method: string) => number; answer?: (req: IncomingMessage) => number | undefined } = {}) {
  const store = new Map<string, { body: string; etag: string }>();
  const arrivals: Arrival[] = [];
  let inFlight = 0;
  let version = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      inFlight++;
      const a: Arrival = { method: req.method!, url: req.url!, ifMatch: req.headers['if-match'] as string | undefined, ifNoneMatch: req.headers['if-none-match'] as string | undefined, at: Date.now(), inFlight };
      arrivals.push(a);
      const fixed = options.answer?.(req);
      if (fixed === 0) return; // never answered
      setTimeout(() => {
        inFlight--;
        a.doneAt = Date.now();
        if (fixed) { res.writeHead(fixed).end(); return; }
        const cur = store.get(req.url!);
        if (req.method === 'DELETE') {
          if (!cur) { res.writeHead(404).end(); return; }
          if (a.ifMatch && a.ifMatch !== cur.etag) { res.writeHead(412).end(); return; }
          store.delete(req.url!);
          res.writeHead(204).end();
          return;
        }
        if (a.ifNoneMatch === '*' && cur) { res.writeHead(412).end(); return; }
        if (a.ifMatch && a.ifMatch !== '*' && a.ifMatch !== cur?.etag) { res.writeHead(412).end(); return; }
        const etag = `"v${++version}"`;
        store.set(req.url!, { body, etag });
        res.writeHead(cur ? 204 : 201, { etag }).end();
      }, options.delayMs?.(req.url!, req.method!) ?? 20);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  cleanups.push(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  return { base, store, arrivals, peak: () => Math.max(0, ...arrivals.map((x) => x.inFlight)) };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => { await Promise.all(cleanups.splice(0).map((c) => c())); });

const FORMAT: MemberFormat = { multiget: 'calendar', extension: '.ics', contentType: 'text/calendar; charset=utf-8', serialize: (item) => `BEGIN:VCALENDAR\r\nUID:${item.uid}\r\nEND:VCALENDAR\r\n` };
const event = (uid: string): Entity => ({ type: 'event', uid, summary: uid, start: { kind: 'utc', value: '2026-03-01T10:00:00Z' } });
const client = (base: string, options: Partial<TransportOptions> = {}) => {
  const transport = new Transport({ auth: { type: 'none' }, maxRetries: 0, timeoutMs: 5_000, ...options });
  cleanups.push(() => transport.close());
  return new DavClient(transport, base);
};
const write = (c: DavClient, ops: WriteOp[], concurrency: number) => writeMembers(c, '/cal/', ops, FORMAT, 100, { verify: false, concurrency });

describe('writeMembers with several writes at once', () => {
  it('keeps at most `concurrency` writes in flight, results in op order, every write conditional', async () => {
    const srv = await storeServer({ delayMs: (url) => 5 + (url.length * 7) % 35 });
    for (let i = 0; i < 5; i++) srv.store.set(`/cal/old-${i}.ics`, { body: 'x', etag: `"o${i}"` });
    const c = client(srv.base, { maxWritesInFlight: 4 });
    const ops: WriteOp[] = [
      ...Array.from({ length: 20 }, (_, i): WriteOp => ({ op: 'create', item: event(`new-${i}`) })),
      ...Array.from({ length: 5 }, (_, i): WriteOp => ({ op: 'update', id: `/cal/old-${i}.ics`, ifVersion: i === 2 ? '"stale"' : `"o${i}"`, item: event(`old-${i}`) })),
      { op: 'delete', id: '/cal/old-4.ics', ifVersion: '"o4"' }, // after its update: 412, its version changed
      { op: 'delete', id: '/cal/old-3.ics' },
    ];
    const results = await write(c, ops, 4);
    expect(srv.peak()).toBe(4);
    expect(results.slice(0, 20).map((r) => r.ok && r.id)).toEqual(Array.from({ length: 20 }, (_, i) => `/cal/new-${i}.ics`));
    expect(results.slice(20, 25).map((r) => (r.ok ? 'ok' : r.error.code))).toEqual(['ok', 'ok', 'PreconditionFailed', 'ok', 'ok']);
    expect(results.slice(25).map((r) => (r.ok ? 'ok' : r.error.code))).toEqual(['PreconditionFailed', 'ok']);
    // Each result carries the ETag its own PUT was answered with.
    for (const [i, r] of results.slice(0, 20).entries()) expect(r.ok && r.version).toBe(srv.store.get(`/cal/new-${i}.ics`)!.etag);
    const puts = srv.arrivals.filter((a) => a.method === 'PUT');
    expect(puts.filter((a) => a.url.startsWith('/cal/new-')).every((a) => a.ifNoneMatch === '*' && !a.ifMatch)).toBe(true);
    expect(puts.filter((a) => a.url.startsWith('/cal/old-')).map((a) => a.ifMatch).sort()).toEqual(['"o0"', '"o1"', '"o3"', '"o4"', '"stale"']);
    expect(srv.store.has('/cal/old-3.ics')).toBe(false);
    expect(srv.store.has('/cal/old-4.ics')).toBe(true);
  });

  it('the first op goes alone; ops on the same resource go one after another in op order', async () => {
    const srv = await storeServer({ delayMs: (url, method) => (url === '/cal/x.ics' && method === 'PUT' ? 120 : 10) });
    const c = client(srv.base, { maxWritesInFlight: 6 });
    srv.store.set('/cal/x.ics', { body: 'x', etag: '"x0"' });
    const ops: WriteOp[] = [
      { op: 'create', item: event('first') },
      { op: 'update', id: '/cal/x.ics', ifVersion: '"x0"', item: event('x') }, // slow
      ...Array.from({ length: 6 }, (_, i): WriteOp => ({ op: 'create', item: event(`other-${i}`) })),
      { op: 'delete', id: '/cal/x.ics' }, // must wait for the update above
      { op: 'create', item: event('x') }, // and this for the delete
    ];
    const results = await write(c, ops, 6);
    expect(results.map((r) => r.ok)).toEqual(Array(10).fill(true));
    const [first, ...rest] = srv.arrivals;
    expect(first!.url).toBe('/cal/first.ics');
    expect(rest.every((a) => a.at >= first!.doneAt!)).toBe(true);
    expect(srv.peak()).toBeGreaterThan(1);
    const onX = srv.arrivals.filter((a) => a.url === '/cal/x.ics');
    expect(onX.map((a) => a.method)).toEqual(['PUT', 'DELETE', 'PUT']);
    expect(onX[1]!.at).toBeGreaterThanOrEqual(onX[0]!.doneAt!);
    expect(onX[2]!.at).toBeGreaterThanOrEqual(onX[1]!.doneAt!);
    expect(onX[2]!.ifNoneMatch).toBe('*');
  });

  it('an auth failure on the first op throws and nothing else is sent', async () => {
    const srv = await storeServer({ answer: () => 401 });
    const c = client(srv.base, { maxWritesInFlight: 4 });
    await expect(write(c, Array.from({ length: 8 }, (_, i): WriteOp => ({ op: 'create', item: event(`a-${i}`) })), 4)).rejects.toMatchObject({ code: 'AuthFailed' });
    expect(srv.arrivals).toHaveLength(1);
  });

  it('a server the run gives up gets no new write; the ops not sent are marked not attempted', async () => {
    const srv = await storeServer({ answer: () => 0 });
    const c = client(srv.base, { maxWritesInFlight: 4, timeoutMs: 400 });
    const results = await withRunBudget(new RunBudget(), () => write(c, Array.from({ length: 30 }, (_, i): WriteOp => ({ op: 'create', item: event(`h-${i}`) })), 4));
    const outcome = results.map((r) => (r.ok ? 'ok' : (r.error as { notAttempted?: boolean }).notAttempted ? 'skipped' : r.error.code));
    // The first alone; its time-out halves the window, so two go next; three failures in a row give the host up.
    expect(srv.arrivals).toHaveLength(3);
    expect(outcome).toEqual([...Array(3).fill('Unavailable'), ...Array(27).fill('skipped')]);
  });
});
