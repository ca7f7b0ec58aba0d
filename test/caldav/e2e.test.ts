/**
 * CalDAV ↔ folder through the real CLI against real servers, with the server misbehaving mid-run:
 * a second client editing what the run is about to write (412 → refetch and replan), and the server
 * stopped and restarted during a sync (failed items reported, the next run converges without duplicates).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { Workspace } from '../support/workspace.js';
import { rawGet, rawList, rawPut, startDavServer, type DavServer, type DavServerKind } from '../support/dav-servers.js';
import { startDavProxy, type DavProxy } from '../support/dav-proxy.js';

function davConfig(ws: Workspace, server: DavServer, proxy: DavProxy, calendar: string, pairing: Record<string, unknown> = {}): void {
  const settings = server.kind === 'radicale' ? { url: proxy.url, username: server.username, password: server.password } : { url: proxy.url };
  ws.config({}, {});
  writeFileSync(ws.path('dovetail.json'), JSON.stringify({
    endpoints: { left: { connector: 'filesystem', settings: { path: './left' } }, dav: { connector: 'caldav', settings } },
    pairings: { p: { entity: 'event', a: { endpoint: 'left', collection: 'cal' }, b: { endpoint: 'dav', collection: calendar, create: true }, mode: 'two-way', conflict: 'newer-wins', ...pairing } },
  }, null, 2));
}

const calendarFor = (server: DavServer, name: string) => (server.kind === 'radicale' ? `/user/${name}/` : `/user/calendars/${name}/`);

/** UID → SUMMARY of every event on the server calendar; throws on a duplicate UID. */
async function serverItems(server: DavServer, calendar: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const { href } of await rawList(server, calendar)) {
    const text = (await rawGet(server, href)).body.replace(/\r?\n[ \t]/g, '');
    const uid = /^UID:(.*?)\r?$/m.exec(text)?.[1] ?? '';
    if (out.has(uid)) throw new Error(`duplicate UID ${uid} on the server`);
    out.set(uid, /^SUMMARY:(.*?)\r?$/m.exec(text)?.[1] ?? '');
  }
  return out;
}

for (const kind of ['radicale', 'xandikos'] as DavServerKind[]) {
  describe(`caldav ↔ folder via the CLI on ${kind}`, () => {
    let server: DavServer;
    let proxy: DavProxy;
    beforeAll(async () => {
      server = await startDavServer(kind);
      proxy = await startDavProxy(server.url);
    });
    afterAll(async () => {
      await proxy?.close();
      await server?.dispose();
    });

    it('a second client editing an item while the run writes it: 412, refetch, replan, converge', async () => {
      const ws = new Workspace();
      const cal = calendarFor(server, `second-${Date.now()}`);
      davConfig(ws, server, proxy, cal);
      for (let i = 0; i < 5; i++) ws.put('left', { uid: `m${i}`, summary: `M${i}`, lastModified: '20260101T000000Z' });
      expect((await ws.run(['sync', '--json'])).code).toBe(0);

      for (let i = 0; i < 5; i++) ws.edit('left', `m${i}`, `M${i} edited here`, '20260201T000000Z');
      const victim = (await rawList(server, cal))[0]!.href;
      let interfered = false;
      proxy.before = async (req) => {
        if (req.method === 'PUT' && !interfered) {
          interfered = true;
          const text = (await rawGet(server, victim)).body
            .replace(/SUMMARY:[^\r\n]*/, 'SUMMARY:Edited by the other client')
            .replace(/LAST-MODIFIED:[^\r\n]*/, 'LAST-MODIFIED:20260301T000000Z');
          await rawPut(server, victim, text);
        }
      };
      try {
        const r = await ws.run(['sync', '--json']);
        expect(r.code).toBe(0);
        expect(interfered).toBe(true);
      } finally {
        proxy.before = undefined;
      }
      const onServer = await serverItems(server, cal);
      const left = ws.items('left');
      expect(onServer.size).toBe(5);
      expect([...onServer.values()].filter((s) => s === 'Edited by the other client')).toHaveLength(1);
      expect(Object.fromEntries(onServer)).toEqual(Object.fromEntries(left));
      const again = await ws.run(['sync', '--json']);
      expect(again.json?.runs[0]).toMatchObject({ a: { created: 0, updated: 0, deleted: 0 }, b: { created: 0, updated: 0, deleted: 0 } });
    });

    it('the server stopped and restarted mid-sync: failures reported, next run converges, no duplicates', async () => {
      const ws = new Workspace();
      const cal = calendarFor(server, `restart-${Date.now()}`);
      davConfig(ws, server, proxy, cal);
      const N = 60;
      for (let i = 0; i < N; i++) ws.put('left', { uid: `r${i}`, summary: `R${i}` });
      let puts = 0;
      let restarted: Promise<void> | undefined;
      proxy.before = async (req) => {
        if (req.method === 'PUT' && ++puts === 20) {
          await server.stop();
          restarted = new Promise((resolve) => setTimeout(resolve, 1500)).then(() => server.restart());
        }
      };
      let first;
      try {
        first = await ws.run(['sync', '--json']);
      } finally {
        proxy.before = undefined;
        await restarted;
      }
      expect([1, 3]).toContain(first.code); // item failures (1), or the run could not go on (3)
      if (first.code === 1) expect(first.json?.runs[0]?.failed).toBeGreaterThan(0);

      const second = await ws.run(["sync", "--json"]);
      expect(second.code).toBe(0);
      const onServer = await serverItems(server, cal);
      expect(onServer.size).toBe(N);
      expect(Object.fromEntries(onServer)).toEqual(Object.fromEntries(ws.items('left')));
      const third = await ws.run(['sync', '--json']);
      expect(third.json?.runs[0]).toMatchObject({ a: { created: 0, updated: 0, deleted: 0 }, b: { created: 0, updated: 0, deleted: 0 }, unchanged: N });
    });
  });
}
