/** The circuit breaker against a server that is down, and change triggers on real folders, with the service in this process. */
import { mkdirSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunnerService } from '../../core/src/runner/service.js';
import { freePort } from '../support/ports.js';
import { startService, until, writeServiceConfig } from '../support/service.js';
import { Workspace } from '../support/workspace.js';

let ws: Workspace;
let running: RunnerService | undefined;
beforeEach(() => { ws = new Workspace('dovetail-circuit-'); });
afterEach(async () => { await running?.stop(); running = undefined; ws.cleanup(); });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('circuit breaker', () => {
  it('opens after maxFailures failed runs against a server that is down, and closes on reset (API or CLI)', async () => {
    const port = await freePort(); // nothing listens there
    mkdirSync(ws.path('left', 'cal'), { recursive: true });
    writeServiceConfig(ws, {
      endpoints: {
        left: { connector: 'filesystem', settings: { path: './left' } },
        server: { connector: 'caldav', settings: { url: `http://127.0.0.1:${port}/dav/`, username: 'ann', password: 'secret-pw-1' } },
      },
      pairings: { down: { entity: 'event', a: { endpoint: 'server', collection: '/dav/ann/cal/' }, b: { endpoint: 'left', collection: 'cal' }, schedule: { every: '1s', maxFailures: 2, retry: { initial: '1s', max: '1s' } } } },
    });
    const started = await startService(ws);
    running = started.service;
    const { api } = started;
    const s = await api('/api/pairings/down').then((r) => r.json());
    expect(s.pairing).toBe('down');
    const status = () => api('/api/pairings/down').then((r) => r.json());
    const runCount = async () => (await (await api('/api/runs?pairing=down')).json()).runs.length as number;

    const open = await until(async () => { const p = await status(); return p.circuit.open ? p : undefined; }, 40_000, 200);
    expect(open).toMatchObject({ health: 'error', enabled: false, circuit: { open: true, failures: 2, maxFailures: 2 }, lastRun: { ok: false, failure: 'unreachable' } });
    expect(open.lastError).toMatch(/connection refused/);
    expect(open.nextRunAt).toBeUndefined();
    expect(await runCount()).toBe(2);
    const refused = await api('/api/pairings/down/sync', { method: 'POST' });
    expect(refused.status).toBe(409);
    expect((await refused.json()).message).toMatch(/stopped after 2 failed runs in a row.*reset it first/);
    expect(await (await api('/metrics')).text()).toContain('dovetail_circuit_open{pairing="down"} 1');
    await sleep(2500);
    expect(await runCount()).toBe(2); // no runs while open

    // Reset through the API: closed, and the service tries again (and fails again: the server is still down).
    const reset = await (await api('/api/pairings/down/reset', { method: 'POST' })).json();
    expect(reset).toMatchObject({ enabled: true, circuit: { open: false, failures: 0 } });
    expect(await (await api('/metrics')).text()).toContain('dovetail_circuit_open{pairing="down"} 0');
    await until(async () => (await runCount()) >= 3, 20_000, 200);
    await until(async () => (await status()).circuit.open, 40_000, 200);
    expect(await runCount()).toBe(4);

    // Reset from the CLI while the service runs: the service reads the control file and closes the circuit too.
    const cli = await ws.run(['reset', 'down']);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toContain('circuit closed (it was open after 2 failed runs)');
    const closed = await until(async () => { const p = await status(); return !p.circuit.open ? p : undefined; }, 10_000, 200);
    expect(closed.enabled).toBe(true);
  });
});

describe('change triggers', () => {
  it("runs when a watched folder changes, and never because of the run's own writes", async () => {
    mkdirSync(ws.path('left', 'cal'), { recursive: true });
    mkdirSync(ws.path('right', 'cal'), { recursive: true });
    writeServiceConfig(ws, {
      endpoints: { left: { connector: 'filesystem', settings: { path: './left' } }, right: { connector: 'filesystem', settings: { path: './right' } } },
      pairings: { w: { entity: 'event', a: { endpoint: 'left', collection: 'cal' }, b: { endpoint: 'right', collection: 'cal' }, schedule: { watch: true } } },
    }, { watchDebounce: '300ms' });
    const started = await startService(ws);
    running = started.service;
    const { api } = started;
    const runs = async () => (await (await api('/api/runs?pairing=w')).json()).runs as { trigger: string; a: { created: number; updated: number }; b: { created: number; updated: number } }[];
    await sleep(1000);
    expect(await runs()).toHaveLength(0); // no schedule: nothing runs until something changes

    ws.put('left', { uid: 'e1', summary: 'One' });
    await until(async () => (await runs()).length === 1, 10_000, 50);
    expect(ws.items('right').get('e1')).toBe('One');
    await sleep(3000); // the run wrote to the right folder: that must not start another run
    let all = await runs();
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ trigger: 'change', b: { created: 1 } });

    ws.edit('right', 'e1', 'One, edited on the right', '20300101T000000Z');
    await until(async () => (await runs()).length === 2, 10_000, 50);
    await sleep(3000);
    all = await runs();
    expect(all).toHaveLength(2);
    expect(all[0]).toMatchObject({ trigger: 'change', a: { updated: 1 } });
    expect(ws.items('left').get('e1')).toBe('One, edited on the right');
  });
});
