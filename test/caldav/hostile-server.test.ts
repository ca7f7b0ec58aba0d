/**
 * A CalDAV server that turns hostile mid-sync, through the real CLI: real Radicale behind a proxy on 127.0.0.1
 * that hangs on every write, or answers writes with 429/503 and a long Retry-After. The run's budget must end the
 * run quickly (exit 3, one clear line, a bounded number of requests sent into the server), lose nothing, and the
 * next run against the healthy server must converge without duplicates.
 */
import { writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDavProxy, type DavProxy } from '../support/dav-proxy.js';
import { rawGet, rawList, startDavServer, type DavServer } from '../support/dav-servers.js';
import { Workspace } from '../support/workspace.js';

const ITEMS = 12;

describe('caldav: a server that stops answering writes (real Radicale behind a hostile proxy)', () => {
  let server: DavServer;
  let proxy: DavProxy;
  let ws: Workspace;
  beforeAll(async () => {
    server = await startDavServer('radicale');
    proxy = await startDavProxy(server.url);
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.dispose();
  });
  afterEach(() => {
    proxy.before = undefined;
    ws?.cleanup();
  });

  /** A folder of ITEMS events paired into a new calendar behind the proxy; `timeoutMs` per request. */
  function setup(name: string, settings: Record<string, unknown> = {}): string {
    ws = new Workspace();
    const calendar = `/user/${name}-${Date.now()}/`;
    ws.config({}, {});
    writeFileSync(ws.path('dovetail.json'), JSON.stringify({
      endpoints: {
        left: { connector: 'filesystem', settings: { path: './left' } },
        dav: { connector: 'caldav', settings: { url: proxy.url, username: server.username, password: server.password, ...settings } },
      },
      pairings: { p: { entity: 'event', a: { endpoint: 'left', collection: 'cal' }, b: { endpoint: 'dav', collection: calendar, create: true } } },
    }, null, 2));
    for (let i = 0; i < ITEMS; i++) ws.put('left', { uid: `h${i}`, summary: `H${i}` });
    return calendar;
  }

  /** UIDs on the server calendar; fails on a duplicate. */
  async function serverUids(calendar: string): Promise<string[]> {
    const uids: string[] = [];
    for (const { href } of await rawList(server, calendar)) uids.push(/^UID:(.*?)\r?$/m.exec((await rawGet(server, href)).body)?.[1] ?? '');
    expect(new Set(uids).size).toBe(uids.length);
    return uids.sort();
  }

  async function convergesAfterHealing(calendar: string): Promise<void> {
    proxy.before = undefined;
    const next = await ws.sync();
    expect(next.code).toBe(0);
    expect(next.report.b.created).toBe(ITEMS);
    expect(await serverUids(calendar)).toEqual(Array.from({ length: ITEMS }, (_, i) => `h${i}`).sort());
    const quiet = await ws.sync();
    expect(quiet.code).toBe(0);
    expect(quiet.report.b).toEqual({ created: 0, updated: 0, deleted: 0 });
  }

  it('hangs on every PUT: 3 writes time out, the other changes are not attempted, exit 3 with one line; the next run converges', async () => {
    const calendar = setup('hang', { timeoutMs: 1000 });
    proxy.before = (req) => (req.method === 'PUT' ? new Promise<never>(() => undefined) : undefined);
    proxy.reset();
    const started = Date.now();
    const r = await ws.run(['sync']);
    const elapsed = Date.now() - started;
    expect(r.code).toBe(3);
    expect(proxy.count('PUT')).toBe(3);
    expect(elapsed).toBeLessThan(15_000);
    const aborted = r.stdout.split('\n').filter((l) => l.includes('aborted:'));
    expect(aborted).toHaveLength(1);
    expect(aborted[0]).toMatch(new RegExp(`aborted: stopped sending to 127\\.0\\.0\\.1:\\d+ for the rest of this run: 3 requests in a row failed; the last: timed out .*; ${ITEMS - 3} changes not attempted \\(no retry penalty`));
    expect(await serverUids(calendar)).toEqual([]);

    // The history says why, and no item was penalised: the next run retries all of them at once.
    const status = await ws.run(['status', '--json']);
    const p = (JSON.parse(status.stdout) as { pairings: { health: string; lastRun: { failure: string; notAttempted: number } }[] }).pairings[0];
    expect(p.health).toBe('error');
    expect(p.lastRun).toMatchObject({ failure: 'unreachable', notAttempted: ITEMS - 3 });
    await convergesAfterHealing(calendar);
  });

  it('429 with Retry-After: 3600 on writes: one PUT, then the run stops at once (exit 3); the next run converges', async () => {
    const calendar = setup('ratelimited');
    proxy.before = (req) => (req.method === 'PUT' ? { status: 429, headers: { 'retry-after': '3600' } } : undefined);
    proxy.reset();
    const started = Date.now();
    const r = await ws.sync();
    expect(r.code).toBe(3);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(proxy.count('PUT')).toBe(1);
    expect(r.report.aborted).toMatch(/it asked to wait 3600 s \(Retry-After\), more than the 60 s a run waits; 12 changes not attempted/);
    await convergesAfterHealing(calendar);
  });

  it('an item the server refuses backs off: later runs say how many wait and when (exit 1), and so does status', async () => {
    setup('refused');
    proxy.before = (req) => (req.method === 'PUT' && /^UID:h3\r?$/m.test(req.body) ? { status: 400, body: 'no' } : undefined);
    const first = await ws.sync();
    expect(first.code).toBe(1);
    expect(first.report.failed).toBe(1);
    const second = await ws.run(['sync']);
    expect(second.code).toBe(1);
    expect(second.stdout).toMatch(/^p: done with problems — a: \+0 ~0 -0 {2}b: \+0 ~0 -0 {2}unchanged \d+ {2}skipped 1 /m);
    expect(second.stdout).toMatch(/^ {2}waiting: 1 item to retry after failures, next at \d{4}-\d\d-\d\dT[\d:.]+Z \(see dovetail status\)$/m);
    const status = await ws.run(['status']);
    expect(status.stdout).toMatch(/^p +warning +yes .* 1 \(next \d{4}-/m);
    expect(status.stdout).toMatch(/^ {2}p: 1 item waiting for a retry \(next at \d{4}-/m);
  });

  it('503 with Retry-After: 1 pauses the host once and the run completes', async () => {
    const calendar = setup('paused');
    let refused = 0;
    proxy.before = (req) => (req.method === 'PUT' && refused++ === 0 ? { status: 503, headers: { 'retry-after': '1' } } : undefined);
    const started = Date.now();
    const r = await ws.sync();
    expect(r.code).toBe(0);
    expect(r.report.b.created).toBe(ITEMS);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(await serverUids(calendar)).toHaveLength(ITEMS);
  });
});
