/** The HTTP API over real HTTP (127.0.0.1, a free port) on real folders, with the service in this process. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunnerService } from '../../core/src/runner/service.js';
import { startService, TOKEN, until, writeServiceConfig } from '../support/service.js';
import { Workspace } from '../support/workspace.js';

let ws: Workspace;
let running: RunnerService | undefined;
beforeEach(() => { ws = new Workspace('dovetail-api-'); });
afterEach(async () => { await running?.stop(); running = undefined; ws.cleanup(); });

const folders = { left: { connector: 'filesystem', settings: { path: './left' } }, right: { connector: 'filesystem', settings: { path: './right' } } };
function pairing(collection: string, extra: Record<string, unknown> = {}) {
  mkdirSync(ws.path('left', collection), { recursive: true });
  mkdirSync(ws.path('right', collection), { recursive: true });
  return { entity: 'event', a: { endpoint: 'left', collection }, b: { endpoint: 'right', collection }, ...extra };
}

async function start(config: Record<string, unknown>, service: Record<string, unknown> = {}) {
  writeServiceConfig(ws, config, service);
  const s = await startService(ws);
  running = s.service;
  return s;
}

describe('API authentication', () => {
  it('refuses a missing or wrong token with 401 on every route but the health checks, the page and feeds', async () => {
    const { url, log } = await start({ endpoints: folders, pairings: { p: pairing('cal') } });
    const routes: [string, string][] = [
      ['GET', '/api/pairings'], ['GET', '/api/pairings/p'], ['POST', '/api/pairings/p/sync'], ['POST', '/api/pairings/p/enable'],
      ['POST', '/api/pairings/p/disable'], ['POST', '/api/pairings/p/reset'], ['GET', '/api/runs'], ['GET', '/api/stats'], ['GET', '/metrics'], ['GET', '/api/openapi.json'],
    ];
    for (const [method, path] of routes) {
      for (const headers of [{}, { Authorization: 'Bearer wrong-token-0123456789abcdef' }, { Authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` }, { Authorization: `Bearer ${TOKEN}x` }]) {
        const res = await fetch(`${url}${path}`, { method, headers });
        expect(res.status, `${method} ${path} ${JSON.stringify(headers)}`).toBe(401);
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
        expect(await res.json()).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
      }
    }
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${url}/readyz`)).json()).toEqual({ status: 'ready' });
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    // The right token opens every route; the disable above never ran (401), so p is still enabled.
    const ok = await fetch(`${url}/api/pairings`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    const requestId = ok.headers.get('x-request-id');
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    // The request's log lines carry its id; no line carries the token.
    expect(log.lines.filter((l) => l.reqId === requestId).length).toBeGreaterThanOrEqual(2);
    expect(log.raw.join('\n')).not.toContain(TOKEN);
  });

  it('answers unknown routes and bad input with JSON errors and bounds request bodies', async () => {
    const { api } = await start({ endpoints: folders, pairings: { p: pairing('cal') } });
    const missing = await api('/api/nothing');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ statusCode: 404, error: 'Not Found' });
    expect((await api('/api/pairings/nope')).status).toBe(404);
    expect((await api('/api/pairings/nope/sync', { method: 'POST' })).status).toBe(404);
    const bad = await api('/api/runs?limit=0');
    expect(bad.status).toBe(400);
    expect((await bad.json()).message).toMatch(/limit/);
    expect((await api('/api/stats?period=year')).status).toBe(400);
    const big = await api('/api/pairings/p/disable', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ pad: 'x'.repeat(70 * 1024) }) });
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ statusCode: 413 });
  });
});

describe('pairings, runs and statistics', () => {
  it('runs on its schedule, syncs now on request, and reports runs, health and statistics', async () => {
    ws.put('left', { uid: 'e1', summary: 'One' });
    const { api } = await start({ endpoints: folders, pairings: { p: pairing('cal', { schedule: { every: '1h' } }), manual: pairing('other') } });
    // The scheduled pairing runs at start; the one without a schedule does not.
    const first = await until(async () => {
      const p = await (await api('/api/pairings/p')).json();
      return p.lastRun ? p : undefined;
    });
    expect(first).toMatchObject({ pairing: 'p', health: 'ok', enabled: true, lastRun: { ok: true, trigger: 'schedule', b: { created: 1 } }, running: false });
    expect(Date.parse(first.nextRunAt) - Date.now()).toBeGreaterThan(3_500_000);
    expect(first.runs).toHaveLength(1);
    expect(ws.items('right').get('e1')).toBe('One');

    const list = await (await api('/api/pairings')).json();
    expect(list.pairings.map((p: { pairing: string; health: string }) => [p.pairing, p.health])).toEqual([['p', 'ok'], ['manual', 'never-run']]);

    // Sync now: accepted, then recorded with trigger "manual".
    ws.edit('left', 'e1', 'One, edited', '20300101T000000Z');
    const sync = await api('/api/pairings/p/sync', { method: 'POST' });
    expect(sync.status).toBe(202);
    expect(await sync.json()).toEqual({ pairing: 'p', accepted: true });
    const second = await until(async () => {
      const p = await (await api('/api/pairings/p')).json();
      return p.lastRun?.trigger === 'manual' ? p : undefined;
    });
    expect(second.lastRun.b.updated).toBe(1);
    expect(ws.items('right').get('e1')).toBe('One, edited');

    // A dry run answers with the plan's counts and changes nothing.
    ws.put('left', { uid: 'e2', summary: 'Two' });
    const dry = await api('/api/pairings/p/sync?dryRun=1', { method: 'POST' });
    expect(dry.status).toBe(200);
    expect(await dry.json()).toMatchObject({ pairing: 'p', dryRun: true, b: { created: 1 } });
    expect(ws.items('right').has('e2')).toBe(false);

    const runs = await (await api('/api/runs?pairing=p')).json();
    expect(runs.runs.map((r: { trigger: string }) => r.trigger)).toEqual(['manual', 'schedule']);
    expect(runs.runs[0].items).toBeUndefined();
    const since = await (await api(`/api/runs?since=${encodeURIComponent(runs.runs[0].startedAt)}`)).json();
    expect(since.runs).toHaveLength(1);

    const today = new Date().toISOString().slice(0, 10);
    const stats = await (await api('/api/stats?period=day&pairing=p')).json();
    expect(stats.buckets).toHaveLength(30);
    expect(stats.buckets.at(-1)).toMatchObject({ start: today, runs: 2, failedRuns: 0, b: { created: 1, updated: 1, deleted: 0 } });
    const months = await (await api(`/api/stats?period=month&from=${today.slice(0, 8)}01&to=${today}`)).json();
    expect(months.buckets).toEqual([expect.objectContaining({ start: `${today.slice(0, 7)}-01`, runs: 2 })]);
    const weeks = await (await api('/api/stats?period=week&from=2026-01-01&to=2026-01-31')).json();
    expect(weeks.buckets.map((b: { start: string }) => b.start)).toEqual(['2025-12-29', '2026-01-05', '2026-01-12', '2026-01-19', '2026-01-26']);
  });

  it('disables and enables at runtime (kept across restarts) and refuses to sync a disabled pairing', async () => {
    const { api } = await start({ endpoints: folders, pairings: { p: pairing('cal'), off: pairing('other', { enabled: false }) } });
    const disabled = await (await api('/api/pairings/p/disable', { method: 'POST' })).json();
    expect(disabled).toMatchObject({ enabled: false, disabledAtRuntime: true });
    const refused = await api('/api/pairings/p/sync', { method: 'POST' });
    expect(refused.status).toBe(409);
    expect((await refused.json()).message).toMatch(/disabled; enable it first/);
    const off = await api('/api/pairings/off/sync', { method: 'POST' });
    expect(off.status).toBe(409);
    expect((await off.json()).message).toMatch(/"enabled": false in the config/);

    await running!.stop();
    const again = await startService(ws);
    running = again.service;
    expect(await (await again.api('/api/pairings/p')).json()).toMatchObject({ enabled: false, disabledAtRuntime: true });
    expect(await (await again.api('/api/pairings/p/enable', { method: 'POST' })).json()).toMatchObject({ enabled: true, disabledAtRuntime: false });
    expect((await again.api('/api/pairings/p/sync', { method: 'POST' })).status).toBe(202);
  });

  it('serves Prometheus metrics and the OpenAPI document', async () => {
    ws.put('left', { uid: 'e1', summary: 'One' });
    const { api } = await start({ endpoints: folders, pairings: { p: pairing('cal', { schedule: { every: '1h' } }) } });
    await until(async () => (await (await api('/api/pairings/p')).json()).lastRun);
    const res = await api('/metrics');
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('dovetail_runs_total{pairing="p",result="ok",trigger="schedule"} 1');
    expect(text).toContain('dovetail_items_total{pairing="p",operation="created",side="b"} 1');
    expect(text).toMatch(/dovetail_run_duration_seconds_count\{pairing="p"\} 1/);
    expect(text).toContain('dovetail_circuit_open{pairing="p"} 0');
    expect(text).toContain('dovetail_runs_in_progress 0');
    expect(text).toMatch(/dovetail_nodejs_heap_size_used_bytes \d+/);

    const doc = await (await api('/api/openapi.json')).json();
    expect(doc.openapi).toBe('3.1.0');
    for (const path of ['/healthz', '/readyz', '/api/pairings', '/api/pairings/{name}', '/api/pairings/{name}/sync', '/api/pairings/{name}/enable', '/api/pairings/{name}/disable', '/api/pairings/{name}/reset', '/api/runs', '/api/stats', '/metrics', '/feeds/{file}']) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
    expect(doc.components.securitySchemes.bearer).toEqual({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/healthz'].get.security).toEqual([]);
  });
});

describe('connector caches', () => {
  it('are written after each run, not only when the service stops (it keeps its connectors open between runs)', async () => {
    ws.put('left', { uid: 'e1', summary: 'One' });
    writeFileSync(ws.path('left', 'cal', 'todo.ics'), 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VTODO\r\nUID:t\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:T\r\nEND:VTODO\r\nEND:VCALENDAR\r\n');
    const { api } = await start({ endpoints: folders, pairings: { p: pairing('cal', { schedule: { every: '1h' } }) } });
    await until(async () => (await (await api('/api/pairings/p')).json()).lastRun);
    // Saved right after the run (the service is still running).
    const cache = await until(() => { try { return JSON.parse(readFileSync(ws.path('.dovetail', 'cache', 'left.json'), 'utf8')); } catch { return undefined; } }, 5_000);
    expect(Object.keys(cache.scopes[ws.path('left', 'cal')]).sort()).toEqual(['e1.ics', 'todo.ics']);
  });
});

describe('published iCal feeds', () => {
  it("serves an ical-feed endpoint's file with its token: ETag, 304, 401 and 404", async () => {
    mkdirSync(ws.path('public'), { recursive: true });
    const ics = 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nEND:VCALENDAR\r\n';
    writeFileSync(ws.path('public', 'team.ics'), ics);
    const feedToken = 'feed-secret-4242';
    process.env.TEAM_FEED_TOKEN = feedToken;
    const { url, log } = await start({
      endpoints: {
        ...folders,
        team: { connector: 'ical-feed', settings: { path: './public/team.ics', serveToken: { env: 'TEAM_FEED_TOKEN' } } },
        later: { connector: 'ical-feed', settings: { path: './public/later.ics', serveToken: 'later-feed-token-0001' } },
        private: { connector: 'ical-feed', settings: { path: './public/team.ics' } },
      },
      pairings: { p: pairing('cal') },
    });
    const feed = `${url}/feeds/team.ics`;
    const ok = await fetch(`${feed}?token=${feedToken}`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
    expect(ok.headers.get('cache-control')).toBe('no-cache');
    const etag = ok.headers.get('etag')!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
    expect(await ok.text()).toBe(ics);

    const same = await fetch(`${feed}?token=${feedToken}`, { headers: { 'If-None-Match': etag } });
    expect(same.status).toBe(304);
    expect(await same.text()).toBe('');
    writeFileSync(ws.path('public', 'team.ics'), ics.replace('test', 'test2'));
    const changed = await fetch(`${feed}?token=${feedToken}`, { headers: { 'If-None-Match': etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);

    for (const q of ['', '?token=', '?token=wrong', `?token=${feedToken}x`]) {
      const r = await fetch(`${feed}${q}`);
      expect(r.status, q).toBe(401);
      expect(await r.json()).toMatchObject({ statusCode: 401 });
    }
    // The service's bearer token is not a feed token.
    expect((await fetch(`${feed}?token=${TOKEN}`)).status).toBe(401);
    for (const path of ['/feeds/nope.ics?token=x', '/feeds/p.ics?token=x', '/feeds/private.ics?token=x', '/feeds/team.txt']) {
      const r = await fetch(`${url}${path}`);
      expect(r.status, path).toBe(404);
      expect((await r.json()).statusCode).toBe(404);
    }
    const notWritten = await fetch(`${url}/feeds/later.ics?token=later-feed-token-0001`);
    expect(notWritten.status).toBe(404);
    expect((await notWritten.json()).message).toMatch(/not been written yet/);
    // Tokens never reach the log.
    expect(log.raw.join('\n')).not.toContain(feedToken);
    expect(log.raw.join('\n')).toContain('/feeds/team.ics?token=[redacted]');
    delete process.env.TEAM_FEED_TOKEN;
  });
});
