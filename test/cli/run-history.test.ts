/** Failed runs leave a trace: history, health, circuit and `dovetail reset`, through the real CLI on real folders. */
import { readFileSync, writeFileSync, readdirSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.js';
import { Workspace } from '../support/workspace.js';

let ws: Workspace;
beforeEach(() => { ws = new Workspace(); });
afterEach(() => ws.cleanup());

interface StatusJson { pairing: string; health: string; enabled: boolean; lastError?: string; reasons: string[]; circuit: { open: boolean; failures: number }; lastRun?: { ok: boolean; failure?: string; trigger?: string } }
async function status(): Promise<Map<string, StatusJson>> {
  const r = await ws.run(['status', '--json']);
  expect(r.code, r.stderr).toBe(0);
  return new Map((r.json!.pairings as StatusJson[]).map((p) => [p.pairing, p]));
}

/** A pairing `down` against a CalDAV server that is not running (nothing listens on the port), and a folder pairing `p`. */
async function configWithDownServer(extra: Record<string, unknown> = {}): Promise<void> {
  const port = await freePort();
  mkdirSync(ws.path('left', 'cal'), { recursive: true });
  mkdirSync(ws.path('right', 'cal'), { recursive: true });
  writeFileSync(ws.path('dovetail.json'), JSON.stringify({
    endpoints: {
      left: { connector: 'filesystem', settings: { path: './left' } },
      right: { connector: 'filesystem', settings: { path: './right' } },
      server: { connector: 'caldav', settings: { url: `http://127.0.0.1:${port}/dav/`, username: 'ann', password: 'pw12345' } },
    },
    pairings: {
      p: { entity: 'event', a: { endpoint: 'left', collection: 'cal' }, b: { endpoint: 'right', collection: 'cal' } },
      down: { entity: 'event', a: { endpoint: 'server', collection: '/dav/ann/cal/' }, b: { endpoint: 'left', collection: 'cal' }, schedule: { maxFailures: 2 } },
    },
    ...extra,
  }));
}

describe('run history of failed runs', () => {
  it('records a run that could not reach its server, shows error health, opens the circuit and closes it on reset', async () => {
    await configWithDownServer();
    ws.put('left', { uid: 'e1', summary: 'One' });
    const first = await ws.run(['sync', '--json', 'down']);
    expect(first.code).toBe(3);
    expect(first.json!.runs[0]).toMatchObject({ pairing: 'down', ok: false, failure: 'unreachable', trigger: 'cli' });
    let st = await status();
    expect(st.get('down')).toMatchObject({ health: 'error', enabled: true, circuit: { open: false, failures: 1 }, lastRun: { ok: false, failure: 'unreachable' } });
    expect(st.get('down')!.lastError).toMatch(/connection refused/);
    expect(st.get('p')!.health).toBe('never-run');

    expect((await ws.run(['sync', 'down'])).code).toBe(3);
    st = await status();
    expect(st.get('down')).toMatchObject({ health: 'error', enabled: false, circuit: { open: true, failures: 2 } });
    expect(st.get('down')!.reasons.join(' ')).toMatch(/stopped after 2 failed runs in a row/);
    const text = await ws.run(['status']);
    expect(text.stdout).toMatch(/down\s+error\s+no \(circuit open\)/);

    const reset = await ws.run(['reset', 'down']);
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stdout).toContain('down: circuit closed (it was open after 2 failed runs)');
    st = await status();
    expect(st.get('down')).toMatchObject({ enabled: true, circuit: { open: false, failures: 0 } });
    expect((await ws.run(['reset', 'nope'])).code).toBe(2);

    // A good run of the other pairing is ok; both runs are in the history file.
    expect((await ws.sync('p')).code).toBe(0);
    st = await status();
    expect(st.get('p')).toMatchObject({ health: 'ok', lastRun: { ok: true, trigger: 'cli' } });
  });

  it('a run that finds the pairing locked is recorded with its error', async () => {
    ws.pairing();
    const folder = join(ws.dir, '.dovetail', 'p-p');
    mkdirSync(folder, { recursive: true });
    // A lock held by a live process (this test's).
    writeFileSync(join(folder, 'run.lock'), JSON.stringify({ pid: process.pid, hostname: (await import('node:os')).hostname(), startedAt: new Date().toISOString() }));
    const r = await ws.run(['sync', '--json']);
    expect(r.code).toBe(3);
    expect(r.json!.runs[0]).toMatchObject({ ok: false, failure: 'locked' });
    const st = await status();
    expect(st.get('p')).toMatchObject({ health: 'error', circuit: { failures: 0 } });
    expect(st.get('p')!.lastError).toMatch(/already being synced/);
  });

  it('sets a corrupt history aside with a warning and syncs on', async () => {
    ws.pairing();
    ws.put('left', { uid: 'e1', summary: 'One' });
    expect((await ws.sync()).code).toBe(0);
    const folder = join(ws.dir, '.dovetail', 'p-p');
    writeFileSync(join(folder, 'runs.jsonl'), `garbage\n${readFileSync(join(folder, 'runs.jsonl'), 'utf8')}`);
    ws.put('left', { uid: 'e2', summary: 'Two' });
    const r = await ws.sync();
    expect(r.code).toBe(0);
    expect(r.report.b.created).toBe(1);
    expect(r.stderr).toMatch(/runs\.jsonl is corrupt: line 1.*moved it to/);
    expect(readdirSync(folder).some((f) => f.startsWith('runs.jsonl.corrupt-'))).toBe(true);
    const st = await status();
    expect(st.get('p')).toMatchObject({ health: 'ok' });
  });

  it('skips pairings with enabled: false unless named', async () => {
    ws.config({
      on: { entity: 'event', a: { endpoint: 'left', collection: 'cal' }, b: { endpoint: 'right', collection: 'cal' } },
      off: { entity: 'event', enabled: false, a: { endpoint: 'left', collection: 'cal' }, b: { endpoint: 'right', collection: 'other', create: true } },
    });
    mkdirSync(ws.path('right', 'cal'), { recursive: true });
    ws.put('left', { uid: 'e1', summary: 'One' });
    const all = await ws.run(['sync']);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stderr).toContain('skipped (enabled: false): off');
    expect(all.stdout).toContain('on: done');
    expect(all.stdout).not.toContain('off:');
    const named = await ws.run(['sync', '--json', 'off']);
    expect(named.json!.runs.map((r) => r.pairing)).toEqual(['off']);
  });
});
